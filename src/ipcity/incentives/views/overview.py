"""Pages: overview."""

urlpatterns = []
