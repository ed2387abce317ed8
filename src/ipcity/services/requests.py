"""Service request actions (管家式服务), shared by the pages, the public form, the API and the demo.

    req = submit_request(erin, kind="consultation", subject=..., description=...,
                         requester_name="示例甲科技有限公司")
    assign(alice, req, hall)           # the office routes to a point that offers the kind
    start(hal, req); answer(hal, req, "...")
    rate(erin, req, 5, "很及时")        # the requester rates once; that closes it
    lead = hand_over(alice, req, amr)  # a rights-protection request becomes a protection lead

Who does what:
- the requester: a signed-in enterprise user for their own organization (a grant on
  `services.change_servicerequest` reaching the requester through own or subtree scope), or
  anybody holding the tracking code and the contact given on the public form. Withdraws before
  the answer; rates once, after the answer.
- the office (`services.route_servicerequest`): routes to a service point offering the kind
  (and may route again until the answer), closes, hands over to enforcement
  (`services.handover_servicerequest`, plus protection's own `add_lead`).
- the service point's users (their grant reaches the point's organization through own or
  subtree scope): start, add notes, answer, decline with a reason.

The answer is due `response_days(kind)` working days after the routing day (`response_due`,
from data/response_times.json: the platform's service commitments, not statutory limits). A
request routed and not answered by then is overdue; the daily duty `service-request-deadlines`
reminds the point's users and the office once per request, kind and due date.

Every action checks grants, runs in one transaction on the locked row and writes a
`RequestEvent`; `ValidationError` carries a message for the person.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import secrets
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ipcity.core import workdays
from ipcity.core.scope import ScopeChoices, grants_for, has_perm, perm_name
from ipcity.core.uploads import UploadInfo, check_uploads, remove_stored
from ipcity.protection.leads import new_tracking_code, normalize_code, phone_digits, valid_phone

from .choices import RequestEventKind, RequestStatus, ServiceKind
from .institutions import choosable, offers
from .models import Institution, RequestAttachment, RequestEvent, ServiceRequest

DATA = Path(__file__).resolve().parent / "data" / "response_times.json"
CODE_LENGTH = 10
CODE_ATTEMPTS = 8
MAX_ATTACHMENTS = 5
DESCRIPTION_MAX = 5000
TEXT_MAX = 5000
DUE_SOON_WORKDAYS = 2

# Kinds that can become a protection lead.
HANDOVER_KINDS = (ServiceKind.RIGHTS_PROTECTION, ServiceKind.MEDIATION)
# Waiting for the service point's answer (these have a response_due and may be overdue).
WORKING_STATUSES = (RequestStatus.ASSIGNED, RequestStatus.IN_PROGRESS)
# Nothing more happens to these.
FINAL_STATUSES = (RequestStatus.CLOSED, RequestStatus.WITHDRAWN, RequestStatus.HANDED_OVER)
# The office may route (again) until the answer; a declined request is routed elsewhere.
ROUTABLE_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.ASSIGNED,
    RequestStatus.IN_PROGRESS,
    RequestStatus.DECLINED,
)
# The requester may take the request back until it is answered (a declined one waits for the
# office to route it again, so it may be withdrawn too).
WITHDRAWABLE_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.ASSIGNED,
    RequestStatus.IN_PROGRESS,
    RequestStatus.DECLINED,
)
# Waiting for the office to route it.
UNROUTED_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.DECLINED)


# --- response times ------------------------------------------------------------------------


@cache
def _response_table() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def response_days(kind: str) -> int:
    """Working days to answer a request of `kind` (data/response_times.json)."""
    table = _response_table()
    entry = table["kinds"].get(str(kind)) or table["default"]
    return int(entry["days"])


def response_source(kind: str) -> str:
    """Where the figure comes from, as recorded in the data file (English, for the record)."""
    table = _response_table()
    entry = table["kinds"].get(str(kind)) or table["default"]
    return entry.get("source", "")


def response_commitment(kind: str) -> str:
    """The response time of `kind` in the reader's words."""
    return ngettext(
        "The service point answers within %(days)d working day of routing (the platform's "
        "service commitment).",
        "The service point answers within %(days)d working days of routing (the platform's "
        "service commitment).",
        response_days(kind),
    ) % {"days": response_days(kind)}


def routing_days() -> int:
    """Working days the office has to route a request waiting for it (data file, `routing`)."""
    return int(_response_table().get("routing", {}).get("days", 1))


def response_note() -> str:
    return _response_table().get("note", "")


def due_from(start: datetime.date, kind: str) -> datetime.date:
    return workdays.add_workdays(start, response_days(kind))


