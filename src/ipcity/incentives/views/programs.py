"""Pages: programs."""

urlpatterns = []
