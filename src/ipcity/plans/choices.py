from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("In force")
    CLOSED = "closed", _("Closed")


class SectionKind(models.TextChoices):
    PREAMBLE = "preamble", _("Preamble")
    PART = "part", _("Part (一、)")
    MECHANISM = "mechanism", _("Mechanism ((一))")
    SAFEGUARD = "safeguard", _("Safeguard")
    OTHER = "other", _("Other")


class UnitRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")
    CO = "co", _("Cooperating unit")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned for revision")


class ReportFrequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")


class Light(models.TextChoices):
    GREEN = "green", _("On track")
    YELLOW = "yellow", _("Deadline near")
    RED = "red", _("Overdue")
    DONE = "done", _("Completed")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    SUSPENDED = "suspended", _("Suspended")


class ItemMethod(models.TextChoices):
    AUTO_KPI = "auto_kpi", _("Automatic from KPI completion")
    MANUAL = "manual", _("Scored by the office")
    BONUS = "bonus", _("Bonus points")
    VETO = "veto", _("Veto item")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Self-assessment in progress")
    SELF_SUBMITTED = "self_submitted", _("Self-assessment submitted")
    REVIEWED = "reviewed", _("Reviewed by the office")
    FINAL = "final", _("Final")
