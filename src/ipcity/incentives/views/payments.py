"""Pages: payments."""

urlpatterns = []
