"""The audit trail: an append-only, hash-chained record of security-relevant actions.

    audit.record(AuditAction.ROLE_ASSIGNED, actor=actor, obj=assignment, details={...})

Recorded: sign-ins, failures, refusals, sign-outs and session ends (every row of the login log,
accounts/lockout.py), own password changes and resets, users and roles created and changed,
roles assigned and removed (accounts/actions.py), exports of lists (core/exports.py), every file
answered as a download to a signed-in user (`AuditDownloadsMiddleware`), and views of case
details through a share (protection/visibility.py), and every addition, change and deletion
made in the Django admin (core/admin_audit.py).

Entries are numbered 1, 2, 3, … without gaps. Each one stores the hash of the entry before it
(`prev_hash`) and its own `hash`: SHA-256 over `prev_hash` followed by a canonical JSON of its
other fields (`AuditEntry.canonical`). A writer locks the single `AuditHead` row first, so the
chain stays linear however many processes write; the entry is written in the caller's
transaction, so an action rolled back leaves no entry, and an action committed always has one.

`check_chain()` (`ipcity audit verify`) walks the chain in chunks and names the first entry
whose content no longer matches its hash, which does not follow the entry before it, or which
follows a gap. `prune()` (`ipcity audit prune` and the daily duty) removes entries older than
`IPCITY_AUDIT_RETENTION_DAYS` (at least 180) and makes the oldest entry kept the chain's anchor,
remembered in the head row, so verification starts there and still catches any later removal.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .daily import daily_duty
from .models import GENESIS_HASH, AuditAction, AuditEntry, AuditHead
from .ratelimit import client_ip, normalized_ip

logger = logging.getLogger(__name__)

HEAD_PK = 1
CHUNK_SIZE = 1000
# GB/T 22239-2019 level 3 asks that audit records be kept as long as the law requires (8.1.5.4);
# the Cybersecurity Law (art. 21) requires at least six months.
MIN_RETENTION_DAYS = 180

__all__ = [
    "AuditAction",
    "ChainBreak",
    "ChainReport",
    "check_chain",
    "prune",
    "record",
    "record_download",
    "retention_days",
    "verify",
]


# -- writing -----------------------------------------------------------------------------------


def request_user(request):
    """The signed-in user of a page request, or the token's user of an API request."""
    for attr in ("user", "auth"):
        user = getattr(request, attr, None)
        if user is not None and getattr(user, "is_authenticated", False) and user.pk:
            return user
    return None


def request_ip(request) -> str:
    if request is None or not hasattr(request, "META"):
        return ""
    return normalized_ip(client_ip(request)) or ""


def _plain_json(details) -> dict:
    """The details as they will read back from the JSON column (dates as text, keys as
    strings), so the hash is computed over exactly what is stored."""
    if not details:
        return {}
    return json.loads(json.dumps(details, cls=DjangoJSONEncoder))


