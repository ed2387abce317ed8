"""State changes for tasks, their units and KPIs, and progress reports.

Shared by the pages and the API. Each function checks the user's permission and data scope,
runs in one transaction and leaves a history record naming the user. Field problems raise
`ValidationError`; a missing permission raises `PermissionDenied`; a row the user cannot see
should never reach these functions (callers fetch through `restrict`, which gives 404).
"""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from ipcity.core.scope import ScopeChoices, grants_for, has_perm, perm_name
from ipcity.orgs.models import Organization

from . import kpis
from .choices import ReportFrequency, ReportStatus, TaskStatus, UnitRole
from .models import KPI, PlanTask, ProgressReport, ReportAttachment, TaskUnit

ATTACHMENT_MAX_BYTES = settings.IPCITY_ATTACHMENT_MAX_BYTES
ATTACHMENT_EXTENSIONS = {
    ".pdf",
    ".ofd",
    ".doc",
    ".docx",
    ".wps",
    ".xls",
    ".xlsx",
    ".et",
    ".csv",
    ".ppt",
    ".pptx",
    ".txt",
    ".jpg",
    ".jpeg",
    ".png",
    ".zip",
    ".rar",
    ".7z",
}
MAX_ATTACHMENTS = 20


# --- scope helpers ------------------------------------------------------------------------


