"""Service institutions (服务机构) and the services they offer (plan tasks 14-15)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import InstitutionKind, ServiceKind


class Institution(BaseModel):
    """An organization in the service directory: a patent agency, a law firm, a bank, the
    protection centre's branch, a public service point.

    One row per organization (the registry's `orgs.Organization` holds its name, credit code,
    address and region). `accepts_requests` marks a service point that service requests may be
    routed to; `published` puts it on the public directory. The institution's own users edit
    it (`scope_org_field`), the office edits all."""

    scope_org_field = "organization"

    organization = models.OneToOneField(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="service_institution",
        verbose_name=_("organization"),
    )
    kind = models.CharField(
        _("kind"), max_length=24, choices=InstitutionKind.choices, db_index=True
    )
    description = models.TextField(_("description"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    accepts_requests = models.BooleanField(
        _("accepts service requests"),
        default=False,
        db_index=True,
        help_text=_("Service requests can be routed to it."),
    )
    published = models.BooleanField(_("shown in the public directory"), default=True, db_index=True)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "organization__name"]
        verbose_name = _("service institution")
        verbose_name_plural = _("service institutions")
        indexes = [models.Index(fields=["published", "is_active", "kind"])]

    def __str__(self):
        return str(self.organization)

    def get_absolute_url(self):
        return object_url("services:institution_detail", self.pk)

    @classmethod
    def scope_public_view(cls):
        # The directory is public: every holder of the view permission reads published entries.
        return Q(published=True, is_active=True)


class InstitutionService(models.Model):
    """One service an institution offers; a request of that kind may be routed to it."""

    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="services",
        verbose_name=_("institution"),
    )
    kind = models.CharField(_("service"), max_length=24, choices=ServiceKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["institution", "kind"]
        verbose_name = _("service offered")
        verbose_name_plural = _("services offered")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "kind"], name="services_institution_service_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "institution"])]

    def __str__(self):
        return f"{self.institution}: {self.get_kind_display()}"


class Qualification(BaseModel):
    """A licence or qualification an institution holds (专利代理机构执业许可证, 律师事务所执业
    许可证, 资产评估备案, a bank's licence), with its validity."""

    scope_org_field = "institution__organization"

    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="qualifications",
        verbose_name=_("institution"),
    )
    name = models.CharField(_("qualification"), max_length=200)
    number = models.CharField(_("certificate number"), max_length=100, blank=True)
    issued_by = models.CharField(_("issued by"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["institution", "name"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")

    def __str__(self):
        return self.name
