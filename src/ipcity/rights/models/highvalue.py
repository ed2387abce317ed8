"""Versioned high-value patent rules (DOMAIN.md §2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.models import RestrictedManager


class HighValueRuleSet(models.Model):
    """One version of CNIPA's high-value invention patent definition, valid for a span of years.

    2021-2025 (14th five-year plan): five criteria; from 2026: four, the pledge criterion dropped.
    `pledge_threshold` (10k yuan) is a setting because no threshold is published.
    """

    scope_org_field = None

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    valid_from = models.PositiveSmallIntegerField(_("first year"))
    valid_to = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    criteria = models.JSONField(_("criteria"), default=list)
    pledge_threshold = models.DecimalField(
        _("pledge threshold (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    maintained_years = models.PositiveSmallIntegerField(
        _("maintained more than (years)"), default=10
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["valid_from"]
        verbose_name = _("high-value rule set")
        verbose_name_plural = _("high-value rule sets")

    def __str__(self):
        return self.name


class SEIConcordance(models.Model):
    """One row of the concordance between the strategic emerging industry classification (2018)
    and IPC: patents whose IPC codes start with `ipc_prefix` belong to that industry."""

    rule_set = models.ForeignKey(
        HighValueRuleSet,
        on_delete=models.CASCADE,
        related_name="concordance",
        verbose_name=_("rule set"),
    )
    ipc_prefix = models.CharField(_("IPC prefix"), max_length=32, db_index=True)
    industry_code = models.CharField(_("industry code"), max_length=20)
    industry_name = models.CharField(_("industry name"), max_length=200)

    class Meta:
        ordering = ["ipc_prefix"]
        verbose_name = _("SEI–IPC concordance row")
        verbose_name_plural = _("SEI–IPC concordance")
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "ipc_prefix", "industry_code"], name="unique_sei_row"
            ),
        ]

    def __str__(self):
        return f"{self.ipc_prefix} → {self.industry_name}"
