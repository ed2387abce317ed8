"""Payment pages: the list (filters, export) and recording a payment on a confirmed
application (submitted once, whatever the clicks)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core import menu, once
from ipcity.core.views import generic

from .. import payments
from ..exports.payments import PAYMENT_EXPORT
from ..filters.payments import PaymentFilterSet
from ..forms.payments import PaymentForm
from ..models import Application, Payment
from ..tables.payments import PaymentTable


class PaymentListView(generic.ObjectListView):
    queryset = Payment.objects.select_related(
        "application", "application__program", "application__applicant"
    )
    filterset_class = PaymentFilterSet
    table_class = PaymentTable
    export_spec = PAYMENT_EXPORT

    def list_url(self) -> str:
        return reverse("incentives:payment_list")

    def add_url(self) -> str:
        return ""

    def extra_context(self) -> dict:
        return {"can_add": False}


@login_required
def payment_add(request, pk):
    application = get_object_or_404(
        Application.objects.restrict(request.user, "view").select_related("program", "applicant"),
        pk=pk,
    )
    if request.method == "POST" and not once.claim(request):
        # The same form sent again (a double click): back to the first result.
        return once.repeat_response(request, fallback=application.get_absolute_url())
    if not payments.may_pay(request.user, application):
        once.release(request)
        raise PermissionDenied
    left = payments.outstanding(application)
    form = PaymentForm(request.POST or None, outstanding=left)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                payments.record(
                    request.user,
                    application,
                    data["amount"],
                    data["paid_on"],
                    data["voucher_number"],
                    data.get("note", ""),
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            except BaseException:
                once.release(request)
                raise
            else:
                target = application.get_absolute_url()
                once.done(request, target)
                messages.success(request, _("Payment recorded."))
                return redirect(target)
        once.release(request)
    return render(
        request,
        "incentives/payments/payment_form.html",
        {"form": form, "object": application, "outstanding": left},
        status=400 if request.method == "POST" else 200,
    )


menu.register(
    "service",
    gettext_lazy("Payments"),
    "incentives:payment_list",
    "incentives.view_payment",
    order=74,
    icon="cash-coin",
)

urlpatterns = [
    path("payments/", PaymentListView.as_view(), name="payment_list"),
    path("applications/<int:pk>/pay/", payment_add, name="payment_add"),
]
