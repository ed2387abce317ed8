"""Finance pages."""

urlpatterns = []
