"""Funding (经费保障): a budget per task and year, and what was spent against it."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.models import BaseModel


class BudgetLine(BaseModel):
    """The amount set aside for one task in one year (yuan)."""

    scope_org_field = "task__units__organization"
    scope_org_many = True

    task = models.ForeignKey(
        "plans.PlanTask", on_delete=models.CASCADE, related_name="budget", verbose_name=_("task")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2)
    source = models.CharField(_("funding source"), max_length=200, blank=True)
    warn_at = models.DecimalField(
        _("warn at share spent"), max_digits=4, decimal_places=2, default=0.9
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["task", "year"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(fields=["task", "year"], name="unique_budget_task_year")
        ]

    def __str__(self):
        return f"{self.task} · {self.year}"


class Expenditure(BaseModel):
    """A payment against a budget line, with its voucher."""

    scope_org_field = "budget_line__task__units__organization"
    scope_org_many = True

    budget_line = models.ForeignKey(
        BudgetLine,
        on_delete=models.PROTECT,
        related_name="expenditures",
        verbose_name=_("budget line"),
    )
    spent_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    description = models.CharField(_("description"), max_length=300)
    voucher_number = models.CharField(_("voucher number"), max_length=100, blank=True)
    voucher = models.FileField(_("voucher"), upload_to="plans/vouchers/%Y/", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-spent_on"]
        verbose_name = _("expenditure")
        verbose_name_plural = _("expenditures")

    def __str__(self):
        return f"{self.spent_on} {self.amount}"
