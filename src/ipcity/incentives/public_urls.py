"""Pages without sign-in, mounted at /public/incentives/: open programmes and public notices."""

from .views import public

app_name = "incentives_public"

urlpatterns = [*public.urlpatterns]
