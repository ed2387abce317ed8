"""Transfer to criminal justice (两法衔接). Owned by the transfers area.

Fixed signature used by cases.py: `propose_if_over(user, case) -> CriminalTransfer | None`:
called after a case's amounts, offence or parties change; proposes a transfer when the case meets
a threshold and has no transfer under way.

The flow (State Council order 310, DOMAIN.md §7):

    proposed ──approve (head, within `transfer_decision`)──▶ approved ──send──▶ sent
       │                                                      │         (sending starts
       │ withdraw: the head only (不批准移送)                   │          `police_acceptance`;
       ▼                                                      │          acknowledge records
    withdrawn ◀── withdraw: officer or head (reverses the approval)          the receipt time)
                                       accepted ◀──accept (police)──┤
                                          │      declined ◀─decline─┘ (the case resumes)
                                          └─return_to_agency (reverse transfer) ─▶ returned

Who acts:
- agency side: an officer whose grant of protection.change_criminaltransfer reaches the case's
  agency proposes, sends, withdraws an approved transfer and adds documents; the head
  (protection.approve_extension over the agency) approves, or withdraws a proposal (不批准移送);
- police side: a user whose grant of protection.change_criminaltransfer reaches the transfer's
  police unit acknowledges the receipt, accepts or declines, records the outcome and returns it.
Every action is one transaction; a refusal is a ValidationError (the state does not allow it) or
PermissionDenied (the user may not).

What a user sees of a transfer follows `visibility.access` on its case: the case's own users and
those it is shared with (SHARED, every view logged) see everything; summary-only users (the
procuratorate, the office, leaders) supervise clocks and outcomes: the matched rules without the
case's values (`value`, `prior_cases`) and, instead of the free-text reasons, only that one was
recorded (`redact_matched`, `shown_reason`, `access_map`).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_fsm import can_proceed

from ipcity.core.daily import daily_duty
from ipcity.core.notifications import notify
from ipcity.core.scope import ScopeChoices, grants_for

from . import clocks, thresholds, visibility
from .choices import AgencyKind, CaseStatus, CriminalOutcome, TransferStatus
from .models import Agency, Case, CaseShare, CriminalTransfer, TransferDocument

CHANGE = "protection.change_criminaltransfer"
VIEW = "protection.view_criminaltransfer"
HEAD = "protection.approve_extension"

ACTIVE = (
    TransferStatus.PROPOSED,
    TransferStatus.APPROVED,
    TransferStatus.SENT,
    TransferStatus.ACCEPTED,
)
# What the police unit sees of a transfer: from the moment it is sent.
POLICE_STATUSES = (
    TransferStatus.SENT,
    TransferStatus.ACCEPTED,
    TransferStatus.DECLINED,
    TransferStatus.RETURNED,
)
# Days before a due date that count as "near" for the reminders.
NEAR_DAYS = 1
# The transfers after which a new proposal needs different rules or values.
CLOSED_NO_TRANSFER = (
    TransferStatus.WITHDRAWN,
    TransferStatus.DECLINED,
    TransferStatus.RETURNED,
)
# Transfers during which the police unit holds the case (its share must stay).
POLICE_HOLDS = (TransferStatus.SENT, TransferStatus.ACCEPTED)
# Case details in a matched rule, hidden from summary-only users.
CASE_VALUES = ("value", "prior_cases")
# The free-text reasons of a transfer, hidden from summary-only users.
REASON_FIELDS = ("proposal_reason", "police_reason", "withdraw_reason", "return_reason")
FULL = (visibility.Access.OWN, visibility.Access.SHARED)
# The documents a transfer carries (State Council order 310, art. 6): the transfer letter, the
# report of the investigation of the suspected crime, the list of the goods involved, and the
# inspection or appraisal reports. Data for the checklist of the transfer page; a document is
# counted as one of them when its title names it. Sending needs at least one document (other
# than the police receipt).
REQUIRED_DOCUMENTS = (
    ("letter", gettext_noop("Transfer letter")),
    ("report", gettext_noop("Investigation report")),
    ("goods", gettext_noop("List of the goods involved")),
    ("inspection", gettext_noop("Inspection reports")),
)


# -- what is shown -------------------------------------------------------------------------------


def sees_case(access) -> bool:
    """True when the access lets the user see the case's contents (own or shared)."""
    return access in FULL


