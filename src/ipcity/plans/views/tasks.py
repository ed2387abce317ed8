"""Task pages: a plan's overview by mechanism, task detail with its division of work, KPIs,
reports and history, a unit's "my tasks", and supervision (escalation list, circular)."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu
from ipcity.core.scope import has_perm
from ipcity.core.views.generic import history_rows, paginate

from .. import actions, kpis, supervision
from ..choices import Light, SectionKind, TaskStatus, UnitRole
from ..forms import TaskDivisionForm, TaskUnitForm
from ..models import KPI, Plan, PlanTask, ProgressReport, TaskUnit
from ..tables import REPORT_BADGE

UNITS_PREFETCH = Prefetch(
    "units", queryset=TaskUnit.objects.select_related("organization").order_by("role", "order")
)


def task_queryset(user, action: str = "view"):
    return (
        PlanTask.objects.restrict(user, action)
        .select_related("plan", "section")
        .prefetch_related(UNITS_PREFETCH)
    )


def get_task(request, pk, action: str = "view") -> PlanTask:
    """The task in the user's view scope (else 404), then in the `action` scope (else 403)."""
    task = get_object_or_404(task_queryset(request.user), pk=pk)
    if (
        action != "view"
        and not PlanTask.objects.restrict(request.user, action).filter(pk=task.pk).exists()
    ):
        raise PermissionDenied
    return task


def _split_units(task) -> None:
    units = list(task.units.all())
    task.lead_units = [u for u in units if u.role == UnitRole.LEAD]
    task.co_units = [u for u in units if u.role == UnitRole.CO]


def _light_summary(tasks) -> list[dict]:
    counts = Counter(task.light for task in tasks)
    return [
        {
            "key": light.value,
            "label": light.label,
            "count": counts.get(light.value, 0),
            "badge": supervision.BADGE_CLASS[light],
        }
        for light in (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE)
    ]


@login_required
def overview(request, pk):
    """A plan's tasks grouped by mechanism, each with its status, units and light."""
    if not has_perm(request.user, PlanTask, "view"):
        raise PermissionDenied
    plan = get_object_or_404(Plan.objects.restrict(request.user, "view"), pk=pk)
    tasks = supervision.annotate_lights(
        task_queryset(request.user).filter(plan=plan).order_by("number")
    )
    for task in tasks:
        _split_units(task)
    summary = _light_summary(tasks)
    wanted = request.GET.get("light", "")
    if wanted in Light.values:
        tasks = [t for t in tasks if t.light == wanted]
    groups: dict = {}
    for task in tasks:
        groups.setdefault(task.section_id, {"section": task.section, "tasks": []})
        groups[task.section_id]["tasks"].append(task)
    sections = [
        s
        for s in plan.sections.order_by("order")
        if s.kind == SectionKind.MECHANISM or s.pk in groups
    ]
    ordered = [groups.pop(s.pk, {"section": s, "tasks": []}) for s in sections]
    ordered += list(groups.values())  # tasks outside any listed section, e.g. not yet sorted
    return render(
        request,
        "plans/overview.html",
        {
            "plan": plan,
            "groups": ordered,
            "summary": summary,
            "light": wanted,
            "task_count": len(tasks),
            "can_escalate": has_perm(request.user, PlanTask, "view"),
        },
    )


def _task_tabs(task, active: str) -> list[dict]:
    from django.urls import reverse

    return [
        {"key": "detail", "label": _("Details"), "url": task.get_absolute_url()},
        {
            "key": "history",
            "label": _("History"),
            "url": reverse("plans:task_history", args=[task.pk]),
        },
    ]


