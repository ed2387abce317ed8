"""API shapes for plans, tasks, progress reports and KPIs."""

from __future__ import annotations

from datetime import date, datetime

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.core.api.params import MAX_ID

from .choices import Light, PlanStatus, ReportFrequency, ReportStatus, TaskStatus, UnitRole

FigureValue = str | int | float


class Ref(Schema):
    id: int
    name: str


class PlanRef(Schema):
    id: int
    title: str


class SectionRef(Schema):
    id: int
    number: str
    title: str


class TaskRef(Schema):
    id: int
    number: int
    title: str
    plan_id: int


class PlanOut(Schema):
    id: int
    title: str
    doc_number: str
    issuer: str
    issued_on: date | None
    target_year: int | None
    status: PlanStatus
    report_frequency: ReportFrequency
    yellow_days: int = Field(description="Working days before a deadline that turn it yellow.")
    created_at: datetime
    updated_at: datetime


class PlanFilters(PageParams):
    status: list[PlanStatus] | None = None
    year: int | None = Field(default=None, ge=1900, le=2200, description="Target year.")


class PlanPage(Page[PlanOut]):
    pass


class TaskUnitOut(Schema):
    id: int
    role: UnitRole
    organization: Ref | None
    name_as_written: str


class TaskOut(Schema):
    id: int
    plan: PlanRef
    section: SectionRef | None
    number: int
    title: str
    text: str
    deadline: date | None
    milestones: str
    expected_outputs: str
    status: TaskStatus
    completed_on: date | None
    light: Light = Field(
        description="done, red (overdue), yellow (deadline within the plan's yellow_days "
        "working days) or green, as of today."
    )
    units: list[TaskUnitOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_units(obj):
        return list(obj.units.all())

    @staticmethod
    def resolve_light(obj):
        light = getattr(obj, "light", None)
        if light is None:
            from .supervision import task_light

            light = task_light(obj)
        return light


class TaskFilters(PageParams):
    q: str | None = Field(default=None, max_length=100, description="Number or words of the title.")
    plan: int | None = Field(default=None, ge=1, le=MAX_ID)
    section: int | None = Field(default=None, ge=1, le=MAX_ID)
    status: list[TaskStatus] | None = None
    light: Light | None = None
    unit: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Organization id of a lead or cooperating unit."
    )
    role: UnitRole | None = Field(default=None, description="With `unit`: only as lead or co.")


class TaskPage(Page[TaskOut]):
    pass


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    url: str

    @staticmethod
    def resolve_url(obj):
        return reverse("plans:report_attachment_download", args=[obj.pk])


class ReportOut(Schema):
    id: int
    task: TaskRef
    organization: Ref
    period: str
    period_end: date | None
    text: str
    figures: dict[str, FigureValue]
    status: ReportStatus
    submitted_at: datetime | None
    submitted_by: str | None
    reviewed_at: datetime | None
    reviewed_by: str | None
    review_comment: str
    attachments: list[AttachmentOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_submitted_by(obj):
        return obj.submitted_by.username if obj.submitted_by_id else None

    @staticmethod
    def resolve_reviewed_by(obj):
        return obj.reviewed_by.username if obj.reviewed_by_id else None

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())

    @staticmethod
    def resolve_figures(obj):
        return {
            str(k): v if isinstance(v, str | int | float) else str(v)
            for k, v in (obj.figures or {}).items()
        }


class ReportIn(Schema):
    task: int = Field(ge=1, le=MAX_ID, description="The task reported on.")
    organization: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="The reporting unit; may be left out when the caller reports for one unit.",
    )
    period: str | None = Field(
        default=None,
        max_length=20,
        description="For example 2024-Q2 (quarterly), 2024-05 (monthly), 2024-H1, 2024; "
        "default: the current period of the plan's frequency.",
    )
    text: str = Field(min_length=1, max_length=20000)
    figures: dict[str, FigureValue] = Field(default_factory=dict, max_length=50)


class ReviewIn(Schema):
    comment: str = Field(default="", max_length=4000)


class ReportFilters(PageParams):
    plan: int | None = Field(default=None, ge=1, le=MAX_ID)
    task: int | None = Field(default=None, ge=1, le=MAX_ID)
    organization: int | None = Field(default=None, ge=1, le=MAX_ID)
    status: list[ReportStatus] | None = None
    period: str | None = Field(default=None, max_length=20, description="Period prefix.")


class ReportPage(Page[ReportOut]):
    pass


class KPIOut(Schema):
    id: int
    task: TaskRef
    name: str
    unit: str
    baseline: float | None
    target: float | None
    period: str
    year: int | None
    higher_is_better: bool
    indicator_code: str = Field(description="Bound indicator; empty for a KPI reported by hand.")
    actual: float | None
    actual_updated_at: datetime | None
    completion: float | None = Field(description="Share of the way from baseline to target, 0-1.")
    note: str = Field(description="Why a bound KPI has no actual value yet.")

    @staticmethod
    def resolve_completion(obj):
        value = obj.completion
        return None if value is None else float(value)

    @staticmethod
    def resolve_note(obj):
        from .kpis import binding_note

        return binding_note(obj)


class KPIPatch(Schema):
    """The office may change every field; a unit only enters `actual` of a KPI by hand."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    unit: str | None = Field(default=None, max_length=40)
    baseline: float | None = None
    target: float | None = None
    period: str | None = Field(default=None, max_length=40)
    year: int | None = Field(default=None, ge=1900, le=2200)
    higher_is_better: bool | None = None
    indicator_code: str | None = Field(default=None, max_length=64)
    actual: float | None = None


class KPIFilters(PageParams):
    plan: int | None = Field(default=None, ge=1, le=MAX_ID)
    task: int | None = Field(default=None, ge=1, le=MAX_ID)
    bound: bool | None = Field(default=None, description="Bound to an indicator.")
    year: int | None = Field(default=None, ge=1900, le=2200)


class KPIPage(Page[KPIOut]):
    pass
