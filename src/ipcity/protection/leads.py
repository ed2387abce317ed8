"""Lead actions (线索), shared by the public form, the pages, the API and service requests.

    lead = create_lead(None, source=LeadSource.PUBLIC, attachments=files, complainant_name=...)
    route(alice, lead, amr)            # the office routes an unrouted lead; an agency refers on
    start_verification(mia, lead)
    case = decide_open(mia, lead, title=..., right_type=...)
    decide_not_open(mia, lead, "不属于本部门管辖")
    pass_to_mediation(mia, lead, mediator=center)

Every action checks the user's grants against the restricted queryset (PermissionDenied), runs
in one transaction on the locked row, and raises ValidationError with a message for the person
when the lead is not in a state the action starts from.

Who does what: the district office routes. It routes an unrouted lead and may route a
routed one again while nobody has started verifying it (status received); on an unrouted lead
it may also record "not opened" with a reason (an obvious junk complaint, `may_dismiss`).
Leads go to administrative enforcement agencies only (`routable_agencies`): not the police,
the procuratorate or the court. Verifying, deciding,
mediation and referral on a routed lead are for the handling agency's own users: a grant that
reaches the agency through own-organization or subtree scope, never through district scope. An
agency that referred a lead on (`referred_by`) still sees it but no longer decides on it.

Deadlines: `decision_due` is `clocks.due("lead_decision", start)`, the start being the receipt
(`received_on`) or, after a referral, the day the new agency received it (rule 18 counts from
receipt of the materials by the deciding agency). The length is the clock's (`clock_text()`),
never a number written here. The daily duty `lead-deadlines` reminds the people who may decide,
once per lead and kind.

The complainant sees on the public status page the status, the agency, the dates and
`public_reply` only; `decision_reason` is an internal note.
"""

from __future__ import annotations

import datetime
import re
import secrets
import unicodedata

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ipcity.core import workdays
from ipcity.core.daily import daily_duty
from ipcity.core.scope import ScopeChoices, grants_for, has_perm, perm_name
from ipcity.core.uploads import check_uploads, remove_stored

from . import clocks
from .choices import AgencyKind, LeadSource, LeadStatus
from .models import Agency, Lead, LeadAttachment, Mediation

# No 0/O, 1/I/L: a code read aloud over the phone or copied by hand stays unambiguous.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_ATTEMPTS = 8
MAX_ATTACHMENTS = 5
DUE_SOON_WORKDAYS = 3
CLOCK = "lead_decision"

# Waiting for someone's decision (a referred lead waits for the agency it was referred to).
PENDING_STATUSES = (LeadStatus.RECEIVED, LeadStatus.VERIFYING, LeadStatus.REFERRED)
# A decision (open, not open, mediation) is taken only on these.
DECIDABLE_STATUSES = (LeadStatus.RECEIVED, LeadStatus.VERIFYING)

# Leads go to administrative enforcement agencies. The police, the procuratorate and the court
# take cases through the transfer procedure (行刑衔接), never as a routed complaint.
NOT_ROUTABLE_KINDS = (AgencyKind.POLICE, AgencyKind.PROCURATORATE, AgencyKind.COURT)

_PHONE = re.compile(r"^\+?[\d\s\-()]{7,30}$")

# What public input may hold (the other text fields are bounded by their model lengths).
DESCRIPTION_MAX = 5000
TEXT_MAX = 5000

# The neutral sentence offered to the deciding officer as the reply to the complainant.
STANDARD_REPLIES = {
    LeadStatus.CASE_OPENED: gettext_lazy(
        "A case has been opened on your complaint. The handling agency will contact you if it "
        "needs more information."
    ),
    LeadStatus.NOT_OPENED: gettext_lazy(
        "Your complaint has been verified and no case has been opened. You may contact the "
        "handling agency for more information."
    ),
    LeadStatus.MEDIATION: gettext_lazy(
        "Your complaint has been passed to mediation. The mediator will contact you."
    ),
}


def standard_reply(status: str) -> str:
    return str(STANDARD_REPLIES.get(status, ""))


