"""Public pages (no sign-in): public."""

urlpatterns = []
