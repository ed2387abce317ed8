"""Case actions, shared by pages, API, imports and the demo: every state change goes through
here, inside one transaction, with a `CaseEvent` naming who, when and why.

Core (fixed): `open_case`, `transition`. The rest of the case's work (decision with penalty,
disclosure, execution, closure, extensions, handlers, rights and parties intake, evidence) is
added below with the same shape: `verb(user, case, ...)`, permission checked against the
restricted queryset, ValidationError for the person, never a half-written state.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from ipcity.core.scope import scope_q

from . import clocks
from .choices import CaseStatus, LeadStatus
from .models import Case, CaseEvent, Lead


def _can(user, case: Case, action: str) -> bool:
    q = scope_q(Case, user, action)
    if q is None:
        return False
    return Case.objects.filter(pk=case.pk).filter(q).exists()


def check_change(user, case: Case) -> None:
    """PermissionDenied unless `user` may change `case` (its own agency's grant)."""
    if not _can(user, case, "change"):
        raise PermissionDenied(_("You may not change this case."))


def next_number(agency, year: int) -> str:
    """PREFIX〔YEAR〕N号 with N one past the highest number of that prefix and year."""
    prefix = getattr(getattr(agency, "agency", None), "case_prefix", "") or _("Case")
    stem = f"{prefix}〔{year}〕"
    taken = Case.objects.filter(agency=agency, number__startswith=stem).values_list(
        "number", flat=True
    )
    highest = 0
    for number in taken:
        digits = number[len(stem) :].rstrip("号")
        if digits.isdigit():
            highest = max(highest, int(digits))
    return f"{stem}{highest + 1}号"


def record_event(user, case: Case, from_status: str, note: str = "") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, from_status=from_status, to_status=case.status, by=user, note=note
    )


def open_case(
    user,
    *,
    agency,
    title: str,
    right_type: str,
    opened_on: datetime.date | None = None,
    number: str = "",
    lead: Lead | None = None,
    note: str = "",
    **fields,
) -> Case:
    """Open (立案) a case for `agency`; the user needs protection.add_case over that agency.

    `decision_due` is set from the clock `penalty_decision`. When `lead` is given, the lead is
    marked case_opened with the decision stamped, in the same transaction."""
    if not _reaches(user, agency):
        raise PermissionDenied(_("You may not open cases for %(agency)s.") % {"agency": agency})
    opened_on = opened_on or timezone.localdate()
    with transaction.atomic():
        case = Case(
            agency=agency,
            title=title,
            right_type=right_type,
            opened_on=opened_on,
            decision_due=clocks.due("penalty_decision", opened_on),
            lead=lead,
            **fields,
        )
        case.number = number.strip() or next_number(agency, opened_on.year)
        case.full_clean(exclude=["lead"])
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError as exc:
            raise ValidationError(
                {"number": _("Case number %(number)s is already used.") % {"number": case.number}}
            ) from exc
        record_event(user, case, "", note or _("Case opened"))
        if lead is not None:
            lead.status = LeadStatus.CASE_OPENED
            lead.decided_at = timezone.now()
            lead.decided_by = user
            if not lead.decision_reason:
                lead.decision_reason = note or _("Case opened")
            lead.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    return case


def _reaches(user, agency) -> bool:
    """True when the user's add_case grant covers `agency` (own, subtree or district)."""
    from ipcity.core.scope import ScopeChoices, grants_for, perm_name

    if user.is_superuser:
        return True
    for grant in grants_for(user, perm_name(Case, "add")):
        if grant.scope == ScopeChoices.DISTRICT:
            return True
        if grant.scope == ScopeChoices.SUBTREE and agency.path.startswith(grant.org_path):
            return True
        if grant.org_id == agency.pk:
            return True
    return False


def transition(user, case: Case, name: str, note: str = "", **fields) -> Case:
    """Run transition `name` (a method of Case), set `fields`, save, and record the event.

    Raises PermissionDenied when the user may not change the case, ValidationError when the
    case is not in a state the transition starts from."""
    check_change(user, case)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        method = getattr(locked, name, None)
        if method is None or not hasattr(method, "_django_fsm"):
            raise ValidationError(_("Unknown step: %(name)s") % {"name": name})
        if not can_proceed(method):
            raise ValidationError(
                _("A case that is %(status)s cannot take this step.")
                % {"status": locked.get_status_display()}
            )
        before = locked.status
        if name == "hand_to_police":
            locked.status_before_transfer = before
        method()
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.full_clean(exclude=["lead"])
        locked.save()
        record_event(user, locked, before, note)
    case.refresh_from_db()
    return case


__all__ = [
    "CaseStatus",
    "check_change",
    "next_number",
    "open_case",
    "record_event",
    "transition",
]
