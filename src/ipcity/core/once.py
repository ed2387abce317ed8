"""Submit once: a second POST of the same form (a double click, a reload, a second tab holding
the same page) never creates a second record.

A form carries a random token (`{% once_token %}` renders the hidden input). The view asks
`once.claim(request)` before writing: the first request with a token claims it in the cache with
an atomic `add`; every later request with the same token is refused and, when the first one
recorded where it led (`once.done(request, url)`), is sent there instead:

    if not once.claim(request):
        return once.repeat_response(request, fallback=reverse("protection:lead_list"))
    lead = leads.create_lead(...)
    once.done(request, lead.get_absolute_url())

A POST without a token (API clients, tests posting by hand) is not affected: the API guards its
own writes. If the write fails, `once.release(request)` frees the token so the corrected form can
be sent again.
"""

from __future__ import annotations

import contextlib
import secrets

from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect
from django.utils.translation import gettext as _

FIELD = "_once"
TTL = 6 * 3600
PENDING = "-"


def new_token() -> str:
    return secrets.token_urlsafe(16)


def _key(request, token: str) -> str:
    session = getattr(request, "session", None)
    owner = (session.session_key if session is not None else "") or request.META.get(
        "REMOTE_ADDR", ""
    )
    return f"once:{owner}:{token[:64]}"


def token(request) -> str:
    return str(request.POST.get(FIELD, "") or "")


def claim(request) -> bool:
    """True for the first submission of this form; False for a repeat."""
    value = token(request)
    if not value:
        return True
    try:
        return bool(cache.add(_key(request, value), PENDING, timeout=TTL))
    except Exception:  # a cache outage must not block every form
        return True


def done(request, url: str) -> None:
    value = token(request)
    if value:
        with contextlib.suppress(Exception):
            cache.set(_key(request, value), url, timeout=TTL)


def release(request) -> None:
    value = token(request)
    if value:
        with contextlib.suppress(Exception):
            cache.delete(_key(request, value))


def repeat_response(request, fallback: str):
    """Where a repeated submission goes: the first one's result, else `fallback`."""
    try:
        url = cache.get(_key(request, token(request)))
    except Exception:
        url = None
    messages.info(request, _("This form was already sent; it was not sent again."))
    return redirect(url if url and url != PENDING else fallback)
