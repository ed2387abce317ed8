"""Transfer and licensing (task 7): assignments and licences of rights from the registry."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.models import BaseModel

from ..choices import TransactionKind, TransactionOrigin


class Transaction(BaseModel):
    """An assignment or licence of rights from the registry.

    Both parties see it (`scope_org_field` names both). `from_university` and `from_outside` are
    set from the parties when saved (utilization/transfers.py): a university or research
    institute assigning or licensing to a district enterprise, and rights acquired by a district
    party from a holder outside the district. A transaction derived from a legal event keeps that
    event (`legal_event`, unique), so deriving twice never counts it twice; a hand-entered one
    that a later legal event matches is linked to that event instead of duplicated.
    """

    scope_org_field = ("assignor", "assignee")

    kind = models.CharField(
        _("kind"), max_length=16, choices=TransactionKind.choices, db_index=True
    )
    assignor = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions_out",
        verbose_name=_("assignor or licensor"),
    )
    assignor_name = models.CharField(_("assignor or licensor as recorded"), max_length=300)
    assignee = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions_in",
        verbose_name=_("assignee or licensee"),
    )
    assignee_name = models.CharField(_("assignee or licensee as recorded"), max_length=300)
    patents = models.ManyToManyField(
        "rights.Patent", blank=True, related_name="transactions", verbose_name=_("patents")
    )
    trademarks = models.ManyToManyField(
        "rights.Trademark", blank=True, related_name="transactions", verbose_name=_("trademarks")
    )
    amount = models.DecimalField(
        _("amount (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    contract_date = models.DateField(_("contract date"), null=True, blank=True, db_index=True)
    start_date = models.DateField(_("licence from"), null=True, blank=True)
    end_date = models.DateField(_("licence until"), null=True, blank=True)
    registration_number = models.CharField(
        _("registration or filing number"), max_length=100, blank=True, db_index=True
    )
    registration_date = models.DateField(
        _("registration date"), null=True, blank=True, db_index=True
    )
    year = models.PositiveSmallIntegerField(
        _("year"),
        db_index=True,
        help_text=_("The year it counts for: registration, else contract date."),
    )
    from_university = models.BooleanField(
        _("university or institute to district enterprise"), default=False, db_index=True
    )
    from_outside = models.BooleanField(
        _("acquired from outside the district"), default=False, db_index=True
    )
    origin = models.CharField(
        _("origin"),
        max_length=16,
        choices=TransactionOrigin.choices,
        default=TransactionOrigin.MANUAL,
        db_index=True,
    )
    legal_event = models.OneToOneField(
        "rights.LegalEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transaction",
        verbose_name=_("legal event"),
    )
    supply_listing = models.ForeignKey(
        "utilization.SupplyListing",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("offer it came from"),
    )
    demand_listing = models.ForeignKey(
        "utilization.DemandListing",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("need it answered"),
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-contract_date", "pk"]
        verbose_name = _("transfer or licence")
        verbose_name_plural = _("transfers and licences")
        indexes = [models.Index(fields=["year", "kind"])]

    def __str__(self):
        return f"{self.assignor_name} → {self.assignee_name} ({self.get_kind_display()})"

    def get_absolute_url(self):
        return reverse("utilization:transaction_detail", args=[self.pk])