def redact_matched(matched, full: bool) -> list[dict]:
    """The matched rules as the user may see them: without the case's values unless `full`."""
    items = [dict(m) for m in matched or []]
    if full:
        return items
    return [{k: v for k, v in m.items() if k not in CASE_VALUES} for m in items]


def shown_reason(text: str, full: bool) -> str:
    """A free-text reason as the user may see it: itself, or only that one was recorded."""
    if full or not text:
        return text or ""
    return _("recorded")


def access_map(user, case_ids) -> dict[int, visibility.Access | None]:
    """`visibility.access` for many cases in two queries: OWN, SHARED, or SUMMARY/None for the
    others (whatever is not seen in full is treated as a summary)."""
    from ipcity.core.scope import scope_q

    ids = {pk for pk in case_ids if pk}
    if not ids:
        return {}
    full = set(
        visibility.full_cases(user, Case.objects.filter(pk__in=ids)).values_list("pk", flat=True)
    )
    own_q = scope_q(Case, user, "view")
    if own_q is None:
        own = set()
    elif not own_q:
        own = set(ids)
    else:
        own = set(Case.objects.filter(pk__in=ids).filter(own_q).values_list("pk", flat=True))
    result = {}
    for pk in ids:
        if pk in own:
            result[pk] = visibility.Access.OWN
        elif pk in full:
            result[pk] = visibility.Access.SHARED
        else:
            result[pk] = visibility.Access.SUMMARY
    return result


def active_police_units(case) -> set[int]:
    """Ids of the police units holding `case` through a transfer now (sent or accepted): their
    share of the case must not be revoked (sharing.revoke refuses it)."""
    return set(
        CriminalTransfer.objects.filter(case=case, status__in=POLICE_HOLDS).values_list(
            "police_id", flat=True
        )
    )


def document_checklist(documents) -> list[dict]:
    """The documents of order 310 art. 6 with those of `documents` (not receipts) whose title
    names them (in English or in the language shown)."""
    papers = [d for d in documents if not d.is_receipt]
    rows = []
    for code, msgid in REQUIRED_DOCUMENTS:
        title = _(msgid)
        names = {title.casefold(), msgid.casefold()}
        attached = [d for d in papers if any(n in (d.title or "").casefold() for n in names)]
        rows.append({"code": code, "title": title, "attached": attached})
    return rows


def has_documents(transfer) -> bool:
    """True when the transfer carries a document other than the police receipt."""
    return transfer.documents.filter(is_receipt=False).exists()


# -- who -----------------------------------------------------------------------------------------


def reaches(user, perm: str, org) -> bool:
    """True when one of the user's grants of `perm` covers organization `org`."""
    if user is None or not user.is_authenticated or not user.is_active or org is None:
        return False
    if user.is_superuser:
        return True
    for grant in grants_for(user, perm):
        if grant.scope == ScopeChoices.DISTRICT:
            return True
        if grant.scope == ScopeChoices.SUBTREE and org.path.startswith(grant.org_path):
            return True
        if grant.org_id == org.pk:
            return True
    return False


def is_officer(user, transfer_or_case) -> bool:
    case = getattr(transfer_or_case, "case", transfer_or_case)
    return reaches(user, CHANGE, case.agency)


def is_head(user, transfer_or_case) -> bool:
    case = getattr(transfer_or_case, "case", transfer_or_case)
    return reaches(user, HEAD, case.agency)


def is_police(user, transfer) -> bool:
    return reaches(user, CHANGE, transfer.police)