def _task_context(request, task) -> dict:
    user = request.user
    task.light = supervision.task_light(task)
    task.light_badge = supervision.BADGE_CLASS[task.light]
    task.light_label = Light(task.light).label
    _split_units(task)
    kpi_rows = []
    for kpi in KPI.objects.restrict(user, "view").filter(task=task).order_by("name"):
        kpi_rows.append(
            {
                "kpi": kpi,
                "percent": kpis.completion_percent(kpi),
                "note": kpis.binding_note(kpi),
            }
        )
    reports = list(
        ProgressReport.objects.restrict(user, "view")
        .filter(task=task)
        .select_related("organization")
        .order_by("-period", "organization__name")[:50]
    )
    for report in reports:
        report.badge = REPORT_BADGE.get(report.status, "")
    can_edit = PlanTask.objects.restrict(user, "change").filter(pk=task.pk).exists()
    return {
        "task": task,
        "object": task,
        "plan": task.plan,
        "tabs": _task_tabs(task, "detail"),
        "kpi_rows": kpi_rows,
        "reports": reports,
        "can_edit": can_edit,
        "can_add_kpi": has_perm(user, KPI, "add"),
        "can_change_kpi": has_perm(user, KPI, "change"),
        "can_report": actions.reporting_units(user, task).exists(),
        "unit_form": TaskUnitForm(user=user, prefix="unit") if can_edit else None,
    }


@login_required
def task_detail(request, pk):
    task = get_task(request, pk)
    context = _task_context(request, task)
    context["active_tab"] = "detail"
    return render(request, "plans/task_detail.html", context)


@login_required
def task_history(request, pk):
    """Changes to the task, its units and its KPIs, newest first."""
    task = get_task(request, pk)
    task_records = list(task.history.select_related("history_user")[:200])
    unit_records = list(
        TaskUnit.history.filter(task_id=task.pk).select_related("history_user")[:200]
    )
    kpi_records = list(KPI.history.filter(task_id=task.pk).select_related("history_user")[:200])
    records = sorted(
        task_records + unit_records + kpi_records,
        key=lambda r: (r.history_date, r.history_id),
        reverse=True,
    )
    page = paginate(request, records, per_page=25)
    return render(
        request,
        "plans/task_history.html",
        {
            "task": task,
            "object": task,
            "plan": task.plan,
            "tabs": _task_tabs(task, "history"),
            "active_tab": "history",
            "page": page,
            "rows": history_rows(page.object_list, with_object=True),
        },
    )


