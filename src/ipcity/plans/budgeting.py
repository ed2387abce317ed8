"""Funding (经费保障): execution rates, the overspend check and the actions that record money.

**Execution rate** of a budget line = spent / budget, where spent is the sum of its
expenditures; a line with a zero budget has no rate (None).

**Overspend check** when recording an expenditure, on the line's total after it:

- up to `warn_at` × budget: saved at once;
- above `warn_at` × budget and up to the budget: a warning is shown first and the expenditure is
  saved only after the user confirms it (`confirm_warning`);
- above the budget: refused, unless the office confirms the overspend explicitly
  (`confirm_overspend`). "The office" is whoever may change the budget line itself, i.e. could
  raise the budget instead; the confirmation is written to the history as the change reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm

from .models import BudgetLine, Expenditure

ZERO = Decimal("0")
VOUCHER_EXTENSIONS = {".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".xlsx", ".xls", ".docx", ".doc"}

OK, WARN, OVER = "ok", "warn", "over"


def voucher_max_bytes() -> int:
    return settings.IPCITY_ATTACHMENT_MAX_BYTES


def validate_voucher(upload) -> None:
    if upload is None:
        return
    ext = Path(upload.name).suffix.lower()
    if ext not in VOUCHER_EXTENSIONS:
        raise ValidationError(
            {
                "voucher": [
                    _("Vouchers must be one of: %(list)s.")
                    % {"list": ", ".join(sorted(VOUCHER_EXTENSIONS))}
                ]
            }
        )
    limit = voucher_max_bytes()
    if upload.size > limit:
        raise ValidationError(
            {
                "voucher": [
                    _("The voucher is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
                ]
            }
        )


def with_spent(queryset):
    """Budget lines annotated with `spent` (one aggregate in the same query)."""
    return queryset.annotate(
        spent=Coalesce(
            Sum("expenditures__amount"),
            Value(ZERO),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        )
    )


def rate(spent, amount) -> Decimal | None:
    if not amount:
        return None
    return (Decimal(spent) / Decimal(amount)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def spent_on(line: BudgetLine, exclude_pk=None) -> Decimal:
    qs = line.expenditures.all()
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.aggregate(s=Sum("amount"))["s"] or ZERO


@dataclass
class SpendCheck:
    level: str  # ok / warn / over
    spent_before: Decimal
    spent_after: Decimal
    budget: Decimal
    rate_after: Decimal | None

    @property
    def remaining_after(self) -> Decimal:
        return self.budget - self.spent_after


def check_spend(line: BudgetLine, amount, exclude_pk=None) -> SpendCheck:
    before = spent_on(line, exclude_pk)
    after = before + Decimal(amount)
    budget = Decimal(line.amount)
    if after > budget:
        level = OVER
    elif budget and after > budget * Decimal(line.warn_at):
        level = WARN
    else:
        level = OK
    return SpendCheck(level, before, after, budget, rate(after, budget))


def can_confirm_overspend(user, line: BudgetLine) -> bool:
    return BudgetLine.objects.restrict(user, "change").filter(pk=line.pk).exists()


class NeedsConfirmation(Exception):
    """The expenditure passes the warning share or the budget: ask before saving."""

    def __init__(self, check: SpendCheck):
        super().__init__(check.level)
        self.check = check


@transaction.atomic
def record_expenditure(
    user,
    line: BudgetLine,
    data: dict,
    *,
    instance: Expenditure | None = None,
    confirm_warning: bool = False,
    confirm_overspend: bool = False,
) -> Expenditure:
    """Create (or change) an expenditure after the overspend check (module docstring)."""
    action = "change" if instance is not None and instance.pk else "add"
    if not has_perm(user, Expenditure, action):
        raise PermissionDenied(_("You may not record expenditures."))
    # Lock the line so two payments recorded at once cannot both pass the check.
    line = BudgetLine.objects.select_for_update().get(pk=line.pk)
    amount = Decimal(data["amount"])
    if amount <= 0:
        raise ValidationError({"amount": [_("Enter an amount above zero.")]})
    validate_voucher(data.get("voucher"))
    check = check_spend(line, amount, exclude_pk=instance.pk if instance else None)
    reason = ""
    if check.level == OVER:
        if not confirm_overspend:
            raise NeedsConfirmation(check)
        if not can_confirm_overspend(user, line):
            raise PermissionDenied(_("Only the office may confirm spending beyond the budget."))
        reason = _("Overspend confirmed: %(after)s of %(budget)s") % {
            "after": check.spent_after,
            "budget": check.budget,
        }
    elif check.level == WARN and not (confirm_warning or confirm_overspend):
        raise NeedsConfirmation(check)
    exp = instance or Expenditure(budget_line=line)
    exp.budget_line = line
    for name in ("spent_on", "amount", "description", "voucher_number"):
        if name in data:
            setattr(exp, name, data[name])
    if data.get("voucher"):
        exp.voucher = data["voucher"]
    exp._history_user = user
    if reason:
        exp._change_reason = reason
    exp.save()
    if not Expenditure.objects.restrict(user, action).filter(pk=exp.pk).exists():
        raise PermissionDenied
    return exp


def year_summary(user, year: int):
    """Per task for one year: budget, spent, rate; and the totals. Lines in the user's scope."""
    lines = (
        with_spent(BudgetLine.objects.restrict(user, "view").filter(year=year))
        .select_related("task__plan")
        .order_by("task__plan_id", "task__number")
    )
    rows = []
    total_budget = total_spent = ZERO
    for line in lines:
        rows.append(
            {
                "line": line,
                "task": line.task,
                "budget": line.amount,
                "spent": line.spent,
                "remaining": line.amount - line.spent,
                "rate": rate(line.spent, line.amount),
                "warn": line.amount and line.spent > line.amount * line.warn_at,
                "over": line.spent > line.amount,
            }
        )
        total_budget += line.amount
        total_spent += line.spent
    totals = {
        "budget": total_budget,
        "spent": total_spent,
        "remaining": total_budget - total_spent,
        "rate": rate(total_spent, total_budget),
    }
    return rows, totals


def summary_workbook(user, year: int) -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ipcity.core.exports import escape_formula

    rows, totals = year_summary(user, year)
    wb = Workbook()
    ws = wb.active
    ws.title = str(year)
    headers = [
        _("Task number"),
        _("Task"),
        _("Funding source"),
        _("Budget (yuan)"),
        _("Spent (yuan)"),
        _("Remaining (yuan)"),
        _("Execution rate"),
    ]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(
            [
                row["task"].number,
                escape_formula(row["task"].title),
                escape_formula(row["line"].source),
                float(row["budget"]),
                float(row["spent"]),
                float(row["remaining"]),
                float(row["rate"]) if row["rate"] is not None else None,
            ]
        )
        ws.cell(ws.max_row, 7).number_format = "0.00%"
    ws.append(
        [
            None,
            _("Total"),
            None,
            float(totals["budget"]),
            float(totals["spent"]),
            float(totals["remaining"]),
            float(totals["rate"]) if totals["rate"] is not None else None,
        ]
    )
    ws.cell(ws.max_row, 7).number_format = "0.00%"
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.column_dimensions["B"].width = 50
    for col in "DEFG":
        ws.column_dimensions[col].width = 16
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
