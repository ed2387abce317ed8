"""Pages: notices."""

urlpatterns = []
