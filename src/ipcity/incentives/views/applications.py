"""Pages: applications."""

urlpatterns = []
