"""Protection pages: agencies."""

urlpatterns = []
