"""A rate limit on the API: `IPCITY_API_RATE` requests a minute per caller (a token, else a
session, else the client's address), answered beyond it with a JSON 429 and `Retry-After`.

Counted in Django's cache by `core/ratelimit.py` (fixed windows; a cache error lets the request
through). The public forms and the sign-in have limits of their own.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.translation import gettext as _

from ipcity.core import ratelimit

from .errors import error_response

WINDOW = 60
PREFIX = "/api/"


def caller(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        return "token:" + header
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if session:
        return "session:" + session
    return "ip:" + ratelimit.client_ip(request)


class ApiRateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(PREFIX):
            limit = getattr(settings, "IPCITY_API_RATE", 600)
            if limit and not ratelimit.allow("api", caller(request), limit, WINDOW):
                response = error_response(
                    429,
                    _("Too many requests: at most %(n)d a minute. Try again shortly.")
                    % {"n": limit},
                    code="rate_limited",
                )
                response["Retry-After"] = str(WINDOW - int(time.time()) % WINDOW or WINDOW)
                return response
        return self.get_response(request)
