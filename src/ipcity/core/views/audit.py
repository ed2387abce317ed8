"""The audit trail, read-only, for holders of core.view_auditentry (the audit administrator).

Pages go back by entry number (`before=<seq>`), so a page costs one query whatever the size of
the trail; filters: action, username, and a range of days.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from .. import menu
from ..models import AuditAction, AuditEntry
from .history import holds

PAGE = 50


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _number(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


@login_required
@require_safe
def audit_trail(request):
    if not holds(request.user, "core.view_auditentry"):
        raise PermissionDenied
    entries = AuditEntry.objects.all()
    action = request.GET.get("action", "")
    actor = request.GET.get("actor", "").strip()
    since, until = _day(request.GET.get("since", "")), _day(request.GET.get("until", ""))
    before = _number(request.GET.get("before", ""))
    if action in AuditAction.values:
        entries = entries.filter(action=action)
    if actor:
        entries = entries.filter(actor_username=actor)
    if since:
        entries = entries.filter(at__gte=_start_of(since))
    if until:
        entries = entries.filter(at__lt=_start_of(until + timedelta(days=1)))
    if before:
        entries = entries.filter(seq__lt=before)
    rows = list(entries.order_by("-seq")[: PAGE + 1])
    page, more = rows[:PAGE], len(rows) > PAGE
    for entry in page:
        entry.details_text = (
            json.dumps(entry.details, ensure_ascii=False, sort_keys=True) if entry.details else ""
        )
    return render(
        request,
        "core/audit_trail.html",
        {
            "entries": page,
            "next_before": page[-1].seq if more else "",
            "paged": before is not None,
            "actions": AuditAction.choices,
            "action": action,
            "actor": actor,
            "since": since.isoformat() if since else "",
            "until": until.isoformat() if until else "",
            "retention_days": settings.IPCITY_AUDIT_RETENTION_DAYS,
        },
    )


urlpatterns = [
    path("audit/", audit_trail, name="audit_trail"),
]

menu.register(
    "system",
    gettext_lazy("Audit trail"),
    "core:audit_trail",
    "core.view_auditentry",
    order=75,
    icon="shield-lock",
)
