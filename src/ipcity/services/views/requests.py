"""Pages: requests."""

urlpatterns = []
