"""A work plan as data: its sections, numbered tasks, the units assigned to them, and KPIs."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import PlanStatus, ReportFrequency, SectionKind, TaskStatus, UnitRole


class Plan(BaseModel):
    """An issued work plan (工作方案), e.g. 通政发〔2024〕11号: the document the platform runs."""

    scope_org_field = None

    title = models.CharField(_("title"), max_length=300)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    issuer = models.CharField(_("issuing authority"), max_length=200, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PlanStatus.choices,
        default=PlanStatus.DRAFT,
        db_index=True,
    )
    report_frequency = models.CharField(
        _("progress reports"),
        max_length=16,
        choices=ReportFrequency.choices,
        default=ReportFrequency.QUARTERLY,
    )
    yellow_days = models.PositiveSmallIntegerField(
        _("yellow light from (working days before the deadline)"), default=10
    )
    source_text = models.TextField(_("source text"), blank=True)
    attachments_named = models.JSONField(_("attachments named"), default=list, blank=True)

    history = HistoricalRecords(excluded_fields=["source_text"])

    class Meta:
        ordering = ["-issued_on", "title"]
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("plans:plan_detail", self.pk)


class PlanSection(models.Model):
    """A heading of the plan: 一、 parts, (一) mechanisms, the safeguards; nested by `parent`."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="sections", verbose_name=_("work plan")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent section"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SectionKind.choices)
    number = models.CharField(_("number"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("plan section")
        verbose_name_plural = _("plan sections")

    def __str__(self):
        return f"{self.number} {self.title}".strip()


class PlanTask(BaseModel):
    """A numbered task of the plan (1. 实施专利质量提升行动 …) and its division of work.

    Units reach a task through `TaskUnit` (lead or cooperating), so the data scope crosses a
    many-valued relation (`scope_org_many`).
    """

    scope_org_field = "units__organization"
    scope_org_many = True

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("work plan")
    )
    section = models.ForeignKey(
        PlanSection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("section"),
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    milestones = models.TextField(_("milestones"), blank=True)
    expected_outputs = models.TextField(_("expected outputs"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=TaskStatus.choices,
        default=TaskStatus.NOT_STARTED,
        db_index=True,
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    budget_note = models.CharField(_("funding note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_task_number"),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def get_absolute_url(self):
        return object_url("plans:task_detail", self.pk)


class TaskUnit(models.Model):
    """A unit responsible for a task, as lead (牵头) or cooperating (配合) unit.

    `name_as_written` keeps the text of the plan or the division table; `organization` is set
    once the name is matched (exactly, by short name, or fuzzily after a person confirms).
    """

    task = models.ForeignKey(
        PlanTask, on_delete=models.CASCADE, related_name="units", verbose_name=_("task")
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_task_units",
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role"), max_length=8, choices=UnitRole.choices)
    name_as_written = models.CharField(_("name as written"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["task", "role", "order"]
        verbose_name = _("task unit")
        verbose_name_plural = _("task units")
        indexes = [models.Index(fields=["organization", "role"])]

    def __str__(self):
        return str(self.organization or self.name_as_written)


class KPI(BaseModel):
    """A key performance indicator of a task: baseline, target, unit and period. Either reported
    by hand (`actual`) or bound to a computed indicator (`indicator_code`) that fills it."""

    scope_org_field = "task__units__organization"
    scope_org_many = True

    task = models.ForeignKey(
        PlanTask, on_delete=models.CASCADE, related_name="kpis", verbose_name=_("task")
    )
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    baseline = models.DecimalField(
        _("baseline"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    target = models.DecimalField(
        _("target"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    period = models.CharField(_("period"), max_length=40, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    indicator_code = models.CharField(_("bound indicator"), max_length=64, blank=True)
    actual = models.DecimalField(
        _("actual"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    actual_updated_at = models.DateTimeField(_("actual updated at"), null=True, blank=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["task", "name"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")

    def __str__(self):
        return self.name

    @property
    def completion(self):
        """Share of the way from baseline to target, capped to [0, 1]; None when undefined."""
        if self.actual is None or self.target is None:
            return None
        base = self.baseline or 0
        span = self.target - base
        if span == 0:
            return 1 if self.actual >= self.target else 0
        ratio = (self.actual - base) / span
        return max(0, min(1, ratio))
