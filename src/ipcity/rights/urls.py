"""Rights pages. Each view module keeps its own `urlpatterns`, gathered here under `rights`."""

from .views import highvalue, marks, other, patents, profile, review

app_name = "rights"

urlpatterns = [
    *patents.urlpatterns,
    *marks.urlpatterns,
    *other.urlpatterns,
    *profile.urlpatterns,
    *review.urlpatterns,
    *highvalue.urlpatterns,
]
