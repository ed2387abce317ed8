"""The programme budget: reserve on approval, release on a revoked approval, pay on payment.

Every change is one conditional UPDATE, so the check and the change are a single statement the
database serialises on the programme row: two approvals at the same moment against the last of
the budget cannot both pass (`committed_amount + amount <= budget`), and payments cannot pass
what was committed (`paid_amount + amount <= committed_amount`). The model's check constraints
say the same, as a last line of defence. Callers run these inside their own transaction, so a
refusal rolls back everything they did before.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from .models import Program

CENT = Decimal("0.01")


def money(value) -> Decimal:
    """A yuan amount with two places (None counts as 0)."""
    return Decimal(value or 0).quantize(CENT)


def fmt(value) -> str:
    """A yuan amount for a message: thousands separators, two places."""
    return f"{money(value):,.2f}"


def _positive(amount) -> Decimal:
    amount = money(amount)
    if amount < 0:
        raise ValidationError(_("An amount cannot be negative."))
    return amount


def _current(program: Program) -> Program:
    return Program.objects.only("budget", "committed_amount", "paid_amount").get(pk=program.pk)


def _sync(program: Program, fresh: Program) -> None:
    program.committed_amount = fresh.committed_amount
    program.paid_amount = fresh.paid_amount
    program.budget = fresh.budget


def reserve(program: Program, amount) -> Decimal:
    """Commit `amount` of the programme's budget; refused when it would pass the budget.
    Returns the budget left after the reservation."""
    amount = _positive(amount)
    updated = Program.objects.filter(
        pk=program.pk, committed_amount__lte=F("budget") - amount
    ).update(committed_amount=F("committed_amount") + amount)
    fresh = _current(program)
    _sync(program, fresh)
    if not updated:
        raise ValidationError(
            _(
                "The budget of %(program)s does not cover %(amount)s yuan: %(left)s yuan of "
                "%(budget)s yuan are left."
            )
            % {
                "program": fresh,
                "amount": fmt(amount),
                "left": fmt(fresh.budget - fresh.committed_amount),
                "budget": fmt(fresh.budget),
            }
        )
    return fresh.budget - fresh.committed_amount


def release(program: Program, amount) -> Decimal:
    """Give back `amount` of the committed budget (an approval revoked); never below what has
    been paid."""
    amount = _positive(amount)
    updated = Program.objects.filter(
        pk=program.pk, committed_amount__gte=F("paid_amount") + amount
    ).update(committed_amount=F("committed_amount") - amount)
    fresh = _current(program)
    _sync(program, fresh)
    if not updated:
        raise ValidationError(
            _("%(amount)s yuan cannot be released: only %(left)s yuan are committed and unpaid.")
            % {"amount": fmt(amount), "left": fmt(fresh.committed_amount - fresh.paid_amount)}
        )
    return fresh.budget - fresh.committed_amount


def pay(program: Program, amount) -> Decimal:
    """Record `amount` as paid out of the committed budget; refused past what is committed.
    Returns what is committed and still unpaid."""
    amount = _positive(amount)
    updated = Program.objects.filter(
        pk=program.pk, paid_amount__lte=F("committed_amount") - amount
    ).update(paid_amount=F("paid_amount") + amount)
    fresh = _current(program)
    _sync(program, fresh)
    if not updated:
        raise ValidationError(
            _("%(amount)s yuan cannot be paid: only %(left)s yuan are committed and unpaid.")
            % {"amount": fmt(amount), "left": fmt(fresh.committed_amount - fresh.paid_amount)}
        )
    return fresh.committed_amount - fresh.paid_amount
