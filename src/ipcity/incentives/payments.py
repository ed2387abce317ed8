"""Payments of confirmed awards (拨付).

    payments.record(alice, application, Decimal("30000"), paid_on, "PZ-2026-0012")

Only a confirmed application (its public notice ended without an upheld objection) is paid,
in one payment or several; the sum never passes the approved amount, and the application is
PAID once it is reached. The application row is locked while a payment is recorded, so two
payments at the same moment are counted one after the other; the programme's paid amount goes
up through `budget.pay` (a conditional UPDATE within what was committed). A voucher number is
recorded once per application. The page claims a one-time token (core/once.py), so a double
click records one payment.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.notifications import notify

from . import budget
from .choices import ApplicationStatus
from .models import Application, Payment
from .review import applicant_users, application_link, organized_by

PERM = "incentives.add_payment"


def payable(user):
    """Confirmed applications (unpaid or partly paid) the user may record payments for."""
    return organized_by(user, PERM).filter(status=ApplicationStatus.CONFIRMED)


def may_pay(user, application: Application) -> bool:
    return payable(user).filter(pk=application.pk).exists()


def outstanding(application: Application) -> Decimal:
    return budget.money(application.approved_amount) - budget.money(application.paid_amount)


def record(
    user,
    application: Application,
    amount,
    paid_on: datetime.date,
    voucher_number: str,
    note: str = "",
) -> Payment:
    if not organized_by(user, PERM).filter(pk=application.pk).exists():
        raise PermissionDenied(_("You may not record payments for this application."))
    errors: dict[str, list] = {}
    try:
        amount = budget.money(amount)
    except (ArithmeticError, ValueError, TypeError):
        errors["amount"] = [_("Enter an amount in yuan.")]
        amount = Decimal("0")
    else:
        if amount <= 0:
            errors["amount"] = [_("The amount must be more than 0.")]
    voucher_number = (voucher_number or "").strip()
    if not voucher_number:
        errors["voucher_number"] = [_("Give the voucher number of the payment.")]
    if paid_on is None:
        errors["paid_on"] = [_("Give the day of the payment.")]
    elif paid_on > timezone.localdate():
        errors["paid_on"] = [_("The day of payment cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("program")
            .get(pk=application.pk)
        )
        if locked.status != ApplicationStatus.CONFIRMED:
            raise ValidationError(
                _("Only confirmed applications are paid; this one is %(status)s.")
                % {"status": locked.get_status_display().lower()}
            )
        left = outstanding(locked)
        if amount > left:
            raise ValidationError(
                {
                    "amount": _(
                        "%(amount)s yuan is more than the %(left)s yuan still to be paid of "
                        "the %(approved)s yuan approved."
                    )
                    % {
                        "amount": budget.fmt(amount),
                        "left": budget.fmt(left),
                        "approved": budget.fmt(locked.approved_amount),
                    }
                }
            )
        if Payment.objects.filter(application=locked, voucher_number=voucher_number).exists():
            raise ValidationError(
                {"voucher_number": _("This voucher is already recorded for this application.")}
            )
        payment = Payment(
            application=locked,
            amount=amount,
            paid_on=paid_on,
            voucher_number=voucher_number,
            note=(note or "").strip()[:300],
            recorded_by=user,
        )
        payment._history_user = user
        try:
            with transaction.atomic():
                payment.save()
        except IntegrityError as exc:
            raise ValidationError(
                {"voucher_number": _("This voucher is already recorded for this application.")}
            ) from exc
        budget.pay(locked.program, amount)
        locked.paid_amount = budget.money(locked.paid_amount) + amount
        if locked.paid_amount >= budget.money(locked.approved_amount):
            locked.status = ApplicationStatus.PAID
        locked._history_user = user
        locked.save(update_fields=["paid_amount", "status", "updated_at"])
        title = _("%(amount)s yuan paid on application %(number)s") % {
            "amount": budget.fmt(amount),
            "number": locked.number or locked.pk,
        }
        for person in applicant_users(locked):
            notify(person, title, "", application_link(locked))
    application.paid_amount = locked.paid_amount
    application.status = locked.status
    return payment
