"""Protection pages: transfers."""

urlpatterns = []
