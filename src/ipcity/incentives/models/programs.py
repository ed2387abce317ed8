"""Incentive programs and their rules."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import ProgramStatus, RuleKind

MONEY = {"max_digits": 14, "decimal_places": 2}


class Program(BaseModel):
    """A funding programme (资助/奖励项目) with a call period and a budget in yuan.

    `committed_amount` is what approvals have reserved and `paid_amount` what has been paid;
    both are kept by conditional UPDATEs in incentives/budget.py, so two approvals at the same
    moment can never take the committed amount past `budget` (a database check enforces it
    too). Published programmes are read by every holder of the view permission; drafts only by
    the organizer's users."""

    scope_org_field = "organizer"

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveIntegerField(_("year"), db_index=True)
    organizer = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="incentive_programs",
        verbose_name=_("organizer"),
    )
    policy_basis = models.CharField(
        _("policy basis"), max_length=300, blank=True, help_text=_("The policy document.")
    )
    description = models.TextField(_("description"), blank=True)
    required_materials = models.TextField(
        _("required materials"), blank=True, help_text=_("One per line.")
    )
    call_opens = models.DateField(_("applications open"))
    call_closes = models.DateField(_("applications close"), db_index=True)
    budget = models.DecimalField(
        _("budget (yuan)"), validators=[MinValueValidator(Decimal("0"))], **MONEY
    )
    committed_amount = models.DecimalField(
        _("approved (yuan)"), default=Decimal("0"), editable=False, **MONEY
    )
    paid_amount = models.DecimalField(
        _("paid (yuan)"), default=Decimal("0"), editable=False, **MONEY
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ProgramStatus.choices,
        default=ProgramStatus.DRAFT,
        db_index=True,
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=["committed_amount", "paid_amount"])

    class Meta:
        ordering = ["-year", "-call_opens", "pk"]
        verbose_name = _("incentive program")
        verbose_name_plural = _("incentive programs")
        constraints = [
            models.CheckConstraint(
                condition=Q(committed_amount__lte=models.F("budget")),
                name="incentives_program_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__lte=models.F("committed_amount")),
                name="incentives_program_paid_within_committed",
            ),
            models.CheckConstraint(
                condition=Q(call_closes__gte=models.F("call_opens")),
                name="incentives_program_call_period",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("incentives:program_detail", self.pk)

    @classmethod
    def scope_public_view(cls):
        return Q(status__in=(ProgramStatus.PUBLISHED, ProgramStatus.CLOSED))

    @property
    def remaining_budget(self) -> Decimal:
        return self.budget - self.committed_amount


class Rule(BaseModel):
    """One reward rule of a programme, as data: what it rewards (`kind`), how much (`amount` per
    item, or `rate_percent` of the claimed base such as the interest paid, capped by
    `cap_per_item`), limits per applicant, and the window the qualifying date must fall in
    (grant date, registration date, certificate issue, designation year, loan term)."""

    scope_org_field = "program__organizer"

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="rules", verbose_name=_("program")
    )
    kind = models.CharField(_("rewards"), max_length=24, choices=RuleKind.choices)
    label = models.CharField(_("label"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("amount per item (yuan)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        **MONEY,
    )
    rate_percent = models.DecimalField(
        _("rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Share of the claimed base, e.g. of the loan interest paid."),
    )
    cap_per_item = models.DecimalField(_("cap per item (yuan)"), null=True, blank=True, **MONEY)
    cap_per_applicant = models.DecimalField(
        _("cap per applicant (yuan)"), null=True, blank=True, **MONEY
    )
    max_items_per_applicant = models.PositiveIntegerField(
        _("at most items per applicant"), null=True, blank=True
    )
    date_from = models.DateField(_("qualifying date from"), null=True, blank=True)
    date_to = models.DateField(_("qualifying date to"), null=True, blank=True)
    in_district_required = models.BooleanField(_("must count for the district"), default=True)
    params = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_("Extra conditions of the rule kind, e.g. designation kinds and levels."),
    )

    class Meta:
        ordering = ["program", "pk"]
        verbose_name = _("reward rule")
        verbose_name_plural = _("reward rules")
        constraints = [
            models.UniqueConstraint(fields=["program", "kind"], name="incentives_rule_kind_once"),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(rate_percent__isnull=False),
                name="incentives_rule_amount_or_rate",
            ),
        ]

    def __str__(self):
        return self.label or self.get_kind_display()
