"""Case actions, shared by pages, API, imports and the demo: every state change goes through
here, inside one transaction, with a `CaseEvent` naming who, when and why.

Core (fixed): `open_case`, `transition`. The rest of the case's work (decision with penalty,
disclosure, execution, closure, extensions, handlers, rights and parties intake, evidence) is
added below with the same shape: `verb(user, case, ...)`, permission checked against the
restricted queryset, ValidationError for the person, never a half-written state.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from ipcity.core.daily import daily_duty
from ipcity.core.notifications import notify
from ipcity.core.scope import scope_q

from . import clocks, intake, officers
from .choices import (
    CaseStatus,
    CloseReason,
    DecisionKind,
    EvidenceKind,
    LeadStatus,
    PartyKind,
    PartyRole,
    RightType,
)
from .models import (
    Case,
    CaseEvent,
    CaseHandler,
    CaseParty,
    CaseRight,
    Evidence,
    Extension,
    Lead,
    Officer,
)
from .models.cases import CaseReminder
from .parties import clean_uscc, guess_kind, name_key

logger = logging.getLogger(__name__)


def _can(user, case: Case, action: str) -> bool:
    q = scope_q(Case, user, action)
    if q is None:
        return False
    return Case.objects.filter(pk=case.pk).filter(q).exists()


def check_change(user, case: Case) -> None:
    """PermissionDenied unless `user` may change `case` (its own agency's grant)."""
    if not _can(user, case, "change"):
        raise PermissionDenied(_("You may not change this case."))


# The prefix of case numbers when the agency has none and no short name: a fixed string, the
# same whatever the language of the request that opened the case.
FALLBACK_PREFIX = "案件"


def next_number(agency, year: int) -> str:
    """PREFIX〔YEAR〕N号 with N one past the highest number of that prefix and year. The prefix
    is the agency's `case_prefix`, else the organization's short name, else FALLBACK_PREFIX."""
    prefix = (
        getattr(getattr(agency, "agency", None), "case_prefix", "")
        or getattr(agency, "short_name", "")
        or FALLBACK_PREFIX
    )
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
    if isinstance(opened_on, datetime.date) and opened_on > timezone.localdate():
        raise ValidationError({"opened_on": [_("The date cannot be in the future.")]})
    automatic = not str(number or "").strip()
    for attempt in range(2):
        try:
            return _open_case(
                user, agency, title, right_type, opened_on, number, lead, note, fields
            )
        except _NumberTaken as exc:
            if automatic and attempt == 0:
                continue  # another case took the number just computed: compute it again
            raise ValidationError(
                {"number": [_("Case number %(number)s is already used.") % {"number": exc.number}]}
            ) from None
    raise AssertionError("unreachable")  # pragma: no cover


class _NumberTaken(Exception):
    def __init__(self, number):
        super().__init__(number)
        self.number = number


OPEN_LEAD_STATUSES = (LeadStatus.RECEIVED, LeadStatus.VERIFYING, LeadStatus.REFERRED)


def _check_lead(lead: Lead, agency) -> None:
    row = Lead.objects.select_for_update().filter(pk=lead.pk).values("status", "agency_id").first()
    if row is None:
        raise ValidationError({"lead": [_("The lead no longer exists.")]})
    if row["status"] not in OPEN_LEAD_STATUSES:
        raise ValidationError(
            {"lead": [_("A case is opened only from a lead that is still open.")]}
        )
    if row["agency_id"] != agency.pk:
        raise ValidationError(
            {"lead": [_("The lead is with another agency; that agency opens the case.")]}
        )
    if Case.objects.filter(lead_id=lead.pk).exists():
        raise ValidationError({"lead": [_("A case was already opened from this lead.")]})


def _open_case(user, agency, title, right_type, opened_on, number, lead, note, fields) -> Case:
    from .models import Agency

    with transaction.atomic():
        # One opening at a time per agency: the next number is computed under this lock.
        list(Agency.objects.select_for_update().filter(organization=agency).values("pk"))
        if lead is not None:
            _check_lead(lead, agency)
        case = Case(
            agency=agency,
            title=title,
            right_type=right_type,
            opened_on=opened_on,
            decision_due=clocks.due("penalty_decision", opened_on),
            lead=lead,
            **fields,
        )
        case.number = str(number or "").strip() or next_number(agency, opened_on.year)
        # The constraints (number, lead) are left to the database, for their own messages.
        case.full_clean(exclude=["lead"], validate_constraints=False)
        case._history_user = user
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError as exc:
            if lead is not None and Case.objects.filter(lead_id=lead.pk).exists():
                raise ValidationError(
                    {"lead": [_("A case was already opened from this lead.")]}
                ) from exc
            raise _NumberTaken(case.number) from exc
        record_event(user, case, "", note or _("Case opened"))
        if lead is not None:
            lead.status = LeadStatus.CASE_OPENED
            lead.decided_at = timezone.now()
            lead.decided_by = user
            if not lead.decision_reason:
                lead.decision_reason = note or _("Case opened")
            lead._history_user = user
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
        locked._history_user = user
        locked.save()
        record_event(user, locked, before, note)
    case.refresh_from_db()
    return case


# -- the rest of a case's work -----------------------------------------------------------------

# Before the decision: the statuses the decision clock runs in.
PENDING_DECISION = (CaseStatus.OPENED, CaseStatus.INVESTIGATING, CaseStatus.NOTICE)
# How many days before the decision is due a case counts as "due soon" (list badge, reminders).
# A platform setting, not a statutory limit.
DUE_SOON_DAYS = 10
# What `update_case` changes; `is_repeat` is handled apart (set by hand).
UPDATE_FIELDS = (
    "title",
    "conduct",
    "conduct_date",
    "offence",
    "business_amount",
    "illegal_gain",
    "sales_amount",
    "unsold_value",
    "copies",
    "marks_count",
    "goods",
    "is_malicious",
    "is_group",
)
# The reasons a case may be closed with, by its status (a decided case only after a decision
# without penalty).
CLOSE_REASONS = {
    CaseStatus.OPENED: (CloseReason.NO_VIOLATION, CloseReason.WITHDRAWN),
    CaseStatus.INVESTIGATING: (CloseReason.NO_VIOLATION, CloseReason.WITHDRAWN),
    CaseStatus.NOTICE: (CloseReason.NO_VIOLATION, CloseReason.WITHDRAWN),
    CaseStatus.DECIDED: (CloseReason.NO_PENALTY,),
    CaseStatus.EXECUTED: (CloseReason.EXECUTED,),
    CaseStatus.TRANSFERRED: (CloseReason.TRANSFERRED,),
}
MIN_HANDLERS = 2


def can_change(user, case: Case) -> bool:
    return _can(user, case, "change")


def perm_reaches(user, perm: str, agency) -> bool:
    """True when one of the user's grants of `perm` ("app.codename") covers `agency`."""
    from ipcity.core.scope import ScopeChoices, grants_for

    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    for grant in grants_for(user, perm):
        if grant.scope == ScopeChoices.DISTRICT:
            return True
        if grant.scope == ScopeChoices.SUBTREE and agency.path.startswith(grant.org_path):
            return True
        if grant.org_id == agency.pk:
            return True
    return False


def can_approve_extension(user, case: Case) -> bool:
    return perm_reaches(user, "protection.approve_extension", case.agency)


def addable_agencies(user):
    """The agencies (organizations with an agency profile) the user may open cases for."""
    from ipcity.core.scope import ScopeChoices, grants_for, perm_name
    from ipcity.orgs.models import Organization

    qs = Organization.objects.filter(agency__isnull=False).order_by("name")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    q = Q(pk__in=[])
    for grant in grants_for(user, perm_name(Case, "add")):
        if grant.scope == ScopeChoices.DISTRICT:
            return qs
        if grant.scope == ScopeChoices.SUBTREE and grant.org_path:
            q |= Q(path__startswith=grant.org_path)
        elif grant.org_id:
            q |= Q(pk=grant.org_id)
    return qs.filter(q)


def _today() -> datetime.date:
    return timezone.localdate()


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("agency").get(pk=case.pk)


def _not_closed(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("The case is closed; it can no longer be changed."))


def _day(value, field: str, *, label: str, not_before=None, not_before_label="") -> dict:
    """Errors of a date argument: required, not in the future, not before `not_before`."""
    if value is None:
        return {field: [_("Enter the date %(what)s.") % {"what": label}]}
    if not isinstance(value, datetime.date):
        return {field: [_("Enter a valid date.")]}
    if value > _today():
        return {field: [_("The date cannot be in the future.")]}
    if not_before is not None and value < not_before:
        return {
            field: [
                _("The date cannot be before %(what)s (%(date)s).")
                % {"what": not_before_label, "date": not_before}
            ]
        }
    return {}


def _after_change(
    user, case: Case, *, repeats_too: bool = True, propose: bool = True, parties: bool = False
) -> None:
    """What the other areas recompute when a case's parties, rights or amounts change. A change
    of parties on a decided case also refreshes the later cases of the same respondents."""
    from . import repeats, transfers

    if repeats_too:
        if parties:
            repeats.refresh_after_party_change(case)
        else:
            repeats.refresh(case)
    if propose:
        transfers.propose_if_over(user, case)


def update_case(user, case: Case, **fields) -> Case:
    """Change the facts of a case: conduct, amounts, offence, goods and the flags. `is_repeat`
    given by hand is kept over detection (`repeat_set_by_hand`); `is_repeat=None` hands the flag
    back to detection. Afterwards a transfer is proposed when a threshold is now met."""
    check_change(user, case)
    unknown = sorted(set(fields) - set(UPDATE_FIELDS) - {"is_repeat"})
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(list)s.") % {"list": ", ".join(unknown)}
        )
    detect_again = False
    with transaction.atomic():
        locked = _lock(case)
        _not_closed(locked)
        if "is_repeat" in fields:
            value = fields.pop("is_repeat")
            if value is None:
                locked.repeat_set_by_hand = False
                detect_again = True
            else:
                locked.is_repeat = bool(value)
                locked.repeat_set_by_hand = True
        for name, value in fields.items():
            field = Case._meta.get_field(name)
            if value is None and isinstance(field, models.CharField | models.TextField):
                value = ""
            if isinstance(value, str):
                value = value.strip()
            if value is not None and isinstance(field, models.DecimalField):
                value = Decimal(str(value))
                if value < 0:
                    raise ValidationError({name: [_("Amounts cannot be negative.")]})
            setattr(locked, name, value)
        locked._history_user = user
        locked.full_clean(exclude=["lead"])
        locked.save()
        _after_change(user, locked, repeats_too=detect_again)
    case.refresh_from_db()
    return case


