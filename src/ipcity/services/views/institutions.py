"""Pages: institutions."""

urlpatterns = []