def _describe(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    if isinstance(obj, type) and issubclass(obj, models.Model):
        return obj._meta.label_lower, ""
    pk = getattr(obj, "pk", None)
    return obj._meta.label_lower, "" if pk is None else str(pk)


def _lock_head() -> AuditHead:
    """The head row, locked until the end of the transaction (every writer waits here)."""
    head = AuditHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is not None:
        return head
    first = AuditEntry.objects.order_by("seq").first()
    last = AuditEntry.objects.order_by("-seq").first()
    if last is not None:
        logger.warning("The audit trail's head row was missing; rebuilt from entry #%d", last.seq)
    fresh = AuditHead(pk=HEAD_PK)
    if first is not None and last is not None:
        fresh.last_seq, fresh.last_hash = last.seq, last.hash
        fresh.anchor_seq, fresh.anchor_prev_hash = first.seq, first.prev_hash
    try:
        with transaction.atomic():
            fresh.save(force_insert=True)
    except IntegrityError:  # another writer created it first
        return AuditHead.objects.select_for_update().get(pk=HEAD_PK)
    return fresh


def _append(head: AuditHead, **fields) -> AuditEntry:
    """Write the next entry after `head` (locked by the caller) and move the head to it."""
    entry = AuditEntry(seq=head.last_seq + 1, at=timezone.now(), prev_hash=head.last_hash, **fields)
    entry.hash = entry.compute_hash()
    entry.save()
    head.last_seq, head.last_hash = entry.seq, entry.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


def record(
    action,
    *,
    actor=None,
    obj=None,
    summary="",
    request=None,
    details=None,
    username: str = "",
) -> AuditEntry:
    """Append one entry to the audit trail and return it.

    `actor` defaults to the request's user; `username` names the actor when there is no account
    (a failed sign-in records the name that was typed). `obj` is a model instance, or a model
    class for actions on a whole list (exports). The entry joins the caller's transaction.
    """
    action = AuditAction(action)
    if not getattr(actor, "pk", None):  # none given, or anonymous
        actor = request_user(request) if request is not None else None
    object_type, object_id = _describe(obj)
    if not summary and obj is not None and not isinstance(obj, type):
        summary = str(obj)
    fields = {
        "actor_id": actor.pk if actor is not None else None,
        "actor_username": (username or (actor.get_username() if actor else ""))[:150],
        "action": action.value,
        "object_type": object_type[:100],
        "object_id": object_id[:64],
        "summary": str(summary)[:300],
        "ip": request_ip(request),
        "details": _plain_json(details),
    }
    with transaction.atomic():
        return _append(_lock_head(), **fields)


def _attachment_name(disposition: str) -> str:
    message = Message()
    message["Content-Disposition"] = disposition
    return message.get_filename() or ""


def record_download(request, response) -> None:
    """Record a file answered as a download to a signed-in user (see AuditDownloadsMiddleware).

    The view is named by its URL name and arguments, the file by its name; an answer whose
    view already recorded it (an export) sets `response.audit_recorded`.
    """
    if getattr(response, "audit_recorded", False) or not 200 <= response.status_code < 300:
        return
    disposition = response.get("Content-Disposition", "")
    if not disposition.lower().startswith("attachment"):
        return
    actor = request_user(request)
    if actor is None:
        return
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match else ""
    kwargs = dict(match.kwargs) if match else {}
    record(
        AuditAction.DOWNLOAD,
        actor=actor,
        summary=_attachment_name(disposition) or request.path,
        request=request,
        details={"view": view, "args": kwargs, "path": request.path},
    )


# -- verifying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain breaks: the first entry that fails, or the first missing number."""

    seq: int
    at: datetime | None
    reason: str

    def __str__(self) -> str:
        if self.at is None:
            return f"entry #{self.seq}: {self.reason}"
        when = timezone.localtime(self.at).isoformat(sep=" ", timespec="seconds")
        return f"entry #{self.seq} ({when}): {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_seq: int | None
    last_seq: int | None
    last_hash: str
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def _walk(head: AuditHead | None, chunk_size: int) -> ChainReport:
    if head is None:
        first = AuditEntry.objects.order_by("seq").first()
        if first is None:
            return ChainReport(0, None, None, GENESIS_HASH, None)
        broken = ChainBreak(first.seq, first.at, "the head row of the chain is missing")
        return ChainReport(0, None, None, "", broken)

    expected_seq, expected_prev = head.anchor_seq, head.anchor_prev_hash
    checked = 0

    def report(broken=None) -> ChainReport:
        first = head.anchor_seq if checked else None
        last = head.anchor_seq + checked - 1 if checked else None
        return ChainReport(checked, first, last, expected_prev, broken)

    # Entries written after the head was read lie beyond `last_seq`; the next check sees them.
    entries = AuditEntry.objects.filter(seq__gte=head.anchor_seq, seq__lte=head.last_seq).order_by(
        "seq"
    )
    after = head.anchor_seq - 1
    while True:
        chunk = list(entries.filter(seq__gt=after)[:chunk_size])
        if not chunk:
            break
        for entry in chunk:
            if entry.seq != expected_seq:
                missing = (
                    f"entry #{expected_seq} is missing"
                    if entry.seq == expected_seq + 1
                    else f"entries #{expected_seq} to #{entry.seq - 1} are missing"
                )
                return report(ChainBreak(entry.seq, entry.at, missing))
            if entry.prev_hash != expected_prev:
                reason = (
                    "it does not match the anchor of the chain"
                    if expected_seq == head.anchor_seq
                    else f"it does not follow entry #{expected_seq - 1}, which was changed "
                    "or replaced"
                )
                return report(ChainBreak(entry.seq, entry.at, reason))
            if entry.compute_hash() != entry.hash:
                reason = "its content was altered (the hash does not match)"
                return report(ChainBreak(entry.seq, entry.at, reason))
            expected_seq += 1
            expected_prev = entry.hash
            checked += 1
        after = chunk[-1].seq
    if expected_seq <= head.last_seq:
        missing = (
            f"entry #{expected_seq} is missing"
            if expected_seq == head.last_seq
            else f"entries #{expected_seq} to #{head.last_seq} are missing"
        )
        return report(ChainBreak(expected_seq, None, missing))
    if expected_prev != head.last_hash:
        last = AuditEntry.objects.filter(seq=head.last_seq).first()
        reason = "it does not match the latest entry recorded in the head row"
        return report(ChainBreak(head.last_seq, last.at if last else None, reason))
    return report()


def check_chain(chunk_size: int = CHUNK_SIZE) -> ChainReport:
    """Walk the kept chain from its anchor to the latest entry, `chunk_size` entries at a time.

    A prune running meanwhile moves the anchor past entries this walk expected; the walk then
    starts again from the new anchor.
    """
    report = None
    for _attempt in range(3):
        head = AuditHead.objects.filter(pk=HEAD_PK).first()
        report = _walk(head, chunk_size)
        if report.intact or head is None:
            return report
        again = AuditHead.objects.filter(pk=HEAD_PK).first()
        if again is None or again.anchor_seq == head.anchor_seq:
            return report
    return report


def verify(chunk_size: int = CHUNK_SIZE) -> ChainBreak | None:
    """The first break of the chain, or None when it is intact."""
    return check_chain(chunk_size).broken


# -- retention ---------------------------------------------------------------------------------


def retention_days() -> int:
    days = settings.IPCITY_AUDIT_RETENTION_DAYS
    if days < MIN_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"IPCITY_AUDIT_RETENTION_DAYS is {days}; audit entries must be kept for at least "
            f"{MIN_RETENTION_DAYS} days (six months). Nothing was removed."
        )
    return days


