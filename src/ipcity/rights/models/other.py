"""Geographical indications, plant variety rights, copyrights and software legalization checks."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import CopyrightKind, GIKind, GIStage, PlantVarietyStatus


class GeographicalIndication(BaseModel):
    """A geographical indication, from a candidate the district has found (挖掘) through
    cultivation and reserve (培育、储备) to filing and registration, as task 3 asks."""

    scope_org_field = None

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=GIKind.choices)
    product = models.CharField(_("product"), max_length=200, blank=True)
    area = models.CharField(_("protected area"), max_length=300, blank=True)
    applicant = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="geographical_indications",
        verbose_name=_("applicant"),
    )
    stage = models.CharField(
        _("stage"),
        max_length=16,
        choices=GIStage.choices,
        default=GIStage.CANDIDATE,
        db_index=True,
    )
    registration_number = models.CharField(_("registration number"), max_length=50, blank=True)
    filed_date = models.DateField(_("filing date"), null=True, blank=True)
    registered_date = models.DateField(_("registration date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("geographical indication")
        verbose_name_plural = _("geographical indications")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("rights:gi_detail", self.pk)


class PlantVarietyRight(BaseModel):
    """A plant variety right (品种权), e.g. CNA20201002638."""

    scope_org_field = None

    right_number = models.CharField(_("right number"), max_length=30, unique=True)
    variety = models.CharField(_("variety name"), max_length=200)
    species = models.CharField(_("species"), max_length=100, blank=True)
    holder = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plant_variety_rights",
        verbose_name=_("holder"),
    )
    application_date = models.DateField(_("application date"), null=True, blank=True)
    grant_date = models.DateField(_("grant date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PlantVarietyStatus.choices,
        default=PlantVarietyStatus.GRANTED,
        db_index=True,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-grant_date", "right_number"]
        verbose_name = _("plant variety right")
        verbose_name_plural = _("plant variety rights")

    def __str__(self):
        return f"{self.variety} ({self.right_number})"

    def get_absolute_url(self):
        return object_url("rights:pvr_detail", self.pk)


class Copyright(BaseModel):
    """A copyright registration: a work, or computer software (e.g. 2014SR001852)."""

    scope_org_field = None

    kind = models.CharField(_("kind"), max_length=16, choices=CopyrightKind.choices, db_index=True)
    registration_number = models.CharField(_("registration number"), max_length=40, unique=True)
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=300)
    category = models.CharField(_("category"), max_length=100, blank=True)
    holder = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="copyrights",
        verbose_name=_("holder"),
    )
    completion_date = models.DateField(_("completion date"), null=True, blank=True)
    registration_date = models.DateField(
        _("registration date"), null=True, blank=True, db_index=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-registration_date", "registration_number"]
        verbose_name = _("copyright")
        verbose_name_plural = _("copyrights")

    def __str__(self):
        return f"{self.title} ({self.registration_number})"

    def get_absolute_url(self):
        return object_url("rights:copyright_detail", self.pk)


class SoftwareLegalizationCheck(BaseModel):
    """A software legalization (软件正版化) check of one unit: what was installed against what
    was licensed, the findings and their rectification (task 4)."""

    scope_org_field = "organization"

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="software_checks",
        verbose_name=_("unit checked"),
    )
    check_date = models.DateField(_("check date"), db_index=True)
    checked_by = models.CharField(_("checked by"), max_length=200, blank=True)
    installed_count = models.PositiveIntegerField(_("software installed"), default=0)
    licensed_count = models.PositiveIntegerField(_("software licensed"), default=0)
    findings = models.TextField(_("findings"), blank=True)
    rectification = models.TextField(_("rectification"), blank=True)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-check_date"]
        verbose_name = _("software legalization check")
        verbose_name_plural = _("software legalization checks")

    def __str__(self):
        return f"{self.organization} {self.check_date}"

    def get_absolute_url(self):
        return object_url("rights:softwarecheck_detail", self.pk)

    @property
    def unlicensed_count(self) -> int:
        return max(self.installed_count - self.licensed_count, 0)
