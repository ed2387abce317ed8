from .assessment import AssessmentItem, AssessmentScheme, ItemScore, UnitAssessment
from .budget import BudgetLine, Expenditure
from .conference import Meeting, MeetingAttachment, Resolution
from .draft import DraftKind, PlanDraft
from .plan import KPI, Plan, PlanSection, PlanTask, TaskUnit
from .progress import ProgressReport, ReportAttachment

__all__ = [
    "KPI",
    "AssessmentItem",
    "AssessmentScheme",
    "BudgetLine",
    "DraftKind",
    "Expenditure",
    "ItemScore",
    "Meeting",
    "MeetingAttachment",
    "Plan",
    "PlanDraft",
    "PlanSection",
    "PlanTask",
    "ProgressReport",
    "ReportAttachment",
    "Resolution",
    "TaskUnit",
    "UnitAssessment",
]