def clock_text() -> str:
    """The decision clock in words ("15 working days"), from data/clocks.json."""
    clock = clocks.get(CLOCK)
    if clock.unit == "workdays":
        return ngettext("%(n)d working day", "%(n)d working days", clock.amount) % {
            "n": clock.amount
        }
    return ngettext("%(n)d day", "%(n)d days", clock.amount) % {"n": clock.amount}


# --- helpers -----------------------------------------------------------------------------


def new_tracking_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    return "".join(ch for ch in str(text or "").upper() if ch.isalnum())


def phone_digits(text: str) -> str:
    """The digits of a phone number, as ASCII (full-width ０-９ typed on a Chinese keyboard are
    the same digits)."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


def valid_phone(text: str) -> bool:
    text = (text or "").strip()
    return bool(_PHONE.match(text)) and 7 <= len(phone_digits(text)) <= 20


def routable_agencies():
    """The organizations a lead may be routed or referred to, or a complainant may choose:
    administrative enforcement agencies (not the police, the procuratorate or the court)."""
    from ipcity.orgs.models import Organization

    return (
        Organization.objects.filter(agency__isnull=False)
        .exclude(agency__kind__in=NOT_ROUTABLE_KINDS)
        .order_by("name")
    )


def is_routable(org) -> bool:
    return org is not None and routable_agencies().filter(pk=org.pk).exists()


def _org(value):
    """An Organization from an Agency or an Organization."""
    return value.organization if isinstance(value, Agency) else value


def reaches(user, org, action: str = "change") -> bool:
    """True when the user's protection.<action>_lead grants cover the organization `org`."""
    if user.is_superuser:
        return True
    if org is None:
        return False
    for grant in grants_for(user, perm_name(Lead, action)):
        if grant.scope == ScopeChoices.DISTRICT:
            return True
        if grant.scope == ScopeChoices.SUBTREE and org.path.startswith(grant.org_path):
            return True
        if grant.org_id == org.pk:
            return True
    return False


def is_district(user, action: str = "change") -> bool:
    if user.is_superuser:
        return True
    return any(g.scope == ScopeChoices.DISTRICT for g in grants_for(user, perm_name(Lead, action)))


def can_change(user, lead: Lead) -> bool:
    return Lead.objects.restrict(user, "change").filter(pk=lead.pk).exists()


def _check_change(user, lead: Lead) -> None:
    if not can_change(user, lead):
        raise PermissionDenied(_("You may not change this lead."))


def reaches_as_agency(user, org, action: str = "change") -> bool:
    """True when a protection.<action>_lead grant reaches `org` through own-organization or
    subtree scope: the agency's own users. A district grant (the office) does not count."""
    if user.is_superuser:
        return True
    if org is None:
        return False
    for grant in grants_for(user, perm_name(Lead, action)):
        if grant.scope == ScopeChoices.DISTRICT:
            continue
        if grant.scope == ScopeChoices.SUBTREE and org.path.startswith(grant.org_path):
            return True
        if grant.org_id == org.pk:
            return True
    return False


def is_handler(user, lead: Lead) -> bool:
    """The user works for the lead's handling agency (verifies, decides, refers)."""
    return lead.agency_id is not None and reaches_as_agency(user, lead.agency)


def may_route(user, lead: Lead) -> bool:
    """The office routes an unrouted lead, or routes again one nobody has started verifying."""
    if not is_district(user):
        return False
    return lead.agency_id is None or lead.status == LeadStatus.RECEIVED


def may_dismiss(user, lead: Lead) -> bool:
    """The office records "not opened" on an unrouted lead (an obvious junk complaint) without
    routing it first. A routed lead is decided by its agency."""
    return lead.agency_id is None and lead.status == LeadStatus.RECEIVED and may_route(user, lead)


def _check_handler(user, lead: Lead) -> None:
    """Only the handling agency's own users verify and decide on a routed lead."""
    _check_change(user, lead)
    if lead.agency_id is None:
        raise ValidationError(_("Route the lead to an agency first."))
    if not is_handler(user, lead):
        raise PermissionDenied(_("Only the handling agency decides on this lead."))


def _check_router(user, lead: Lead) -> None:
    """Routing: the office (see `may_route`) or the handling agency (a referral)."""
    _check_change(user, lead)
    if is_handler(user, lead) or may_route(user, lead):
        return
    if lead.agency_id is None or is_district(user):
        raise PermissionDenied(_("You may not route this lead."))
    raise PermissionDenied(_("Only the handling agency refers this lead on."))


