import logging
import sys

from django.core.signals import got_request_exception
from django.db import connections
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


class VaryOnHtmxMiddleware:
    """Pages answer HTMX requests with a fragment, so caches must key on the HX-Request header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response


class AuditDownloadsMiddleware:
    """Every file answered as a download (`Content-Disposition: attachment`) to a signed-in user
    goes into the audit trail: whichever view sent it, the permission checks already passed."""

    def __init__(self, get_response):
        from .audit import record_download

        self.get_response = get_response
        self.record_download = record_download

    def __call__(self, request):
        response = self.get_response(request)
        self.record_download(request, response)
        return response


# -- database outage ----------------------------------------------------------------------------

OUTAGE_ERRORS = (OperationalError, InterfaceError)
# Seconds a client is asked to wait (the 503 page says "a minute").
OUTAGE_RETRY_AFTER = 60
_OUTAGE_MARK = "_ipcity_db_outage"

outage_logger = logging.getLogger("ipcity.database")


class _Outage:
    """Per-process outage state, so the log says when an outage began and ended."""

    failures = 0

    @classmethod
    def failed(cls, request, exc: BaseException) -> None:
        cls.failures += 1
        where = f"{request.method} {request.path}"
        if cls.failures == 1:
            outage_logger.error(
                "Database not reachable (%s): %s: %s",
                where,
                type(exc).__name__,
                exc,
                exc_info=(type(exc), exc, exc.__traceback__),
            )
        else:
            outage_logger.warning(
                "Database still not reachable (%s): %s: %s", where, type(exc).__name__, exc
            )

    @classmethod
    def succeeded(cls) -> None:
        if cls.failures:
            outage_logger.warning(
                "Database reachable again after %d failed request(s)", cls.failures
            )
            cls.failures = 0


def _mark_outage(sender, request=None, **kwargs) -> None:
    """`got_request_exception`: remember that the error behind this 500 is the database's.

    Django turns an exception raised in a middleware into a 500 response before the
    middleware around it sees anything, so the exception itself is only visible here.
    """
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, OUTAGE_ERRORS):
        setattr(request, _OUTAGE_MARK, exc)


class _HandledOutageFilter(logging.Filter):
    """Drops Django's "Internal Server Error" record for a request answered with our 503:
    the outage is logged once, by `_Outage`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(getattr(record, "request", None), _OUTAGE_MARK, None) is None


_LOG_FILTER = _HandledOutageFilter()


def _close_broken_connections() -> None:
    """Drop the connections the error left behind, so the next request opens a fresh one."""
    for conn in connections.all(initialized_only=True):
        try:
            if conn.in_atomic_block:
                conn.close_if_unusable_or_obsolete()
            else:
                conn.close()
        except Exception:  # a dead connection may fail to close; it is dropped all the same
            outage_logger.debug("Closing connection %s failed", conn.alias, exc_info=True)


def outage_response(request, exc: BaseException) -> HttpResponse:
    """The answer to a request the database could not serve: 503, JSON under /api/."""
    _Outage.failed(request, exc)
    _close_broken_connections()
    with translation.override(translation.get_language_from_request(request)):
        if request.path_info.startswith("/api/"):
            from ipcity.core.api.errors import error_response

            response = error_response(
                503,
                _("The database is not reachable at the moment; try again in a minute."),
                code="database_unavailable",
            )
        else:
            response = HttpResponse(loader.get_template("errors/503.html").render(), status=503)
    response["Retry-After"] = str(OUTAGE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    response.setdefault("X-Frame-Options", "DENY")
    setattr(request, _OUTAGE_MARK, exc)
    return response


def _api_outage_handler(request, exc):
    return outage_response(request, exc)


class DatabaseOutageMiddleware:
    """With the database gone, pages answer a clean 503 (JSON under /api/), and work again as
    soon as it returns.

    Placed early in MIDDLEWARE, so it sees errors raised anywhere below: in views
    (`process_exception`), in middleware such as the session and identity checks (marked by
    `_mark_outage` on Django's exception signal, then the 500 is replaced here), and in API
    views (ninja catches those itself: a handler for the database errors is added to the API).
    The broken connection is closed, so the next request connects afresh.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_mark_outage, dispatch_uid="ipcity-db-outage")
        request_logger = logging.getLogger("django.request")
        if _LOG_FILTER not in request_logger.filters:
            request_logger.addFilter(_LOG_FILTER)
        from ipcity.api import api

        for error in OUTAGE_ERRORS:
            api.add_exception_handler(error, _api_outage_handler)

    def __call__(self, request):
        response = self.get_response(request)
        exc = getattr(request, _OUTAGE_MARK, None)
        if exc is None:
            _Outage.succeeded()
            return response
        if response.status_code == 503 and response.has_header("Retry-After"):
            return response  # already answered by process_exception or the API handler
        return outage_response(request, exc)

    def process_exception(self, request, exception):
        if isinstance(exception, OUTAGE_ERRORS):
            return outage_response(request, exception)
        return None