@login_required
def task_edit(request, pk):
    task = get_task(request, pk, "change")
    form = TaskDivisionForm(request.POST or None, instance=task)
    if request.method == "POST":
        try:
            actions.update_task(request.user, task, form)
        except ValidationError:
            messages.error(request, _("Please correct the errors below."))
        else:
            messages.success(request, _("Task saved."))
            return redirect(task)
    return render(
        request,
        "plans/task_form.html",
        {"task": task, "object": task, "form": form, "plan": task.plan},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def task_unit_add(request, pk):
    task = get_task(request, pk, "change")
    form = TaskUnitForm(request.POST, user=request.user, prefix="unit")
    if not form.is_valid():
        messages.error(request, _("Choose an organization and its role."))
        return redirect(task)
    try:
        actions.add_task_unit(
            request.user, task, form.cleaned_data["organization"], form.cleaned_data["role"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Unit assigned."))
    return redirect(task)


@login_required
@require_POST
def task_unit_remove(request, pk):
    unit = get_object_or_404(TaskUnit.objects.select_related("task"), pk=pk)
    task = get_task(request, unit.task_id, "change")
    actions.remove_task_unit(request.user, unit)
    messages.success(request, _("Unit “%(unit)s” removed from the task.") % {"unit": unit})
    return redirect(task)


@login_required
def kpi_add(request, pk):
    task = get_task(request, pk)
    if not has_perm(request.user, KPI, "add"):
        raise PermissionDenied
    from ..forms import KPIForm

    form = KPIForm(request.POST or None, initial={"year": task.plan.target_year})
    if request.method == "POST":
        try:
            actions.create_kpi(request.user, task, form)
        except ValidationError:
            messages.error(request, _("Please correct the errors below."))
        else:
            messages.success(request, _("KPI added."))
            return redirect(task)
    return render(
        request,
        "plans/task_kpi_form.html",
        {"task": task, "form": form, "is_new": True},
        status=400 if form.errors else 200,
    )


@login_required
def kpi_edit(request, pk):
    kpi = get_object_or_404(
        KPI.objects.restrict(request.user, "view").select_related("task__plan"), pk=pk
    )
    if not KPI.objects.restrict(request.user, "change").filter(pk=kpi.pk).exists():
        raise PermissionDenied
    form_class = actions.kpi_form_class(request.user, kpi)
    form = form_class(request.POST or None, instance=kpi)
    if request.method == "POST":
        try:
            actions.update_kpi(request.user, kpi, form)
        except ValidationError as exc:
            if not form.errors:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            messages.error(request, _("Please correct the errors below."))
        else:
            messages.success(request, _("KPI saved."))
            return redirect(kpi.task)
    return render(
        request,
        "plans/task_kpi_form.html",
        {
            "task": kpi.task,
            "kpi": kpi,
            "form": form,
            "is_new": False,
            "note": kpis.binding_note(kpi),
        },
        status=400 if form.errors else 200,
    )


@login_required
def my_tasks(request):
    """Tasks where the user's organization or one below it is a lead or cooperating unit,
    open ones due soonest first."""
    user = request.user
    if not has_perm(user, PlanTask, "view"):
        raise PermissionDenied
    org = user.organization
    show_all = request.GET.get("all") == "1"
    tasks = []
    if org is not None:
        mine = TaskUnit.objects.filter(organization__path__startswith=org.path)
        queryset = task_queryset(user).filter(pk__in=mine.values("task_id"))
        if not show_all:
            queryset = queryset.exclude(status=TaskStatus.COMPLETED)
        queryset = queryset.order_by(F("deadline").asc(nulls_last=True), "plan_id", "number")[:200]
        tasks = supervision.annotate_lights(queryset)
        for task in tasks:
            _split_units(task)
            task.my_roles = sorted(
                {
                    u.get_role_display()
                    for u in task.units.all()
                    if u.organization is not None and u.organization.path.startswith(org.path)
                }
            )
    return render(
        request,
        "plans/my_tasks.html",
        {
            "tasks": tasks,
            "organization": org,
            "show_all": show_all,
            "summary": _light_summary(tasks),
        },
    )


def _escalation_plan(request):
    plan_id = request.GET.get("plan", "")
    if plan_id.isdigit():
        return Plan.objects.restrict(request.user, "view").filter(pk=int(plan_id)).first()
    return None


@login_required
def escalation(request):
    """Overdue tasks and resolutions, most overdue first, with the units answerable for them."""
    if not has_perm(request.user, PlanTask, "view"):
        raise PermissionDenied
    plan = _escalation_plan(request)
    items = supervision.overdue_items(request.user, plan=plan)
    return render(
        request,
        "plans/overview_escalation.html",
        {
            "items": items,
            "plan": plan,
            "plans": Plan.objects.restrict(request.user, "view").order_by("-issued_on")[:50],
            "today": supervision.today(),
        },
    )


@login_required
def circular(request):
    """The circular (通报) of overdue items as a Word document in official layout."""
    if not has_perm(request.user, PlanTask, "view"):
        raise PermissionDenied
    from ipcity.core.documents import DOCX_CONTENT_TYPE

    plan = _escalation_plan(request)
    on = supervision.today()
    items = supervision.overdue_items(request.user, on=on, plan=plan)
    document = supervision.circular_document(
        items, on, plan=plan, doc_number=request.GET.get("doc_number", "")[:60]
    )
    response = HttpResponse(document.to_bytes(), content_type=DOCX_CONTENT_TYPE)
    filename = f"circular-{on.isoformat()}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


menu.register(
    "plan", gettext_lazy("My tasks"), "plans:my_tasks", "plans.view_plantask", 20, "list-check"
)
menu.register(
    "plan",
    gettext_lazy("Overdue and escalation"),
    "plans:escalation",
    "plans.view_plantask",
    40,
    "exclamation-octagon",
)

urlpatterns = [
    path("<int:pk>/overview/", overview, name="overview"),
    path("tasks/mine/", my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/", task_detail, name="task_detail"),
    path("tasks/<int:pk>/history/", task_history, name="task_history"),
    path("tasks/<int:pk>/edit/", task_edit, name="task_edit"),
    path("tasks/<int:pk>/units/add/", task_unit_add, name="task_unit_add"),
    path("task-units/<int:pk>/remove/", task_unit_remove, name="task_unit_remove"),
    path("tasks/<int:pk>/kpis/add/", kpi_add, name="kpi_add"),
    path("kpis/<int:pk>/edit/", kpi_edit, name="kpi_edit"),
    path("escalation/", escalation, name="escalation"),
    path("escalation/circular.docx", circular, name="circular"),
]
