"""Enterprise cultivation (task 5): designations, the cultivation pool and its criteria, support."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import (
    Comparison,
    CriterionMetric,
    DesignationKind,
    DesignationLevel,
    PoolStage,
    SupportKind,
)


class Designation(BaseModel):
    """A title an enterprise holds: IP advantage or demonstration enterprise, high-tech
    enterprise, specialized-and-sophisticated SME, with its level, year and validity."""

    scope_org_field = "organization"

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="designations",
        verbose_name=_("enterprise"),
    )
    kind = models.CharField(
        _("designation"), max_length=24, choices=DesignationKind.choices, db_index=True
    )
    level = models.CharField(
        _("level"), max_length=16, choices=DesignationLevel.choices, db_index=True
    )
    year = models.PositiveSmallIntegerField(_("year designated"), db_index=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, db_index=True)
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    source_document = models.CharField(
        _("source document"),
        max_length=300,
        blank=True,
        help_text=_("The notice that announced it, with its document number."),
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "organization__name"]
        verbose_name = _("enterprise designation")
        verbose_name_plural = _("enterprise designations")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "level", "year"],
                name="unique_designation",
                violation_error_message=_(
                    "This enterprise already holds this designation at this level for that year."
                ),
            )
        ]
        indexes = [models.Index(fields=["kind", "level", "year"])]

    def __str__(self):
        return f"{self.organization} · {self.title}"

    @property
    def title(self) -> str:
        """The designation as people say it: 区级知识产权优势企业."""
        return _("%(level)s %(kind)s") % {
            "level": self.get_level_display(),
            "kind": self.get_kind_display(),
        }

    def get_absolute_url(self):
        return object_url("utilization:designation_detail", self.pk)


class CultivationCriterion(BaseModel):
    """One condition of entry to a cultivation track, kept as data and evaluated against the
    registry (utilization/criteria.py). `target_kind`/`target_level` name the designation the
    track prepares for; criteria of a track are all required unless marked optional."""

    scope_org_field = None

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    target_kind = models.CharField(
        _("prepares for"), max_length=24, choices=DesignationKind.choices, db_index=True
    )
    target_level = models.CharField(
        _("level"), max_length=16, choices=DesignationLevel.choices, blank=True
    )
    metric = models.CharField(_("measure"), max_length=32, choices=CriterionMetric.choices)
    comparison = models.CharField(
        _("comparison"), max_length=8, choices=Comparison.choices, default=Comparison.GTE
    )
    threshold = models.DecimalField(
        _("threshold"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    parameter = models.CharField(
        _("parameter"),
        max_length=60,
        blank=True,
        help_text=_("For 'holds a valid designation': the designation kind."),
    )
    is_required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["target_kind", "order", "code"]
        verbose_name = _("cultivation criterion")
        verbose_name_plural = _("cultivation criteria")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("utilization:cultivationcriterion_detail", self.pk)


class EnterpriseFacts(BaseModel):
    """What the registry cannot know about an enterprise, reported per year: employees,
    R&D staff, revenue and R&D expenditure (10k yuan)."""

    scope_org_field = "organization"

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="enterprise_facts",
        verbose_name=_("enterprise"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    rd_staff = models.PositiveIntegerField(_("R&D staff"), null=True, blank=True)
    revenue = models.DecimalField(
        _("revenue (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    rd_expense = models.DecimalField(
        _("R&D expenditure (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "-year"]
        verbose_name = _("enterprise facts")
        verbose_name_plural = _("enterprise facts")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="unique_facts_year",
                violation_error_message=_("Facts for this enterprise and year already exist."),
            )
        ]

    def __str__(self):
        return f"{self.organization} {self.year}"

    def get_absolute_url(self):
        return object_url("utilization:enterprisefacts_detail", self.pk)


class PoolEntry(BaseModel):
    """An enterprise in the cultivation pool for one designation, moving candidate →
    cultivated → designated. `evaluation` keeps the last check against the criteria:
    [{"code", "name", "met", "value", "threshold", "required"}], with `evaluated_at`."""

    scope_org_field = "organization"

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="pool_entries",
        verbose_name=_("enterprise"),
    )
    target_kind = models.CharField(
        _("prepares for"), max_length=24, choices=DesignationKind.choices, db_index=True
    )
    target_level = models.CharField(
        _("level"), max_length=16, choices=DesignationLevel.choices, blank=True
    )
    stage = models.CharField(
        _("stage"),
        max_length=16,
        choices=PoolStage.choices,
        default=PoolStage.CANDIDATE,
        db_index=True,
    )
    year = models.PositiveSmallIntegerField(_("year entered"), db_index=True)
    criteria_met = models.PositiveSmallIntegerField(_("criteria met"), default=0)
    criteria_total = models.PositiveSmallIntegerField(_("criteria"), default=0)
    meets_all = models.BooleanField(_("meets every required criterion"), default=False)
    evaluation = models.JSONField(_("evaluation"), default=list, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    designation = models.ForeignKey(
        Designation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pool_entries",
        verbose_name=_("designation obtained"),
    )
    notes = models.TextField(_("notes"), blank=True)

    # The evaluation is derived (re-computed in bulk, not edited): history keeps what people do.
    history = HistoricalRecords(
        excluded_fields=[
            "criteria_met",
            "criteria_total",
            "meets_all",
            "evaluation",
            "evaluated_at",
        ]
    )

    class Meta:
        ordering = ["stage", "-criteria_met", "organization__name"]
        verbose_name = _("cultivation pool entry")
        verbose_name_plural = _("cultivation pool")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "target_kind", "target_level"],
                name="unique_pool_entry",
                violation_error_message=_(
                    "This enterprise is already in the pool for this designation."
                ),
            )
        ]
        indexes = [models.Index(fields=["target_kind", "stage"])]

    def __str__(self):
        return f"{self.organization} → {self.get_target_kind_display()}"

    def get_absolute_url(self):
        return object_url("utilization:poolentry_detail", self.pk)


class SupportRecord(BaseModel):
    """Support given to an enterprise: funding, training, talent or technology introduction."""

    scope_org_field = "organization"

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="support_records",
        verbose_name=_("enterprise"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SupportKind.choices, db_index=True)
    date = models.DateField(_("date"), db_index=True)
    amount = models.DecimalField(
        _("amount (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    provider = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_given",
        verbose_name=_("provided by"),
    )
    pool_entry = models.ForeignKey(
        PoolEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_records",
        verbose_name=_("cultivation pool entry"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "pk"]
        verbose_name = _("support record")
        verbose_name_plural = _("support records")
        indexes = [models.Index(fields=["organization", "date"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("utilization:supportrecord_detail", self.pk)
