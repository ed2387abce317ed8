"""Pages without sign-in, mounted at /public/protection/: complaint form, status look-up."""

from .views import public

app_name = "protection_public"

urlpatterns = [*public.urlpatterns]
