from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import Attribution, TrademarkStatus


class Trademark(BaseModel):
    """A registered (or applied-for) Chinese trademark: its number, Nice classes and holder."""

    scope_org_field = None

    registration_number = models.CharField(_("registration number"), max_length=20, unique=True)
    mark = models.CharField(_("mark"), max_length=200, db_index=True)
    nice_classes = models.CharField(
        _("Nice classes"), max_length=200, blank=True, help_text=_("1-45, separated by ';'.")
    )
    holder = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trademarks",
        verbose_name=_("holder"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=TrademarkStatus.choices,
        default=TrademarkStatus.REGISTERED,
        db_index=True,
    )
    application_date = models.DateField(_("application date"), null=True, blank=True)
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    is_well_known = models.BooleanField(_("well-known mark"), default=False)
    is_madrid = models.BooleanField(_("Madrid international registration"), default=False)
    region = models.ForeignKey(
        "orgs.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trademarks",
        verbose_name=_("street or town"),
    )
    attribution = models.CharField(
        _("attribution"),
        max_length=16,
        choices=Attribution.choices,
        default=Attribution.UNRESOLVED,
        db_index=True,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-registration_date", "registration_number"]
        verbose_name = _("trademark")
        verbose_name_plural = _("trademarks")
        # The registered marks of the district at a year's end with what the indicators group
        # them by, and the key: their breakdowns read this index alone (indicators.measures).
        indexes = [
            models.Index(
                fields=[
                    "attribution",
                    "status",
                    "registration_date",
                    "region",
                    "holder",
                    "is_madrid",
                    "id",
                ],
                name="rights_trademark_held_idx",
            )
        ]

    def __str__(self):
        return f"{self.mark} ({self.registration_number})"

    def get_absolute_url(self):
        return object_url("rights:trademark_detail", self.pk)
