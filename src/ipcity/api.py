"""The HTTP API: one NinjaAPI with each app's router mounted under /api/.

Authentication is a signed-in session (with CSRF on unsafe methods) or a personal token sent as
`Authorization: Bearer <key>`. Every failure, including unknown paths and wrong methods, answers
in the one error format of `ipcity.core.api.errors`.
"""

from functools import wraps

from django.http import HttpResponseNotAllowed
from django.urls import re_path
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from ipcity.core.api import api_auth, install_error_handlers
from ipcity.core.api.errors import error_response
from ipcity.incentives.api import router as incentives_router
from ipcity.orgs.api import router as orgs_router
from ipcity.plans.api import router as plans_router
from ipcity.protection.api import router as protection_router
from ipcity.rights.api import router as rights_router
from ipcity.services.api import router as services_router
from ipcity.utilization.api import router as utilization_router

DESCRIPTION = """
The ipcity platform's API. Sign in to use it from the browser, or create a personal API token
on the *API tokens* page of your account menu and send it as `Authorization: Bearer <token>`.

Every error answers with `{"code", "message", "errors"}`; `errors` maps each input field to its
problems. Lists take `limit` (at most 200) and `offset` and answer `{count, next_offset, results}`.
"""


def _json_method_not_allowed(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response(
                405, _("Method %(method)s is not allowed here.") % {"method": request.method}
            )
            response["Allow"] = allowed
        return response

    return wrapper


def _unknown_path(request, rest=""):
    return error_response(404, _("Not found."))


class IpcityAPI(NinjaAPI):
    def _get_urls(self):
        patterns = super()._get_urls()
        for pattern in patterns:
            callback = pattern.callback
            # Keep ninja's attributes (csrf_exempt) on the wrapper through functools.wraps.
            pattern.callback = _json_method_not_allowed(callback)
        # Last: anything else under /api/ is a JSON 404 rather than the HTML error page.
        _unknown_path.csrf_exempt = True
        patterns.append(re_path(r"^(?P<rest>.*)$", _unknown_path, name="unknown"))
        return patterns


api = IpcityAPI(
    title="ipcity API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=api_auth(),
    docs=Swagger(settings={"persistAuthorization": True}),
)
install_error_handlers(api)
api.add_router("/orgs/", orgs_router)
api.add_router("/rights/", rights_router)
api.add_router("/plans/", plans_router)
api.add_router("/utilization/", utilization_router)
api.add_router("/protection/", protection_router)
api.add_router("/services/", services_router)
api.add_router("/incentives/", incentives_router)