def _complainants(case: Case) -> list[tuple[str, str]]:
    return list(
        case.parties.filter(role=PartyRole.COMPLAINANT).values_list("name", "uscc").order_by("pk")
    )


def _apply_check(right: CaseRight, result: dict) -> None:
    for key in intake.LINK_KEYS:
        setattr(right, key, result.get(key))
    right.check_notes = [str(note) for note in result["notes"]]


def add_right(user, case: Case, right_type: str, number: str) -> CaseRight:
    """Name a right involved in the case: looked up in the registry with the complainants as
    holders (intake.check), the links and what the check found stored on the row."""
    check_change(user, case)
    if right_type not in RightType.values:
        raise ValidationError({"right_type": [_("Choose a right type.")]})
    number = str(number or "").strip()
    if not number:
        raise ValidationError({"number": [_("Enter the number of the right.")]})
    stored = intake.normalize_number(right_type, number)
    if len(stored) > CaseRight._meta.get_field("number").max_length:
        raise ValidationError({"number": [_("The number is too long.")]})
    with transaction.atomic():
        locked = _lock(case)
        _not_closed(locked)
        with translation.override(settings.LANGUAGE_CODE):
            result = intake.check(right_type, number, _complainants(locked))
        right = CaseRight(case=locked, right_type=right_type, number=stored)
        _apply_check(right, result)
        right._history_user = user
        try:
            with transaction.atomic():
                right.save()
        except IntegrityError:
            raise ValidationError(
                {"number": [_("%(number)s is already named in this case.") % {"number": stored}]}
            ) from None
        _after_change(user, locked)
    return right


