"""Protection pages: cases."""

urlpatterns = []
