"""Public pages (no sign-in): public_requests."""

urlpatterns = []
