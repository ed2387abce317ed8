"""Overview pages."""

urlpatterns = []
