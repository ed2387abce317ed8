"""IP finance (task 8): products, valuations, pledges, insurance, guarantees and risk alerts."""

from decimal import Decimal

from django.db import models
from django.db.models import Exists, OuterRef, Q, Value
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import (
    InsuranceKind,
    PledgeStatus,
    ProductKind,
    RiskKind,
    RiskStatus,
    ValuationMethod,
)


class FinancialProduct(BaseModel):
    """An IP finance product a bank, insurer or guarantor offers. Active products form a
    directory that every user of the finance pages sees; the institution edits its own."""

    scope_org_field = "institution"

    institution = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="financial_products",
        verbose_name=_("institution"),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ProductKind.choices, db_index=True)
    description = models.TextField(_("description"), blank=True)
    rate = models.CharField(_("rate or premium"), max_length=100, blank=True)
    max_amount = models.DecimalField(
        _("maximum amount (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    is_active = models.BooleanField(_("offered now"), default=True, db_index=True)

    history = HistoricalRecords()

    @classmethod
    def scope_public_view(cls):
        return Q(is_active=True)

    class Meta:
        ordering = ["institution__name", "name"]
        verbose_name = _("IP finance product")
        verbose_name_plural = _("IP finance products")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("utilization:financialproduct_detail", self.pk)


# Loans up to 10 million yuan count as inclusive (普惠) lending (DOMAIN.md §6). Shown on pledges;
# it is not the high-value pledge threshold, which is a setting of the rule set.
INCLUSIVE_MAX = Decimal("1000")


class Valuation(BaseModel):
    """An appraisal of rights: method, value, appraiser, date. The holder, the appraiser and the
    party that commissioned it (usually the lending bank) see it."""

    scope_org_field = ("owner", "appraiser", "commissioned_by")

    owner = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="valuations",
        verbose_name=_("rights holder"),
    )
    patents = models.ManyToManyField(
        "rights.Patent", blank=True, related_name="valuations", verbose_name=_("patents")
    )
    trademarks = models.ManyToManyField(
        "rights.Trademark", blank=True, related_name="valuations", verbose_name=_("trademarks")
    )
    method = models.CharField(_("valuation method"), max_length=16, choices=ValuationMethod.choices)
    value = models.DecimalField(_("value (10k yuan)"), max_digits=14, decimal_places=2)
    appraiser = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="valuations_made",
        verbose_name=_("appraiser"),
    )
    appraiser_name = models.CharField(_("appraiser as recorded"), max_length=200, blank=True)
    commissioned_by = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="valuations_commissioned",
        verbose_name=_("commissioned by"),
        help_text=_("The party that ordered the valuation, e.g. the lending bank."),
    )
    report_number = models.CharField(_("report number"), max_length=100, blank=True)
    date = models.DateField(_("valuation date"), db_index=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "pk"]
        verbose_name = _("valuation")
        verbose_name_plural = _("valuations")

    def __str__(self):
        return f"{self.owner} {self.value} ({self.date})"

    def get_absolute_url(self):
        return object_url("utilization:valuation_detail", self.pk)

    def patent_numbers(self) -> str:
        """The application numbers of the patents, from the prefetched list when there is one."""
        return ";".join(p.application_number for p in self.patents.all())

    def trademark_numbers(self) -> str:
        return ";".join(t.registration_number for t in self.trademarks.all())

    def appraiser_text(self) -> str:
        """The appraiser's name: the organization's, else as recorded (one export column)."""
        return self.appraiser.name if self.appraiser_id else self.appraiser_name


