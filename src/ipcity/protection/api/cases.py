"""Protection API: cases.

Reads follow protection/visibility.py: a case the caller sees in full comes with its details
(`is_full: true`), one seen only in summary with the summary fields and nulls, anything else
is a 404. An answer that shows a shared case's details is logged (what="api"). Writes go through
protection/cases.py: 403 when the caller sees the case but may not change it, 422 with the
field problems when the step does not fit.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm

from .. import cases, visibility
from ..filters.cases import CaseFilterSet, case_rows
from ..models import Case, CaseHandler, CaseParty, CaseRelation, CaseRight, Extension, Officer
from ..schemas.cases import (
    CaseDetailOut,
    CaseFilters,
    CaseIn,
    CasePage,
    CasePatch,
    CloseIn,
    DecisionIn,
    DisclosureIn,
    ExecutionIn,
    ExtensionDecisionIn,
    ExtensionIn,
    ExtensionOut,
    HandlerIn,
    NoteIn,
    NoticeIn,
    PartyIn,
    RightIn,
)

router = Router(tags=["protection"])
Access = visibility.Access

DETAIL_FIELDS = (
    "offence",
    "conduct",
    "conduct_date",
    "copies",
    "marks_count",
    "goods",
    "notice_on",
    "hearing_requested",
    "hearing_waived",
    "decision_number",
    "confiscated_goods",
    "order_to_stop",
    "disclosure_due",
    "disclosed_on",
    "disclosure_url",
    "executed_on",
    "repeat_set_by_hand",
)
DETAIL_AMOUNTS = (
    "business_amount",
    "illegal_gain",
    "sales_amount",
    "unsold_value",
    "confiscated_gain",
)


def _amount(value):
    return None if value is None else float(value)


def case_out(case: Case, full: bool) -> dict:
    """The answer for one case: the summary always, the details only when `full`."""
    data = {
        "id": case.pk,
        "is_full": full,
        "agency": {"id": case.agency_id, "name": case.agency.name},
        "fine": _amount(case.fine),
    }
    for name in Case.SUMMARY_FIELDS:
        if name not in ("id", "agency", "fine"):
            data[name] = getattr(case, name)
    if full:
        for name in DETAIL_FIELDS:
            data[name] = getattr(case, name)
        for name in DETAIL_AMOUNTS:
            data[name] = _amount(getattr(case, name))
        respondents = getattr(case, "listed_respondents", None)
        if respondents is None:
            respondents = case.parties.filter(role="respondent").order_by("pk")
        data["respondents"] = [p.name for p in respondents]
    return data


def _extension_out(ext: Extension) -> dict:
    if ext.approved_at:
        status, by = "approved", ext.approved_by
    elif ext.rejected_at:
        status, by = "rejected", ext.rejected_by
    else:
        status, by = "pending", None
    return {
        "id": ext.pk,
        "days": ext.days,
        "reason": ext.reason,
        "status": status,
        "requested_by": str(ext.requested_by) if ext.requested_by else None,
        "decided_by": str(by) if by else None,
        "previous_due": ext.previous_due,
        "new_due": ext.new_due,
        "decision_note": ext.decision_note,
        "collective": ext.collective,
    }


def case_detail_out(user, case: Case, full: bool) -> dict:
    data = case_out(case, full)
    if not full:
        return data
    today = timezone.localdate()
    data["rights"] = [
        {
            "id": r.pk,
            "right_type": r.right_type,
            "number": r.number,
            "found": any(
                getattr(r, f"{key}_id")
                for key in ("patent", "trademark", "geographical_indication", "plant_variety")
            )
            or bool(r.copyright_id),
            "check_notes": [str(n) for n in r.check_notes or []],
        }
        for r in case.rights.order_by("pk")
    ]
    data["parties"] = [
        {
            "id": p.pk,
            "role": p.role,
            "kind": p.kind,
            "name": p.name,
            "uscc": p.uscc,
            "organization": p.organization_id,
            "address": p.address,
            "representative": p.representative,
        }
        for p in case.parties.order_by("role", "pk")
    ]
    data["handlers"] = [
        {
            "id": h.pk,
            "officer": h.officer_id,
            "name": h.officer.name,
            "certificate_number": h.officer.certificate_number,
            "valid_until": h.officer.valid_until,
            "certified_today": h.officer.is_certified_on(today),
            "is_lead": h.is_lead,
            "assigned_on": h.assigned_on,
            "released_on": h.released_on,
        }
        for h in case.handlers.select_related("officer").order_by("pk")
    ]
    data["evidence"] = [
        {
            "id": e.pk,
            "kind": e.kind,
            "title": e.title,
            "name": e.name,
            "size": e.size,
            "content_type": e.content_type,
            "sha256": e.sha256,
            "collected_on": e.collected_on,
            "download_url": reverse("protection:evidence_download", args=[e.pk]),
        }
        for e in case.evidence.order_by("pk")
    ]
    data["extensions"] = [
        _extension_out(e)
        for e in case.extensions.select_related("requested_by", "approved_by", "rejected_by")
    ]
    data["events"] = [
        {
            "from_status": e.from_status,
            "to_status": e.to_status,
            "at": e.at,
            "by": str(e.by) if e.by else None,
            "note": e.note,
        }
        for e in case.events.select_related("by").order_by("at", "pk")
    ]
    relations = list(CaseRelation.objects.filter(case=case).select_related("earlier"))
    seen = set(
        visibility.full_cases(
            user, Case.objects.filter(pk__in=[r.earlier_id for r in relations])
        ).values_list("pk", flat=True)
    )
    data["related"] = [
        {
            "earlier": r.earlier_id,
            "number": r.earlier.number,
            "reason": r.reason,
            "is_full": r.earlier_id in seen,
        }
        for r in relations
    ]
    return data


def _case(request, case_id) -> tuple[Case, Access]:
    case = get_object_or_404(Case.objects.select_related("agency"), pk=case_id)
    level = visibility.access(request.auth, case)
    if level is None:
        raise Http404
    return case, level


def _answer(request, case_id) -> dict:
    case, level = _case(request, case_id)
    full = level in (Access.OWN, Access.SHARED)
    if level == Access.SHARED:
        visibility.log_shared_view(request, case, "api")
    return case_detail_out(request.auth, case, full)


def _changeable(request, case_id) -> Case:
    case, _level = _case(request, case_id)
    if not cases.can_change(request.auth, case):
        raise PermissionDenied(_("You may not change this case."))
    return case


@router.get(
    "/cases/",
    response=_responses(200, CasePage),
    summary="List cases",
    description="Every case the caller may see: in full (`is_full`) for the own agency's "
    "cases, in summary for the others, and also for cases shared with the caller's "
    "organization (their details are in the logged case detail). Filters as on the case "
    "list page.",
    operation_id="protection_case_list",
)
def case_list(request, filters: Query[CaseFilters]):
    user = request.auth
    if not (has_perm(user, Case, "summary") or has_perm(user, Case, "view")):
        raise PermissionDenied
    queryset = apply_filterset(
        CaseFilterSet, filters, case_rows(user, handlers=False), user
    ).order_by("-opened_on", "-pk")
    page = paginate(queryset, filters.limit, filters.offset)
    page["results"] = [case_out(case, bool(case.is_full)) for case in page["results"]]
    return page


@router.get(
    "/cases/{int:case_id}/",
    response=_responses(200, CaseDetailOut),
    summary="Get a case",
    description="In full with rights, parties, handlers, evidence, extensions, events and "
    "related cases, or the summary only. A view of a shared case is recorded.",
    operation_id="protection_case_detail",
)
def case_detail(request, case_id: ObjectId):
    return _answer(request, case_id)


@router.post(
    "/cases/",
    response=_responses(201, CaseDetailOut),
    summary="Open a case",
    operation_id="protection_case_create",
)
def case_create(request, payload: CaseIn):
    from ipcity.orgs.models import Organization

    user = request.auth
    if not has_perm(user, Case, "add"):
        raise PermissionDenied(_("You may not open cases."))
    agency = cases.addable_agencies(user).filter(pk=payload.agency).first()
    if agency is None:
        if not Organization.objects.filter(pk=payload.agency, agency__isnull=False).exists():
            raise ValidationError({"agency": [_("No enforcement agency with this id.")]})
        raise PermissionDenied(_("You may not open cases for this agency."))
    case = cases.open_case(
        user,
        agency=agency,
        title=payload.title,
        right_type=payload.right_type,
        opened_on=payload.opened_on,
        number=payload.number,
        note=payload.note,
    )
    return Status(201, _answer(request, case.pk))


@router.patch(
    "/cases/{int:case_id}/",
    response=_responses(200, CaseDetailOut),
    summary="Change a case's facts and flags",
    description="Conduct, amounts, offence, goods, malicious/group flags; `is_repeat` set by "
    "hand (null: back to detection). A transfer is proposed when a threshold is now met.",
    operation_id="protection_case_update",
)
def case_update(request, case_id: ObjectId, payload: CasePatch):
    case = _changeable(request, case_id)
    values = payload.dict(exclude_unset=True)
    for name, value in list(values.items()):
        if value is None and name in ("is_malicious", "is_group"):
            values.pop(name)  # a yes/no flag cannot be unset
        else:
            values[name] = getattr(value, "value", value)
    cases.update_case(request.auth, case, **values)
    return _answer(request, case_id)


def _step(name, schema, doc):
    def endpoint(request, case_id, payload):
        case = _changeable(request, case_id)
        STEPS[name](request.auth, case, payload.dict())
        return _answer(request, case_id)

    endpoint.__name__ = f"case_{name}"
    endpoint.__annotations__ = {"case_id": ObjectId, "payload": schema}
    router.post(
        f"/cases/{{int:case_id}}/{name}/",
        response=_responses(200, CaseDetailOut),
        summary=doc,
        operation_id=f"protection_case_{name}",
    )(endpoint)


STEPS = {
    "investigate": lambda u, c, d: cases.investigate(u, c, d["note"]),
    "notice": lambda u, c, d: cases.serve_notice(u, c, **d),
    "decide": lambda u, c, d: cases.decide(u, c, **d),
    "disclose": lambda u, c, d: cases.disclose(u, c, **d),
    "execute": lambda u, c, d: cases.execute(u, c, **d),
    "close": lambda u, c, d: cases.close(u, c, **d),
    "rights": lambda u, c, d: cases.add_right(u, c, d["right_type"], d["number"]),
    "parties": lambda u, c, d: cases.add_party(u, c, **d),
}

_step("investigate", NoteIn, "Start the investigation")
_step("notice", NoticeIn, "Serve the notice of proposed penalty (two certified handlers)")
_step("decide", DecisionIn, "Record the decision (two certified handlers)")
_step("disclose", DisclosureIn, "Record the disclosure of a penalty decision")
_step("execute", ExecutionIn, "Record the execution")
_step("close", CloseIn, "Close the case with a reason that fits its status")
_step("rights", RightIn, "Add a right (checked against the registry)")
_step("parties", PartyIn, "Add a party")


@router.post(
    "/cases/{int:case_id}/handlers/",
    response=_responses(200, CaseDetailOut),
    summary="Assign a handler (a certified officer of the agency)",
    operation_id="protection_case_handlers",
)
def case_assign_handler(request, case_id: ObjectId, payload: HandlerIn):
    case = _changeable(request, case_id)
    officer = Officer.objects.filter(
        pk=payload.officer, organization__path__startswith=case.agency.path
    ).first()
    if officer is None:
        raise ValidationError({"officer": [_("No officer of this agency with this id.")]})
    cases.assign_handler(
        request.auth, case, officer, is_lead=payload.is_lead, assigned_on=payload.assigned_on
    )
    return _answer(request, case_id)


@router.delete(
    "/cases/{int:case_id}/rights/{int:right_id}/",
    response=_responses(200, CaseDetailOut),
    summary="Remove a right from the case",
    operation_id="protection_case_right_remove",
)
def case_remove_right(request, case_id: ObjectId, right_id: ObjectId):
    case = _changeable(request, case_id)
    right = get_object_or_404(CaseRight, case=case, pk=right_id)
    cases.remove_right(request.auth, case, right)
    return _answer(request, case_id)


@router.delete(
    "/cases/{int:case_id}/parties/{int:party_id}/",
    response=_responses(200, CaseDetailOut),
    summary="Remove a party from the case",
    operation_id="protection_case_party_remove",
)
def case_remove_party(request, case_id: ObjectId, party_id: ObjectId):
    case = _changeable(request, case_id)
    party = get_object_or_404(CaseParty, case=case, pk=party_id)
    cases.remove_party(request.auth, case, party)
    return _answer(request, case_id)


@router.post(
    "/cases/{int:case_id}/handlers/{int:handler_id}/release/",
    response=_responses(200, CaseDetailOut),
    summary="Release a handler from the case (today)",
    operation_id="protection_case_handler_release",
)
def case_release_handler(request, case_id: ObjectId, handler_id: ObjectId):
    case = _changeable(request, case_id)
    handler = get_object_or_404(CaseHandler, case=case, pk=handler_id)
    cases.release_handler(request.auth, case, handler)
    return _answer(request, case_id)


@router.post(
    "/cases/{int:case_id}/extensions/",
    response=_responses(201, ExtensionOut),
    summary="Ask for an extension of the decision deadline",
    operation_id="protection_case_extension_request",
)
def extension_request(request, case_id: ObjectId, payload: ExtensionIn):
    case = _changeable(request, case_id)
    ext = cases.request_extension(
        request.auth, case, days=payload.days, reason=payload.reason, collective=payload.collective
    )
    return Status(201, _extension_out(ext))


def _extension(request, extension_id) -> Extension:
    ext = get_object_or_404(Extension.objects.select_related("case__agency"), pk=extension_id)
    if visibility.access(request.auth, ext.case) not in (Access.OWN, Access.SHARED):
        raise Http404
    return ext


@router.post(
    "/cases/extensions/{int:extension_id}/approve/",
    response=_responses(200, ExtensionOut),
    summary="Approve an extension (a head of the agency, not the requester)",
    operation_id="protection_case_extension_approve",
)
def extension_approve(request, extension_id: ObjectId, payload: ExtensionDecisionIn):
    ext = cases.approve_extension(request.auth, _extension(request, extension_id), payload.note)
    return _extension_out(ext)


@router.post(
    "/cases/extensions/{int:extension_id}/reject/",
    response=_responses(200, ExtensionOut),
    summary="Reject an extension",
    operation_id="protection_case_extension_reject",
)
def extension_reject(request, extension_id: ObjectId, payload: ExtensionDecisionIn):
    ext = cases.reject_extension(request.auth, _extension(request, extension_id), payload.note)
    return _extension_out(ext)