@dataclass(frozen=True)
class PruneResult:
    removed: int
    days: int
    cutoff: datetime
    anchor_seq: int


def prune(now: datetime | None = None) -> PruneResult:
    """Remove the entries older than the retention; the oldest entry kept becomes the anchor.

    The removal itself is recorded first (`audit_pruned`), so the chain is never left empty.
    Raises ImproperlyConfigured when the retention is below the minimum.
    """
    days = retention_days()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        head = _lock_head()
        boundary = (
            AuditEntry.objects.filter(seq__gte=head.anchor_seq, at__gte=cutoff)
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        )
        old = AuditEntry._base_manager.filter(seq__lte=head.last_seq)
        if boundary is not None:
            old = old.filter(seq__lt=boundary)
        removed = old.count()
        if not removed:
            return PruneResult(0, days, cutoff, head.anchor_seq)
        marker = _append(
            head,
            action=AuditAction.AUDIT_PRUNED.value,
            summary=f"#{head.anchor_seq}–#{(boundary or head.last_seq + 1) - 1}",
            details={
                "removed": removed,
                "older_than": cutoff.isoformat(),
                "retention_days": days,
            },
        )
        anchor = AuditEntry.objects.get(seq=boundary if boundary is not None else marker.seq)
        # The one place entries are deleted: past the retention, and the anchor moves with it.
        AuditEntry._base_manager.filter(seq__lt=anchor.seq).delete()
        head.anchor_seq, head.anchor_prev_hash = anchor.seq, anchor.prev_hash
        head.save(update_fields=["anchor_seq", "anchor_prev_hash"])
    return PruneResult(removed, days, cutoff, anchor.seq)


@daily_duty("audit-trail", order=95)
def check_and_prune(day) -> str:
    """Check the whole chain; prune only an intact one, so a break stays for investigation.

    The line names the latest entry and its hash: kept in the duty's log, outside the
    database, it lets a later check tell whether the chain was rewritten as a whole.
    """
    report = check_chain()
    if report.broken is not None:
        logger.error("Audit trail broken at %s", report.broken)
        return f"BROKEN at {report.broken}; nothing pruned (run `ipcity audit verify`)"
    state = (
        f"chain intact, {report.checked} entries up to #{report.last_seq} ({report.last_hash[:16]})"
        if report.checked
        else "chain intact, no entries"
    )
    try:
        result = prune()
    except ImproperlyConfigured as exc:
        logger.error("%s", exc)
        return f"{state}; not pruned: {exc}"
    return f"{state}; {result.removed} entries older than {result.days} days removed"
