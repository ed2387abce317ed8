"""Creation indicators: their definitions, the population they divide by, computed snapshots."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel, RestrictedManager

from .choices import Denominator, Dimension


class IndicatorDefinition(models.Model):
    """What an indicator counts and how, as data (data/indicators.json): code, names, the formula
    in words, unit and denominator. The counting itself lives in indicators.measures by code."""

    scope_org_field = None

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    formula = models.TextField(_("formula"), blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    denominator = models.CharField(
        _("denominator"), max_length=16, choices=Denominator.choices, default=Denominator.NONE
    )
    numerator_code = models.SlugField(
        _("numerator indicator"),
        max_length=60,
        blank=True,
        help_text=_("For a per-10k indicator: the count it divides."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicator definition")
        verbose_name_plural = _("indicator definitions")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    @property
    def per_population(self) -> bool:
        return self.denominator == Denominator.POPULATION


class Population(BaseModel):
    """The resident population (常住人口) of a region in a year, with its kind (year-end, census)
    and source: the denominator of every per-10k indicator. Staff enter each year's figure from
    the statistical bulletin; a year without one gives no per-10k value."""

    scope_org_field = None

    region = models.ForeignKey(
        "orgs.Region",
        on_delete=models.PROTECT,
        related_name="population_figures",
        verbose_name=_("region"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    resident_population = models.PositiveBigIntegerField(_("resident population"))
    kind = models.CharField(
        _("kind of figure"),
        max_length=60,
        default="year-end",
        help_text=_("year-end, or the census and its date when that is what exists"),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["region__code", "-year"]
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="unique_population_year")
        ]

    def __str__(self):
        return f"{self.region} {self.year}: {self.resident_population:,}"

    def get_absolute_url(self):
        return object_url("indicators:population_detail", self.pk)


class IndicatorSnapshot(models.Model):
    """One computed value of an indicator for a year, for the district total or one group of a
    dimension (a street, an industry, a holder type…), with what it was computed from: the
    numerator, the population used and the high-value rule version, so every figure is traceable.
    """

    scope_org_field = None

    definition = models.ForeignKey(
        IndicatorDefinition,
        on_delete=models.CASCADE,
        related_name="snapshots",
        verbose_name=_("indicator"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    region = models.ForeignKey(
        "orgs.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    dimension = models.CharField(
        _("dimension"), max_length=16, choices=Dimension.choices, default=Dimension.TOTAL
    )
    dimension_value = models.CharField(_("group"), max_length=60, blank=True)
    label = models.CharField(_("group name"), max_length=200, blank=True)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4, null=True, blank=True)
    numerator = models.PositiveBigIntegerField(_("numerator"), null=True, blank=True)
    denominator = models.PositiveBigIntegerField(_("denominator"), null=True, blank=True)
    population_used = models.ForeignKey(
        Population,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("population figure used"),
    )
    rule_version = models.CharField(_("high-value rule version"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("computed by"),
    )

    objects = RestrictedManager()

    class Meta:
        ordering = ["year", "definition__order", "dimension", "dimension_value"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        indexes = [
            models.Index(fields=["year", "dimension"]),
            models.Index(fields=["definition", "dimension", "year"]),
        ]

    def __str__(self):
        return f"{self.definition.code} {self.year} {self.dimension}:{self.dimension_value}"
