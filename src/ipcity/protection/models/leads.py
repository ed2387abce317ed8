"""Leads (线索): public complaints, referrals, service requests and inspections."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import LeadSource, LeadStatus, RightType
from .files import private_upload


class Lead(BaseModel):
    """A report of possible infringement, before any case exists.

    Whether to open a case is due within the clock `lead_decision` of data/clocks.json from
    receipt by the deciding agency (`decision_due`; a referral restarts it). A public complaint
    has no agency until the office routes it; the agency it is routed to, and the agency that
    referred it, both see it. The complainant follows it on the public status page with
    `tracking_code` and the contact they gave (both are needed, so a guessed code alone reveals
    nothing); that page shows `public_reply`, never `decision_reason` (an internal note)."""

    history_values_private = True  # the audit-wide history hides values

    scope_org_field = ("agency", "referred_by")

    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    source = models.CharField(_("source"), max_length=16, choices=LeadSource.choices, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=LeadStatus.choices,
        default=LeadStatus.RECEIVED,
        db_index=True,
    )
    agency = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="protection_leads",
        verbose_name=_("handling agency"),
    )
    referred_by = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="protection_leads_referred",
        verbose_name=_("referred by"),
    )
    source_reference = models.CharField(
        _("source reference"),
        max_length=100,
        blank=True,
        help_text=_("The referral letter number or the service request it came from."),
    )
    received_on = models.DateField(_("received on"), db_index=True)
    decision_due = models.DateField(_("decision due"), db_index=True)
    # The complainant.
    complainant_name = models.CharField(_("complainant"), max_length=200)
    complainant_organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="protection_complaints",
        verbose_name=_("complainant organization"),
    )
    complainant_uscc = models.CharField(_("complainant USCC"), max_length=18, blank=True)
    complainant_phone = models.CharField(_("phone"), max_length=40, blank=True)
    complainant_email = models.EmailField(_("email"), blank=True)
    # Who is complained about and what.
    respondent_name = models.CharField(_("respondent"), max_length=200, blank=True)
    respondent_uscc = models.CharField(_("respondent USCC"), max_length=18, blank=True)
    respondent_address = models.CharField(_("respondent address"), max_length=300, blank=True)
    right_type = models.CharField(
        _("right type"), max_length=16, choices=RightType.choices, db_index=True
    )
    right_numbers = models.CharField(
        _("right numbers"),
        max_length=500,
        blank=True,
        help_text=_("Patent, trademark or registration numbers, separated by commas."),
    )
    description = models.TextField(_("what happened"))
    # The decision.
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    public_reply = models.TextField(
        _("Reply to the complainant"),
        blank=True,
        help_text=_("Shown on the public status page."),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("Empty for a complaint from the public form."),
    )

    reminders_sent = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Deadline reminders sent: {kind: the decision_due they were about}.",
    )

    history = HistoricalRecords(excluded_fields=["reminders_sent"])

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["agency", "status", "decision_due"]),
            models.Index(fields=["status", "decision_due"]),
        ]

    def __str__(self):
        return self.tracking_code

    def get_absolute_url(self):
        return object_url("protection:lead_detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in (LeadStatus.RECEIVED, LeadStatus.VERIFYING)


class LeadAttachment(BaseModel):
    """A file sent with a lead (photos, purchase receipts, registration certificates). Stored
    under a random name outside the static root; downloaded through a permission-checked view."""

    scope_org_field = ("lead__agency", "lead__referred_by")

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("lead")
    )
    file = models.FileField(_("file"), upload_to=private_upload("protection/leads"))
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("lead attachment")
        verbose_name_plural = _("lead attachments")

    def __str__(self):
        return self.name