def overdue_q(today: datetime.date | None = None) -> Q:
    """Routed, not answered, past its response_due."""
    today = today or timezone.localdate()
    return Q(status__in=WORKING_STATUSES, response_due__lt=today)


def is_overdue(request: ServiceRequest, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        request.status in WORKING_STATUSES
        and request.response_due is not None
        and request.response_due < today
    )


# --- who is who ----------------------------------------------------------------------------


def _reaches_own(user, org_id, org_path, action: str = "change") -> bool:
    """A grant of services.<action>_servicerequest reaching the organization through own or
    subtree scope (a district grant is the office, not the organization itself)."""
    if org_id is None:
        return False
    for grant in grants_for(user, perm_name(ServiceRequest, action)):
        if grant.scope == ScopeChoices.DISTRICT:
            continue
        if grant.scope == ScopeChoices.SUBTREE and (org_path or "").startswith(grant.org_path):
            return True
        if grant.org_id == org_id:
            return True
    return False


def is_requester(user, request: ServiceRequest) -> bool:
    if user is None or not user.is_authenticated or request.requester_id is None:
        return False
    requester = request.requester
    return _reaches_own(user, requester.pk, requester.path)


def is_point_user(user, request: ServiceRequest) -> bool:
    if user is None or not user.is_authenticated or request.service_point_id is None:
        return False
    org = request.service_point.organization
    return _reaches_own(user, org.pk, org.path)


def is_office(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return has_perm(user, ServiceRequest, "route")


def can_change(user, request: ServiceRequest) -> bool:
    return ServiceRequest.objects.restrict(user, "change").filter(pk=request.pk).exists()


def can_hand_over(user, request: ServiceRequest) -> bool:
    from ipcity.protection.models import Lead

    return (
        request.kind in HANDOVER_KINDS
        and request.lead_id is None
        and request.status not in FINAL_STATUSES
        and has_perm(user, ServiceRequest, "handover")
        and has_perm(user, Lead, "add")
        and can_change(user, request)
    )


def on_requester_side(user, request: ServiceRequest) -> bool:
    """The user reads the request as (a member of) the requesting organization, not as staff
    of the point or the office: internal notes are not for them."""
    if user is None or not user.is_authenticated:
        return True
    if is_point_user(user, request) or is_office(user):
        return False
    if request.requester_id is None:
        return False
    return _reaches_own(user, request.requester_id, request.requester.path, "view")


def visible_events(user, request: ServiceRequest):
    """The timeline the user may read: every step for staff, public steps for the requester."""
    events = RequestEvent.objects.filter(request=request).select_related(
        "user", "point__organization"
    )
    if on_requester_side(user, request):
        events = events.filter(public=True)
    return events.order_by("at", "pk")


def available_actions(user, request: ServiceRequest) -> set[str]:
    """What the request page offers this user."""
    if user is None or not can_change(user, request):
        return set()
    actions: set[str] = set()
    status = request.status
    point = is_point_user(user, request)
    office = is_office(user)
    if office and status in ROUTABLE_STATUSES:
        actions.add("assign")
    if point and status == RequestStatus.ASSIGNED:
        actions.add("start")
    if point and status in WORKING_STATUSES:
        actions.update({"answer", "decline"})
    if (point or office) and status not in FINAL_STATUSES:
        actions.add("note")
    if office and status not in FINAL_STATUSES:
        actions.add("close")
    if can_hand_over(user, request):
        actions.add("hand_over")
    if is_requester(user, request):
        if status in WITHDRAWABLE_STATUSES:
            actions.add("withdraw")
        if status == RequestStatus.ANSWERED and request.rating is None:
            actions.add("rate")
    return actions


# --- helpers -------------------------------------------------------------------------------


def _locked(request: ServiceRequest) -> ServiceRequest:
    return (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("service_point__organization", "requester")
        .get(pk=request.pk)
    )


def _sync(target: ServiceRequest, source: ServiceRequest) -> None:
    for field in ServiceRequest._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    for name in ("service_point", "requester", "lead"):
        if ServiceRequest._meta.get_field(name).is_cached(source):
            setattr(target, name, getattr(source, name))


def _event(request, kind, user=None, note="", public=True, point=None) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        kind=kind,
        user=user if (user is not None and user.is_authenticated) else None,
        note=(note or "").strip(),
        public=public,
        point=point,
    )


def _save(request: ServiceRequest, user) -> None:
    if user is not None and user.is_authenticated:
        request._history_user = user
    request.save()