def holders(perm: str, org, *, district_only: bool = False) -> list:
    """Active users whose grant of `perm` reaches `org` (or is district-wide)."""
    from django.contrib.auth.models import Permission

    from ipcity.accounts.models import RoleAssignment

    app_label, codename = perm.split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    if permission is None:
        return []
    assignments = RoleAssignment.objects.filter(
        role__is_active=True, role__permissions=permission, user__is_active=True
    ).select_related("user", "organization", "user__organization")
    users = {}
    for a in assignments:
        anchor = a.organization or a.user.organization
        if a.scope == ScopeChoices.DISTRICT:
            ok = True
        elif district_only or anchor is None or org is None:
            ok = False
        elif a.scope == ScopeChoices.SUBTREE:
            ok = org.path.startswith(anchor.path)
        else:
            ok = anchor.pk == org.pk
        if ok:
            users[a.user_id] = a.user
    return sorted(users.values(), key=lambda u: u.pk)


def heads_of(agency_org) -> list:
    return holders(HEAD, agency_org)


def police_users(police_org) -> list:
    """The police unit's own users (and its sub-units') who act on its transfers."""
    return [
        u
        for u in holders(CHANGE, police_org)
        if u.organization is not None and u.organization.path.startswith(police_org.path)
    ]


def supervisors() -> list:
    """The procuratorate: district-wide holders of view_criminaltransfer whose organization is a
    procuratorate agency."""
    procuratorates = set(
        Agency.objects.filter(kind=AgencyKind.PROCURATORATE).values_list(
            "organization_id", flat=True
        )
    )
    return [
        u for u in holders(VIEW, None, district_only=True) if u.organization_id in procuratorates
    ]


def police_units():
    """The organizations that are police agencies (the choices of a proposal)."""
    from ipcity.orgs.models import Organization

    return Organization.objects.filter(agency__kind=AgencyKind.POLICE).order_by("name", "pk")


def default_police(case):
    """The police unit a proposal goes to: the one this agency last transferred to, else the first
    police agency; None when the platform has none."""
    last = (
        CriminalTransfer.objects.filter(case__agency=case.agency_id)
        .filter(police__agency__kind=AgencyKind.POLICE)
        .order_by("-proposed_at", "-pk")
        .select_related("police")
        .first()
    )
    if last is not None:
        return last.police
    return police_units().first()


def visible(user, qs=None):
    """The transfers `user` may see: `restrict(view)`; a police unit sees a transfer from the
    moment it is sent (a proposal is the agency's internal matter until then)."""
    from ipcity.core.scope import scope_q

    qs = CriminalTransfer.objects.all() if qs is None else qs
    qs = qs.restrict(user, "view") if hasattr(qs, "restrict") else qs
    if user.is_superuser:
        return qs
    grants = grants_for(user, VIEW)
    if any(g.scope == ScopeChoices.DISTRICT for g in grants):
        return qs
    if scope_q(CriminalTransfer, user, "view") is None:
        return qs.none()
    agency_side = Q()
    matched = False
    for grant in grants:
        if grant.org_id is None:
            continue
        matched = True
        if grant.scope == ScopeChoices.SUBTREE:
            agency_side |= Q(case__agency__path__startswith=grant.org_path)
        else:
            agency_side |= Q(case__agency_id=grant.org_id)
    if not matched:
        return qs.filter(status__in=POLICE_STATUSES)
    return qs.filter(agency_side | Q(status__in=POLICE_STATUSES))


def overdue_q(today: datetime.date | None = None) -> Q:
    """Transfers past a clock: a proposal not decided by `decision_due`, a received transfer not
    accepted or declined by `acceptance_due`."""
    today = today or timezone.localdate()
    return decision_overdue_q(today) | acceptance_overdue_q(today)


def decision_overdue_q(today: datetime.date) -> Q:
    return Q(status=TransferStatus.PROPOSED, decision_due__lt=today)


def acceptance_overdue_q(today: datetime.date) -> Q:
    return Q(status=TransferStatus.SENT, acceptance_due__isnull=False, acceptance_due__lt=today)


def is_overdue(transfer, today: datetime.date | None = None) -> str:
    """'' or the clock code the transfer is past."""
    today = today or timezone.localdate()
    if transfer.status == TransferStatus.PROPOSED and transfer.decision_due < today:
        return "transfer_decision"
    if (
        transfer.status == TransferStatus.SENT
        and transfer.acceptance_due
        and transfer.acceptance_due < today
    ):
        return "police_acceptance"
    return ""