def _locked(lead: Lead) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).select_related("agency").get(pk=lead.pk)


def _require_routed(lead: Lead) -> None:
    if lead.agency_id is None:
        raise ValidationError(_("Route the lead to an agency first."))


def _require_decidable(lead: Lead) -> None:
    if lead.status not in DECIDABLE_STATUSES:
        raise ValidationError(
            _("A lead that is %(status)s cannot be decided on.")
            % {"status": lead.get_status_display().lower()}
        )


def _stamp(lead: Lead, user, reason: str) -> None:
    lead.decided_at = timezone.now()
    lead.decided_by = user
    lead.decision_reason = reason


def _sync(target: Lead, source: Lead) -> None:
    """Copy the saved state back onto the caller's instance."""
    for field in Lead._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _check_files(attachments, already: int = 0) -> list:
    """(upload, info) for each attachment, each checked by its content (core/uploads.py)."""
    return check_uploads(
        attachments,
        limit=MAX_ATTACHMENTS,
        too_many=_("At most %(n)d files can be attached to a lead.") % {"n": MAX_ATTACHMENTS},
        already=already,
    )


def _store_files(lead: Lead, infos, stored: list) -> None:
    for upload, info in infos:
        attachment = LeadAttachment(
            lead=lead,
            name=info.name,
            size=info.size,
            content_type=info.content_type,
            sha256=info.sha256,
        )
        attachment.file.save(info.name, upload, save=False)
        stored.append(attachment.file.name)
        attachment.save()


# --- creation ----------------------------------------------------------------------------


