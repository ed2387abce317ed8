"""Plans over HTTP: plans, tasks (with lights), progress reports and their review, KPIs.

Reads go through `restrict(user, "view")`, so a row outside the caller's scope is a 404; changes
go through `plans.actions`, which answer 403 for what the caller sees but may not change and
422 for a transition the report's state does not allow.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.orgs.models import Organization

from . import actions, supervision
from .filters import KPIFilterSet, PlanTaskFilterSet, ProgressReportFilterSet
from .models import KPI, Plan, PlanTask, ProgressReport, TaskUnit
from .schemas import (
    KPIFilters,
    KPIOut,
    KPIPage,
    KPIPatch,
    PlanFilters,
    PlanOut,
    PlanPage,
    ReportFilters,
    ReportIn,
    ReportOut,
    ReportPage,
    ReviewIn,
    TaskFilters,
    TaskOut,
    TaskPage,
)

router = Router(tags=["plans"])


# --- plans --------------------------------------------------------------------------------


@router.get(
    "/plans/",
    response=_responses(200, PlanPage),
    summary="List work plans",
    operation_id="plans_plan_list",
)
def plan_list(request, filters: Query[PlanFilters]):
    queryset = Plan.objects.restrict(request.auth, "view").defer("source_text")
    if filters.status:
        queryset = queryset.filter(status__in=[s.value for s in filters.status])
    if filters.year:
        queryset = queryset.filter(target_year=filters.year)
    return paginate(queryset.order_by("-issued_on", "pk"), filters.limit, filters.offset)


@router.get(
    "/plans/{int:plan_id}/",
    response=_responses(200, PlanOut),
    summary="Get a work plan",
    operation_id="plans_plan_detail",
)
def plan_detail(request, plan_id: ObjectId):
    return get_object_or_404(Plan.objects.restrict(request.auth, "view"), pk=plan_id)


# --- tasks --------------------------------------------------------------------------------


def _tasks(request):
    return (
        PlanTask.objects.restrict(request.auth, "view")
        .select_related("plan", "section")
        .prefetch_related(
            Prefetch("units", queryset=TaskUnit.objects.select_related("organization"))
        )
    )


@router.get(
    "/tasks/",
    response=_responses(200, TaskPage),
    summary="List plan tasks",
    description="Filter by plan, section, status, light (as of today) and unit "
    "(organization id of a lead or cooperating unit).",
    operation_id="plans_task_list",
)
def task_list(request, filters: Query[TaskFilters]):
    queryset = apply_filterset(PlanTaskFilterSet, filters, _tasks(request), request.auth).order_by(
        "plan_id", "number", "pk"
    )
    page = paginate(queryset, filters.limit, filters.offset)
    page["results"] = supervision.annotate_lights(page["results"])
    return page


@router.get(
    "/tasks/{int:task_id}/",
    response=_responses(200, TaskOut),
    summary="Get a plan task with its units and light",
    operation_id="plans_task_detail",
)
def task_detail(request, task_id: ObjectId):
    return get_object_or_404(_tasks(request), pk=task_id)


# --- progress reports ---------------------------------------------------------------------


def _reports(request):
    return (
        ProgressReport.objects.restrict(request.auth, "view")
        .select_related("task", "organization", "submitted_by", "reviewed_by")
        .prefetch_related("attachments")
    )


def _report(request, report_id) -> ProgressReport:
    return get_object_or_404(_reports(request), pk=report_id)


@router.get(
    "/reports/",
    response=_responses(200, ReportPage),
    summary="List progress reports",
    operation_id="plans_report_list",
)
def report_list(request, filters: Query[ReportFilters]):
    queryset = apply_filterset(
        ProgressReportFilterSet, filters, _reports(request), request.auth
    ).order_by("-period", "task_id", "pk")
    return paginate(queryset, filters.limit, filters.offset)


@router.get(
    "/reports/{int:report_id}/",
    response=_responses(200, ReportOut),
    summary="Get a progress report",
    operation_id="plans_report_detail",
)
def report_detail(request, report_id: ObjectId):
    return _report(request, report_id)


def _check_figures(figures: dict) -> dict:
    problems = [
        _("Figure names are 1 to 100 characters and values at most 200.")
        for key, value in figures.items()
        if not key.strip() or len(key) > 100 or (isinstance(value, str) and len(value) > 200)
    ]
    if problems:
        raise ValidationError({"figures": problems[:1]})
    return {key.strip(): value for key, value in figures.items()}


@router.post(
    "/reports/",
    response=_responses(201, ReportOut),
    summary="Open a progress report (a draft)",
    description="The caller must belong to a lead or cooperating unit of the task (or one "
    "above it). `period` defaults to the current period of the plan's reporting frequency.",
    operation_id="plans_report_create",
)
def report_create(request, payload: ReportIn):
    task = get_object_or_404(
        PlanTask.objects.restrict(request.auth, "view").select_related("plan"), pk=payload.task
    )
    organization = None
    if payload.organization is not None:
        organization = (
            Organization.objects.restrict(request.auth, "view")
            .filter(pk=payload.organization)
            .first()
        )
        if organization is None:
            raise ValidationError({"organization": [_("No such organization.")]})
    report = actions.create_report(
        request.auth,
        task,
        {
            "organization": organization,
            "period": payload.period,
            "text": payload.text,
            "figures": _check_figures(payload.figures),
        },
    )
    return Status(201, _report(request, report.pk))


def _transition(request, report_id, func, *args):
    report = _report(request, report_id)
    func(request.auth, report, *args)
    return _report(request, report_id)


@router.post(
    "/reports/{int:report_id}/submit/",
    response=_responses(200, ReportOut),
    summary="Submit a draft or returned report",
    operation_id="plans_report_submit",
)
def report_submit(request, report_id: ObjectId):
    return _transition(request, report_id, actions.submit_report)


@router.post(
    "/reports/{int:report_id}/accept/",
    response=_responses(200, ReportOut),
    summary="Accept a submitted report (the office or the task's lead unit)",
    operation_id="plans_report_accept",
)
def report_accept(request, report_id: ObjectId, payload: ReviewIn):
    return _transition(request, report_id, actions.accept_report, payload.comment)


@router.post(
    "/reports/{int:report_id}/return/",
    response=_responses(200, ReportOut),
    summary="Return a submitted report for revision, with a comment",
    operation_id="plans_report_return",
)
def report_return(request, report_id: ObjectId, payload: ReviewIn):
    return _transition(request, report_id, actions.return_report, payload.comment)


# --- KPIs ---------------------------------------------------------------------------------


def _kpis(request, action="view"):
    return KPI.objects.restrict(request.auth, action).select_related("task__plan")


@router.get(
    "/kpis/",
    response=_responses(200, KPIPage),
    summary="List KPIs",
    operation_id="plans_kpi_list",
)
def kpi_list(request, filters: Query[KPIFilters]):
    queryset = apply_filterset(KPIFilterSet, filters, _kpis(request), request.auth).order_by(
        "task_id", "name", "pk"
    )
    return paginate(queryset, filters.limit, filters.offset)


@router.get(
    "/kpis/{int:kpi_id}/",
    response=_responses(200, KPIOut),
    summary="Get a KPI",
    operation_id="plans_kpi_detail",
)
def kpi_detail(request, kpi_id: ObjectId):
    return get_object_or_404(_kpis(request), pk=kpi_id)


@router.patch(
    "/kpis/{int:kpi_id}/",
    response=_responses(200, KPIOut),
    summary="Change a KPI",
    description="Only the fields sent are changed. Units enter `actual` of KPIs reported by "
    "hand; the office may change every field. A bound KPI's actual follows its indicator.",
    operation_id="plans_kpi_update",
)
def kpi_update(request, kpi_id: ObjectId, payload: KPIPatch):
    kpi = get_object_or_404(_kpis(request), pk=kpi_id)
    form_class = actions.kpi_form_class(request.auth, kpi)
    sent = payload.dict(exclude_unset=True)
    if set(sent) - set(form_class._meta.fields):
        raise PermissionDenied(_("You may only enter the actual value of this KPI."))
    values = model_to_dict(kpi, fields=form_class._meta.fields)
    values.update(sent)
    data = {k: ("" if v is None else v) for k, v in values.items()}
    if "higher_is_better" in data and data["higher_is_better"] in ("", False):
        data.pop("higher_is_better")
    form = form_class(data=data, instance=kpi)
    actions.update_kpi(request.auth, kpi, form)
    return get_object_or_404(_kpis(request), pk=kpi_id)
