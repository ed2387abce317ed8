"""Protection API: transfers to the police, the threshold rules and the threshold check.

Reads go through `transfers.visible` (a police unit sees a transfer once sent); a transfer
out of view is a 404, an action the caller may not take a 403, a step the state does not allow
a 422. The case's values in the matched rules and the free-text reasons are answered only to
callers who see the case in full (`visibility.access` OWN or SHARED); each answer showing them
through a share is logged (`CaseAccessLog`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ipcity.core import audit
from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.models import AuditAction
from ipcity.core.scope import has_perm
from ipcity.orgs.models import Organization

from .. import clocks, thresholds, visibility
from .. import transfers as flow
from ..filters.transfers import TransferFilterSet
from ..models import Case, CaseAccessLog, CaseShare, CriminalTransfer, ThresholdRuleSet
from ..schemas.transfers import (
    AcceptIn,
    AcknowledgeIn,
    OutcomeIn,
    ProposeIn,
    ReasonIn,
    RuleSetOut,
    ThresholdCheckOut,
    TransferFilters,
    TransferOut,
    TransferPage,
)

router = Router(tags=["protection"])

QUERYSET = CriminalTransfer.objects.select_related("case", "case__agency", "police", "rule_set")


def _transfers(request):
    if not has_perm(request.auth, CriminalTransfer, "view"):
        raise PermissionDenied
    return flow.visible(request.auth, QUERYSET)


def _with_actions(user, transfer, access=None):
    transfer.actions = flow.available_actions(user, transfer)
    transfer.case_full = flow.sees_case(access)
    return transfer


def _one(request, pk, *, log: bool = True) -> CriminalTransfer:
    transfer = get_object_or_404(_transfers(request), pk=pk)
    access = visibility.access(request.auth, transfer.case)
    if log and access == visibility.Access.SHARED:
        visibility.log_shared_view(request, transfer.case, "transfer (API)")
    return _with_actions(request.auth, transfer, access)


def _log_shared_many(request, cases, what: str) -> None:
    """`visibility.log_shared_view` for the cases of a page at once (a query for the shares, one
    insert), so a list does not cost queries per row."""
    from ipcity.core.ratelimit import client_ip

    if not cases:
        return
    user = request.auth
    shares = {}
    for share in CaseShare.objects.filter(
        case__in=[c.pk for c in cases],
        organization_id=user.organization_id,
        revoked_at__isnull=True,
    ).order_by("created_at"):
        shares[share.case_id] = share  # the latest wins
    ip = client_ip(request)
    # One audit entry for the page, naming every case on it.
    details = {"cases": [case.pk for case in cases]}
    audit.record(
        AuditAction.SHARED_CASE_VIEWED, obj=Case, summary=what, request=request, details=details
    )
    CaseAccessLog.objects.bulk_create(
        [
            CaseAccessLog(
                case=case,
                user=user,
                organization_id=user.organization_id,
                share=shares.get(case.pk),
                what=what[:100],
                ip=ip,
            )
            for case in cases
        ]
    )


@router.get(
    "/transfers/",
    response=_responses(200, TransferPage),
    summary="List transfers to the police",
    description="Filters as on the transfer list: status, police, agency, proposed_after, "
    "proposed_before, overdue (with clock), outcome, q.",
    operation_id="protection_transfer_list",
)
def transfer_list(request, filters: Query[TransferFilters]):
    qs = apply_filterset(TransferFilterSet, filters, _transfers(request), request.auth)
    page = paginate(qs.order_by("-proposed_at", "-pk"), filters.limit, filters.offset)
    rows = list(page["results"])
    access = flow.access_map(request.auth, {t.case_id for t in rows})
    shared = {t.case_id: t.case for t in rows if access.get(t.case_id) == visibility.Access.SHARED}
    _log_shared_many(request, list(shared.values()), "transfer list (API)")
    page["results"] = [_with_actions(request.auth, t, access.get(t.case_id)) for t in rows]
    return page


@router.get(
    "/transfers/{int:transfer_id}/",
    response=_responses(200, TransferOut),
    summary="Get a transfer to the police",
    operation_id="protection_transfer_detail",
)
def transfer_detail(request, transfer_id: ObjectId):
    return _one(request, transfer_id)


@router.post(
    "/cases/{int:case_id}/transfers/",
    response=_responses(201, TransferOut),
    summary="Propose the transfer of a case to the police",
    description="By an officer of the case's agency; the head decides within "
    f"{clocks.get('transfer_decision').amount} {clocks.get('transfer_decision').unit} "
    "(clock transfer_decision).",
    operation_id="protection_transfer_propose",
)
def transfer_propose(request, case_id: ObjectId, payload: ProposeIn):
    user = request.auth
    case = get_object_or_404(Case.objects.select_related("agency"), pk=case_id)
    access = visibility.access(user, case)
    if access is None:
        raise Http404
    if access != visibility.Access.OWN:
        raise PermissionDenied
    police = Organization.objects.filter(pk=payload.police).first()
    transfer = flow.propose(user, case, police=police, reason=payload.reason)
    return Status(201, _one(request, transfer.pk, log=False))


def _act(request, transfer_id, func, **kwargs):
    transfer = get_object_or_404(_transfers(request), pk=transfer_id)
    func(request.auth, transfer, **kwargs)
    return _one(request, transfer_id)


def _action(path: str, summary: str, op: str):
    return router.post(
        path,
        response=_responses(200, TransferOut),
        summary=summary,
        operation_id=op,
    )


@_action(
    "/transfers/{int:transfer_id}/approve/",
    "Approve a transfer (the head)",
    "protection_transfer_approve",
)
def transfer_approve(request, transfer_id: ObjectId):
    return _act(request, transfer_id, flow.approve)


@_action(
    "/transfers/{int:transfer_id}/withdraw/",
    "Decide not to transfer",
    "protection_transfer_withdraw",
)
def transfer_withdraw(request, transfer_id: ObjectId, payload: ReasonIn):
    return _act(request, transfer_id, flow.withdraw, reason=payload.reason)


@_action(
    "/transfers/{int:transfer_id}/send/", "Send an approved transfer", "protection_transfer_send"
)
def transfer_send(request, transfer_id: ObjectId):
    return _act(request, transfer_id, flow.send)


@_action(
    "/transfers/{int:transfer_id}/acknowledge/",
    "Record the police receipt",
    "protection_transfer_acknowledge",
)
def transfer_acknowledge(request, transfer_id: ObjectId, payload: AcknowledgeIn):
    return _act(request, transfer_id, flow.acknowledge, received_at=payload.received_at)


@_action(
    "/transfers/{int:transfer_id}/accept/", "Accept (the police)", "protection_transfer_accept"
)
def transfer_accept(request, transfer_id: ObjectId, payload: AcceptIn):
    return _act(
        request,
        transfer_id,
        flow.accept,
        police_case_number=payload.police_case_number,
        reason=payload.reason,
    )


@_action(
    "/transfers/{int:transfer_id}/decline/",
    "Do not accept (the police)",
    "protection_transfer_decline",
)
def transfer_decline(request, transfer_id: ObjectId, payload: ReasonIn):
    return _act(request, transfer_id, flow.decline, reason=payload.reason)


@_action(
    "/transfers/{int:transfer_id}/outcome/",
    "Record the criminal outcome",
    "protection_transfer_outcome",
)
def transfer_outcome(request, transfer_id: ObjectId, payload: OutcomeIn):
    return _act(request, transfer_id, flow.record_outcome, outcome=payload.outcome.value)


@_action(
    "/transfers/{int:transfer_id}/return/",
    "Return the case to the agency",
    "protection_transfer_return",
)
def transfer_return(request, transfer_id: ObjectId, payload: ReasonIn):
    return _act(request, transfer_id, flow.return_to_agency, reason=payload.reason)


@router.get(
    "/thresholds/",
    response=_responses(200, list[RuleSetOut]),
    summary="Criminal prosecution threshold rule sets",
    operation_id="protection_threshold_list",
)
def threshold_list(request):
    if not has_perm(request.auth, ThresholdRuleSet, "view"):
        raise PermissionDenied
    return list(
        ThresholdRuleSet.objects.restrict(request.auth, "view")
        .prefetch_related("rules")
        .order_by("-valid_from", "pk")
    )


@router.get(
    "/cases/{int:case_id}/threshold-check",
    response=_responses(200, ThresholdCheckOut),
    summary="Check a case against the criminal thresholds",
    description="The rule set in force on the case's conduct date (else its opening date) and the "
    "rules the case meets with the values found. For users who see the case in full.",
    operation_id="protection_threshold_check",
)
def threshold_check(request, case_id: ObjectId):
    user = request.auth
    case = get_object_or_404(visibility.listed_cases(user), pk=case_id)
    access = visibility.access(user, case)
    if access not in (visibility.Access.OWN, visibility.Access.SHARED):
        raise PermissionDenied
    if access == visibility.Access.SHARED:
        visibility.log_shared_view(request, case, "threshold check")
    rule_set, matched = thresholds.evaluate(case)
    return {
        "case": case.pk,
        "day": case.conduct_date or case.opened_on,
        "rule_set": rule_set.code if rule_set else None,
        "matched": matched,
        "over": bool(matched),
    }
