"""Transfers and licences over HTTP: list (the page's filters), detail, create, update, the
statistics and the derivation from the registry's legal events.

Reads go through `restrict(user, "view")`, so a transaction the caller is no party to is a 404;
writes go through `utilization.deals`, which answer 403 for what the caller may not change.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.jobs import job_url
from ipcity.core.scope import has_perm
from ipcity.orgs.models import Organization
from ipcity.rights.models import Patent, Trademark

from .. import deals
from ..choices import TransactionOrigin
from ..filters.transfers import TransactionFilterSet
from ..models import Transaction
from ..models.transfers import TransactionEvent
from ..schemas.transfers import (
    DeriveIn,
    DeriveOut,
    StatsQuery,
    TransactionFilters,
    TransactionIn,
    TransactionOut,
    TransactionPage,
    TransactionPatch,
    TransactionStats,
)

router = Router(tags=["utilization"])


def _transactions(request, action="view"):
    return (
        Transaction.objects.restrict(request.auth, action)
        .select_related("assignor", "assignee")
        .prefetch_related(
            Prefetch("patents", queryset=Patent.objects.only("id", "application_number", "title")),
            Prefetch(
                "trademarks", queryset=Trademark.objects.only("id", "registration_number", "mark")
            ),
            Prefetch(
                "event_links",
                queryset=TransactionEvent.objects.select_related("legal_event__patent").order_by(
                    "pk"
                ),
            ),
        )
    )


def _mark_visible(user, deals_) -> list:
    """Mark on each transaction the parties the caller may view (one query), so the response
    names no organization outside the caller's view."""
    deals_ = list(deals_)
    ids = {pk for d in deals_ for pk in (d.assignor_id, d.assignee_id) if pk}
    visible = set(
        Organization.objects.restrict(user, "view").filter(pk__in=ids).values_list("pk", flat=True)
    )
    for deal in deals_:
        deal.visible_org_ids = visible
    return deals_


def _one(request, pk):
    return _mark_visible(request.auth, [_transactions(request).get(pk=pk)])[0]


def _party(user, side: str, org_id, name):
    """An organization id the caller may see (else a field error) and the name as typed (matched
    only to organizations the caller may view)."""
    org = None
    if org_id is not None:
        org = Organization.objects.restrict(user, "view").filter(pk=org_id).first()
        if org is None:
            raise ValidationError({side: [_("No organization with this id.")]})
    return deals.resolve_party(org, name or "", user=user)