# One whole sentence per action, so each translates as a sentence.
_STATUS_ERRORS = {
    "route": gettext_lazy("A request that is %(status)s cannot be routed."),
    "close": gettext_lazy("A request that is %(status)s cannot be closed."),
    "start": gettext_lazy("A request that is %(status)s cannot be started."),
    "answer": gettext_lazy("A request that is %(status)s cannot be answered."),
    "decline": gettext_lazy("A request that is %(status)s cannot be declined."),
    "note": gettext_lazy("No notes can be added to a request that is %(status)s."),
    "withdraw": gettext_lazy("A request that is %(status)s cannot be withdrawn."),
    "hand_over": gettext_lazy("A request that is %(status)s cannot be handed over."),
}


def _status_error(request: ServiceRequest, action: str) -> ValidationError:
    return ValidationError(
        str(_STATUS_ERRORS[action]) % {"status": request.get_status_display().lower()}
    )


def check_files(attachments, already: int = 0) -> list:
    """(upload, info) for each attachment, each checked by its content (core/uploads.py)."""
    return check_uploads(
        attachments,
        limit=MAX_ATTACHMENTS,
        too_many=_("At most %(n)d files can be attached to a request.") % {"n": MAX_ATTACHMENTS},
        already=already,
    )


def _assign_fields(request: ServiceRequest, point: Institution, on: datetime.date) -> None:
    request.service_point = point
    request.assigned_on = on
    request.response_due = due_from(on, request.kind)
    request.status = RequestStatus.ASSIGNED
    request.handler = None


# --- submission ----------------------------------------------------------------------------


def submit_request(
    user,
    *,
    kind,
    subject,
    description,
    requester_name,
    requester=None,
    contact_name="",
    contact_phone="",
    contact_email="",
    right_numbers="",
    preferred_point=None,
    attachments=(),
) -> ServiceRequest:
    """Record a request. `user` None: the public form (needs a phone or an e-mail; the requester
    follows it with the tracking code and one of them). A signed-in user asks for their own
    organization (`requester`, default theirs). With a `preferred_point` that takes requests of
    the kind, the request goes straight to it; otherwise it waits for the office to route it.
    Up to MAX_ATTACHMENTS files, checked by content; one bad file refuses the whole request."""
    contact_phone = (contact_phone or "").strip()
    contact_email = (contact_email or "").strip()
    errors: dict[str, list] = {}
    if kind not in ServiceKind.values:
        errors["kind"] = [_("Choose the service you need.")]
    if user is None:
        requester = None
        if not contact_phone and not contact_email:
            errors["contact_phone"] = [
                _("Give a phone number or an email address, so you can follow your request.")
            ]
    else:
        if not has_perm(user, ServiceRequest, "add"):
            raise PermissionDenied(_("You may not submit service requests."))
        requester = requester or user.organization
        if requester is None:
            raise PermissionDenied(_("Your account belongs to no organization."))
    if contact_phone and not valid_phone(contact_phone):
        errors["contact_phone"] = [_("Enter a valid phone number.")]
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            errors["contact_email"] = [_("Enter a valid email address.")]
    if len(description or "") > DESCRIPTION_MAX:
        errors["description"] = [_("At most %(n)d characters.") % {"n": DESCRIPTION_MAX}]
    if preferred_point is not None and not choosable(preferred_point):
        errors["preferred_point"] = [_("Choose a service point from the service directory.")]
    today = timezone.localdate()
    request = ServiceRequest(
        kind=kind,
        subject=(subject or "").strip(),
        description=(description or "").strip(),
        requester=requester,
        requester_name=(requester_name or "").strip(),
        contact_name=(contact_name or "").strip(),
        contact_phone=contact_phone,
        contact_email=contact_email,
        right_numbers=(right_numbers or "").strip(),
        submitted_by=user,
        submitted_on=today,
        preferred_point=preferred_point,
    )
    try:
        request.full_clean(exclude=["tracking_code"])
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            errors.setdefault(key, []).extend(m for m in msgs if m not in errors.get(key, []))
    try:
        infos = check_files(attachments)
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            errors.setdefault(key, []).extend(msgs)
        infos = []
    if errors:
        raise ValidationError(errors)
    auto = preferred_point is not None and offers(preferred_point, kind)
    stored: list[str] = []
    try:
        with transaction.atomic():
            if auto:
                _assign_fields(request, preferred_point, today)
            if user is not None:
                request._history_user = user
            for attempt in range(CODE_ATTEMPTS):
                request.tracking_code = new_tracking_code()
                try:
                    with transaction.atomic():
                        request.save()
                    break
                except IntegrityError:
                    request.pk = None
                    if attempt == CODE_ATTEMPTS - 1:
                        raise
            for upload, info in infos:
                attachment = RequestAttachment(
                    request=request,
                    name=info.name,
                    size=info.size,
                    content_type=info.content_type,
                    sha256=info.sha256,
                )
                attachment.file.save(info.name, upload, save=False)
                stored.append(attachment.file.name)
                attachment.save()
            _event(request, RequestEventKind.SUBMITTED, user)
            if auto:
                _event(
                    request,
                    RequestEventKind.ASSIGNED,
                    user,
                    note=_("Sent to the service point chosen by the requester."),
                    point=preferred_point,
                )
            if (
                user is not None
                and not ServiceRequest.objects.restrict(user, "view").filter(pk=request.pk).exists()
            ):
                raise PermissionDenied(_("You may not submit requests for this organization."))
    except BaseException:
        remove_stored(stored)
        raise
    if auto:
        _notify_point(request)
    else:
        _notify_office(request)
    return request


