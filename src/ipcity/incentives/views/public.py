"""Public pages (no sign-in): programmes open for application and public notices."""

urlpatterns = []
