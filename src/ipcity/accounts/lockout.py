"""The sign-in lockout and the login log.

Failed sign-ins are rows of the login log (`LoginEvent`), so the count holds across processes and
servers. A username is locked for `IPCITY_LOCKOUT_MINUTES` once `IPCITY_LOCKOUT_ATTEMPTS`
failures fell within that many minutes (failures before its last successful sign-in do not
count); a client address likewise after `IPCITY_LOCKOUT_IP_ATTEMPTS` failures, whatever the
usernames (password spraying). A username is counted whether or not such an account exists, so
the answers never tell which accounts exist. Refusals while locked are logged as `lockout` and
do not extend the lock.

Every check of a password or code is counted before it is made (`attempt`, below), so
attempts sent at the same moment cannot all slip under the limit.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ipcity.core import audit
from ipcity.core.models import AuditAction
from ipcity.core.ratelimit import client_ip, normalized_ip

from .models import USER_AGENT_MAX, LoginEvent, LoginEventKind

logger = logging.getLogger(__name__)

# The second-factor step counts toward the same lock as the password.
FAILED = (LoginEventKind.FAILURE,)


def normalize_username(username) -> str:
    return str(username or "").strip().lower()[:150]


def request_ip(request) -> str | None:
    if request is None:
        return None
    return request_ip_text(client_ip(request))


def request_ip_text(raw: str) -> str | None:
    return normalized_ip(raw)


def request_agent(request) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]


# Every row of the login log is also an entry of the audit trail.
AUDIT_ACTIONS = {
    LoginEventKind.SUCCESS: AuditAction.LOGIN_SUCCEEDED,
    LoginEventKind.PENDING: AuditAction.LOGIN_PENDING,
    LoginEventKind.FAILURE: AuditAction.LOGIN_FAILED,
    LoginEventKind.LOCKOUT: AuditAction.LOGIN_REFUSED,
    LoginEventKind.LOGOUT: AuditAction.LOGOUT,
    LoginEventKind.TIMEOUT: AuditAction.SESSION_TIMED_OUT,
    LoginEventKind.REVOKED: AuditAction.SESSIONS_REVOKED,
}


def record(request, kind, *, user=None, username="", detail="") -> LoginEvent:
    with transaction.atomic():
        event = LoginEvent.objects.create(
            user=user if user is not None and user.pk else None,
            username=normalize_username(username or (user.get_username() if user else "")),
            kind=kind,
            detail=detail[:100],
            ip=request_ip(request),
            user_agent=request_agent(request),
        )
        audit.record(
            AUDIT_ACTIONS[kind],
            actor=event.user,
            username="" if event.user else event.username,  # the name typed, without an account
            summary=event.detail,
            request=request,
            details={"user_agent": event.user_agent} if event.user_agent else None,
        )
    return event


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


# -- the gate: count an attempt before checking it -------------------------------------------
#
# The log above is the record, but two requests checked at the same moment would both read the
# same count of failures and both be let through. So every attempt first takes a slot in an
# "in flight" counter in the cache (`cache.add`/`cache.incr`, atomic on Redis), per username and
# per address, and is refused when the failures in the log plus the attempts in flight exceed
# the limit; the slot is given back once the attempt's outcome is in the log.

INFLIGHT_TTL = 120


def _inflight_key(kind: str, ident: str) -> str:
    return f"lockout:inflight:{kind}:{hashlib.sha256(ident.encode()).hexdigest()[:32]}"


def _enter(key: str) -> int:
    """Take a slot; returns how many attempts are in flight with this one."""
    try:
        if cache.add(key, 1, timeout=INFLIGHT_TTL):
            return 1
        return int(cache.incr(key))
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, timeout=INFLIGHT_TTL)
        return 1
    except Exception:
        logger.warning("lockout cache unavailable; counting from the log only", exc_info=True)
        return 1


def _leave(key: str) -> None:
    # Expired, or the cache is down: the slot lapses with the entry.
    with suppress(Exception):
        cache.decr(key)


def recent_failures(username, ip=None, now=None) -> tuple[int, int]:
    """Failures within the last IPCITY_LOCKOUT_MINUTES: of the username (after its last
    successful sign-in) and of the address."""
    now = now or timezone.now()
    since = now - timedelta(minutes=settings.IPCITY_LOCKOUT_MINUTES)
    name = normalize_username(username)
    by_name = by_ip = 0
    if name:
        last_success = (
            LoginEvent.objects.filter(username=name, kind=LoginEventKind.SUCCESS, at__gte=since)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        by_name = LoginEvent.objects.filter(
            username=name, kind__in=FAILED, at__gte=max(since, last_success or since)
        ).count()
    if ip:
        by_ip = LoginEvent.objects.filter(ip=ip, kind__in=FAILED, at__gte=since).count()
    return by_name, by_ip


@contextmanager
def attempt(request, username):
    """Count one attempt for `username` (and the client address) before it is checked.

    Yields False when the attempt is refused: the username or the address is locked, or the
    failures logged plus the attempts in flight (this one included) exceed the limit. The body
    must log a failure before leaving the block, so the count never loses it.
    """
    minutes = settings.IPCITY_LOCKOUT_MINUTES
    name = normalize_username(username)
    ip = request_ip(request)
    if minutes <= 0:
        yield True
        return
    if locked_until(name, ip) is not None:
        yield False
        return
    limits = []
    if name and settings.IPCITY_LOCKOUT_ATTEMPTS > 0:
        limits.append(("name", name, settings.IPCITY_LOCKOUT_ATTEMPTS))
    if ip and settings.IPCITY_LOCKOUT_IP_ATTEMPTS > 0:
        limits.append(("ip", ip, settings.IPCITY_LOCKOUT_IP_ATTEMPTS))
    entered = []
    try:
        in_flight = {}
        for kind, ident, _limit in limits:
            key = _inflight_key(kind, ident)
            in_flight[kind] = _enter(key)
            entered.append(key)
        by_name, by_ip = recent_failures(name, ip)
        logged = {"name": by_name, "ip": by_ip}
        yield all(logged[kind] + in_flight[kind] <= limit for kind, _ident, limit in limits)
    finally:
        for key in entered:
            _leave(key)


def guarded_check(request, user, check, detail: str) -> bool | None:
    """Check a password or code of a signed-in `user` as sign-in does: counted before, a
    failure logged and counted toward the lock. None when refused (locked), else the result."""
    with attempt(request, user.get_username()) as allowed:
        if not allowed:
            record(request, LoginEventKind.LOCKOUT, user=user, detail=detail)
            return None
        if check():
            return True
        record(request, LoginEventKind.FAILURE, user=user, detail=detail)
        return False
