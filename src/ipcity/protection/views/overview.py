"""Protection pages: overview."""

urlpatterns = []