def _child(model, case: Case, item):
    pk = item.pk if isinstance(item, models.Model) else item
    try:
        return model.objects.get(case=case, pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise ValidationError(_("That record does not belong to this case.")) from None


def remove_right(user, case: Case, right) -> None:
    check_change(user, case)
    with transaction.atomic():
        locked = _lock(case)
        _not_closed(locked)
        row = _child(CaseRight, locked, right)
        row._history_user = user
        row.delete()
        _after_change(user, locked)


def recheck_rights(case: Case, user=None) -> None:
    """Check every right of the case again (after its complainants changed)."""
    complainants = _complainants(case)
    with translation.override(settings.LANGUAGE_CODE):
        for right in case.rights.all():
            _apply_check(right, intake.check(right.right_type, right.number, complainants))
            if user is not None:
                right._history_user = user
            right.save()


def add_party(
    user,
    case: Case,
    *,
    role: str,
    name: str,
    kind: str = "",
    uscc: str = "",
    address: str = "",
    representative: str = "",
) -> CaseParty:
    """Add a complainant, respondent or other party. The name is normalized for matching
    (`name_key`); a credit code must be one, and links the party to the organization that has
    it. A kind not given is guessed (`parties.guess_kind`: a credit code or a company's name is
    an organization, a 2-4 character Chinese name a person). Repeat detection and the transfer
    thresholds run again."""
    from ipcity.orgs.models import Organization

    check_change(user, case)
    errors = {}
    if role not in PartyRole.values:
        errors["role"] = [_("Choose the party's role.")]
    if not kind:
        kind = guess_kind(name, uscc)
    if kind not in PartyKind.values:
        errors["kind"] = [_("Choose whether the party is an organization or a person.")]
    name = str(name or "").strip()
    if not name:
        errors["name"] = [_("Enter the party's name.")]
    code = ""
    if str(uscc or "").strip():
        code = clean_uscc(uscc)
        if not code:
            errors["uscc"] = [_("A unified social credit code has 18 letters and digits.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(case)
        _not_closed(locked)
        party = CaseParty(
            case=locked,
            role=role,
            kind=kind,
            name=name,
            name_key=name_key(name),
            uscc=code,
            organization=Organization.objects.filter(uscc=code).order_by("pk").first()
            if code
            else None,
            address=str(address or "").strip(),
            representative=str(representative or "").strip(),
        )
        party._history_user = user
        party.full_clean(exclude=["case", "organization"])
        party.save()
        if role == PartyRole.COMPLAINANT:
            recheck_rights(locked, user)
        _after_change(user, locked, parties=True)
    return party


def remove_party(user, case: Case, party) -> None:
    check_change(user, case)
    with transaction.atomic():
        locked = _lock(case)
        _not_closed(locked)
        row = _child(CaseParty, locked, party)
        was_complainant = row.role == PartyRole.COMPLAINANT
        row._history_user = user
        row.delete()
        if was_complainant:
            recheck_rights(locked, user)
        _after_change(user, locked, parties=True)


def assign_handler(
    user,
    case: Case,
    officer: Officer,
    *,
    is_lead: bool = False,
    assigned_on: datetime.date | None = None,
) -> CaseHandler:
    """Assign an officer of the case's agency (or a subordinate unit) holding a certificate
    valid on `assigned_on` (持证上岗). A new lead handler replaces the previous lead."""
    check_change(user, case)
    assigned_on = assigned_on or _today()
    if officer is None:
        raise ValidationError({"officer": [_("Choose an officer.")]})
    with transaction.atomic():
        locked = _lock(case)
        _not_closed(locked)
        officer = Officer.objects.select_related("organization").get(pk=officer.pk)
        if not officer.organization.path.startswith(locked.agency.path):
            raise ValidationError(
                {
                    "officer": [
                        _("%(officer)s does not work for %(agency)s.")
                        % {"officer": officer.name, "agency": locked.agency}
                    ]
                }
            )
        try:
            officers.check_certified(officer, assigned_on)
        except ValidationError as exc:
            raise ValidationError({"officer": exc.messages}) from None
        if is_lead:
            for other in locked.handlers.filter(is_lead=True, released_on__isnull=True):
                other.is_lead = False
                other._history_user = user
                other.save(update_fields=["is_lead", "updated_at"])
        handler = CaseHandler(
            case=locked, officer=officer, is_lead=bool(is_lead), assigned_on=assigned_on
        )
        handler._history_user = user
        try:
            with transaction.atomic():
                handler.save()
        except IntegrityError:
            raise ValidationError(
                {
                    "officer": [
                        _("%(officer)s already handles this case.") % {"officer": officer.name}
                    ]
                }
            ) from None
    return handler


def release_handler(user, case: Case, handler, released_on: datetime.date | None = None):
    check_change(user, case)
    released_on = released_on or _today()
    with transaction.atomic():
        locked = _lock(case)
        row = _child(CaseHandler, locked, handler)
        if row.released_on is not None:
            raise ValidationError(_("This officer was already released from the case."))
        if released_on < row.assigned_on:
            raise ValidationError(_("An officer cannot be released before being assigned."))
        row.released_on = released_on
        row.is_lead = False
        row._history_user = user
        row.save(update_fields=["released_on", "is_lead", "updated_at"])
    return row


def handlers_on(case: Case, day: datetime.date) -> list[CaseHandler]:
    """The handlers assigned to the case on `day` (one per officer)."""
    rows = (
        case.handlers.filter(assigned_on__lte=day)
        .filter(Q(released_on__isnull=True) | Q(released_on__gte=day))
        .select_related("officer")
        .order_by("-is_lead", "pk")
    )
    seen, result = set(), []
    for row in rows:
        if row.officer_id not in seen:
            seen.add(row.officer_id)
            result.append(row)
    return result


def check_handlers(case: Case, day: datetime.date) -> list[CaseHandler]:
    """The Administrative Penalty Law: at least two enforcement officers with certificates valid
    on `day`. Returns them, else ValidationError saying who does not count and why."""
    rows = handlers_on(case, day)
    ok = [row for row in rows if row.officer.is_certified_on(day)]
    if len(ok) >= MIN_HANDLERS:
        return ok
    reasons = []
    for row in rows:
        try:
            officers.check_certified(row.officer, day)
        except ValidationError as exc:
            reasons.extend(exc.messages)
    message = _(
        "At least %(min)d enforcement officers holding certificates valid on %(date)s must "
        "handle the case; %(count)d do."
    ) % {"min": MIN_HANDLERS, "date": day, "count": len(ok)}
    raise ValidationError([message, *reasons])


def add_evidence(
    user,
    case: Case,
    upload,
    *,
    title: str,
    kind: str = EvidenceKind.DOCUMENT,
    collected_on: datetime.date | None = None,
) -> Evidence:
    """Attach an evidence file: its type read from the content, its size capped, its SHA-256
    stored (core.uploads.check_upload); the same file twice in one case is refused. When the
    row cannot be written the stored file is removed again (as leads.py does). Django has no
    rollback hook: a caller that wraps this in its own transaction and then fails must remove
    `evidence.file` itself."""
    from ipcity.core.uploads import check_upload, remove_stored

    check_change(user, case)
    errors = {}
    title = str(title or "").strip()
    if not title:
        errors["title"] = [_("Say what the evidence is.")]
    if kind not in EvidenceKind.values:
        errors["kind"] = [_("Choose the kind of evidence.")]
    if upload is None:
        errors["file"] = [_("Choose a file.")]
    if collected_on is not None and collected_on > _today():
        errors["collected_on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    try:
        info = check_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    duplicate = ValidationError({"file": [_("This file is already in the case's evidence.")]})
    stored: list = []
    try:
        with transaction.atomic():
            locked = _lock(case)
            _not_closed(locked)
            if Evidence.objects.filter(case=locked, sha256=info.sha256).exists():
                raise duplicate
            evidence = Evidence(
                case=locked,
                kind=kind,
                title=title[:200],
                name=info.name,
                size=info.size,
                content_type=info.content_type,
                sha256=info.sha256,
                collected_on=collected_on,
                uploaded_by=user,
            )
            evidence.file.save(info.name, upload, save=False)
            stored.append(evidence.file.name)
            evidence._history_user = user
            try:
                with transaction.atomic():
                    evidence.save()
            except IntegrityError:
                raise duplicate from None
    except BaseException:
        # Nothing half-written: the stored file goes when the row does not come.
        remove_stored(stored)
        raise
    return evidence


def investigate(user, case: Case, note: str = "") -> Case:
    return transition(user, case, "investigate", note or _("Investigation started"))


def serve_notice(
    user, case: Case, *, notice_on: datetime.date, hearing_requested: bool = False, note=""
) -> Case:
    """Serve the notice of proposed penalty (告知), with two certified handlers on that day."""
    check_change(user, case)
    errors = _day(
        notice_on,
        "notice_on",
        label=_("the notice was served"),
        not_before=case.opened_on,
        not_before_label=_("the opening"),
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock(case)
        check_handlers(case, notice_on)
        return transition(
            user,
            case,
            "serve_notice",
            note or _("Notice of proposed penalty served on %(date)s") % {"date": notice_on},
            notice_on=notice_on,
            hearing_requested=bool(hearing_requested),
        )


def decide(
    user,
    case: Case,
    *,
    decision_kind: str,
    decided_on: datetime.date,
    decision_number: str,
    fine=None,
    confiscated_gain=None,
    confiscated_goods: str = "",
    order_to_stop: bool = False,
    waived_hearing: bool = False,
    note: str = "",
) -> Case:
    """Record the decision. A penalty needs the notice served first and two certified handlers
    on the day; its disclosure falls due by the clock `disclosure`. The party may ask for a
    hearing within the clock `hearing_request` after the notice (行政处罚法第六十四条): a
    penalty is decided after that time unless the party waived its statement and hearing
    (`waived_hearing`, recorded in the event) or asked for a hearing (then after the notice day).
    Repeat detection runs again (for this case and, through it, later ones)."""
    from . import repeats

    check_change(user, case)
    case.refresh_from_db()
    errors: dict[str, list] = {}
    if decision_kind not in DecisionKind.values:
        errors["decision_kind"] = [_("Choose the kind of decision.")]
    decision_number = str(decision_number or "").strip()
    if not decision_number:
        errors["decision_number"] = [_("Enter the number of the decision.")]
    errors.update(
        _day(
            decided_on,
            "decided_on",
            label=_("of the decision"),
            not_before=case.notice_on or case.opened_on,
            not_before_label=_("the notice") if case.notice_on else _("the opening"),
        )
    )
    amounts = {}
    for name, value in (("fine", fine), ("confiscated_gain", confiscated_gain)):
        if value in (None, ""):
            amounts[name] = None
            continue
        try:
            amounts[name] = Decimal(str(value))
        except ArithmeticError:
            errors[name] = [_("Enter an amount in yuan.")]
            continue
        if amounts[name] < 0:
            errors[name] = [_("Amounts cannot be negative.")]
    confiscated_goods = str(confiscated_goods or "").strip()
    if decision_kind == DecisionKind.PENALTY:
        if case.status != CaseStatus.NOTICE:
            errors.setdefault("decision_kind", []).append(
                _("A penalty is decided only after the notice of proposed penalty was served.")
            )
        if not (amounts.get("fine") or amounts.get("confiscated_gain") or confiscated_goods):
            errors.setdefault("fine", []).append(
                _("A penalty decision states a fine or what is confiscated.")
            )
        if "decided_on" not in errors:
            message = _hearing_wait(case, decided_on, bool(waived_hearing))
            if message:
                errors["decided_on"] = [message]
    elif decision_kind in DecisionKind.values and (
        amounts.get("fine") or amounts.get("confiscated_gain") or confiscated_goods
    ):
        errors.setdefault("fine", []).append(
            _("Only a penalty decision imposes a fine or confiscation.")
        )
    if errors:
        raise ValidationError(errors)
    waived = bool(waived_hearing) and decision_kind == DecisionKind.PENALTY
    event_note = note or "%s %s" % (DecisionKind(decision_kind).label, decision_number)  # noqa: UP031
    if waived:
        event_note = "%s · %s" % (  # noqa: UP031
            event_note,
            _("The party waived its statement and hearing."),
        )
    with transaction.atomic():
        _lock(case)
        check_handlers(case, decided_on)
        transition(
            user,
            case,
            "decide",
            event_note,
            hearing_waived=waived,
            decision_kind=decision_kind,
            decided_on=decided_on,
            decision_number=decision_number,
            fine=amounts.get("fine"),
            confiscated_gain=amounts.get("confiscated_gain"),
            confiscated_goods=confiscated_goods,
            order_to_stop=bool(order_to_stop),
            disclosure_due=clocks.due("disclosure", decided_on)
            if decision_kind == DecisionKind.PENALTY
            else None,
        )
        repeats.refresh(case)
        repeats.refresh_later(case)
    case.refresh_from_db()
    return case


def hearing_wait_until(case: Case) -> datetime.date | None:
    """The first day a penalty may be decided when the party neither waived its statement and
    hearing nor asked for a hearing: the notice day plus the clock `hearing_request`."""
    if case.notice_on is None:
        return None
    return clocks.due("hearing_request", case.notice_on)


def _hearing_wait(case: Case, decided_on, waived: bool) -> str:
    """'' or why a penalty cannot be decided on `decided_on` yet (art. 64 of the Administrative
    Penalty Law: the party may ask for a hearing within the clock after the notice)."""
    if case.notice_on is None or not isinstance(decided_on, datetime.date):
        return ""
    if case.hearing_requested:
        if decided_on <= case.notice_on:
            return _(
                "A hearing was requested: the penalty is decided after the hearing, at the "
                "earliest on %(date)s."
            ) % {"date": (case.notice_on + datetime.timedelta(days=1)).isoformat()}
        return ""
    if waived:
        return ""
    earliest = hearing_wait_until(case)
    if decided_on < earliest:
        return _(
            "The party may ask for a hearing within %(days)s days of the notice served on "
            "%(notice)s: decide the penalty on %(date)s at the earliest, or record that the "
            "party waived its statement and hearing."
        ) % {
            "days": clocks.get("hearing_request").amount,
            "notice": case.notice_on.isoformat(),
            "date": earliest.isoformat(),
        }
    return ""


def can_disclose(case: Case) -> bool:
    """A penalty decision not yet disclosed: decided, or already executed (the disclosure was
    late; it is still recorded, without a change of status)."""
    return (
        case.decision_kind == DecisionKind.PENALTY
        and case.disclosed_on is None
        and case.status in (CaseStatus.DECIDED, CaseStatus.EXECUTED)
    )


def disclose(user, case: Case, *, disclosed_on: datetime.date, url: str = "", note="") -> Case:
    """Record the public disclosure of a penalty decision. A decided case becomes disclosed; an
    executed case whose penalty was not disclosed yet keeps its status, and the disclosure is
    recorded with an event executed → executed."""
    check_change(user, case)
    case.refresh_from_db()
    if case.decision_kind != DecisionKind.PENALTY:
        raise ValidationError(_("Only penalty decisions are disclosed."))
    errors = _day(
        disclosed_on,
        "disclosed_on",
        label=_("of the disclosure"),
        not_before=case.decided_on,
        not_before_label=_("the decision"),
    )
    if errors:
        raise ValidationError(errors)
    url = str(url or "").strip()
    note = note or _("Disclosed on %(date)s") % {"date": disclosed_on}
    if case.status != CaseStatus.EXECUTED:
        return transition(
            user, case, "disclose", note, disclosed_on=disclosed_on, disclosure_url=url
        )
    with transaction.atomic():
        locked = _lock(case)
        if not can_disclose(locked):
            raise ValidationError(_("The penalty decision of this case was already disclosed."))
        locked.disclosed_on = disclosed_on
        locked.disclosure_url = url
        locked._history_user = user
        locked.full_clean(exclude=["lead"])
        locked.save(update_fields=["disclosed_on", "disclosure_url", "updated_at"])
        record_event(user, locked, locked.status, note)
    case.refresh_from_db()
    return case


def execute(user, case: Case, *, executed_on: datetime.date, note="") -> Case:
    """Record that the decision was carried out (fine paid, goods confiscated, order obeyed)."""
    check_change(user, case)
    case.refresh_from_db()
    if case.decision_kind == DecisionKind.NO_PENALTY:
        raise ValidationError(_("A decision without penalty has nothing to execute; close it."))
    errors = _day(
        executed_on,
        "executed_on",
        label=_("of the execution"),
        not_before=case.decided_on,
        not_before_label=_("the decision"),
    )
    if errors:
        raise ValidationError(errors)
    return transition(
        user,
        case,
        "execute",
        note or _("Executed on %(date)s") % {"date": executed_on},
        executed_on=executed_on,
    )


def close_reasons(case: Case) -> tuple:
    """The reasons `case` may be closed with now."""
    reasons = CLOSE_REASONS.get(case.status, ())
    if case.status == CaseStatus.DECIDED and case.decision_kind != DecisionKind.NO_PENALTY:
        return ()
    return reasons


def close(
    user, case: Case, *, reason: str, closed_on: datetime.date | None = None, note: str = ""
) -> Case:
    """Close the case (结案) with a reason that fits its status (CLOSE_REASONS)."""
    check_change(user, case)
    case.refresh_from_db()
    closed_on = closed_on or _today()
    allowed = close_reasons(case)
    if reason not in allowed:
        if allowed:
            message = _("A case that is %(status)s is closed with: %(reasons)s.") % {
                "status": case.get_status_display(),
                "reasons": ", ".join(str(CloseReason(r).label) for r in allowed),
            }
        else:
            message = _("A case that is %(status)s cannot be closed yet.") % {
                "status": case.get_status_display()
            }
        raise ValidationError({"reason": [message]})
    errors = _day(
        closed_on,
        "closed_on",
        label=_("of closing"),
        not_before=case.executed_on or case.decided_on or case.opened_on,
        not_before_label=_("the last step"),
    )
    if errors:
        raise ValidationError(errors)
    label = str(CloseReason(reason).label)
    return transition(
        user,
        case,
        "close",
        f"{label}: {note.strip()}" if note and note.strip() else label,
        close_reason=reason,
        closed_on=closed_on,
    )


# -- extensions of the decision deadline --------------------------------------------------------


def request_extension(
    user, case: Case, *, days: int, reason: str, collective: bool = False
) -> Extension:
    """Ask for more time to decide (clock `penalty_decision_extension`); pending until a head
    of the agency approves it. One extension may be approved; a further one only when it was
    decided collectively by the agency's leadership (rule 64): `collective`."""
    check_change(user, case)
    clock = clocks.get("penalty_decision_extension")
    errors = {}
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= clock.amount:
        errors["days"] = [_("An extension is between 1 and %(max)d days.") % {"max": clock.amount}]
    reason = str(reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why the case needs more time.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(case)
        if locked.status not in PENDING_DECISION:
            raise ValidationError(_("Only a case awaiting its decision can be extended."))
        pending = Extension.objects.filter(
            case=locked, approved_at__isnull=True, rejected_at__isnull=True
        )
        if pending.exists():
            raise ValidationError(_("An extension of this case is already waiting for approval."))
        _check_collective(locked, bool(collective))
        extension = Extension(
            case=locked,
            days=days,
            reason=reason,
            collective=bool(collective),
            requested_by=user,
            previous_due=locked.decision_due,
            new_due=clock.due(locked.decision_due, days),
        )
        extension._history_user = user
        extension.save()
    return extension


def _check_collective(case: Case, collective: bool, exclude=None) -> None:
    approved = Extension.objects.filter(case=case, approved_at__isnull=False)
    if exclude is not None:
        approved = approved.exclude(pk=exclude)
    if approved.exists() and not collective:
        raise ValidationError(
            {
                "collective": [
                    _(
                        "The deadline of this case was already extended once; a further "
                        "extension needs a collective decision of the agency's leadership."
                    )
                ]
            }
        )


def _decide_extension(user, extension: Extension):
    case = extension.case
    if not can_approve_extension(user, case):
        raise PermissionDenied(_("You may not approve extensions for this agency."))
    if extension.requested_by_id == user.pk:
        raise PermissionDenied(_("An extension is approved by someone other than who asked."))
    locked = Extension.objects.select_for_update().get(pk=extension.pk)
    if not locked.is_pending:
        raise ValidationError(_("This extension was already decided."))
    return locked


def approve_extension(user, extension: Extension, note: str = "") -> Extension:
    """Approve: the decision is due the extension's days after the current due date."""
    with transaction.atomic():
        ext = _decide_extension(user, extension)
        case = _lock(ext.case)
        if case.status not in PENDING_DECISION:
            raise ValidationError(_("The case is no longer awaiting its decision."))
        _check_collective(case, ext.collective, exclude=ext.pk)
        ext.previous_due = case.decision_due
        ext.new_due = clocks.due("penalty_decision_extension", case.decision_due, ext.days)
        ext.approved_by = user
        ext.approved_at = timezone.now()
        ext.decision_note = str(note or "").strip()[:500]
        ext._history_user = user
        ext.save()
        case.decision_due = ext.new_due
        case._history_user = user
        case.save(update_fields=["decision_due", "updated_at"])
        record_event(
            user,
            case,
            case.status,
            _("Decision deadline extended by %(days)d days from %(old)s to %(new)s: %(reason)s")
            % {"days": ext.days, "old": ext.previous_due, "new": ext.new_due, "reason": ext.reason},
        )
    extension.refresh_from_db()
    return extension


def reject_extension(user, extension: Extension, note: str = "") -> Extension:
    with transaction.atomic():
        ext = _decide_extension(user, extension)
        ext.rejected_by = user
        ext.rejected_at = timezone.now()
        ext.decision_note = str(note or "").strip()[:500]
        ext._history_user = user
        ext.save()
    extension.refresh_from_db()
    return extension


# -- daily reminders ----------------------------------------------------------------------------


def _deadline_targets(on: datetime.date) -> list[tuple[Case, str, datetime.date, str]]:
    targets = []
    soon = (
        Case.objects.filter(
            status__in=PENDING_DECISION,
            decision_due__lte=on + datetime.timedelta(days=DUE_SOON_DAYS),
        )
        .select_related("agency")
        .order_by("decision_due", "pk")
    )
    for case in soon:
        left = clocks.remaining("penalty_decision", case.decision_due, on)
        if left < 0:
            title = _("Case %(number)s: the decision was due on %(date)s") % {
                "number": case.number,
                "date": case.decision_due,
            }
            targets.append((case, "decision_overdue", case.decision_due, title))
        else:
            title = _("Case %(number)s: the decision is due on %(date)s (%(days)d days left)") % {
                "number": case.number,
                "date": case.decision_due,
                "days": left,
            }
            targets.append((case, "decision_due_soon", case.decision_due, title))
    undisclosed = (
        Case.objects.filter(
            decision_kind=DecisionKind.PENALTY,
            disclosed_on__isnull=True,
            disclosure_due__lt=on,
            status__in=(CaseStatus.DECIDED, CaseStatus.EXECUTED),
        )
        .select_related("agency")
        .order_by("disclosure_due", "pk")
    )
    for case in undisclosed:
        title = _("Case %(number)s: the penalty decision was to be disclosed by %(date)s") % {
            "number": case.number,
            "date": case.disclosure_due,
        }
        targets.append((case, "disclosure_overdue", case.disclosure_due, title))
    return targets


def _change_readers(case_ids: set[int]) -> dict[int, list]:
    """{case id: users who may change it} among the holders of protection.change_case."""
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__role__is_active=True,
            role_assignments__role__permissions__content_type__app_label="protection",
            role_assignments__role__permissions__codename="change_case",
        )
        .distinct()
    )
    result: dict[int, list] = {}
    for user in users:
        q = scope_q(Case, user, "change")
        if q is None:
            continue
        for pk in Case.objects.filter(pk__in=case_ids).filter(q).values_list("pk", flat=True):
            result.setdefault(pk, []).append(user)
    return result


def send_deadline_reminders(on: datetime.date | None = None) -> int:
    """Tell the handlers and the agency's users who may change a case when its decision is due
    within DUE_SOON_DAYS, when it is overdue, and when a penalty is past its disclosure date;
    once per case, kind and due date. Returns the number of notifications sent."""
    on = on or _today()
    with translation.override(settings.LANGUAGE_CODE):
        targets = _deadline_targets(on)
        if not targets:
            return 0
        ids = {case.pk for case, *_rest in targets}
        sent_before = set(
            CaseReminder.objects.filter(case_id__in=ids).values_list("case_id", "kind", "due_on")
        )
        targets = [t for t in targets if (t[0].pk, t[1], t[2]) not in sent_before]
        if not targets:
            return 0
        ids = {case.pk for case, *_rest in targets}
        handlers: dict[int, list] = {}
        for row in CaseHandler.objects.filter(
            case_id__in=ids, released_on__isnull=True, officer__user__is_active=True
        ).select_related("officer__user"):
            handlers.setdefault(row.case_id, []).append(row.officer.user)
        readers = _change_readers(ids)
        sent = 0
        for case, kind, due_on, title in targets:
            recipients = {u.pk: u for u in handlers.get(case.pk, [])}
            recipients.update({u.pk: u for u in readers.get(case.pk, [])})
            if not recipients:
                continue
            with transaction.atomic():
                _row, created = CaseReminder.objects.get_or_create(
                    case=case,
                    kind=kind,
                    due_on=due_on,
                    defaults={"sent_on": on, "recipients": len(recipients)},
                )
                if not created:
                    continue
                for user in recipients.values():
                    notify(user, str(title), str(case), case.get_absolute_url())
                    sent += 1
    return sent


@daily_duty("case-deadlines", order=51)
def case_deadlines(on: datetime.date) -> str:
    return f"{send_deadline_reminders(on)} case deadline reminders sent"


__all__ = [
    "CaseStatus",
    "add_evidence",
    "add_party",
    "add_right",
    "approve_extension",
    "assign_handler",
    "can_disclose",
    "check_change",
    "check_handlers",
    "close",
    "decide",
    "disclose",
    "execute",
    "next_number",
    "open_case",
    "record_event",
    "reject_extension",
    "release_handler",
    "remove_party",
    "remove_right",
    "request_extension",
    "serve_notice",
    "transition",
    "update_case",
]
