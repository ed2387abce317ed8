"""Protection pages: coordination."""

urlpatterns = []