def available_actions(user, transfer) -> set[str]:
    """The actions `user` may take on `transfer` now (for buttons and the API's answer)."""
    status = transfer.status
    actions = set()
    officer = is_officer(user, transfer)
    head = is_head(user, transfer)
    police = is_police(user, transfer) and status in POLICE_STATUSES
    if status == TransferStatus.PROPOSED and head:
        actions.add("approve")
    if (status == TransferStatus.PROPOSED and head) or (
        status == TransferStatus.APPROVED and (officer or head)
    ):
        actions.add("withdraw")
    if status == TransferStatus.APPROVED and (officer or head):
        actions.add("send")
    if status == TransferStatus.SENT and police:
        if transfer.received_at is None:
            actions.add("acknowledge")
        actions.update({"accept", "decline"})
    if status == TransferStatus.ACCEPTED and police:
        actions.update({"outcome", "return"})
    if status != TransferStatus.WITHDRAWN and (officer or head or police):
        actions.add("document")
    return actions


# -- helpers -------------------------------------------------------------------------------------


def _locked(transfer) -> CriminalTransfer:
    return (
        CriminalTransfer.objects.select_for_update()
        .select_related("case", "police")
        .get(pk=transfer.pk)
    )


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise PermissionDenied(message)


def _state(transfer, *allowed) -> None:
    if transfer.status not in allowed:
        raise ValidationError(
            _("A transfer that is %(status)s cannot take this step.")
            % {"status": transfer.get_status_display()}
        )


def _save(transfer, user, *fields) -> CriminalTransfer:
    transfer._history_user = user
    transfer.full_clean()
    transfer.save(update_fields=[*fields, "updated_at"])
    return transfer


def _move_case(user, case: Case, name: str, note: str, **fields) -> Case:
    """A case transition made by the transfer flow (the police's decline or return): the user's
    right to take the transfer step was checked; the case's own change grant is not needed."""
    from .cases import record_event

    locked = Case.objects.select_for_update().get(pk=case.pk)
    method = getattr(locked, name)
    if not can_proceed(method):
        return locked
    before = locked.status
    if name == "hand_to_police":
        locked.status_before_transfer = before
    method()
    for key, value in fields.items():
        setattr(locked, key, value)
    locked._history_user = user
    locked.save()
    record_event(user, locked, before, note)
    return locked


def _link(transfer) -> str:
    return reverse("protection:transfer_detail", args=[transfer.pk])


def _tell(users, title: str, transfer, body: str = "") -> int:
    link = _link(transfer)
    seen = set()
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        notify(user, title, body, link)
    return len(seen)


def _tell_agency(transfer, title: str, body: str = "") -> None:
    people = [transfer.proposed_by, *heads_of(transfer.case.agency)]
    _tell([u for u in people if u is not None], title, transfer, body)


def _check_police(police):
    if (
        police is None
        or not Agency.objects.filter(organization_id=police.pk, kind=AgencyKind.POLICE).exists()
    ):
        raise ValidationError({"police": _("Choose a police unit.")})


def _check_no_active(case) -> None:
    if CriminalTransfer.objects.filter(case=case, status__in=ACTIVE).exists():
        raise ValidationError(_("This case already has a transfer under way."))


def _create(user, case, *, police, rule_set, matched, reason, auto=False) -> CriminalTransfer:
    now = timezone.now()
    transfer = CriminalTransfer(
        case=case,
        police=police,
        status=TransferStatus.PROPOSED,
        rule_set=rule_set,
        matched_rules=matched,
        proposal_reason=reason,
        auto_proposed=auto,
        proposed_at=now,
        proposed_by=user if getattr(user, "pk", None) else None,
        decision_due=clocks.due("transfer_decision", timezone.localdate(now)),
    )
    transfer._history_user = transfer.proposed_by
    transfer.full_clean()
    transfer.save()
    _tell(
        heads_of(case.agency),
        _("Transfer to the police proposed: %(case)s") % {"case": case.number},
        transfer,
        _("Decide by %(due)s whether to transfer the case.")
        % {"due": transfer.decision_due.isoformat()},
    )
    return transfer


def _rule_key(matched) -> set:
    return {(m.get("rule"), m.get("value")) for m in matched or []}


# -- actions -------------------------------------------------------------------------------------


