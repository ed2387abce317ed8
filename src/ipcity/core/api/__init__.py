"""Building blocks every app's API router uses: authentication, the error format, pagination."""

from .auth import SessionAuth, TokenAuth, api_auth
from .errors import ERROR_RESPONSES, ErrorOut, install_error_handlers
from .pagination import PageParams, paginate

__all__ = [
    "ERROR_RESPONSES",
    "ErrorOut",
    "PageParams",
    "SessionAuth",
    "TokenAuth",
    "api_auth",
    "install_error_handlers",
    "paginate",
]
