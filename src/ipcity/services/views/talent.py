"""Pages: talent."""

urlpatterns = []