# --- the office ----------------------------------------------------------------------------


def assign(user, request: ServiceRequest, point: Institution, note: str = "") -> ServiceRequest:
    """Route the request to `point` (the office); routing again until the answer restarts the
    response time from today."""
    if not is_office(user) or not can_change(user, request):
        raise PermissionDenied(_("Only the IP office routes service requests."))
    if point is None:
        raise ValidationError({"point": _("Choose a service point.")})
    with transaction.atomic():
        locked = _locked(request)
        if locked.status not in ROUTABLE_STATUSES:
            raise _status_error(locked, "route")
        if not offers(point, locked.kind):
            raise ValidationError(
                {
                    "point": _("%(point)s does not take requests for %(kind)s.")
                    % {"point": point, "kind": locked.get_kind_display()}
                }
            )
        if locked.service_point_id == point.pk and locked.status != RequestStatus.DECLINED:
            raise ValidationError({"point": _("The request is already with this service point.")})
        again = locked.service_point_id is not None
        _assign_fields(locked, point, timezone.localdate())
        _save(locked, user)
        _event(
            locked,
            RequestEventKind.REASSIGNED if again else RequestEventKind.ASSIGNED,
            user,
            point=point,
        )
        _private_note(locked, user, note)
    _sync(request, locked)
    _notify_point(request)
    return request


def _private_note(request: ServiceRequest, user, note: str) -> None:
    """A note the office writes with an action stays internal: the requester and the public
    status page see the step, never the note."""
    note = (note or "").strip()
    if note:
        _event(request, RequestEventKind.NOTE, user, note=note, public=False)


def _handover_text(request: ServiceRequest) -> str:
    """The lead's description: the request and its history so far (every step with its date,
    point and note, and the answer), so the agency deciding on the lead reads what the service
    point already did without access to the request itself."""
    lines = [request.subject]
    if request.description:
        lines += ["", request.description]
    steps = list(request.events.select_related("point").order_by("at", "pk"))
    if steps or request.response:
        lines += ["", _("History of service request %(code)s:") % {"code": request.tracking_code}]
    for step in steps:
        when = timezone.localtime(step.at).strftime("%Y-%m-%d %H:%M")
        text = f"{when} {step.get_kind_display()}"
        if step.point_id:
            text += f" ({step.point})"
        if step.note:
            text += f": {step.note}"
        lines.append(text)
    if request.response:
        lines += ["", _("Answer given to the requester:"), request.response]
    return "\n".join(lines)


def close(user, request: ServiceRequest, note: str = "") -> ServiceRequest:
    """The office closes a request (answered and never rated, declined, or settled otherwise)."""
    if not is_office(user) or not can_change(user, request):
        raise PermissionDenied(_("Only the IP office closes service requests."))
    with transaction.atomic():
        locked = _locked(request)
        if locked.status in FINAL_STATUSES:
            raise _status_error(locked, "close")
        locked.status = RequestStatus.CLOSED
        locked.closed_at = timezone.now()
        _save(locked, user)
        _event(locked, RequestEventKind.CLOSED, user)
        _private_note(locked, user, note)
    _sync(request, locked)
    return request


# --- the service point ---------------------------------------------------------------------


def _check_point(user, request: ServiceRequest) -> None:
    if not can_change(user, request) or not is_point_user(user, request):
        raise PermissionDenied(_("Only the service point's staff handle this request."))


def _check_point_locked(user, locked: ServiceRequest) -> None:
    """Again on the locked row: the office may have routed the request elsewhere meanwhile."""
    if not is_point_user(user, locked):
        raise PermissionDenied(_("The request has been routed to another service point."))


