"""GB/T 29490 certification (task 6): certificates, surveillance audits, the editions' rules."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import AuditResult, CertificateStatus, StandardVersion


class StandardEdition(BaseModel):
    """An edition of GB/T 29490 and its dates, as data (data/gbt29490_editions.json): when it took
    effect and until when certificates to it may remain (2013: transition ended 2025-12-31)."""

    scope_org_field = None

    version = models.CharField(
        _("version"), max_length=8, choices=StandardVersion.choices, unique=True
    )
    title = models.CharField(_("title"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    transition_end = models.DateField(
        _("certificates valid until"),
        null=True,
        blank=True,
        help_text=_(
            "Certificates to this edition not converted by this date are suspended or withdrawn."
        ),
    )
    validity_years = models.PositiveSmallIntegerField(_("certificate validity (years)"), default=3)
    surveillance_months = models.PositiveSmallIntegerField(
        _("surveillance interval (months)"), default=12
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["version"]
        verbose_name = _("GB/T 29490 edition")
        verbose_name_plural = _("GB/T 29490 editions")

    def __str__(self):
        return self.get_version_display()


class Certificate(BaseModel):
    """An enterprise's GB/T 29490 certificate. Converting a 2013 certificate to 2023 at a
    surveillance audit keeps its original expiry (`converted_on` says when)."""

    scope_org_field = "organization"

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="gbt29490_certificates",
        verbose_name=_("enterprise"),
    )
    standard_version = models.CharField(
        _("standard version"), max_length=8, choices=StandardVersion.choices, db_index=True
    )
    number = models.CharField(_("certificate number"), max_length=100, unique=True)
    body_name = models.CharField(_("certification body"), max_length=200)
    body = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gbt29490_issued",
        verbose_name=_("certification body (organization)"),
    )
    issue_date = models.DateField(_("issue date"), db_index=True)
    expiry_date = models.DateField(_("expiry date"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CertificateStatus.choices,
        default=CertificateStatus.VALID,
        db_index=True,
    )
    status_date = models.DateField(_("status since"), null=True, blank=True)
    converted_on = models.DateField(
        _("converted to 2023 on"),
        null=True,
        blank=True,
        help_text=_("Set when a 2013 certificate was converted at a surveillance audit."),
    )
    scope_text = models.TextField(_("certified scope"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-issue_date", "number"]
        verbose_name = _("GB/T 29490 certificate")
        verbose_name_plural = _("GB/T 29490 certificates")
        indexes = [
            models.Index(fields=["status", "expiry_date"]),
            models.Index(fields=["standard_version", "status"]),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return object_url("utilization:certificate_detail", self.pk)


class SurveillanceAudit(BaseModel):
    """An annual surveillance audit of a certificate: due, done, result; a 2013 certificate
    may be converted to the 2023 edition at one. `is_scheduled` tells the audits the schedule
    planned (kept in step with the certificate's dates) from those added by hand."""

    scope_org_field = "certificate__organization"

    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.CASCADE,
        related_name="audits",
        verbose_name=_("certificate"),
    )
    due_date = models.DateField(_("due date"), db_index=True)
    done_date = models.DateField(_("done on"), null=True, blank=True)
    result = models.CharField(
        _("result"), max_length=16, choices=AuditResult.choices, default=AuditResult.PLANNED
    )
    converts_to_2023 = models.BooleanField(_("converts to the 2023 edition"), default=False)
    is_scheduled = models.BooleanField(
        _("planned by the schedule"),
        default=True,
        help_text=_(
            "Planned from the certificate's dates (moved or removed when they change); an audit "
            "added by hand, such as a special audit, is left alone."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["certificate", "due_date"]
        verbose_name = _("surveillance audit")
        verbose_name_plural = _("surveillance audits")

    def __str__(self):
        return f"{self.certificate} · {self.due_date}"

    def get_absolute_url(self):
        return reverse("utilization:certificate_detail", args=[self.certificate_id])


class CertificateReminder(BaseModel):
    """A reminder already sent for a certificate at one stage (expiry in 90 or 30 days, a
    surveillance audit due, the transition overdue), so the daily run never sends it twice.
    `stage` carries the date it is about, so a changed date arms the reminder again."""

    scope_org_field = "certificate__organization"

    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("certificate"),
    )
    stage = models.CharField(_("stage"), max_length=64)
    sent_on = models.DateField(_("sent on"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        ordering = ["certificate", "sent_on"]
        verbose_name = _("certificate reminder")
        verbose_name_plural = _("certificate reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "stage"], name="unique_certificate_reminder_stage"
            )
        ]

    def __str__(self):
        return f"{self.certificate_id} · {self.stage}"
