"""Transfer to criminal justice (两法衔接): threshold rules as dated data and transfer records."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import (
    CriminalOutcome,
    Offence,
    ThresholdCondition,
    ThresholdMeasure,
    TransferStatus,
)
from .files import private_upload


class ThresholdRuleSet(BaseModel):
    """A version of the criminal prosecution thresholds, in force from `valid_from` to
    `valid_to`. Loaded from data/thresholds.json once; edited on the thresholds page."""

    scope_org_field = None

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)
    lookback_years = models.PositiveSmallIntegerField(
        _("look-back for prior penalties (years)"),
        null=True,
        blank=True,
        help_text=_("Rules under 'penalized within the look-back period' apply within this."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("threshold rule set")
        verbose_name_plural = _("threshold rule sets")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("protection:threshold_detail", self.pk)


class ThresholdRule(BaseModel):
    """One threshold: for `offence` under `condition`, the case qualifies when `measure` is at
    least `value`. Rules of the same offence and condition are alternatives (any one suffices)."""

    scope_org_field = None

    rule_set = models.ForeignKey(
        ThresholdRuleSet, on_delete=models.CASCADE, related_name="rules", verbose_name=_("rule set")
    )
    offence = models.CharField(_("offence"), max_length=24, choices=Offence.choices[1:])
    condition = models.CharField(_("condition"), max_length=20, choices=ThresholdCondition.choices)
    measure = models.CharField(_("measure"), max_length=20, choices=ThresholdMeasure.choices)
    value = models.DecimalField(_("threshold"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["offence", "condition", "measure"]
        verbose_name = _("threshold rule")
        verbose_name_plural = _("threshold rules")
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "offence", "condition", "measure"], name="unique_threshold"
            ),
        ]

    def __str__(self):
        return f"{self.get_offence_display()} · {self.get_measure_display()} ≥ {self.value}"


class CriminalTransfer(BaseModel):
    """A case handed to the police.

    proposed (a rule matched, or an officer proposed it) → approved by the agency's head within
    the clock `transfer_decision` → sent with its documents, which starts the acceptance clock
    (`police_acceptance`; the receipt records the time only) → accepted or declined;
    accepted cases may come back (reverse transfer, `returned`). The agency and the police both
    see it; the procuratorate supervises all of them (district-wide grant)."""

    history_values_private = True  # the audit-wide history hides values

    scope_org_field = ("case__agency", "police")

    case = models.ForeignKey(
        "protection.Case",
        on_delete=models.CASCADE,
        related_name="transfers",
        verbose_name=_("case"),
    )
    police = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="received_transfers",
        verbose_name=_("police unit"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=TransferStatus.choices,
        default=TransferStatus.PROPOSED,
        db_index=True,
    )
    rule_set = models.ForeignKey(
        ThresholdRuleSet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rule set"),
    )
    matched_rules = models.JSONField(
        _("thresholds met"),
        default=list,
        blank=True,
        help_text=_("The rules the case met when proposed, with the values found."),
    )
    proposal_reason = models.TextField(_("reason for the proposal"), blank=True)
    auto_proposed = models.BooleanField(
        _("proposed automatically"),
        default=False,
        help_text=_("Proposed by the platform because the case met a threshold rule."),
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_due = models.DateField(_("transfer decision due"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    received_at = models.DateTimeField(_("receipt at"), null=True, blank=True)
    acceptance_due = models.DateField(_("acceptance due"), null=True, blank=True, db_index=True)
    police_decided_at = models.DateTimeField(_("police decision at"), null=True, blank=True)
    police_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    police_reason = models.TextField(_("police reason"), blank=True)
    police_case_number = models.CharField(_("police case number"), max_length=80, blank=True)
    outcome = models.CharField(
        _("criminal outcome"),
        max_length=16,
        choices=CriminalOutcome.choices,
        blank=True,
        default="",
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdraw_reason = models.TextField(_("reason for not transferring"), blank=True)
    reminders = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Kinds of reminder already sent for this transfer (duty transfer-clocks).",
    )

    # matched_rules is set once, at the proposal; core plain_value cannot show a list of dicts.
    history = HistoricalRecords(excluded_fields=["reminders", "matched_rules"])

    class Meta:
        ordering = ["-proposed_at"]
        verbose_name = _("transfer to police")
        verbose_name_plural = _("transfers to police")
        indexes = [
            models.Index(fields=["status", "acceptance_due"]),
            models.Index(fields=["police", "status"]),
        ]

    def __str__(self):
        return f"{self.case} → {self.police}"

    def get_absolute_url(self):
        return object_url("protection:transfer_detail", self.pk)


class TransferDocument(BaseModel):
    """A document of a transfer: the transfer letter, the case file list, the police receipt."""

    scope_org_field = ("transfer__case__agency", "transfer__police")

    transfer = models.ForeignKey(
        CriminalTransfer,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("transfer"),
    )
    title = models.CharField(_("title"), max_length=200)
    is_receipt = models.BooleanField(_("police receipt"), default=False)
    file = models.FileField(_("file"), upload_to=private_upload("protection/transfers"))
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("transfer document")
        verbose_name_plural = _("transfer documents")

    def __str__(self):
        return self.title