def orgs_q(user, model, action: str) -> Q | None:
    """The organizations through which `user` may `action` rows of `model` (None: none)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    grants = grants_for(user, perm_name(model, action))
    if not grants:
        return None
    if any(g.scope == ScopeChoices.DISTRICT for g in grants):
        return Q()
    q = Q(pk__in=[])
    for grant in grants:
        if grant.org_id is None:
            continue
        if grant.scope == ScopeChoices.SUBTREE:
            q |= Q(path__startswith=grant.org_path)
        else:
            q |= Q(pk=grant.org_id)
    return q


def is_office(user) -> bool:
    """The office edits the division of work; units only report on it."""
    return has_perm(user, PlanTask, "change")


def _can(user, model, obj, action: str) -> bool:
    return model.objects.restrict(user, action).filter(pk=obj.pk).exists()


def _require(user, model, obj, action: str, message: str) -> None:
    if not _can(user, model, obj, action):
        raise PermissionDenied(message)


def _stamp(obj, user) -> None:
    obj._history_user = user


# --- periods ------------------------------------------------------------------------------


def period_for(day: date, frequency: str) -> tuple[str, date]:
    """The period containing `day` and its last day: 2024-05, 2024-Q2, 2024-H1 or 2024."""
    year = day.year
    if frequency == ReportFrequency.MONTHLY:
        return f"{year}-{day.month:02d}", date(year, day.month, _month_end(year, day.month))
    if frequency == ReportFrequency.HALF_YEARLY:
        half = 1 if day.month <= 6 else 2
        end_month = 6 * half
        return f"{year}-H{half}", date(year, end_month, _month_end(year, end_month))
    if frequency == ReportFrequency.YEARLY:
        return str(year), date(year, 12, 31)
    quarter = (day.month - 1) // 3 + 1
    end_month = quarter * 3
    return f"{year}-Q{quarter}", date(year, end_month, _month_end(year, end_month))


def _month_end(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def recent_periods(frequency: str, on: date | None = None, count: int = 4) -> list[tuple]:
    """The current period first, then the ones before it (for the report form's choices)."""
    day = on or timezone.localdate()
    periods: list[tuple] = []
    for _i in range(count):
        label, end = period_for(day, frequency)
        periods.append((label, end))
        # The day before this period starts lies in the previous one.
        while period_for(day, frequency)[0] == label:
            day = date.fromordinal(day.toordinal() - 1)
    return periods


def period_end(label: str, frequency: str) -> date | None:
    """The last day of a period label such as 2024-Q2; None when the label does not parse."""
    try:
        if frequency == ReportFrequency.MONTHLY:
            year, month = (int(p) for p in label.split("-"))
            return date(year, month, _month_end(year, month))
        if frequency == ReportFrequency.HALF_YEARLY:
            year, half = label.split("-H")
            return period_for(date(int(year), 6 * int(half), 1), frequency)[1]
        if frequency == ReportFrequency.YEARLY:
            return date(int(label), 12, 31)
        year, quarter = label.split("-Q")
        return period_for(date(int(year), 3 * int(quarter), 1), frequency)[1]
    except (ValueError, TypeError):
        return None


# --- tasks and their units ----------------------------------------------------------------


def update_task(user, task: PlanTask, form) -> PlanTask:
    """Save the division fields of `task` from a valid TaskDivisionForm."""
    _require(user, PlanTask, task, "change", _("Only the office edits the division of work."))
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    with transaction.atomic():
        task = form.save(commit=False)
        if task.status != TaskStatus.COMPLETED:
            task.completed_on = None
        _stamp(task, user)
        task.save()
    return task


def add_task_unit(user, task: PlanTask, organization: Organization, role: str) -> TaskUnit:
    _require(user, PlanTask, task, "change", _("Only the office assigns units to tasks."))
    if role not in UnitRole.values:
        raise ValidationError({"role": [_("Choose lead or cooperating.")]})
    with transaction.atomic():
        if task.units.filter(organization=organization).exists():
            raise ValidationError(
                {"organization": [_("This unit is already assigned to the task.")]}
            )
        order = task.units.filter(role=role).count()
        unit = TaskUnit(
            task=task,
            organization=organization,
            role=role,
            name_as_written=organization.short_name or organization.name,
            order=order,
        )
        _stamp(unit, user)
        unit.save()
        _stamp(task, user)
        task.save(update_fields=["updated_at"])
    return unit


def remove_task_unit(user, unit: TaskUnit) -> None:
    _require(user, PlanTask, unit.task, "change", _("Only the office assigns units to tasks."))
    with transaction.atomic():
        _stamp(unit, user)
        unit.delete()


# --- KPIs ---------------------------------------------------------------------------------


def create_kpi(user, task: PlanTask, form) -> KPI:
    if not has_perm(user, KPI, "add") or not _can(user, PlanTask, task, "view"):
        raise PermissionDenied(_("You may not add KPIs to this task."))
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    with transaction.atomic():
        kpi = form.save(commit=False)
        kpi.task = task
        if kpi.actual is not None:
            kpi.actual_updated_at = timezone.now()
        _stamp(kpi, user)
        kpi.save()
        kpis.refresh_kpi(kpi)
        _require(user, KPI, kpi, "add", _("You may not add KPIs to this task."))
    return kpi


def update_kpi(user, kpi: KPI, form) -> KPI:
    """Units change the actual of KPIs reported by hand; the office changes everything."""
    _require(user, KPI, kpi, "change", _("You may not change this KPI."))
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    if "indicator_code" not in form.fields and kpi.indicator_code:
        raise ValidationError(
            {"actual": [_("This KPI follows a computed indicator; its actual is not entered.")]}
        )
    with transaction.atomic():
        before = KPI.objects.filter(pk=kpi.pk).values_list("actual", flat=True).first()
        kpi = form.save(commit=False)
        if kpi.actual != before:
            kpi.actual_updated_at = timezone.now()
        _stamp(kpi, user)
        kpi.save()
        kpis.refresh_kpi(kpi)
    return kpi


def kpi_form_class(user, kpi: KPI | None = None):
    """The office edits a KPI whole; a unit only enters the actual."""
    from .forms import KPIActualForm, KPIForm

    if has_perm(user, KPI, "add"):
        return KPIForm
    return KPIActualForm


# --- progress reports ---------------------------------------------------------------------


def reporting_units(user, task: PlanTask):
    """The units of `task` on whose behalf `user` may open a report."""
    q = orgs_q(user, ProgressReport, "add")
    if q is None:
        return Organization.objects.none()
    return (
        Organization.objects.filter(q)
        .filter(pk__in=task.units.exclude(organization=None).values("organization"))
        .order_by("name")
    )


def create_report(user, task: PlanTask, data: dict) -> ProgressReport:
    """Open a draft report; `data` holds organization (an Organization), period, text, figures."""
    if not has_perm(user, ProgressReport, "add"):
        raise PermissionDenied(_("You may not write progress reports."))
    if not _can(user, PlanTask, task, "view"):
        raise PermissionDenied(_("You may not report on this task."))
    organization = data.get("organization")
    allowed = reporting_units(user, task)
    if organization is None:
        if allowed.count() != 1:
            raise ValidationError(
                {"organization": [_("Choose the unit this report is written for.")]}
            )
        organization = allowed.get()
    elif not allowed.filter(pk=organization.pk).exists():
        raise ValidationError(
            {
                "organization": [
                    _("Only a lead or cooperating unit of the task within your scope can report.")
                ]
            }
        )
    period = (data.get("period") or "").strip()
    if not period:
        period = period_for(timezone.localdate(), task.plan.report_frequency)[0]
    end = period_end(period, task.plan.report_frequency)
    if end is None:
        raise ValidationError(
            {
                "period": [
                    _("Write the period like %(example)s.")
                    % {"example": period_for(timezone.localdate(), task.plan.report_frequency)[0]}
                ]
            }
        )
    text = (data.get("text") or "").strip()
    if not text:
        raise ValidationError({"text": [_("Describe the progress.")]})
    report = ProgressReport(
        task=task,
        organization=organization,
        period=period,
        period_end=end,
        text=text,
        figures=data.get("figures") or {},
    )
    _stamp(report, user)
    try:
        with transaction.atomic():
            report.save()
            _require(user, ProgressReport, report, "add", _("You may not report for this unit."))
    except IntegrityError:
        raise ValidationError(
            {"period": [_("This unit already reported on this task for %(p)s.") % {"p": period}]}
        ) from None
    return report


def _editable(report: ProgressReport) -> None:
    if report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        raise ValidationError(
            {"status": [_("A submitted or accepted report can no longer be changed.")]}
        )


def update_report(user, report: ProgressReport, data: dict) -> ProgressReport:
    _require(user, ProgressReport, report, "change", _("You may not change this report."))
    _editable(report)
    if "text" in data:
        text = (data.get("text") or "").strip()
        if not text:
            raise ValidationError({"text": [_("Describe the progress.")]})
        report.text = text
    if "figures" in data and data["figures"] is not None:
        report.figures = data["figures"]
    with transaction.atomic():
        _stamp(report, user)
        report.save()
    return report


def _transition(user, report: ProgressReport, method: str, message: str) -> None:
    bound = getattr(report, method)
    if not can_proceed(bound):
        raise ValidationError({"status": [message]})
    bound()


def submit_report(user, report: ProgressReport) -> ProgressReport:
    _require(user, ProgressReport, report, "change", _("You may not submit this report."))
    with transaction.atomic():
        report = ProgressReport.objects.select_for_update().get(pk=report.pk)
        _transition(user, report, "submit", _("Only a draft or returned report can be submitted."))
        report.submitted_at = timezone.now()
        report.submitted_by = user
        _stamp(report, user)
        report.save()
    _notify_reviewers(report)
    return report


def can_review(user, report: ProgressReport) -> bool:
    """The office, or a user of a lead unit of the task reviewing another unit's report."""
    if not _can(user, ProgressReport, report, "change"):
        return False
    if is_office(user):
        return True
    org = getattr(user, "organization", None)
    if org is None or report.organization_id == org.pk:
        return False
    return report.task.units.filter(
        role=UnitRole.LEAD, organization__path__startswith=org.path
    ).exists()


def _review(user, report, method, comment, message) -> ProgressReport:
    if not can_review(user, report):
        raise PermissionDenied(
            _("Only the office or the task's lead unit accepts or returns reports.")
        )
    with transaction.atomic():
        report = ProgressReport.objects.select_for_update().get(pk=report.pk)
        _transition(user, report, method, message)
        report.reviewed_at = timezone.now()
        report.reviewed_by = user
        report.review_comment = (comment or "").strip()
        _stamp(report, user)
        report.save()
    return report


def accept_report(user, report: ProgressReport, comment: str = "") -> ProgressReport:
    report = _review(user, report, "accept", comment, _("Only a submitted report can be accepted."))
    _notify_reporter(report, _("Report accepted: %(report)s"))
    return report


def return_report(user, report: ProgressReport, comment: str = "") -> ProgressReport:
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say what should be revised.")]})
    report = _review(
        user,
        report,
        "return_for_revision",
        comment,
        _("Only a submitted report can be returned."),
    )
    _notify_reporter(report, _("Report returned for revision: %(report)s"))
    return report


def _notify_reporter(report, title_template) -> None:
    if report.submitted_by_id is None:
        return
    from ipcity.core.notifications import notify

    transaction.on_commit(
        lambda: notify(
            report.submitted_by,
            title_template % {"report": report},
            report.review_comment,
            report.get_absolute_url(),
        )
    )


def _notify_reviewers(report) -> None:
    """Tell the users of the task's lead units (other than the reporting unit) about a report."""
    from ipcity.accounts.models import User
    from ipcity.core.notifications import notify

    lead_orgs = report.task.units.filter(role=UnitRole.LEAD).exclude(
        organization=report.organization_id
    )
    users = User.objects.filter(
        is_active=True, organization__in=lead_orgs.values("organization")
    ).exclude(pk=report.submitted_by_id)
    title = _("Progress report submitted: %(report)s") % {"report": report}
    link = report.get_absolute_url()
    recipients = list(users[:50])
    transaction.on_commit(lambda: [notify(u, title, "", link) for u in recipients])


# --- attachments --------------------------------------------------------------------------


def validate_upload(upload) -> str:
    """The rules for every file attached to a plan record; returns the file's base name."""
    name = Path(upload.name or "").name[:200]
    if Path(name).suffix.lower() not in ATTACHMENT_EXTENSIONS:
        raise ValidationError(
            {"file": [_("This kind of file is not accepted: %(name)s") % {"name": name}]}
        )
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": [
                    _("The file is larger than %(mb)s MB.")
                    % {"mb": ATTACHMENT_MAX_BYTES // (1024 * 1024)}
                ]
            }
        )
    return name


def add_attachment(user, report: ProgressReport, upload) -> ReportAttachment:
    _require(user, ProgressReport, report, "change", _("You may not change this report."))
    _editable(report)
    name = validate_upload(upload)
    if report.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(
            {"file": [_("A report holds at most %(n)s files.") % {"n": MAX_ATTACHMENTS}]}
        )
    with transaction.atomic():
        attachment = ReportAttachment(report=report, name=name, size=upload.size)
        attachment.file.save(name, upload, save=False)
        attachment.save()
        _stamp(report, user)
        report.save(update_fields=["updated_at"])
    return attachment


def remove_attachment(user, attachment: ReportAttachment) -> None:
    report = attachment.report
    _require(user, ProgressReport, report, "change", _("You may not change this report."))
    _editable(report)
    with transaction.atomic():
        storage, path = attachment.file.storage, attachment.file.name
        attachment.delete()
        transaction.on_commit(lambda: storage.delete(path))