def propose_if_over(user, case):
    """Propose a transfer when `case` meets a threshold and has no transfer under way.

    Nothing is proposed for a closed case, when the platform knows no police unit, or when the
    last transfer that ended without a transfer (withdrawn by the agency, declined or returned by
    the police) was made on the same rules and values: only a change of them proposes again."""
    rule_set, matched = thresholds.evaluate(case)
    if not matched or case.status == CaseStatus.CLOSED:
        return None
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()
        if CriminalTransfer.objects.filter(case=case, status__in=ACTIVE).exists():
            return None
        last = (
            CriminalTransfer.objects.filter(case=case, status__in=CLOSED_NO_TRANSFER)
            .order_by("-proposed_at", "-pk")
            .first()
        )
        if last is not None and _rule_key(last.matched_rules) == _rule_key(matched):
            return None
        police = default_police(case)
        if police is None:
            return None
        # Stored text: in the platform's language, whoever's change triggered it.
        with translation.override(settings.LANGUAGE_CODE):
            reason = _(
                "Proposed automatically: the case meets the criminal prosecution thresholds of "
                "%(code)s."
            ) % {"code": rule_set.code}
        return _create(
            user,
            case,
            police=police,
            rule_set=rule_set,
            matched=matched,
            reason=reason,
            auto=True,
        )


def propose(user, case, *, police, reason: str) -> CriminalTransfer:
    """An officer proposes a transfer by hand (thresholds met or not: the rules met are kept)."""
    _require(is_officer(user, case), _("You may not propose transfers of this case."))
    _check_police(police)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case should be transferred.")})
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("A closed case cannot be transferred."))
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()
        _check_no_active(case)
        rule_set, matched = thresholds.evaluate(case)
        return _create(user, case, police=police, rule_set=rule_set, matched=matched, reason=reason)


def approve(user, transfer) -> CriminalTransfer:
    _require(is_head(user, transfer), _("Only the head of the agency approves a transfer."))
    with transaction.atomic():
        transfer = _locked(transfer)
        _state(transfer, TransferStatus.PROPOSED)
        transfer.status = TransferStatus.APPROVED
        transfer.approved_at = timezone.now()
        transfer.approved_by = user
        _save(transfer, user, "status", "approved_at", "approved_by")
        if transfer.proposed_by and transfer.proposed_by != user:
            _tell(
                [transfer.proposed_by],
                _("Transfer approved: %(case)s") % {"case": transfer.case.number},
                transfer,
            )
    return transfer


