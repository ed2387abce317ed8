"""A person's decision on where a patent holder is located."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.models import BaseModel

from ..choices import Attribution


class HolderAttribution(BaseModel):
    """Where a holder organization is, as decided on the attribution review list.

    Exports often carry no signal that places a holder (an address without a district, a
    city-level credit code). A person decides once per holder; the decision applies to that
    holder's unresolved patents now and to those later imports bring, and is kept with its
    history so every in-district count can be traced to who decided it.
    """

    scope_org_field = None

    organization = models.OneToOneField(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="rights_attribution",
        verbose_name=_("holder"),
    )
    attribution = models.CharField(
        _("attribution"),
        max_length=16,
        choices=[c for c in Attribution.choices if c[0] != Attribution.UNRESOLVED],
    )
    region = models.ForeignKey(
        "orgs.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("street or town"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("holder attribution")
        verbose_name_plural = _("holder attributions")

    def __str__(self):
        return f"{self.organization}: {self.get_attribution_display()}"