def _fields(user, values: dict, current: Transaction | None = None) -> dict:
    """Payload values as deals' keyword arguments, rights and parties resolved."""
    fields = {}
    errors: dict[str, list[str]] = {}
    for side in ("assignor", "assignee"):
        # Sending either the id or the name sets that party anew (a name alone is matched).
        if side in values or f"{side}_name" in values or current is None:
            try:
                org, name = _party(user, side, values.get(side), values.get(f"{side}_name"))
            except ValidationError as exc:
                errors.update(exc.message_dict)
                continue
            fields[side], fields[f"{side}_name"] = org, name
    if "patents" in values or "trademarks" in values or current is None:
        try:
            patents, trademarks = deals.resolve_rights(
                values.get("patents")
                if "patents" in values
                else [p.application_number for p in current.patents.all()],
                values.get("trademarks")
                if "trademarks" in values
                else [t.registration_number for t in current.trademarks.all()],
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            if not patents and not trademarks:
                errors["patents"] = [_("Name at least one patent or trademark from the registry.")]
            fields["patents"], fields["trademarks"] = patents, trademarks
    if errors:
        raise ValidationError(errors)
    for name in (
        "kind",
        "amount",
        "contract_date",
        "start_date",
        "end_date",
        "registration_number",
        "registration_date",
        "notes",
    ):
        if name in values:
            value = values[name]
            fields[name] = getattr(value, "value", value)
            if name in ("registration_number", "notes") and value is None:
                fields[name] = ""
    return fields


@router.get(
    "/transactions/",
    response=_responses(200, TransactionPage),
    summary="List transfers and licences",
    description="Filters as on the transaction list page: year, kind, origin, from_university, "
    "from_outside, party (organization id on either side), patent (application number), q.",
    operation_id="utilization_transaction_list",
)
def transaction_list(request, filters: Query[TransactionFilters]):
    if not has_perm(request.auth, Transaction, "view"):
        raise PermissionDenied
    queryset = apply_filterset(
        TransactionFilterSet, filters, _transactions(request), request.auth
    ).order_by("-year", "-contract_date", "pk")
    page = paginate(queryset, filters.limit, filters.offset)
    page["results"] = _mark_visible(request.auth, page["results"])
    return page


@router.get(
    "/transactions/stats/",
    response=_responses(200, TransactionStats),
    summary="Transaction statistics",
    description="Count and amount per year, by kind and by source; each cell carries the list "
    "filters (`params`) that show exactly the transactions it counts.",
    operation_id="utilization_transaction_stats",
)
def transaction_stats(request, query: Query[StatsQuery]):
    user = request.auth
    if not has_perm(user, Transaction, "view"):
        raise PermissionDenied
    last = max(query.year or deals.default_stats_year(user), deals.MIN_YEAR)
    first = max(last - query.years + 1, deals.MIN_YEAR)
    data = deals.stats(range(first, last + 1), user)
    for column in data["columns"]:
        column["label"] = str(column["label"])
    return data


@router.post(
    "/transactions/derive/",
    response=_responses(202, DeriveOut),
    summary="Derive transactions from the registry's legal events",
    description="Queues a background job (office only) that creates a transaction for each "
    "dated transfer or licence event not yet counted, or links a recorded one that the event "
    "describes. Events without a date are reported, not counted.",
    operation_id="utilization_transaction_derive",
)
def transaction_derive(request, payload: DeriveIn):
    if not deals.may_derive(request.auth):
        raise PermissionDenied(_("Only the office derives transactions from the registry."))
    with transaction.atomic():
        job = deals.request_derive(request.auth, payload.patents)
    return Status(
        202,
        {
            "job": str(job.pk),
            "status": job.status,
            "url": job_url(job),
            "undated": deals.undated_events(payload.patents).count(),
        },
    )


@router.get(
    "/transactions/{int:transaction_id}/",
    response=_responses(200, TransactionOut),
    summary="Get a transfer or licence",
    operation_id="utilization_transaction_detail",
)
def transaction_detail(request, transaction_id: ObjectId):
    deal = get_object_or_404(_transactions(request), pk=transaction_id)
    return _mark_visible(request.auth, [deal])[0]


@router.post(
    "/transactions/",
    response=_responses(201, TransactionOut),
    summary="Record a transfer or licence",
    description="Parties by organization id or by name (matched by credit code or exact name, "
    "else kept as written); rights by number, each checked against the registry. The caller's "
    "organization must be a party unless the caller works for the whole district.",
    operation_id="utilization_transaction_create",
)
def transaction_create(request, payload: TransactionIn):
    user = request.auth
    if not has_perm(user, Transaction, "add"):
        raise PermissionDenied(_("You may not record transactions."))
    values = payload.dict()
    fields = _fields(user, values)
    deal = deals.record_transaction(user, origin=TransactionOrigin.MANUAL, **fields)
    return Status(201, _one(request, deal.pk))


@router.patch(
    "/transactions/{int:transaction_id}/",
    response=_responses(200, TransactionOut),
    summary="Change a transfer or licence",
    description="Only the fields sent are changed; `patents` or `trademarks`, when sent, "
    "replace the list.",
    operation_id="utilization_transaction_update",
)
def transaction_update(request, transaction_id: ObjectId, payload: TransactionPatch):
    user = request.auth
    deal = get_object_or_404(_transactions(request), pk=transaction_id)
    if not Transaction.objects.restrict(user, "change").filter(pk=deal.pk).exists():
        raise PermissionDenied(_("You may not change this transaction."))
    values = payload.dict(exclude_unset=True)
    fields = _fields(user, values, current=deal)
    deals.update_transaction(user, deal, **fields)
    return _one(request, deal.pk)
