"""Payments over HTTP: list (the page's filters) and recording one. A retried POST with the
same voucher number is refused (422), so a client's retry never pays twice."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm

from .. import payments
from ..filters.payments import PaymentFilterSet
from ..models import Application, Payment
from ..schemas.payments import PaymentFilters, PaymentIn, PaymentOut, PaymentPage

router = Router(tags=["incentives"])


def _payments(user):
    return Payment.objects.restrict(user, "view").select_related(
        "application", "application__applicant"
    )


@router.get(
    "/payments/",
    response=_responses(200, PaymentPage),
    summary="List payments",
    operation_id="incentives_payment_list",
)
def payment_list(request, filters: Query[PaymentFilters]):
    if not has_perm(request.auth, Payment, "view"):
        raise PermissionDenied
    queryset = apply_filterset(PaymentFilterSet, filters, _payments(request.auth), request.auth)
    return paginate(queryset.order_by("-paid_on", "-pk"), filters.limit, filters.offset)


@router.post(
    "/applications/{int:application_id}/payments/",
    response=_responses(201, PaymentOut),
    summary="Record a payment",
    description="Confirmed applications only; the sum of payments stays within the approved "
    "amount; a voucher number once per application.",
    operation_id="incentives_payment_create",
)
def payment_create(request, application_id: ObjectId, payload: PaymentIn):
    user = request.auth
    application = get_object_or_404(Application.objects.restrict(user, "view"), pk=application_id)
    payment = payments.record(
        user, application, payload.amount, payload.paid_on, payload.voucher_number, payload.note
    )
    return Status(201, _payments(user).get(pk=payment.pk))
