"""Organizations (who) and regions (where): the holders, units and parties every module names."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from .choices import OrganizationKind, RegionKind


class Region(BaseModel):
    """An administrative division: the configured district and its streets and towns.

    Codes are GB/T 2260 (6 digits) for the district and NBS statistical division codes (12 digits)
    for streets and towns; loaded from a data file so another district is configuration.
    """

    scope_org_field = None

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=RegionKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent region"),
    )
    parent_code = models.CharField(_("parent code"), max_length=12, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("orgs:region_detail", self.pk)


class Organization(BaseModel):
    """Anyone the program deals with as a body: a government unit, a street office, an enterprise,
    a university, a service or financial institution, a court, procuratorate or police unit.

    `path` is the chain of primary keys from the top unit down ("/3/17/"), kept by `save()`, so
    "this unit and its subordinates" is one indexed prefix filter.
    """

    scope_org_field = "self"

    kind = models.CharField(
        _("kind"), max_length=24, choices=OrganizationKind.choices, db_index=True
    )
    name = models.CharField(_("name"), max_length=200, db_index=True)
    short_name = models.CharField(_("short name"), max_length=100, blank=True, db_index=True)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, db_index=True
    )
    uscc_warning = models.CharField(
        _("USCC warning"),
        max_length=200,
        blank=True,
        help_text=_("Set when the code fails the GB 32100 check; early codes exist that do."),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("region"),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    industry = models.CharField(_("industry (GB/T 4754)"), max_length=5, blank=True, db_index=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent organization"),
    )
    path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~models.Q(uscc=""), name="unique_org_uscc"
            ),
        ]
        indexes = [models.Index(fields=["kind", "region"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("orgs:organization_detail", self.pk)

    def save(self, *args, **kwargs):
        is_new = self.pk is None
        old_path = self.path
        if is_new:
            super().save(*args, **kwargs)
            kwargs = {k: v for k, v in kwargs.items() if k not in ("force_insert",)}
        self.path = self.compute_path()
        if is_new:
            type(self).objects.filter(pk=self.pk).update(path=self.path)
        else:
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                self._rewrite_descendant_paths(old_path)

    def compute_path(self) -> str:
        parent_path = ""
        if self.parent_id:
            parent_path = (
                type(self).objects.filter(pk=self.parent_id).values_list("path", flat=True).first()
                or ""
            )
        return f"{parent_path or '/'}{self.pk}/"

    def _rewrite_descendant_paths(self, old_path: str) -> None:
        for child in type(self).objects.filter(path__startswith=old_path).exclude(pk=self.pk):
            child.path = self.path + child.path[len(old_path) :]
            type(self).objects.filter(pk=child.pk).update(path=child.path)


class Contact(BaseModel):
    """A person to reach at an organization."""

    scope_org_field = "organization"

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return self.name
