"""Every page of the URL map without a parameter, for the tests that check something on every
list page (with the `reader_client` fixture of conftest.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

SKIPPED = ("/django-admin", "/api", "/accounts/logout", "/i18n")


def routes(patterns=None, prefix: str = ""):
    """Every route of the URL map without a parameter."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if any(sign in route for sign in "<([*+?\\"):
            continue
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield "/" + route


def page_paths() -> list[str]:
    """The pages a signed-in user opens (not the admin, the API, sign-out or language)."""
    return [path for path in sorted(set(routes())) if not path.startswith(SKIPPED)]
