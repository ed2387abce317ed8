"""Pages without sign-in, mounted at /public/: the portal, policies and notices, the service
directory, the events calendar, service requests and their status look-up."""

from .views import public, public_requests

app_name = "public"

urlpatterns = [*public.urlpatterns, *public_requests.urlpatterns]