def start(user, request: ServiceRequest) -> ServiceRequest:
    _check_point(user, request)
    with transaction.atomic():
        locked = _locked(request)
        _check_point_locked(user, locked)
        if locked.status != RequestStatus.ASSIGNED:
            raise _status_error(locked, "start")
        locked.status = RequestStatus.IN_PROGRESS
        locked.handler = user
        _save(locked, user)
        _event(locked, RequestEventKind.STARTED, user, point=locked.service_point)
    _sync(request, locked)
    return request


def answer(user, request: ServiceRequest, text: str) -> ServiceRequest:
    """The point's answer, shown to the requester; they may rate it afterwards."""
    _check_point(user, request)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the answer.")})
    if len(text) > TEXT_MAX:
        raise ValidationError({"text": _("At most %(n)d characters.") % {"n": TEXT_MAX}})
    with transaction.atomic():
        locked = _locked(request)
        _check_point_locked(user, locked)
        if locked.status not in WORKING_STATUSES:
            raise _status_error(locked, "answer")
        now = timezone.now()
        locked.status = RequestStatus.ANSWERED
        locked.response = text
        locked.answered_at = now
        locked.answered_on = timezone.localdate()
        locked.handler = locked.handler or user
        _save(locked, user)
        _event(locked, RequestEventKind.ANSWERED, user, point=locked.service_point)
    _sync(request, locked)
    _notify_requester(request)
    return request


