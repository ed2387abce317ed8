"""Plan pages. Each view module keeps its own `urlpatterns`, gathered here under `plans`."""

from .views import assessment, budget, conference, plans, reports, tasks

app_name = "plans"

urlpatterns = [
    *plans.urlpatterns,
    *tasks.urlpatterns,
    *reports.urlpatterns,
    *conference.urlpatterns,
    *budget.urlpatterns,
    *assessment.urlpatterns,
]
