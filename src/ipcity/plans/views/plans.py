"""Plan pages: the list, importing a plan from its document (upload or paste → preview and
correct → save), the plan's header and structure with its unmatched units, and the division of
work table (import with a preview, export in the same layout).

Drafts live in `PlanDraft` rows, private to the person who uploaded them, so the preview needs
no session and can be reopened later.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu
from ipcity.core.scope import has_perm
from ipcity.core.views.generic import paginate
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization

from .. import actions_import as actions
from ..choices import SectionKind, UnitRole
from ..division import DivisionError, DivisionFormat, write_division
from ..models import DraftKind, Plan, PlanDraft, PlanSection, PlanTask, TaskUnit
from ..parsing import ParseError

DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
MAX_ORG_CHOICES = 500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe_url(name: str, *args) -> str:
    """Pages of other areas may not exist yet in every deployment; a missing one hides a link."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _can_divide(user) -> bool:
    return (
        has_perm(user, PlanTask, "change")
        and has_perm(user, TaskUnit, "add")
        and has_perm(user, TaskUnit, "delete")
    )


def _plan(request, pk) -> Plan:
    return get_object_or_404(Plan.objects.restrict(request.user, "view"), pk=pk)


def _read_upload(upload, limit: int = DOCUMENT_MAX_BYTES) -> bytes:
    if upload.size > limit:
        raise forms.ValidationError(
            _("The file is %(size)s; at most %(max)s can be uploaded.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(limit)}
        )
    return upload.read()


# -- list ---------------------------------------------------------------------------------------


@login_required
def plan_list(request):
    if not has_perm(request.user, Plan, "view"):
        raise PermissionDenied
    plans = (
        Plan.objects.restrict(request.user, "view")
        .annotate(task_count=Count("tasks"))
        .order_by("-issued_on", "title")
    )
    can_add = has_perm(request.user, Plan, "add")
    drafts = (
        PlanDraft.objects.restrict(request.user)
        .filter(kind=DraftKind.PLAN, saved_at__isnull=True)
        .only("id", "source_name", "created_at")[:10]
        if can_add
        else []
    )
    return render(
        request,
        "plans/plan_list.html",
        {"page": paginate(request, plans), "can_add": can_add, "drafts": drafts},
    )


# -- import: upload or paste --------------------------------------------------------------------


class PlanUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Plan document (.docx or .txt)"), required=False)
    text = forms.CharField(
        label=gettext_lazy("…or paste its text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=500_000,
    )

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Upload the plan (.docx or .txt) or paste its text."))
        return data


@login_required
def plan_import(request):
    if not has_perm(request.user, Plan, "add"):
        raise PermissionDenied
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            try:
                data = _read_upload(upload) if upload else None
                draft = actions.create_plan_draft(
                    request.user,
                    data=data,
                    name=upload.name if upload else "",
                    text=form.cleaned_data.get("text", ""),
                )
            except (ParseError, forms.ValidationError) as exc:
                form.add_error(None, exc.messages[0] if hasattr(exc, "messages") else str(exc))
            else:
                return redirect("plans:plan_draft", pk=draft.pk)
        status = 400
    return render(
        request,
        "plans/plan_import.html",
        {"form": form, "max_bytes": DOCUMENT_MAX_BYTES},
        status=status,
    )


# -- import: preview, correct, save -------------------------------------------------------------


def _draft(request, pk, kind) -> PlanDraft:
    draft = get_object_or_404(PlanDraft.objects.restrict(request.user).filter(kind=kind), pk=pk)
    return draft


def _flat_sections(sections, depth=0):
    for section in sections:
        yield {**section, "depth": depth}
        yield from _flat_sections(section.get("children", []), depth + 1)


def _unit_rows(units: dict) -> list[dict]:
    rows = []
    for index, (name, match) in enumerate(units.items()):
        options = [
            {"id": c["id"], "label": f"{c['name']} ({c['score']:.0%})"} for c in match["candidates"]
        ]
        selected = match.get("organization") if match["status"] != "fuzzy" else None
        if selected and all(o["id"] != selected for o in options):
            options.insert(0, {"id": selected, "label": match.get("organization_name") or selected})
        rows.append(
            {
                "index": index,
                "name": name,
                "status": match["status"],
                "options": options,
                "selected": selected,
            }
        )
    return rows


def _plan_corrections(post) -> dict:
    corrections = {f: post.get(f, "") for f in ("title", "doc_number", "issuer", "date")}
    corrections["sections"] = {
        key[len("section-") : -len("-title")]: value
        for key, value in post.items()
        if key.startswith("section-") and key.endswith("-title")
    }
    tasks: dict[str, dict] = {}
    for key, value in post.items():
        if key.startswith("task-"):
            _prefix, number, field = key.split("-", 2)
            names = {"title": "title", "section": "section_key", "lead": "lead_units"}
            names.update({"co": "co_units", "deadline": "deadline"})
            if field in names:
                tasks.setdefault(number, {})[names[field]] = value
    corrections["tasks"] = tasks
    corrections["units"] = _unit_choices(post)
    return corrections


def _unit_choices(post) -> dict:
    choices = {}
    for key, name in post.items():
        if key.startswith("unit-") and key.endswith("-name"):
            index = key[len("unit-") : -len("-name")]
            choices[name] = post.get(f"unit-{index}-org", "")
    return choices


@login_required
def plan_draft(request, pk):
    draft = _draft(request, pk, DraftKind.PLAN)
    if not has_perm(request.user, Plan, "add"):
        raise PermissionDenied
    if draft.saved_at and draft.plan_id:
        return redirect(draft.plan)
    errors = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "update")
        if action == "discard":
            draft.delete()
            messages.info(request, _("The draft was discarded; nothing was saved."))
            return redirect("plans:plan_list")
        corrections = _plan_corrections(request.POST)
        try:
            if action == "save":
                plan = actions.save_plan_draft(request.user, draft, corrections)
                messages.success(
                    request,
                    _("Plan “%(title)s” saved with %(n)d tasks.")
                    % {"title": plan.title, "n": plan.tasks.count()},
                )
                return redirect(plan)
            actions.update_plan_draft(request.user, draft, corrections)
            messages.info(request, _("Corrections kept. Nothing is saved until you save the plan."))
            return redirect("plans:plan_draft", pk=draft.pk)
        except ValidationError as exc:
            errors = exc.messages
            status = 400
            draft.refresh_from_db()
            draft.data = actions.apply_corrections(draft.data, corrections, request.user)
    data = draft.data
    sections = list(_flat_sections(data["sections"]))
    context = {
        "draft": draft,
        "data": data,
        "sections": sections,
        "task_sections": [s for s in sections if s["kind"] != "safeguard"],
        "tasks": data["tasks"],
        "units": _unit_rows(data.get("units", {})),
        "errors": errors,
    }
    return render(request, "plans/plan_draft.html", context, status=status)


# -- the plan's page ----------------------------------------------------------------------------


def _structure(plan: Plan, tasks: list[PlanTask]) -> tuple[list[dict], list[dict], list[PlanTask]]:
    """(sections as a tree with their tasks, preamble sections, tasks outside any section)."""
    sections = list(PlanSection.objects.filter(plan=plan).order_by("order"))
    by_section: dict[int, list[PlanTask]] = {}
    loose = []
    for task in tasks:
        if task.section_id:
            by_section.setdefault(task.section_id, []).append(task)
        else:
            loose.append(task)
    nodes = {
        s.pk: {"section": s, "children": [], "tasks": by_section.get(s.pk, [])} for s in sections
    }
    roots, preamble = [], []
    for s in sections:
        if s.kind == SectionKind.PREAMBLE:
            preamble.append(s)
        elif s.parent_id and s.parent_id in nodes:
            nodes[s.parent_id]["children"].append(nodes[s.pk])
        else:
            roots.append(nodes[s.pk])
    return roots, preamble, loose


@login_required
def plan_detail(request, pk):
    plan = _plan(request, pk)
    user = request.user
    tasks = list(
        PlanTask.objects.restrict(user, "view")
        .filter(plan=plan)
        .prefetch_related(
            Prefetch(
                "units",
                queryset=TaskUnit.objects.select_related("organization").order_by("role", "order"),
            )
        )
        .order_by("number")
    )
    for task in tasks:
        task.lead_units = [u for u in task.units.all() if u.role == UnitRole.LEAD]
        task.co_units = [u for u in task.units.all() if u.role == UnitRole.CO]
        task.url = _safe_url("plans:task_detail", task.pk)
    roots, preamble, loose = _structure(plan, tasks)
    can_divide = _can_divide(user)
    unmatched = actions.unmatched_units(user, plan) if can_divide else []
    org_choices = []
    if unmatched:
        org_choices = list(
            Organization.objects.restrict(user, "view")
            .filter(is_active=True)
            .exclude(kind=OrganizationKind.ENTERPRISE)
            .order_by("name")
            .values_list("pk", "name")[:MAX_ORG_CHOICES]
        )
    context = {
        "plan": plan,
        "roots": roots,
        "preamble": preamble,
        "loose": loose,
        "task_count": len(tasks),
        "unmatched": unmatched,
        "org_choices": org_choices,
        "can_divide": can_divide,
        "can_add_org": has_perm(user, Organization, "add"),
        "overview_url": _safe_url("plans:overview", plan.pk),
    }
    return render(request, "plans/plan_detail.html", context)


@login_required
@require_POST
def plan_unit_resolve(request, pk):
    plan = _plan(request, pk)
    if not _can_divide(request.user):
        raise PermissionDenied
    name = request.POST.get("name", "").strip()
    try:
        if request.POST.get("action") == "create":
            org = actions.create_unit_organization(request.user, plan, name)
            messages.success(
                request, _("Organization “%(name)s” created and assigned.") % {"name": org.name}
            )
        else:
            org = get_object_or_404(
                Organization.objects.restrict(request.user, "view"),
                pk=request.POST.get("organization")
                if request.POST.get("organization", "").isdigit()
                else 0,
            )
            count = actions.assign_unit(request.user, plan, name, org)
            messages.success(
                request,
                _("“%(name)s” is now %(org)s on %(n)d task(s).")
                % {"name": name, "org": org.name, "n": count},
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(plan)


# -- the division of work -----------------------------------------------------------------------


class DivisionUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Division table (xlsx, xls or csv)"))


@login_required
def division_import(request, pk):
    plan = _plan(request, pk)
    if not _can_divide(request.user):
        raise PermissionDenied
    form = DivisionUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                data = _read_upload(upload, settings.IPCITY_UPLOAD_MAX_BYTES)
                draft = actions.create_division_draft(request.user, plan, data, upload.name)
            except (DivisionError, forms.ValidationError) as exc:
                form.add_error("file", exc.messages[0] if hasattr(exc, "messages") else str(exc))
            else:
                return redirect("plans:division_draft", pk=draft.pk)
        status = 400
    return render(
        request,
        "plans/division_import.html",
        {"plan": plan, "form": form, "fmt": DivisionFormat()},
        status=status,
    )


@login_required
def division_draft(request, pk):
    draft = _draft(request, pk, DraftKind.DIVISION)
    plan = _plan(request, draft.plan_id)
    if not _can_divide(request.user):
        raise PermissionDenied
    if draft.saved_at:
        messages.info(request, _("This table has already been applied."))
        return redirect(plan)
    if request.method == "POST":
        if request.POST.get("action") == "discard":
            draft.delete()
            messages.info(request, _("The table was discarded; nothing was changed."))
            return redirect(plan)
        corrections = {
            "rows": {
                key[len("row-") : -len("-task")]: value
                for key, value in request.POST.items()
                if key.startswith("row-") and key.endswith("-task")
            },
            "units": _unit_choices(request.POST),
        }
        summary = actions.apply_division(request.user, draft, corrections)
        messages.success(
            request,
            _("Division of work applied to %(tasks)d tasks (%(units)d units).")
            % {"tasks": summary["tasks"], "units": summary["units"]},
        )
        if summary["unmatched"]:
            messages.warning(
                request,
                _("Not matched to any organization, kept as written: %(names)s")
                % {"names": "、".join(summary["unmatched"])},
            )
        return redirect(plan)
    tasks = list(
        PlanTask.objects.restrict(request.user, "change").filter(plan=plan).order_by("number")
    )
    units = draft.data.get("units", {})
    rows = []
    for row in draft.data["rows"]:
        rows.append(
            {
                **row,
                "lead": [(n, units.get(n, {}).get("status", "none")) for n in row["lead_units"]],
                "co": [(n, units.get(n, {}).get("status", "none")) for n in row["co_units"]],
            }
        )
    context = {
        "plan": plan,
        "draft": draft,
        "rows": rows,
        "tasks": tasks,
        "units": _unit_rows(units),
        "unknown": [name for name, m in units.items() if m["status"] == "none"],
        "warnings": draft.data.get("warnings", []),
    }
    return render(request, "plans/division_draft.html", context)


@login_required
def division_export(request, pk):
    plan = _plan(request, pk)
    if not has_perm(request.user, PlanTask, "view"):
        raise PermissionDenied
    tasks = (
        PlanTask.objects.restrict(request.user, "view")
        .filter(plan=plan)
        .prefetch_related(
            Prefetch("units", queryset=TaskUnit.objects.select_related("organization"))
        )
        .order_by("number")
    )
    response = HttpResponse(write_division(tasks), content_type=XLSX_TYPE)
    filename = f"division-{plan.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


menu.register(
    "plan", gettext_lazy("Work plans"), "plans:plan_list", "plans.view_plan", 10, "journal-richtext"
)
menu.register(
    "plan",
    gettext_lazy("Import a plan"),
    "plans:plan_import",
    "plans.add_plan",
    90,
    "file-earmark-arrow-up",
)

urlpatterns = [
    path("", plan_list, name="plan_list"),
    path("import/", plan_import, name="plan_import"),
    path("drafts/<uuid:pk>/", plan_draft, name="plan_draft"),
    path("<int:pk>/", plan_detail, name="plan_detail"),
    path("<int:pk>/units/", plan_unit_resolve, name="plan_unit_resolve"),
    path("<int:pk>/division/import/", division_import, name="division_import"),
    path("<int:pk>/division/export/", division_export, name="division_export"),
    path("division/<uuid:pk>/", division_draft, name="division_draft"),
]