class Pledge(BaseModel):
    """A registered pledge of rights (质押): pledgor, pledgee (usually a bank), the rights, the
    secured amount and term, the registration and its release. The bank records its own pledges;
    the pledgor sees its own; the office sees all."""

    scope_org_field = ("pledgor", "pledgee")

    pledgor = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="pledges_given",
        verbose_name=_("pledgor"),
    )
    pledgee = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="pledges_taken",
        verbose_name=_("pledgee"),
    )
    patents = models.ManyToManyField(
        "rights.Patent", blank=True, related_name="pledges", verbose_name=_("patents")
    )
    trademarks = models.ManyToManyField(
        "rights.Trademark", blank=True, related_name="pledges", verbose_name=_("trademarks")
    )
    product = models.ForeignKey(
        FinancialProduct,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pledges",
        verbose_name=_("product"),
    )
    valuation = models.ForeignKey(
        Valuation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pledges",
        verbose_name=_("valuation"),
    )
    contract_number = models.CharField(_("contract number"), max_length=100, blank=True)
    debt_kind = models.CharField(_("secured debt"), max_length=100, blank=True)
    amount = models.DecimalField(_("secured amount (10k yuan)"), max_digits=14, decimal_places=2)
    term_start = models.DateField(_("term from"), null=True, blank=True)
    term_end = models.DateField(_("term until"), null=True, blank=True, db_index=True)
    registration_number = models.CharField(
        _("registration number"), max_length=100, blank=True, db_index=True
    )
    registration_date = models.DateField(_("registration date"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PledgeStatus.choices,
        default=PledgeStatus.REGISTERED,
        db_index=True,
    )
    release_date = models.DateField(_("release date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-registration_date", "pk"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        indexes = [models.Index(fields=["status", "registration_date"])]
        constraints = [
            # A registration number names one registration; pledges not yet numbered are many.
            models.UniqueConstraint(
                fields=["registration_number"],
                condition=~Q(registration_number=""),
                name="unique_pledge_registration_number",
                violation_error_message=_("Another pledge has this registration number."),
            ),
        ]

    def __str__(self):
        return self.registration_number or f"{self.pledgor} → {self.pledgee}"

    def get_absolute_url(self):
        return object_url("utilization:pledge_detail", self.pk)

    def patent_numbers(self) -> str:
        """The application numbers of the patents, from the prefetched list when there is one."""
        return ";".join(p.application_number for p in self.patents.all())

    def trademark_numbers(self) -> str:
        return ";".join(t.registration_number for t in self.trademarks.all())

    @property
    def is_inclusive(self) -> bool:
        """Inclusive (普惠) lending: a secured amount of at most 10 million yuan."""
        return self.amount is not None and self.amount <= INCLUSIVE_MAX

    @property
    def is_active(self) -> bool:
        return self.status in (PledgeStatus.REGISTERED, PledgeStatus.CHANGED)


class InsurancePolicy(BaseModel):
    """An IP insurance policy: insured, insurer, kind, insured amount, premium, period."""

    scope_org_field = ("insured", "insurer")

    insured = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="insurance_policies",
        verbose_name=_("insured"),
    )
    insurer = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="policies_written",
        verbose_name=_("insurer"),
    )
    product = models.ForeignKey(
        FinancialProduct,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name=_("product"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=InsuranceKind.choices)
    policy_number = models.CharField(_("policy number"), max_length=100, unique=True)
    patents = models.ManyToManyField(
        "rights.Patent", blank=True, related_name="insurance_policies", verbose_name=_("patents")
    )
    insured_amount = models.DecimalField(
        _("insured amount (10k yuan)"), max_digits=14, decimal_places=2
    )
    premium = models.DecimalField(
        _("premium (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    start_date = models.DateField(_("from"), db_index=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    subsidy = models.DecimalField(
        _("premium subsidy (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "pk"]
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")

    def __str__(self):
        return self.policy_number

    def get_absolute_url(self):
        return object_url("utilization:insurancepolicy_detail", self.pk)

    def patent_numbers(self) -> str:
        """The application numbers of the patents, from the prefetched list when there is one."""
        return ";".join(p.application_number for p in self.patents.all())


class Guarantee(BaseModel):
    """A guarantee for an IP-backed loan: the guarantor, the borrower, the lender."""

    scope_org_field = ("borrower", "guarantor", "lender")

    guarantor = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="guarantees_given",
        verbose_name=_("guarantor"),
    )
    borrower = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="guarantees_received",
        verbose_name=_("borrower"),
    )
    lender = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guaranteed_loans",
        verbose_name=_("lender"),
    )
    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guarantees",
        verbose_name=_("pledge"),
    )
    amount = models.DecimalField(_("guaranteed amount (10k yuan)"), max_digits=14, decimal_places=2)
    fee_rate = models.DecimalField(
        _("fee rate (%)"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    start_date = models.DateField(_("from"), db_index=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    contract_number = models.CharField(_("contract number"), max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "pk"]
        verbose_name = _("guarantee")
        verbose_name_plural = _("guarantees")

    def __str__(self):
        return self.contract_number or f"{self.guarantor} → {self.borrower}"

    def get_absolute_url(self):
        return object_url("utilization:guarantee_detail", self.pk)

    def visible_pledge_number(self) -> str:
        """The linked pledge's registration number, blank unless the queryset was annotated by
        `with_pledge_visibility` and the reader may see that pledge (a guarantor often may not)."""
        if self.pledge_id and getattr(self, "pledge_visible", False):
            return self.pledge.registration_number
        return ""


def with_pledge_visibility(queryset, user):
    """Guarantees annotated with `pledge_visible`: whether `user` may see the linked pledge."""
    from ipcity.core.scope import scope_q

    q = scope_q(Pledge, user, "view")
    if q is None:
        return queryset.annotate(pledge_visible=Value(False))
    return queryset.annotate(
        pledge_visible=Exists(Pledge.objects.filter(q, pk=OuterRef("pledge_id")))
    )


class RiskAlert(BaseModel):
    """Something that threatens a pledge: a pledged right lapsed, has an overdue fee, was
    invalidated or changed owner. One open alert per pledge, right and kind; the office, the
    pledgor and the pledgee are notified. `fingerprint` records what the finding was based on
    (the event, the holders at the time), so a resolved alert is raised again only when the
    facts change (utilization/risks.py)."""

    scope_org_field = ("pledge__pledgor", "pledge__pledgee")

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="risk_alerts", verbose_name=_("pledge")
    )
    patent = models.ForeignKey(
        "rights.Patent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="risk_alerts",
        verbose_name=_("patent"),
    )
    trademark = models.ForeignKey(
        "rights.Trademark",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="risk_alerts",
        verbose_name=_("trademark"),
    )
    kind = models.CharField(_("risk"), max_length=16, choices=RiskKind.choices, db_index=True)
    detected_on = models.DateField(_("detected on"), db_index=True)
    event_date = models.DateField(_("event date"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    fingerprint = models.CharField(_("finding"), max_length=200, blank=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RiskStatus.choices,
        default=RiskStatus.OPEN,
        db_index=True,
    )
    handled_note = models.TextField(_("handling note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-detected_on", "pk"]
        verbose_name = _("risk alert")
        verbose_name_plural = _("risk alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["pledge", "patent", "kind"],
                condition=~Q(status=RiskStatus.RESOLVED) & Q(patent__isnull=False),
                name="one_open_patent_risk_alert",
            ),
            models.UniqueConstraint(
                fields=["pledge", "trademark", "kind"],
                condition=~Q(status=RiskStatus.RESOLVED) & Q(trademark__isnull=False),
                name="one_open_trademark_risk_alert",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.pledge}"

    def get_absolute_url(self):
        return object_url("utilization:riskalert_detail", self.pk)
