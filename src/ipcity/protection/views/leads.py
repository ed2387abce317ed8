"""Protection pages: leads."""

urlpatterns = []
