"""One error format for every API failure.

Every 4xx and 5xx answer is `{"code": ..., "message": ..., "errors": {field: [messages]}}`:
`code` is stable for programs, `message` is for people (translated), `errors` holds field
problems (`__all__` for those not tied to one field). No stack trace ever reaches the client.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

logger = logging.getLogger("ipcity.api")

NON_FIELD = "__all__"


class ErrorOut(Schema):
    code: str = Field(description="Stable, machine-readable error code.")
    message: str = Field(description="Human-readable explanation in the request's language.")
    errors: dict[str, list[str]] = Field(
        default_factory=dict,
        description=f"Problems per input field; `{NON_FIELD}` for those not tied to one field.",
    )


# Documented on every operation so clients (and schemathesis) know the shape of each failure.
ERROR_RESPONSES = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
    500: ErrorOut,
}

_DEFAULT_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
}


class CsrfFailed(HttpError):
    def __init__(self) -> None:
        super().__init__(403, "CSRF check failed")


def error_body(status: int, message: str, errors=None, code: str | None = None) -> dict:
    return {
        "code": code or _DEFAULT_CODES.get(status, "error"),
        "message": str(message),
        "errors": {key: [str(m) for m in msgs] for key, msgs in (errors or {}).items()},
    }


def error_response(status: int, message: str, errors=None, code: str | None = None):
    return JsonResponse(
        error_body(status, message, errors, code),
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _field_name(loc) -> str:
    """The top-level input field an error is about.

    ninja reports `(source, argument, field, ...)` for schema arguments, e.g.
    `("body", "payload", "name")` or `("query", "filters", "kind", 0)`, and `(source, name)` for
    plain parameters such as `("path", "org_id")`.
    """
    parts = list(loc[1:])
    if len(parts) >= 2 and isinstance(parts[1], str):
        parts = parts[1:]
    if not parts or (loc[0] == "body" and len(loc) == 2):
        return NON_FIELD
    return str(parts[0])


# pydantic's messages are English only: each error type it reports is said again here, in the
# request's language, with the limits from the error's context (`ctx`).
_PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("This field is not accepted."),
    "json_invalid": gettext_lazy("The body is not valid JSON."),
    "model_attributes_type": gettext_lazy("Enter an object."),
    "model_type": gettext_lazy("Enter an object."),
    "dict_type": gettext_lazy("Enter an object."),
    "list_type": gettext_lazy("Enter a list."),
    "string_type": gettext_lazy("Enter text."),
    "string_too_short": gettext_lazy("Enter at least %(min_length)s characters."),
    "string_too_long": gettext_lazy("Enter at most %(max_length)s characters."),
    "string_pattern_mismatch": gettext_lazy("Enter a value in the required format."),
    "too_short": gettext_lazy("Enter at least %(min_length)s items."),
    "too_long": gettext_lazy("Enter at most %(max_length)s items."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_parsing_size": gettext_lazy("The number is too large."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "float_type": gettext_lazy("Enter a number."),
    "float_parsing": gettext_lazy("Enter a number."),
    "decimal_type": gettext_lazy("Enter a number."),
    "decimal_parsing": gettext_lazy("Enter a number."),
    "decimal_max_digits": gettext_lazy("Enter a number of at most %(max_digits)s digits."),
    "decimal_max_places": gettext_lazy("Enter at most %(decimal_places)s decimal places."),
    "decimal_whole_digits": gettext_lazy(
        "Enter at most %(whole_digits)s digits before the decimal point."
    ),
    "finite_number": gettext_lazy("Enter a finite number."),
    "greater_than": gettext_lazy("Enter a value greater than %(gt)s."),
    "greater_than_equal": gettext_lazy("Enter a value of at least %(ge)s."),
    "less_than": gettext_lazy("Enter a value less than %(lt)s."),
    "less_than_equal": gettext_lazy("Enter a value of at most %(le)s."),
    "bool_type": gettext_lazy("Enter true or false."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "date_type": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "date_parsing": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "date_from_datetime_inexact": gettext_lazy("Enter a date without a time."),
    "datetime_type": gettext_lazy("Enter a valid date and time."),
    "datetime_parsing": gettext_lazy("Enter a valid date and time."),
    "datetime_from_date_parsing": gettext_lazy("Enter a valid date and time."),
    "uuid_type": gettext_lazy("Enter a valid UUID."),
    "uuid_parsing": gettext_lazy("Enter a valid UUID."),
    "enum": gettext_lazy("Choose one of: %(expected)s."),
    "literal_error": gettext_lazy("Choose one of: %(expected)s."),
}


def pydantic_message(error: dict) -> str:
    """One pydantic error in the request's language; an unknown type says only that the value is
    not valid."""
    message = _PYDANTIC_MESSAGES.get(error.get("type", ""))
    if message is None:
        return _("Invalid value.")
    context = dict(error.get("ctx") or {})
    if "expected" in context:  # "'a', 'b' or 'c'": the choices without the English "or"
        context["expected"] = str(context["expected"]).replace(" or ", ", ")
    try:
        return str(message) % {key: str(value) for key, value in context.items()}
    except (KeyError, TypeError, ValueError):
        return _("Invalid value.")


def _messages_from_ninja(errors: list[dict]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in errors:
        loc = error.get("loc") or ()
        if isinstance(loc, str):
            loc = (loc,)
        result.setdefault(_field_name(tuple(loc)), []).append(pydantic_message(error))
    return result


def _messages_from_django(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {NON_FIELD: [str(m) for m in exc.messages]}


def _on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return error_response(422, _("The request is not valid."), _messages_from_ninja(exc.errors))


def _on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return error_response(422, _("The request is not valid."), _messages_from_django(exc))


def _on_authentication(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = error_response(
        401, _("Sign in or send a valid API token: Authorization: Bearer <token>.")
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _on_permission(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = str(exc) if isinstance(exc, PermissionDenied) and str(exc) else None
    return error_response(403, message or _("You do not have permission to do this."))


def _on_csrf(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(
        403,
        _("The CSRF token is missing or wrong; API clients should use a token instead."),
        code="csrf_failed",
    )


def _on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404, _("Not found."))


def _on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return error_response(429, _("Too many requests; please wait and try again."))


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    if status == 400:
        return error_response(400, _("The request could not be read: %s") % exc.message)
    if status >= 500:
        logger.error("API error %s on %s: %s", status, request.path, exc.message)
        return error_response(status, _("Something went wrong on our side."))
    return error_response(status, exc.message)


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled error in API call %s %s", request.method, request.path)
    return error_response(
        500, _("Something went wrong on our side. The error has been logged."), code="server_error"
    )


def install_error_handlers(api) -> None:
    """Replace ninja's defaults (which differ per error and re-raise 500s) with ours."""
    api.add_exception_handler(Exception, _on_unexpected)
    api.add_exception_handler(HttpError, _on_http_error)
    api.add_exception_handler(NinjaValidationError, _on_ninja_validation)
    api.add_exception_handler(DjangoValidationError, _on_django_validation)
    api.add_exception_handler(AuthenticationError, _on_authentication)
    api.add_exception_handler(AuthorizationError, _on_permission)
    api.add_exception_handler(PermissionDenied, _on_permission)
    api.add_exception_handler(CsrfFailed, _on_csrf)
    api.add_exception_handler(Http404, _on_404)
    api.add_exception_handler(Throttled, _on_throttled)
