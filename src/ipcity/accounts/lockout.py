"""The sign-in lockout and the login log.

Failed sign-ins are rows of the login log (`LoginEvent`), so the count holds across processes and
servers. A username is locked for `IPCITY_LOCKOUT_MINUTES` once `IPCITY_LOCKOUT_ATTEMPTS`
failures fell within that many minutes (failures before its last successful sign-in do not
count); a client address likewise after `IPCITY_LOCKOUT_IP_ATTEMPTS` failures, whatever the
usernames (password spraying). A username is counted whether or not such an account exists, so
the answers never tell which accounts exist. Refusals while locked are logged as `lockout` and
do not extend the lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from ipaddress import ip_address

from django.conf import settings
from django.utils import timezone

from ipcity.core.ratelimit import client_ip

from .models import USER_AGENT_MAX, LoginEvent, LoginEventKind

# The second-factor step counts toward the same lock as the password.
FAILED = (LoginEventKind.FAILURE,)


def normalize_username(username) -> str:
    return str(username or "").strip().lower()[:150]


def request_ip(request) -> str | None:
    if request is None:
        return None
    return request_ip_text(client_ip(request))


def request_ip_text(raw: str) -> str | None:
    try:
        return str(ip_address(raw.strip()))
    except ValueError:
        return None


def request_agent(request) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]


def record(request, kind, *, user=None, username="", detail="") -> LoginEvent:
    return LoginEvent.objects.create(
        user=user if user is not None and user.pk else None,
        username=normalize_username(username or (user.get_username() if user else "")),
        kind=kind,
        detail=detail[:100],
        ip=request_ip(request),
        user_agent=request_agent(request),
    )


def _locked_until(failures: list[datetime], attempts: int, minutes: int) -> datetime | None:
    """The end of the latest lock among failure times (ascending), or None."""
    window = timedelta(minutes=minutes)
    until = None
    start = 0
    for end, at in enumerate(failures):
        while at - failures[start] >= window:
            start += 1
        if end - start + 1 >= attempts:
            until = at + window
            # Failures during a lock are refused before they are checked, so none follow here;
            # a new count starts after this one.
            start = end + 1
    return until


def _failure_times(filters: dict, since: datetime) -> list[datetime]:
    times = (
        LoginEvent.objects.filter(kind__in=FAILED, at__gte=since, **filters)
        .order_by("-at")
        .values_list("at", flat=True)[:500]
    )
    return sorted(times)


def locked_until(username, ip=None, now=None) -> datetime | None:
    """When the lock on this username or address ends, if either is locked now."""
    now = now or timezone.now()
    minutes = settings.IPCITY_LOCKOUT_MINUTES
    if minutes <= 0:
        return None
    since = now - timedelta(minutes=2 * minutes)
    ends = []
    name = normalize_username(username)
    if name and settings.IPCITY_LOCKOUT_ATTEMPTS > 0:
        last_success = (
            LoginEvent.objects.filter(username=name, kind=LoginEventKind.SUCCESS, at__gte=since)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        times = _failure_times({"username": name}, max(since, last_success or since))
        ends.append(_locked_until(times, settings.IPCITY_LOCKOUT_ATTEMPTS, minutes))
    if ip and settings.IPCITY_LOCKOUT_IP_ATTEMPTS > 0:
        times = _failure_times({"ip": ip}, since)
        ends.append(_locked_until(times, settings.IPCITY_LOCKOUT_IP_ATTEMPTS, minutes))
    ends = [end for end in ends if end is not None and end > now]
    return max(ends) if ends else None


def is_locked(request, username) -> bool:
    return locked_until(username, request_ip(request)) is not None