def decline(user, request: ServiceRequest, reason: str) -> ServiceRequest:
    """The point cannot help: the reason is shown to the requester; the office may route the
    request to another point or close it."""
    _check_point(user, request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the request is declined.")})
    with transaction.atomic():
        locked = _locked(request)
        _check_point_locked(user, locked)
        if locked.status not in WORKING_STATUSES:
            raise _status_error(locked, "decline")
        locked.status = RequestStatus.DECLINED
        _save(locked, user)
        _event(
            locked,
            RequestEventKind.DECLINED,
            user,
            note=reason[:TEXT_MAX],
            point=locked.service_point,
        )
    _sync(request, locked)
    _notify_office(request)
    return request


def add_note(user, request: ServiceRequest, text: str, public: bool = False) -> RequestEvent:
    """A note on the timeline: internal (staff only) or public (the requester sees it)."""
    if not can_change(user, request) or not (is_point_user(user, request) or is_office(user)):
        raise PermissionDenied(_("You may not add notes to this request."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    if len(text) > TEXT_MAX:
        raise ValidationError({"text": _("At most %(n)d characters.") % {"n": TEXT_MAX}})
    with transaction.atomic():
        locked = _locked(request)
        if not is_office(user):
            _check_point_locked(user, locked)
        if locked.status in FINAL_STATUSES:
            raise _status_error(locked, "note")
        return _event(
            locked,
            RequestEventKind.NOTE,
            user,
            note=text,
            public=public,
            point=locked.service_point,
        )


# --- the requester -------------------------------------------------------------------------


def _check_requester(user, request: ServiceRequest) -> None:
    """A signed-in requester; `None` is the public status page, which found the request by its
    tracking code and contact (`find_public`)."""
    if user is None:
        return
    if not can_change(user, request) or not is_requester(user, request):
        raise PermissionDenied(_("Only the requester may do this."))


def rate(user, request: ServiceRequest, rating, comment: str = "") -> ServiceRequest:
    """The requester's satisfaction (1-5), once, after the answer; it closes the request."""
    _check_requester(user, request)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Rate from 1 to 5.")})
    comment = (comment or "").strip()
    if len(comment) > TEXT_MAX:
        raise ValidationError({"comment": _("At most %(n)d characters.") % {"n": TEXT_MAX}})
    with transaction.atomic():
        locked = _locked(request)
        if locked.rating is not None:
            raise ValidationError(_("This request has been rated already."))
        if locked.status != RequestStatus.ANSWERED:
            raise ValidationError(_("A request can be rated once it has been answered."))
        now = timezone.now()
        locked.rating = rating
        locked.rating_comment = comment
        locked.rated_at = now
        locked.status = RequestStatus.CLOSED
        locked.closed_at = now
        _save(locked, user)
        _event(locked, RequestEventKind.RATED, user, note=f"{rating}/5")
    _sync(request, locked)
    return request


def withdraw(user, request: ServiceRequest, note: str = "") -> ServiceRequest:
    _check_requester(user, request)
    with transaction.atomic():
        locked = _locked(request)
        if locked.status not in WITHDRAWABLE_STATUSES:
            raise _status_error(locked, "withdraw")
        locked.status = RequestStatus.WITHDRAWN
        locked.closed_at = timezone.now()
        _save(locked, user)
        _event(locked, RequestEventKind.WITHDRAWN, user, note=note)
    _sync(request, locked)
    return request


# --- hand-over to protection ---------------------------------------------------------------


def guess_right_type(numbers: str) -> str:
    """The right type a lead needs, guessed from the numbers given (the form lets staff
    correct it): CN patent numbers hold a dot and 12 or 8 digits; otherwise a trademark when
    the numbers are all digits, else other."""
    from ipcity.protection.choices import RightType

    text = (numbers or "").upper().replace(" ", "")
    if not text:
        return RightType.OTHER
    if "ZL" in text or "." in text or "CN" in text:
        return RightType.PATENT
    digits = [n for n in text.replace("，", ",").split(",") if n]
    if digits and all(n.isdigit() for n in digits):
        return RightType.TRADEMARK
    return RightType.OTHER


def hand_over(user, request: ServiceRequest, agency=None, *, right_type: str = "", note: str = ""):
    """Turn a rights-protection (or mediation) request into a protection lead in one step: the
    lead (source service request, `source_reference` the tracking code) gets the requester as
    complainant, the contact, the right numbers, the description and copies of the attachments;
    the request becomes HANDED_OVER with `lead` set and a timeline step. `agency` None leaves
    the lead for the office to route (only a district `add_lead` grant allows that)."""
    from django.core.files import File

    from ipcity.protection import leads as protection_leads
    from ipcity.protection.choices import LeadSource, RightType

    if request.kind not in HANDOVER_KINDS:
        raise ValidationError(
            _("Only rights-protection and mediation requests are handed over to enforcement.")
        )
    if not has_perm(user, ServiceRequest, "handover") or not can_change(user, request):
        raise PermissionDenied(_("You may not hand service requests over to enforcement."))
    if right_type and right_type not in RightType.values:
        raise ValidationError({"right_type": _("Unknown right type.")})
    lead = None
    opened: list = []
    try:
        with transaction.atomic():
            locked = _locked(request)
            if locked.lead_id is not None:
                raise ValidationError(_("This request has been handed over already."))
            if locked.status in FINAL_STATUSES:
                raise _status_error(locked, "hand_over")
            files = []
            for attachment in locked.attachments.order_by("pk"):
                try:
                    handle = attachment.file.open("rb")
                except OSError as exc:
                    raise ValidationError(
                        _("The attached file %(name)s cannot be read; attach it again.")
                        % {"name": attachment.name}
                    ) from exc
                opened.append(handle)
                info = UploadInfo(
                    name=attachment.name,
                    size=attachment.size,
                    content_type=attachment.content_type,
                    sha256=attachment.sha256,
                    kind="",
                )
                files.append((File(handle, name=attachment.name), info))
            requester = locked.requester
            description = _handover_text(locked)
            lead = protection_leads.create_lead(
                user,
                source=LeadSource.SERVICE_REQUEST,
                source_reference=locked.tracking_code,
                agency=agency,
                complainant_name=locked.requester_name,
                complainant_organization=requester,
                complainant_uscc=(getattr(requester, "uscc", "") or "")[:18],
                complainant_phone=locked.contact_phone,
                complainant_email=locked.contact_email,
                right_type=right_type or guess_right_type(locked.right_numbers),
                right_numbers=locked.right_numbers,
                description=description[: protection_leads.DESCRIPTION_MAX],
                attachments=files,
            )
            locked.lead = lead
            locked.handed_over_at = timezone.now()
            locked.status = RequestStatus.HANDED_OVER
            _save(locked, user)
            _event(
                locked,
                RequestEventKind.HANDED_OVER,
                user,
                note=_("Handed over to enforcement as lead %(code)s.")
                % {"code": lead.tracking_code},
            )
            _private_note(locked, user, note)
    except BaseException:
        if lead is not None:
            protection_leads.remove_stored_files(lead)
        raise
    finally:
        for handle in opened:
            with contextlib.suppress(OSError):
                handle.close()
    _sync(request, locked)
    return lead


# --- the public status page ----------------------------------------------------------------


def find_public(code: str, contact: str) -> ServiceRequest | None:
    """The request with this tracking code whose requester gave this phone or e-mail; None
    otherwise (an unknown code and a wrong contact look the same)."""
    code = normalize_code(code)
    contact = (contact or "").strip()
    if len(code) != CODE_LENGTH or not contact:
        return None
    request = (
        ServiceRequest.objects.select_related("service_point__organization", "lead")
        .filter(tracking_code=code)
        .first()
    )
    if request is None:
        return None
    if "@" in contact:
        given = (request.contact_email or "").strip().lower()
        ok = bool(given) and secrets.compare_digest(given.encode(), contact.lower().encode())
    else:
        given = phone_digits(request.contact_phone)
        ok = bool(given) and secrets.compare_digest(given.encode(), phone_digits(contact).encode())
    return request if ok else None


# --- notifications and reminders -----------------------------------------------------------


def _assignments(codename: str):
    from ipcity.accounts.models import RoleAssignment

    return (
        RoleAssignment.objects.filter(
            role__is_active=True,
            user__is_active=True,
            role__permissions__codename=codename,
            role__permissions__content_type__app_label="services",
        )
        .select_related("user", "organization", "user__organization")
        .distinct()
    )


def _office_users() -> list:
    return list({a.user.pk: a.user for a in _assignments("route_servicerequest")}.values())


def _point_assignments(org):
    """Role assignments that can reach `org`: granted on it or on a unit above it (read by the
    organization path), not every assignment of the platform."""
    ancestors = [int(pk) for pk in (org.path or "").strip("/").split("/") if pk] or [org.pk]
    return _assignments("change_servicerequest").filter(
        Q(organization_id__in=ancestors)
        | Q(organization__isnull=True, user__organization_id__in=ancestors)
    )


def _point_users(point: Institution, rows=None) -> list:
    org = point.organization
    users = {}
    for assignment in rows if rows is not None else _point_assignments(org):
        if assignment.scope == ScopeChoices.DISTRICT:
            continue
        grant_org = assignment.organization or assignment.user.organization
        if grant_org is None:
            continue
        if grant_org.pk == org.pk or (
            assignment.scope == ScopeChoices.SUBTREE and org.path.startswith(grant_org.path)
        ):
            users[assignment.user.pk] = assignment.user
    return list(users.values())


def _send(users, title, body, link) -> None:
    from ipcity.core.notifications import notify

    for user in users:
        notify(user, title, body, link)


def _notify_point(request: ServiceRequest) -> None:
    if request.service_point_id is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Service request %(code)s routed to you: answer by %(due)s") % {
            "code": request.tracking_code,
            "due": request.response_due.isoformat() if request.response_due else "",
        }
    _send(_point_users(request.service_point), title, request.subject, request.get_absolute_url())


def _notify_office(request: ServiceRequest) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        if request.status == RequestStatus.DECLINED:
            title = _("Service request %(code)s was declined by the service point") % {
                "code": request.tracking_code
            }
        else:
            title = _("New service request %(code)s to route") % {"code": request.tracking_code}
    _send(_office_users(), title, request.subject, request.get_absolute_url())


def _notify_requester(request: ServiceRequest) -> None:
    user = request.submitted_by
    if user is None or not user.is_active:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Your service request %(code)s has been answered") % {
            "code": request.tracking_code
        }
    _send([user], title, request.subject, request.get_absolute_url())


def waiting_since_q():
    """Annotation: the day an unrouted request started waiting for the office (submitted, or
    last declined by a point)."""
    from django.db.models import Max, OuterRef, Subquery
    from django.db.models.functions import Coalesce, TruncDate

    declined = (
        RequestEvent.objects.filter(request=OuterRef("pk"), kind=RequestEventKind.DECLINED)
        .values("request")
        .annotate(last=Max("at"))
        .values("last")
    )
    return Coalesce(
        TruncDate(Subquery(declined), tzinfo=timezone.get_current_timezone()),
        F("submitted_on"),
    )


def route_due(waiting_since: datetime.date) -> datetime.date:
    return workdays.add_workdays(waiting_since, routing_days())


def send_routing_reminders(on: datetime.date) -> int:
    """Remind the office of requests still waiting to be routed past the routing time, once per
    request and waiting day (`reminders_sent["unrouted"]`)."""
    waiting = (
        ServiceRequest.objects.filter(status__in=UNROUTED_STATUSES)
        .annotate(waiting_since=waiting_since_q())
        .only("pk", "tracking_code", "subject", "status", "reminders_sent", "submitted_on")
    )
    office = None
    sent = 0
    for request in waiting.iterator(chunk_size=500):
        since = request.waiting_since
        if isinstance(since, datetime.datetime):
            since = since.date()
        if route_due(since) >= on:
            continue
        mark = since.isoformat()
        if (request.reminders_sent or {}).get("unrouted") == mark:
            continue
        if office is None:
            office = _office_users()
        with transaction.atomic():
            locked = ServiceRequest.objects.select_for_update().filter(pk=request.pk).first()
            if locked is None or locked.status not in UNROUTED_STATUSES:
                continue
            if (locked.reminders_sent or {}).get("unrouted") == mark:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                title = _("Service request %(code)s has waited since %(since)s to be routed") % {
                    "code": request.tracking_code,
                    "since": mark,
                }
            _send(office, title, request.subject, request.get_absolute_url())
            marks = dict(locked.reminders_sent or {})
            marks["unrouted"] = mark
            ServiceRequest.objects.filter(pk=request.pk).update(reminders_sent=marks)
            sent += len(office)
    return sent


def send_deadline_reminders(on: datetime.date) -> int:
    """Remind the point's users and the office of requests due within DUE_SOON_WORKDAYS working
    days and of overdue ones, once per request, kind and due date (`reminders_sent`); and the
    office of requests waiting to be routed past the routing time."""
    sent = send_routing_reminders(on)
    return sent + _send_answer_reminders(on)


def _send_answer_reminders(on: datetime.date) -> int:
    horizon = workdays.add_workdays(on, DUE_SOON_WORKDAYS)
    pending = ServiceRequest.objects.filter(
        status__in=WORKING_STATUSES, response_due__lte=horizon, service_point__isnull=False
    ).select_related("service_point__organization")
    rows = office = None
    sent = 0
    for request in pending.iterator(chunk_size=500):
        kind = "overdue" if request.response_due < on else "due_soon"
        if (request.reminders_sent or {}).get(kind) == request.response_due.isoformat():
            continue
        if rows is None:
            rows = list(_assignments("change_servicerequest"))
            office = _office_users()
        sent += _remind(request, kind, on, rows, office)
    return sent


def _remind(request: ServiceRequest, kind: str, on, rows, office) -> int:
    with transaction.atomic():
        locked = ServiceRequest.objects.select_for_update().filter(pk=request.pk).first()
        if locked is None or locked.response_due != request.response_due:
            return 0
        if locked.status not in WORKING_STATUSES:
            return 0
        if (locked.reminders_sent or {}).get(kind) == locked.response_due.isoformat():
            return 0
        due = locked.response_due.isoformat()
        with translation.override(settings.LANGUAGE_CODE):
            if kind == "overdue":
                title = _("Service request %(code)s is overdue: the answer was due %(due)s") % {
                    "code": request.tracking_code,
                    "due": due,
                }
            else:
                title = _("Service request %(code)s: answer by %(due)s") % {
                    "code": request.tracking_code,
                    "due": due,
                }
        users = {u.pk: u for u in _point_users(request.service_point, rows)}
        if kind == "overdue":
            users.update({u.pk: u for u in office})
        _send(users.values(), title, request.subject, request.get_absolute_url())
        marks = dict(locked.reminders_sent or {})
        marks[kind] = due
        ServiceRequest.objects.filter(pk=request.pk).update(reminders_sent=marks)
    return len(users)


# --- figures (for the services overview) ---------------------------------------------------


def figures(user, year: int) -> dict:
    """The year's service request figures over what `user` may view. Each key matches filters
    of the request list (`kind`, `status`, `submitted_after`/`submitted_before`, `overdue`,
    `rated`, `handed_over`), so a figure links to exactly its rows."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    qs = ServiceRequest.objects.restrict(user, "view").filter(
        submitted_on__gte=start, submitted_on__lte=end
    )
    today = timezone.localdate()
    totals = qs.aggregate(
        total=Count("pk"),
        answered=Count("pk", filter=Q(answered_on__isnull=False)),
        answered_in_time=Count(
            "pk", filter=Q(answered_on__isnull=False, answered_on__lte=F("response_due"))
        ),
        overdue=Count("pk", filter=overdue_q(today)),
        handed_over=Count("pk", filter=Q(lead__isnull=False)),
        rated=Count("pk", filter=Q(rating__isnull=False)),
        average_rating=Avg("rating"),
    )
    by_kind = dict(qs.order_by().values_list("kind").annotate(n=Count("pk")))
    by_status = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    by_point = list(
        qs.filter(service_point__isnull=False)
        .order_by()
        .values("service_point", "service_point__organization__name")
        .annotate(n=Count("pk"), rating=Avg("rating"))
        .order_by("-n")
    )
    return {
        "year": year,
        "submitted_after": start.isoformat(),
        "submitted_before": end.isoformat(),
        **totals,
        "by_kind": by_kind,
        "by_status": by_status,
        "by_point": by_point,
    }
