"""Annual assessment (年度考核) of member units: a scheme per year, scored per unit."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import AssessmentStatus, ItemMethod


class AssessmentScheme(BaseModel):
    """The scoring scheme of one year: items with weights and methods. Schemes change yearly,
    so each year has its own, copied from the last and edited."""

    scope_org_field = None

    plan = models.ForeignKey(
        "plans.Plan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessment_schemes",
        verbose_name=_("work plan"),
    )
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    base_points = models.DecimalField(_("base points"), max_digits=6, decimal_places=2, default=100)
    bonus_cap = models.DecimalField(_("bonus cap"), max_digits=6, decimal_places=2, default=10)
    is_published = models.BooleanField(_("published"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("plans:scheme_detail", self.pk)


class AssessmentItem(models.Model):
    """One scored item: weight (share of the base points), method, and for automatic items the
    task whose KPI completion gives the score. A veto item sets the total to zero when failed."""

    scheme = models.ForeignKey(
        AssessmentScheme,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("assessment scheme"),
    )
    name = models.CharField(_("name"), max_length=200)
    method = models.CharField(_("method"), max_length=16, choices=ItemMethod.choices)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=4, default=0)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2, default=0)
    task = models.ForeignKey(
        "plans.PlanTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("task"),
    )
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "order"]
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")

    def __str__(self):
        return self.name


class UnitAssessment(BaseModel):
    """One unit's assessment for a year: self-assessment → office review → final score, rank."""

    scope_org_field = "organization"

    scheme = models.ForeignKey(
        AssessmentScheme,
        on_delete=models.CASCADE,
        related_name="unit_assessments",
        verbose_name=_("assessment scheme"),
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("unit"),
    )
    status = FSMField(
        _("status"),
        max_length=16,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
        protected=False,
    )
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2, null=True, blank=True)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    self_comment = models.TextField(_("self-assessment"), blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "rank", "organization__name"]
        verbose_name = _("unit assessment")
        verbose_name_plural = _("unit assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "organization"], name="unique_unit_assessment"
            )
        ]

    def __str__(self):
        return f"{self.organization} · {self.scheme.year}"

    @transition(field=status, source=AssessmentStatus.DRAFT, target=AssessmentStatus.SELF_SUBMITTED)
    def submit_self(self):
        pass

    @transition(
        field=status, source=AssessmentStatus.SELF_SUBMITTED, target=AssessmentStatus.REVIEWED
    )
    def review(self):
        pass

    @transition(field=status, source=AssessmentStatus.REVIEWED, target=AssessmentStatus.FINAL)
    def finalize(self):
        pass

    @transition(
        field=status,
        source=[AssessmentStatus.SELF_SUBMITTED, AssessmentStatus.REVIEWED],
        target=AssessmentStatus.DRAFT,
    )
    def reopen(self):
        pass


class ItemScore(models.Model):
    """A unit's score on one item: its own claim, the office's review, and the final value."""

    assessment = models.ForeignKey(
        UnitAssessment,
        on_delete=models.CASCADE,
        related_name="scores",
        verbose_name=_("unit assessment"),
    )
    item = models.ForeignKey(
        AssessmentItem,
        on_delete=models.CASCADE,
        related_name="scores",
        verbose_name=_("assessment item"),
    )
    self_score = models.DecimalField(
        _("self score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    review_score = models.DecimalField(
        _("review score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    veto_triggered = models.BooleanField(_("veto triggered"), default=False)
    evidence = models.TextField(_("evidence"), blank=True)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="unique_item_score")
        ]

    def __str__(self):
        return f"{self.assessment} · {self.item}"