def create_lead(
    user, *, source: str, received_on: datetime.date | None = None, attachments=(), **fields
) -> Lead:
    """Record a lead; `user` is None for the public form (and the lead then has no recorder).

    A public complaint needs a phone number or an email address (the complainant follows the
    lead with the tracking code and one of them). Attachments are checked by content, at most
    `MAX_ATTACHMENTS` (an item may be a pair (upload, UploadInfo) a form already checked); one
    bad file refuses the whole lead, and nothing is written.

    Files and transactions: the attachments are written to storage inside this function's own
    transaction. When that transaction fails, the files written are removed. When the caller
    runs `create_lead` inside an outer atomic block and that outer block rolls back later, the
    rows go but the files stay (Django has no on-rollback hook): the names are on
    `lead.stored_files`, and a caller that may roll back after a successful `create_lead` must
    remove them itself (`remove_stored_files(lead)`, e.g. in its own `except`). Callers that do
    not wrap it (the pages, the API) need nothing."""
    if source not in LeadSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    fields = {k: v for k, v in fields.items() if v is not None or k in ("agency",)}
    for name in ("complainant_phone", "complainant_email", "complainant_name", "respondent_name"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    if "agency" in fields:
        fields["agency"] = _org(fields["agency"])
    phone = fields.get("complainant_phone", "")
    email = fields.get("complainant_email", "")
    errors: dict[str, list] = {}
    if source == LeadSource.PUBLIC and not phone and not email:
        errors["complainant_phone"] = [
            _("Give a phone number or an email address, so you can follow your complaint.")
        ]
    if phone and not valid_phone(phone):
        errors["complainant_phone"] = [_("Enter a valid phone number.")]
    if len(fields.get("description") or "") > DESCRIPTION_MAX:
        errors["description"] = [
            _("At most %(n)d characters.") % {"n": DESCRIPTION_MAX},
        ]
    agency = fields.get("agency")
    if agency is not None and not Agency.objects.filter(organization=agency).exists():
        errors["agency"] = [_("%(org)s is not an enforcement agency.") % {"org": agency}]
    elif agency is not None and source == LeadSource.PUBLIC and not is_routable(agency):
        errors["agency"] = [_("Choose an administrative enforcement agency.")]
    if user is not None:
        if not has_perm(user, Lead, "add"):
            raise PermissionDenied(_("You may not record leads."))
        if agency is None and not is_district(user, "add"):
            errors["agency"] = [_("Choose the agency that handles the lead.")]
        elif agency is not None and not reaches(user, agency, "add"):
            raise PermissionDenied(
                _("You may not record leads for %(agency)s.") % {"agency": agency}
            )
    try:
        infos = _check_files(attachments)
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            errors.setdefault(key, []).extend(msgs)
        infos = []
    received_on = received_on or timezone.localdate()
    lead = Lead(
        source=source,
        received_on=received_on,
        decision_due=clocks.due(CLOCK, received_on),
        submitted_by=user,
        **fields,
    )
    try:
        lead.full_clean(exclude=["tracking_code"])
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            errors.setdefault(key, []).extend(m for m in msgs if m not in errors.get(key, []))
    if errors:
        raise ValidationError(errors)
    if user is not None:
        lead._history_user = user
    stored: list = []
    try:
        with transaction.atomic():
            for attempt in range(CODE_ATTEMPTS):
                lead.tracking_code = new_tracking_code()
                try:
                    with transaction.atomic():
                        lead.save()
                    break
                except IntegrityError:
                    lead.pk = None
                    if attempt == CODE_ATTEMPTS - 1:
                        raise
            _store_files(lead, infos, stored)
            if (
                user is not None
                and not Lead.objects.restrict(user, "view").filter(pk=lead.pk).exists()
            ):
                raise PermissionDenied(_("You may not record this lead."))
    except BaseException:
        remove_stored(stored)
        raise
    lead.stored_files = list(stored)
    return lead


def remove_stored_files(lead: Lead) -> None:
    """Remove the files `create_lead` wrote for `lead` (for a caller whose outer transaction
    rolled back after `create_lead` returned)."""
    remove_stored(getattr(lead, "stored_files", ()))


def add_attachment(user, lead: Lead, upload) -> LeadAttachment:
    """Attach one file; `upload` may be the pair (upload, UploadInfo) a form already checked."""
    _check_change(user, lead)
    if not has_perm(user, LeadAttachment, "add"):
        raise PermissionDenied(_("You may not attach files to leads."))
    stored: list = []
    try:
        with transaction.atomic():
            locked = _locked(lead)
            infos = _check_files([upload], already=locked.attachments.count())
            _store_files(locked, infos, stored)
    except BaseException:
        remove_stored(stored)
        raise
    return locked.attachments.order_by("-pk").first()


# --- routing and decisions -----------------------------------------------------------------


def route(user, lead: Lead, agency, note: str = "", on: datetime.date | None = None) -> Lead:
    """Give an unrouted lead its agency, or route again a routed one nobody has started
    verifying (the office); or refer a routed lead on to another agency (the handling agency):
    status referred, `referred_by` the agency that referred, and the decision clock restarts
    from the referral date `on` (default today), when the new agency receives the materials."""
    agency = _org(agency)
    _check_router(user, lead)
    if agency is None or not Agency.objects.filter(organization=agency).exists():
        raise ValidationError({"agency": _("Choose an enforcement agency.")})
    if not is_routable(agency):
        raise ValidationError(
            {
                "agency": _(
                    "Leads go to administrative enforcement agencies; the police, the "
                    "procuratorate and the court receive cases by transfer."
                )
            }
        )
    with transaction.atomic():
        locked = _locked(lead)
        if locked.status not in PENDING_STATUSES:
            raise ValidationError(
                _("A lead that is %(status)s cannot be routed.")
                % {"status": locked.get_status_display().lower()}
            )
        if locked.agency_id == agency.pk:
            raise ValidationError({"agency": _("The lead is already with this agency.")})
        if is_handler(user, locked):
            # A referral by the handling agency.
            locked.referred_by = locked.agency
            locked.status = LeadStatus.REFERRED
            locked.decision_due = clocks.due(CLOCK, on or timezone.localdate())
        elif not may_route(user, locked):
            # The row changed since the check (someone started verifying it).
            raise PermissionDenied(_("You may not route this lead."))
        locked.agency = agency
        locked._history_user = user
        locked._change_reason = note[:100] if note else ""
        locked.save()
    _sync(lead, locked)
    return lead


def start_verification(user, lead: Lead) -> Lead:
    _check_handler(user, lead)
    with transaction.atomic():
        locked = _locked(lead)
        _require_routed(locked)
        if locked.status not in (LeadStatus.RECEIVED, LeadStatus.REFERRED):
            raise ValidationError(
                _("A lead that is %(status)s cannot be taken into verification.")
                % {"status": locked.get_status_display().lower()}
            )
        locked.status = LeadStatus.VERIFYING
        locked._history_user = user
        locked.save()
    _sync(lead, locked)
    return lead


def _reply(text: str | None, status: str) -> str:
    return (text or "").strip() or standard_reply(status)


def right_numbers(lead: Lead) -> list[str]:
    """The numbers in `right_numbers` (commas, full-width commas, semicolons or new lines)."""
    text = re.sub(r"[，,;；\n]", ",", lead.right_numbers or "")
    seen, numbers = set(), []
    for number in (n.strip() for n in text.split(",")):
        if number and number not in seen:
            seen.add(number)
            numbers.append(number)
    return numbers


def _copy_into_case(user, lead: Lead, case) -> None:
    """The lead's parties, rights and description on the new case (cases' own functions, so
    the party checks, the intake check of each right and the transfer rules run)."""
    from . import cases, intake
    from .choices import PartyKind, PartyRole

    org = lead.complainant_organization
    uscc = lead.complainant_uscc or (getattr(org, "uscc", "") or "")
    cases.add_party(
        user,
        case,
        role=PartyRole.COMPLAINANT,
        kind=PartyKind.ORGANIZATION if (org is not None or uscc) else PartyKind.PERSON,
        name=lead.complainant_name,
        uscc=uscc,
    )
    if lead.respondent_name:
        cases.add_party(
            user,
            case,
            role=PartyRole.RESPONDENT,
            kind=PartyKind.ORGANIZATION if lead.respondent_uscc else PartyKind.PERSON,
            name=lead.respondent_name,
            uscc=lead.respondent_uscc,
            address=lead.respondent_address,
        )
    added = set()
    for number in right_numbers(lead):
        key = intake.normalize_number(case.right_type, number)
        if key in added:
            continue
        added.add(key)
        cases.add_right(user, case, case.right_type, number)


def decide_open(
    user,
    lead: Lead,
    *,
    title: str,
    right_type: str,
    note: str = "",
    public_reply: str = "",
    **case_fields,
):
    """Open a case from the lead (cases.open_case, which stamps the lead case_opened) and copy
    the lead into it in the same transaction: complainant and respondent as parties, every
    number of `right_numbers` as a right, the description as the case's conduct."""
    from . import cases

    _check_handler(user, lead)
    with transaction.atomic():
        locked = _locked(lead)
        _require_routed(locked)
        _require_decidable(locked)
        if not (title or "").strip():
            raise ValidationError({"title": _("Give the case a title.")})
        reply = _reply(public_reply, LeadStatus.CASE_OPENED)
        locked.decision_reason = (note or "").strip() or _("Case opened")
        locked.public_reply = reply
        locked._history_user = user
        case_fields.setdefault("conduct", locked.description)
        case = cases.open_case(
            user,
            agency=locked.agency,
            title=title.strip(),
            right_type=right_type,
            lead=locked,
            note=note,
            **case_fields,
        )
        # open_case saves the lead's decision fields only; its history row already holds the
        # reply (set on the instance above).
        Lead.objects.filter(pk=locked.pk).update(public_reply=reply)
        _copy_into_case(user, locked, case)
    lead.refresh_from_db()
    return case


def decide_not_open(user, lead: Lead, reason: str, public_reply: str = "") -> Lead:
    """No case: the handling agency on a routed lead, or the office on an unrouted one (see
    `may_dismiss`)."""
    _check_change(user, lead)
    office = may_dismiss(user, lead)
    if not office:
        _check_handler(user, lead)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why no case is opened.")})
    with transaction.atomic():
        locked = _locked(lead)
        if office:
            if locked.agency_id is not None:
                # Routed since the check: its agency decides now.
                raise PermissionDenied(_("Only the handling agency decides on this lead."))
        else:
            _require_routed(locked)
        _require_decidable(locked)
        locked.status = LeadStatus.NOT_OPENED
        _stamp(locked, user, reason)
        locked.public_reply = _reply(public_reply, LeadStatus.NOT_OPENED)
        locked._history_user = user
        locked.save()
    _sync(lead, locked)
    return lead


def pass_to_mediation(
    user, lead: Lead, *, mediator, note: str = "", public_reply: str = ""
) -> Mediation:
    """Pass the dispute to `mediator` (an organization): a Mediation with the lead's parties and
    subject; the coordination pages follow it to its outcome."""
    mediator = _org(mediator)
    _check_handler(user, lead)
    if not has_perm(user, Mediation, "add"):
        raise PermissionDenied(_("You may not start mediations."))
    if mediator is None:
        raise ValidationError({"mediator": _("Choose the mediator.")})
    with transaction.atomic():
        locked = _locked(lead)
        _require_routed(locked)
        _require_decidable(locked)
        if not locked.respondent_name:
            raise ValidationError(
                {"mediator": _("Name the respondent on the lead before passing it to mediation.")}
            )
        mediation = Mediation(
            lead=locked,
            agency=locked.agency,
            mediator=mediator,
            right_type=locked.right_type,
            applicant=locked.complainant_name,
            respondent=locked.respondent_name,
            subject=locked.description,
            started_on=timezone.localdate(),
            notes=(note or "").strip(),
            recorded_by=user,
        )
        mediation.full_clean(exclude=["lead"])
        mediation._history_user = user
        mediation.save()
        locked.status = LeadStatus.MEDIATION
        _stamp(
            locked,
            user,
            (note or "").strip() or _("Passed to mediation: %(mediator)s") % {"mediator": mediator},
        )
        locked.public_reply = _reply(public_reply, LeadStatus.MEDIATION)
        locked._history_user = user
        locked.save()
    _sync(lead, locked)
    return mediation


def available_actions(user, lead: Lead) -> set[str]:
    """What the decision panel offers this user on this lead."""
    if not can_change(user, lead):
        return set()
    handler = is_handler(user, lead)
    actions: set[str] = set()
    if lead.status in PENDING_STATUSES:
        if handler:
            actions.add("refer")
        elif may_route(user, lead):
            actions.add("route")
    if not handler and may_dismiss(user, lead):
        actions.add("not_open")
    if not handler and not actions:
        return set()
    if handler:
        if lead.status in (LeadStatus.RECEIVED, LeadStatus.REFERRED):
            actions.add("verify")
        if lead.status in DECIDABLE_STATUSES:
            actions.add("not_open")
            from .cases import _reaches as reaches_case

            if reaches_case(user, lead.agency):
                actions.add("open_case")
            if has_perm(user, Mediation, "add"):
                actions.add("mediation")
    if has_perm(user, LeadAttachment, "add"):
        actions.add("attach")
    return actions


# --- deadlines -----------------------------------------------------------------------------


class DaysLeft:
    """Working days left until each due date, reading the holiday data once for all of them.

    Gives the same numbers as `clocks.remaining(CLOCK, due, today)` (tested), but a list page
    asks for many due dates and must not read the calendar once per row."""

    def __init__(self, today: datetime.date | None = None):
        self.today = today or timezone.localdate()
        self.clock = clocks.get(CLOCK)
        self._calendar = workdays._Calendar()
        self._memo: dict[datetime.date, int] = {}

    def __call__(self, due: datetime.date) -> int:
        if due not in self._memo:
            if self.clock.unit != "workdays":
                self._memo[due] = self.clock.remaining(due, self.today)
            else:
                start, end, sign = self.today, due, 1
                if end < start:
                    start, end, sign = end, start, -1
                count = sum(
                    1
                    for offset in range(1, (end - start).days + 1)
                    if self._calendar.is_workday(start + datetime.timedelta(days=offset))
                )
                self._memo[due] = sign * count
        return self._memo[due]


def deadline_state(lead: Lead, days_left) -> tuple[str, int] | None:
    """("overdue" | "due_soon" | "ok", working days left) for a pending lead, else None."""
    if lead.status not in PENDING_STATUSES:
        return None
    left = days_left(lead.decision_due)
    if left < 0:
        return "overdue", left
    if left <= DUE_SOON_WORKDAYS:
        return "due_soon", left
    return "ok", left


def _recipients_by_grant():
    """(user, grant) for every active user holding protection.change_lead, in one query."""
    from ipcity.accounts.models import RoleAssignment

    rows = []
    assignments = (
        RoleAssignment.objects.filter(
            role__is_active=True,
            user__is_active=True,
            role__permissions__codename="change_lead",
            role__permissions__content_type__app_label="protection",
        )
        .select_related("user", "organization", "user__organization")
        .distinct()
    )
    for assignment in assignments:
        org = assignment.organization or assignment.user.organization
        rows.append((assignment.user, assignment.scope, org))
    return rows


def _reached(lead: Lead, grants) -> list:
    """Who is told about a lead's deadline: for an unrouted lead, the office (district grants),
    which routes it; for a routed one, the agency's own users, who decide it."""
    users = {}
    for user, scope, org in grants:
        if scope == ScopeChoices.DISTRICT:
            ok = lead.agency_id is None
        elif lead.agency is None or org is None:
            ok = False
        elif scope == ScopeChoices.SUBTREE:
            ok = lead.agency.path.startswith(org.path)
        else:
            ok = lead.agency_id == org.pk
        if ok:
            users[user.pk] = user
    return list(users.values())


def send_deadline_reminders(on: datetime.date) -> int:
    """Remind about pending leads due within DUE_SOON_WORKDAYS working days and overdue ones,
    once per lead, kind and due date (kept in `reminders_sent`)."""
    days_left = DaysLeft(on)
    horizon = clocks.due(CLOCK, on, DUE_SOON_WORKDAYS)
    leads = Lead.objects.filter(
        status__in=PENDING_STATUSES, decision_due__lte=horizon
    ).select_related("agency")
    grants = None
    sent = 0
    for lead in leads.iterator(chunk_size=500):
        state = deadline_state(lead, days_left)
        if state is None or state[0] == "ok":
            continue
        kind, left = state
        if (lead.reminders_sent or {}).get(kind) == lead.decision_due.isoformat():
            continue
        if grants is None:
            grants = _recipients_by_grant()
        sent += _remind(lead, kind, left, grants)
    return sent


def _remind(lead: Lead, kind: str, left: int, grants) -> int:
    """Mark the reminder and send it in one transaction (notifications are rows too): a crash
    leaves neither, and a second run does not send it again."""
    from ipcity.core.notifications import notify

    with transaction.atomic():
        locked = Lead.objects.select_for_update().filter(pk=lead.pk).first()
        if locked is None or locked.decision_due != lead.decision_due:
            return 0
        if (locked.reminders_sent or {}).get(kind) == locked.decision_due.isoformat():
            return 0
        with translation.override(settings.LANGUAGE_CODE):
            if kind == "overdue":
                title = _("Lead %(code)s is overdue: the decision was due %(due)s") % {
                    "code": lead.tracking_code,
                    "due": lead.decision_due.isoformat(),
                }
            else:
                title = _("Lead %(code)s: decide by %(due)s (%(n)d working days left)") % {
                    "code": lead.tracking_code,
                    "due": lead.decision_due.isoformat(),
                    "n": left,
                }
            body = _("Decide whether to open a case within %(period)s of receipt.") % {
                "period": clock_text()
            }
        sent = 0
        for user in _reached(lead, grants):
            notify(user, title, body, lead.get_absolute_url())
            sent += 1
        marks = dict(locked.reminders_sent or {})
        marks[kind] = locked.decision_due.isoformat()
        Lead.objects.filter(pk=lead.pk).update(reminders_sent=marks)
    return sent


@daily_duty("lead-deadlines", order=50)
def lead_deadlines(on: datetime.date) -> str:
    return f"{send_deadline_reminders(on)} lead deadline reminders sent"


# --- the public status page ----------------------------------------------------------------


def find_for_status(code: str, contact: str) -> Lead | None:
    """The lead with this tracking code whose complainant gave this phone or email; None
    otherwise (an unknown code and a wrong contact look the same)."""
    code = normalize_code(code)
    contact = (contact or "").strip()
    if len(code) != CODE_LENGTH or not contact:
        return None
    lead = Lead.objects.select_related("agency").filter(tracking_code=code).first()
    if lead is None:
        return None
    if "@" in contact:
        given = (lead.complainant_email or "").strip().lower()
        ok = bool(given) and secrets.compare_digest(given.encode(), contact.lower().encode())
    else:
        given = phone_digits(lead.complainant_phone)
        ok = bool(given) and secrets.compare_digest(given.encode(), phone_digits(contact).encode())
    return lead if ok else None
