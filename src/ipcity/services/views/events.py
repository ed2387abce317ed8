"""Pages: events."""

urlpatterns = []
