"""Enforcement agencies and their certified officers (持证上岗, task 12)."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import AgencyKind, OfficerStatus


class Agency(BaseModel):
    """An organization's part in joint enforcement: what kind of agency it is, whether it is a
    member of the joint enforcement mechanism, and the prefix of its case numbers.

    Reference data: every user of the protection pages sees the list of agencies."""

    scope_org_field = None

    organization = models.OneToOneField(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="agency",
        verbose_name=_("organization"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=AgencyKind.choices, db_index=True)
    is_joint_member = models.BooleanField(
        _("joint enforcement member"),
        default=True,
        help_text=_("Members see the summaries of every agency's cases."),
    )
    case_prefix = models.CharField(
        _("case number prefix"),
        max_length=40,
        blank=True,
        help_text=_("For example 京通市监处罚; numbers read PREFIX〔YEAR〕N号."),
    )
    accepts_public_leads = models.BooleanField(
        _("listed on the public complaint form"), default=False
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "organization__name"]
        verbose_name = _("enforcement agency")
        verbose_name_plural = _("enforcement agencies")

    def __str__(self):
        return str(self.organization)

    def get_absolute_url(self):
        return object_url("protection:agency_detail", self.pk)


def normalize_certificate_number(text: str) -> str:
    """A certificate number as stored: surrounding and repeated spaces removed, upper-cased,
    so the unique constraint and the duplicate check of the forms agree."""
    return " ".join((text or "").split()).upper()


class Officer(BaseModel):
    """An enforcement officer with the certificate that lets them handle cases (执法证).

    A handler must hold a certificate valid on the day they are assigned (`is_certified_on`);
    reminders go out before `valid_until` (duty `officer-certificates`)."""

    scope_org_field = "organization"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="officer",
        verbose_name=_("user account"),
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="officers",
        verbose_name=_("agency"),
    )
    name = models.CharField(_("name"), max_length=100, db_index=True)
    certificate_number = models.CharField(
        _("enforcement certificate number"), max_length=40, unique=True
    )
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), db_index=True)
    training_hours = models.DecimalField(
        _("training hours"), max_digits=6, decimal_places=1, default=0
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=OfficerStatus.choices,
        default=OfficerStatus.ACTIVE,
        db_index=True,
    )
    reminded_for = models.DateField(
        null=True, blank=True, editable=False, help_text="valid_until the last reminder was for"
    )
    expired_reminded_for = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="valid_until the last reminder that the certificate had expired was for",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = _("enforcement officer")
        verbose_name_plural = _("enforcement officers")
        indexes = [models.Index(fields=["organization", "status", "valid_until"])]

    def __str__(self):
        return f"{self.name} ({self.certificate_number})"

    def save(self, *args, **kwargs):
        self.certificate_number = normalize_certificate_number(self.certificate_number)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return object_url("protection:officer_detail", self.pk)

    def is_certified_on(self, day: datetime.date) -> bool:
        return (
            self.status == OfficerStatus.ACTIVE
            and self.valid_until >= day
            and (self.issued_on is None or self.issued_on <= day)
        )


class OfficerTraining(BaseModel):
    """A training an officer attended; the officer's `training_hours` is the sum of these."""

    scope_org_field = "officer__organization"

    officer = models.ForeignKey(
        Officer, on_delete=models.CASCADE, related_name="trainings", verbose_name=_("officer")
    )
    course = models.CharField(_("course"), max_length=200)
    attended_on = models.DateField(_("attended on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-attended_on"]
        verbose_name = _("officer training")
        verbose_name_plural = _("officer trainings")

    def __str__(self):
        return f"{self.course} ({self.attended_on})"
