"""Protection pages: public."""

urlpatterns = []