def withdraw(user, transfer, reason: str) -> CriminalTransfer:
    """The agency decides not to transfer (before sending): a proposal only by the head (不批准
    移送); an approved transfer by an officer or the head, which reverses the approval (the
    approver and the proposer are told)."""
    _require(
        is_officer(user, transfer) or is_head(user, transfer),
        _("You may not withdraw this transfer."),
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case is not transferred.")})
    with transaction.atomic():
        transfer = _locked(transfer)
        _state(transfer, TransferStatus.PROPOSED, TransferStatus.APPROVED)
        if transfer.status == TransferStatus.PROPOSED:
            _require(
                is_head(user, transfer),
                _("Only the head of the agency decides not to transfer a proposal."),
            )
        reverses = transfer.status == TransferStatus.APPROVED
        transfer.status = TransferStatus.WITHDRAWN
        transfer.withdrawn_at = timezone.now()
        transfer.withdrawn_by = user
        transfer.withdraw_reason = reason
        _save(transfer, user, "status", "withdrawn_at", "withdrawn_by", "withdraw_reason")
        if reverses:
            _tell(
                [u for u in (transfer.approved_by, transfer.proposed_by) if u and u != user],
                _("Approved transfer withdrawn: %(case)s") % {"case": transfer.case.number},
                transfer,
                _("The approval of the transfer is reversed; the case is not transferred."),
            )
    return transfer


def send(user, transfer) -> CriminalTransfer:
    """Hand the approved transfer to the police: the case moves to `transferred` and its details
    are shared with the police unit."""
    from . import sharing
    from .cases import transition

    _require(
        is_officer(user, transfer) or is_head(user, transfer),
        _("You may not send this transfer."),
    )
    with transaction.atomic():
        transfer = _locked(transfer)
        _state(transfer, TransferStatus.APPROVED)
        if not has_documents(transfer):
            raise ValidationError(_("Attach at least the transfer letter before sending."))
        transfer.status = TransferStatus.SENT
        transfer.sent_at = timezone.now()
        transfer.acceptance_due = clocks.due(
            "police_acceptance", timezone.localdate(transfer.sent_at)
        )
        _save(transfer, user, "status", "sent_at", "acceptance_due")
        transition(
            user,
            transfer.case,
            "hand_to_police",
            note=_("Transferred to %(police)s") % {"police": transfer.police},
            is_transferred=True,
        )
        sharing.share(
            user,
            transfer.case,
            transfer.police,
            _("Transfer to the police"),
            system=True,
        )
        _tell(
            police_users(transfer.police),
            _("Case transferred to you: %(case)s") % {"case": transfer.case.number},
            transfer,
            _("Acknowledge the receipt; the decision on acceptance is due by %(due)s.")
            % {"due": transfer.acceptance_due.isoformat()},
        )
    return transfer


def _aware(value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, datetime.date):
        return timezone.make_aware(datetime.datetime.combine(value, datetime.time(9, 0)))
    raise ValidationError({"received_at": _("Enter a date and time.")})


# Clock skew allowed between the server and the time the police enter (a receipt "now").
RECEIPT_SKEW = datetime.timedelta(minutes=5)


def _receive(transfer, received_at) -> None:
    """Set the receipt time: not in the future, not before the sending. A bare date counts as
    that day (the receipt on the day of sending is accepted, at the sending time at the
    earliest)."""
    now = timezone.now()
    if not received_at:
        received_at = now
    elif isinstance(received_at, datetime.datetime):
        received_at = _aware(received_at)
    else:
        day = received_at
        received_at = _aware(day)
        if transfer.sent_at and day == timezone.localdate(transfer.sent_at):
            received_at = max(received_at, transfer.sent_at)
        if day == timezone.localdate(now):
            received_at = min(received_at, now)
    if received_at > now + RECEIPT_SKEW:
        raise ValidationError({"received_at": _("The receipt cannot be in the future.")})
    if transfer.sent_at and received_at < transfer.sent_at:
        raise ValidationError(
            {
                "received_at": _("The receipt cannot be before the transfer was sent (%(sent)s).")
                % {"sent": timezone.localtime(transfer.sent_at).strftime("%Y-%m-%d %H:%M")}
            }
        )
    transfer.received_at = received_at


def acknowledge(user, transfer, *, received_at=None, receipt=None) -> CriminalTransfer:
    """The police record the receipt time (optionally with the signed receipt file); the
    acceptance clock already runs from the sending."""
    _require(is_police(user, transfer), _("Only the receiving police unit acknowledges."))
    with transaction.atomic():
        transfer = _locked(transfer)
        _state(transfer, TransferStatus.SENT)
        if transfer.received_at is not None:
            raise ValidationError(_("The receipt is already recorded."))
        _receive(transfer, received_at)
        _save(transfer, user, "received_at")
        if receipt is not None:
            _store(user, transfer, receipt, title=_("Police receipt"), is_receipt=True)
    return transfer


def accept(
    user, transfer, *, police_case_number: str = "", reason: str = "", received_at=None
) -> CriminalTransfer:
    """The police accept; a receipt not recorded yet is recorded (at `received_at`, else now)."""
    _require(is_police(user, transfer), _("Only the receiving police unit decides."))
    with transaction.atomic():
        transfer = _locked(transfer)
        _state(transfer, TransferStatus.SENT)
        if transfer.received_at is None:
            _receive(transfer, received_at)
        transfer.status = TransferStatus.ACCEPTED
        transfer.police_decided_at = timezone.now()
        transfer.police_decided_by = user
        transfer.police_case_number = (police_case_number or "").strip()[:80]
        transfer.police_reason = (reason or "").strip()
        _save(
            transfer,
            user,
            "status",
            "received_at",
            "police_decided_at",
            "police_decided_by",
            "police_case_number",
            "police_reason",
        )
        _tell_agency(
            transfer,
            _("The police accepted the transfer of %(case)s") % {"case": transfer.case.number},
        )
    return transfer


def decline(user, transfer, *, reason: str, received_at=None) -> CriminalTransfer:
    """The police do not accept: the case comes back to the agency (resumes investigation). A
    receipt not recorded yet is recorded (at `received_at`, else now)."""
    _require(is_police(user, transfer), _("Only the receiving police unit decides."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case is not accepted.")})
    with transaction.atomic():
        transfer = _locked(transfer)
        _state(transfer, TransferStatus.SENT)
        if transfer.received_at is None:
            _receive(transfer, received_at)
        transfer.status = TransferStatus.DECLINED
        transfer.police_decided_at = timezone.now()
        transfer.police_decided_by = user
        transfer.police_reason = reason
        _save(
            transfer,
            user,
            "status",
            "received_at",
            "police_decided_at",
            "police_decided_by",
            "police_reason",
        )
        _move_case(
            user,
            transfer.case,
            "resume",
            _("Not accepted by the police: %(reason)s") % {"reason": reason},
            is_transferred=False,
        )
        _revoke_police_share(user, transfer)
        _tell_agency(
            transfer,
            _("The police did not accept the transfer of %(case)s")
            % {"case": transfer.case.number},
            reason,
        )
    return transfer


def record_outcome(user, transfer, outcome: str) -> CriminalTransfer:
    _require(is_police(user, transfer), _("Only the receiving police unit records the outcome."))
    if outcome not in CriminalOutcome.values or not outcome:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    with transaction.atomic():
        transfer = _locked(transfer)
        _state(transfer, TransferStatus.ACCEPTED)
        transfer.outcome = outcome
        _save(transfer, user, "outcome")
        _tell_agency(
            transfer,
            _("Criminal outcome of %(case)s: %(outcome)s")
            % {"case": transfer.case.number, "outcome": transfer.get_outcome_display()},
        )
    return transfer


def return_to_agency(user, transfer, *, reason: str) -> CriminalTransfer:
    """Reverse transfer (反向移送): the police hand an accepted case back for administrative
    handling; the case resumes at the agency."""
    _require(is_police(user, transfer), _("Only the receiving police unit returns a case."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case is returned.")})
    with transaction.atomic():
        transfer = _locked(transfer)
        _state(transfer, TransferStatus.ACCEPTED)
        transfer.status = TransferStatus.RETURNED
        transfer.returned_at = timezone.now()
        transfer.return_reason = reason
        _save(transfer, user, "status", "returned_at", "return_reason")
        _move_case(
            user,
            transfer.case,
            "resume",
            _("Returned by the police: %(reason)s") % {"reason": reason},
            is_transferred=False,
        )
        _revoke_police_share(user, transfer)
        _tell_agency(
            transfer,
            _("The police returned %(case)s to the agency") % {"case": transfer.case.number},
            reason,
        )
    return transfer


def _revoke_police_share(user, transfer) -> int:
    """Take back the share `send` opened for the police unit (the active share of that unit made
    at or after the sending; a share the agency made by hand before is kept). Written directly on
    the row: the police user ending the transfer may not change the case's sharing. Inside the
    caller's transaction."""
    if transfer.sent_at is None:
        return 0
    if (
        CriminalTransfer.objects.filter(
            case_id=transfer.case_id, police_id=transfer.police_id, status__in=POLICE_HOLDS
        )
        .exclude(pk=transfer.pk)
        .exists()
    ):
        return 0
    now = timezone.now()
    rows = list(
        CaseShare.objects.select_for_update().filter(
            case_id=transfer.case_id,
            organization_id=transfer.police_id,
            revoked_at__isnull=True,
            created_at__gte=transfer.sent_at,
        )
    )
    for row in rows:
        row.revoked_at = now
        row.revoked_by = user
        row._history_user = user
        row.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return len(rows)


def _store(user, transfer, upload, *, title: str, is_receipt: bool) -> TransferDocument:
    from ipcity.core.uploads import check_upload

    info = check_upload(upload)
    title = (title or "").strip() or info.name
    document = TransferDocument(
        transfer=transfer,
        title=title[:200],
        is_receipt=is_receipt,
        file=upload,
        name=info.name,
        size=info.size,
        content_type=info.content_type,
        sha256=info.sha256,
        uploaded_by=user,
    )
    document.save()
    return document


def add_document(user, transfer, upload, *, title: str, is_receipt: bool = False):
    """A document of the transfer (letter, file list); a receipt comes from the police only."""
    police = is_police(user, transfer) and transfer.status in POLICE_STATUSES
    agency = is_officer(user, transfer) or is_head(user, transfer)
    _require(police or agency, _("You may not add documents to this transfer."))
    if is_receipt and not police:
        raise PermissionDenied(_("Only the receiving police unit adds the receipt."))
    if transfer.status == TransferStatus.WITHDRAWN:
        raise ValidationError(_("The transfer was withdrawn."))
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")})
    with transaction.atomic():
        return _store(user, transfer, upload, title=title, is_receipt=is_receipt)


# -- daily ---------------------------------------------------------------------------------------


def _mark(transfer, kind: str) -> None:
    """Record that reminder `kind` went out for `transfer` (after someone was told)."""
    transfer.reminders = [*(transfer.reminders or []), kind]
    CriminalTransfer.objects.filter(pk=transfer.pk).update(reminders=transfer.reminders)


def _remind(transfer, kind: str, users, title: str, body: str) -> int:
    """Tell `users` once per transfer and kind; a reminder that found nobody to tell is not
    remembered (it goes out when someone holds the role)."""
    if kind in (transfer.reminders or []):
        return 0
    told = _tell(users, title, transfer, body)
    if told:
        _mark(transfer, kind)
    return told


class _People:
    """The recipients of one run of the duty, looked up once per agency / police unit."""

    def __init__(self):
        self._heads: dict[int, list] = {}
        self._police: dict[int, list] = {}
        self._watchers: list | None = None

    def heads(self, agency_org) -> list:
        if agency_org.pk not in self._heads:
            self._heads[agency_org.pk] = heads_of(agency_org)
        return self._heads[agency_org.pk]

    def police(self, police_org) -> list:
        if police_org.pk not in self._police:
            self._police[police_org.pk] = police_users(police_org)
        return self._police[police_org.pk]

    def watchers(self) -> list:
        if self._watchers is None:
            self._watchers = supervisors()
        return self._watchers


@daily_duty("transfer-clocks", 52)
def remind(day: datetime.date) -> str:
    """Remind the head of proposals near or past the decision date, the police of sent transfers
    (acknowledged or not) past the acceptance date, and the procuratorate of both when overdue;
    once per transfer and kind."""
    sent = 0
    near = day + datetime.timedelta(days=NEAR_DAYS)
    proposals = CriminalTransfer.objects.filter(
        status=TransferStatus.PROPOSED, decision_due__lte=near
    ).select_related("case", "case__agency", "police")
    receipts = CriminalTransfer.objects.filter(acceptance_overdue_q(day)).select_related(
        "case", "case__agency", "police"
    )
    people = _People()
    with translation.override(settings.LANGUAGE_CODE):
        for transfer in proposals:
            overdue = transfer.decision_due < day
            kind = "decision_overdue" if overdue else "decision_near"
            title = (
                _("Transfer decision overdue: %(case)s")
                if overdue
                else _("Transfer decision due: %(case)s")
            ) % {"case": transfer.case.number}
            body = _("Due %(due)s.") % {"due": transfer.decision_due.isoformat()}
            sent += _remind(transfer, kind, people.heads(transfer.case.agency), title, body)
            if overdue:
                sent += _remind(transfer, "supervision_decision", people.watchers(), title, body)
        for transfer in receipts:
            body = _("Due %(due)s.") % {"due": transfer.acceptance_due.isoformat()}
            title = _("Police acceptance overdue: %(case)s") % {"case": transfer.case.number}
            sent += _remind(
                transfer, "acceptance_overdue", people.police(transfer.police), title, body
            )
            sent += _remind(transfer, "supervision_acceptance", people.watchers(), title, body)
    return f"transfer-clocks: {sent} reminders"
