"""Annual assessment (年度考核) pages: schemes and their items, unit assessments through
self-assessment → office review → final → ranking, and the Excel and Word exports.

Units see only their own assessment (data scope), the office sees and changes all, leaders read.
The arithmetic is in `plans.assessment`, the state changes in `plans.actions_assessment`.
"""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from ipcity.core import menu
from ipcity.core.documents import DOCX_CONTENT_TYPE, OfficialDocument
from ipcity.core.exports import escape_formula
from ipcity.core.scope import has_perm
from ipcity.orgs.models import Organization

from .. import actions_assessment as actions
from .. import assessment as engine
from ..choices import AssessmentStatus, ItemMethod
from ..models import AssessmentItem, AssessmentScheme, Plan, TaskUnit, UnitAssessment
from .conference import member_units

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SchemeForm(forms.ModelForm):
    class Meta:
        model = AssessmentScheme
        fields = ["year", "name", "plan", "base_points", "bonus_cap", "is_published"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.restrict(user, "view")


class ItemForm(forms.ModelForm):
    class Meta:
        model = AssessmentItem
        fields = ["name", "method", "max_points", "weight", "task", "description", "order"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "weight": gettext_lazy("Used when no maximum is set: share of the base points."),
            "task": gettext_lazy(
                "Automatic items: the task whose KPIs count; empty = all the unit's tasks."
            ),
        }

    def __init__(self, *args, scheme=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from ..models import PlanTask

        tasks = PlanTask.objects.restrict(user, "view").select_related("plan")
        if scheme is not None and scheme.plan_id:
            tasks = tasks.filter(plan_id=scheme.plan_id)
        self.fields["task"].queryset = tasks

    def clean(self):
        data = super().clean()
        if (data.get("max_points") or 0) < 0 or (data.get("weight") or 0) < 0:
            raise forms.ValidationError(_("Points and weights cannot be negative."))
        return data


class CopyForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("New year"), min_value=2000, max_value=2100)


def _office_or_403(user, scheme) -> None:
    if not actions.is_office(user, scheme):
        raise PermissionDenied


def _scheme(request, pk) -> AssessmentScheme:
    return get_object_or_404(
        AssessmentScheme.objects.restrict(request.user, "view").select_related("plan"), pk=pk
    )


def _unit_rows(user, scheme):
    """The unit assessments of a scheme the user may see, in rank order, with item scores."""
    return (
        UnitAssessment.objects.restrict(user, "view")
        .filter(scheme=scheme)
        .select_related("organization", "scheme")
        .prefetch_related("scores__item")
        .order_by("rank", "organization__name")
    )


# --- schemes ------------------------------------------------------------------------------


@login_required
def scheme_list(request):
    if not has_perm(request.user, AssessmentScheme, "view"):
        raise PermissionDenied
    schemes = (
        AssessmentScheme.objects.restrict(request.user, "view")
        .select_related("plan")
        .annotate(item_count=Count("items", distinct=True))
        .order_by("-year")
    )
    return render(
        request,
        "plans/scheme_list.html",
        {"schemes": schemes[:100], "can_add": has_perm(request.user, AssessmentScheme, "add")},
    )


@login_required
def scheme_detail(request, pk):
    scheme = _scheme(request, pk)
    user = request.user
    items = list(scheme.items.select_related("task"))
    for item in items:
        item.points = engine.item_max(item, scheme)
    return render(
        request,
        "plans/scheme_detail.html",
        {
            "object": scheme,
            "items": items,
            "assessments": _unit_rows(user, scheme),
            "is_office": actions.is_office(user, scheme),
            "copy_form": CopyForm(initial={"year": scheme.year + 1}),
        },
    )


@login_required
def scheme_edit(request, pk=None):
    user = request.user
    if pk is None:
        if not has_perm(user, AssessmentScheme, "add"):
            raise PermissionDenied
        scheme = AssessmentScheme(year=timezone.localdate().year)
    else:
        scheme = _scheme(request, pk)
        _office_or_403(user, scheme)
    form = SchemeForm(request.POST or None, instance=scheme, user=user)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj._history_user = user
        obj.save()
        messages.success(request, _("Scheme saved."))
        return redirect(obj)
    return render(
        request,
        "plans/scheme_form.html",
        {"form": form, "object": scheme if scheme.pk else None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def scheme_copy(request, pk):
    source = _scheme(request, pk)
    _office_or_403(request.user, source)
    form = CopyForm(request.POST)
    if form.is_valid():
        try:
            new = actions.copy_scheme(request.user, source, form.cleaned_data["year"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Scheme copied to %(year)s.") % {"year": new.year})
            return redirect(new)
    else:
        messages.error(request, _("Enter a year between 2000 and 2100."))
    return redirect(source)


@login_required
def scheme_item_edit(request, pk, item_pk=None):
    scheme = _scheme(request, pk)
    _office_or_403(request.user, scheme)
    item = (
        get_object_or_404(scheme.items, pk=item_pk)
        if item_pk
        else AssessmentItem(scheme=scheme, order=scheme.items.count() + 1)
    )
    form = ItemForm(request.POST or None, instance=item, scheme=scheme, user=request.user)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.scheme = scheme
        obj._history_user = request.user
        obj.save()
        messages.success(request, _("Item saved."))
        return redirect(scheme)
    return render(
        request,
        "plans/scheme_item_form.html",
        {"form": form, "scheme": scheme, "object": item if item.pk else None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def scheme_item_delete(request, pk, item_pk):
    scheme = _scheme(request, pk)
    _office_or_403(request.user, scheme)
    item = get_object_or_404(scheme.items, pk=item_pk)
    if item.scores.exclude(self_score=None, review_score=None, veto_triggered=False).exists():
        messages.error(request, _("This item already has scores and cannot be removed."))
        return redirect(scheme)
    item._history_user = request.user
    item.delete()
    messages.success(request, _("Item removed."))
    return redirect(scheme)


@login_required
def scheme_open(request, pk):
    """Choose the units to assess; by default the units assigned to the plan's tasks."""
    scheme = _scheme(request, pk)
    _office_or_403(request.user, scheme)
    units = member_units(request.user)
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("units") if v.isdigit()]
        orgs = Organization.objects.restrict(request.user, "view").filter(pk__in=ids)
        created = actions.open_assessments(request.user, scheme, orgs)
        messages.success(request, _("%(n)s assessments opened.") % {"n": created})
        return redirect(scheme)
    assigned = TaskUnit.objects.filter(organization__isnull=False)
    if scheme.plan_id:
        assigned = assigned.filter(task__plan_id=scheme.plan_id)
    preselected = set(assigned.values_list("organization_id", flat=True))
    already = set(scheme.unit_assessments.values_list("organization_id", flat=True))
    return render(
        request,
        "plans/scheme_open.html",
        {"object": scheme, "units": units, "preselected": preselected, "already": already},
    )


# --- exports ------------------------------------------------------------------------------


def _score_table(user, scheme):
    """Headers and rows (rank, unit, each item's effective score, bonus, total, vetoed)."""
    items = list(scheme.items.all())
    headers = [_("Rank"), _("Unit")] + [i.name for i in items] + [_("Total"), _("Vetoed")]
    rows = []
    for ua in _unit_rows(user, scheme):
        by_item = {s.item_id: s for s in ua.scores.all()}
        cells = []
        for item in items:
            score = by_item.get(item.pk)
            if score is None:
                cells.append(None)
            elif item.method == ItemMethod.VETO:
                cells.append(_("Triggered") if score.veto_triggered else "")
            else:
                value = engine.effective_score(
                    score.review_score, score.self_score, engine.item_max(item, scheme)
                )
                cells.append(value)
        rows.append(
            {
                "assessment": ua,
                "cells": cells,
                "rank": ua.rank,
                "unit": ua.organization.name,
                "total": ua.total,
                "vetoed": ua.vetoed,
            }
        )
    return headers, rows


@login_required
def scheme_export(request, pk):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    scheme = _scheme(request, pk)
    headers, rows = _score_table(request.user, scheme)
    wb = Workbook()
    ws = wb.active
    ws.title = str(scheme.year)
    ws.append([escape_formula(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = [row["rank"], escape_formula(row["unit"])]
        values += [
            float(c) if c is not None and not isinstance(c, str) else c for c in row["cells"]
        ]
        values += [
            float(row["total"]) if row["total"] is not None else None,
            _("Yes") if row["vetoed"] else "",
        ]
        ws.append(values)
    ws.column_dimensions["B"].width = 36
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="assessment-{scheme.year}.xlsx"'
    return response


def _fmt(value) -> str:
    return "" if value is None else (value if isinstance(value, str) else f"{value:.2f}")


@login_required
def scheme_report(request, pk):
    """The year's results as an official document: the ranking, then each unit's scores."""
    scheme = _scheme(request, pk)
    headers, rows = _score_table(request.user, scheme)
    doc_number = request.GET.get("doc_number", "").strip()[:100] or None
    doc = OfficialDocument(
        _("Report on the results of the %(year)s annual IP work assessment")
        % {"year": scheme.year},
        doc_number=doc_number,
    )
    final = [r for r in rows if r["assessment"].status == AssessmentStatus.FINAL]
    doc.paragraph(
        ngettext(
            "According to the assessment scheme “%(name)s”, %(n)s unit was assessed; "
            "the results are as follows.",
            "According to the assessment scheme “%(name)s”, %(n)s units were assessed; "
            "the results are as follows.",
            len(final),
        )
        % {"name": scheme.name, "n": len(final)}
    )
    doc.heading(_("1. Ranking"), level=1)
    doc.table(
        [_("Rank"), _("Unit"), _("Total"), _("Note")],
        [
            [r["rank"] or "", r["unit"], _fmt(r["total"]), _("Vetoed") if r["vetoed"] else ""]
            for r in final
        ],
    )
    doc.heading(_("2. Scores by unit"), level=1)
    item_headers = headers[2:-2]
    for r in final:
        doc.heading(r["unit"], level=2)
        doc.table(
            [_("Item"), _("Score")],
            [[name, _fmt(value)] for name, value in zip(item_headers, r["cells"], strict=True)]
            + [[_("Total"), _fmt(r["total"])]],
        )
    issuer = (
        scheme.plan.issuer
        if scheme.plan and scheme.plan.issuer
        else (request.user.organization.name if request.user.organization else "")
    )
    doc.signature(issuer, timezone.localdate())
    response = HttpResponse(doc.to_bytes(), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="assessment-{scheme.year}.docx"'
    return response


# --- unit assessments ---------------------------------------------------------------------


@login_required
def assessment_list(request):
    if not has_perm(request.user, UnitAssessment, "view"):
        raise PermissionDenied
    qs = (
        UnitAssessment.objects.restrict(request.user, "view")
        .select_related("organization", "scheme")
        .order_by("-scheme__year", "rank", "organization__name")
    )
    return render(request, "plans/assessment_list.html", {"assessments": qs[:200]})


def _assessment(request, pk) -> UnitAssessment:
    return get_object_or_404(
        UnitAssessment.objects.restrict(request.user, "view").select_related(
            "organization", "scheme"
        ),
        pk=pk,
    )


def _score_rows(ua):
    rows = []
    for score in ua.scores.select_related("item__task").order_by("item__order", "item_id"):
        maximum = engine.item_max(score.item, ua.scheme)
        rows.append(
            {
                "score": score,
                "item": score.item,
                "maximum": maximum,
                "effective": engine.effective_score(score.review_score, score.self_score, maximum),
            }
        )
    return rows


@login_required
def assessment_detail(request, pk, status=200, errors=None):
    ua = _assessment(request, pk)
    user = request.user
    is_office = actions.is_office(user, ua.scheme)
    return render(
        request,
        "plans/assessment_detail.html",
        {
            "object": ua,
            "rows": _score_rows(ua),
            "can_self": actions.can_self_assess(user, ua),
            "can_review": is_office
            and ua.status in (AssessmentStatus.SELF_SUBMITTED, AssessmentStatus.REVIEWED),
            "is_office": is_office,
            "errors": errors or [],
            "statuses": AssessmentStatus,
        },
        status=status,
    )


def _entries(post, fields) -> dict:
    entries = {}
    for key in post:
        if key.startswith("score_") or key.startswith("veto_"):
            item_id = key.split("_", 1)[1]
            if item_id.isdigit():
                entries.setdefault(int(item_id), {})
    for item_id, entry in entries.items():
        for name in fields:
            entry[name] = post.get(f"{name}_{item_id}", "")
        entry["veto"] = post.get(f"veto_{item_id}") == "1"
    return entries


@login_required
@require_POST
def assessment_self(request, pk):
    ua = _assessment(request, pk)
    if not actions.can_self_assess(request.user, ua):
        raise PermissionDenied
    try:
        actions.save_self_assessment(
            request.user,
            ua,
            _entries(request.POST, ("score", "evidence")),
            request.POST.get("self_comment", ""),
        )
        if request.POST.get("submit") == "1":
            actions.submit_self_assessment(request.user, ua)
            messages.success(request, _("Self-assessment submitted to the office."))
        else:
            messages.success(request, _("Self-assessment saved."))
    except ValidationError as exc:
        return assessment_detail(request, pk, status=400, errors=exc.messages)
    return redirect("plans:assessment_detail", pk=ua.pk)


@login_required
@require_POST
def assessment_review(request, pk):
    ua = _assessment(request, pk)
    _office_or_403(request.user, ua.scheme)
    try:
        actions.save_review(
            request.user,
            ua,
            _entries(request.POST, ("score", "note")),
            request.POST.get("review_comment", ""),
        )
    except ValidationError as exc:
        return assessment_detail(request, pk, status=400, errors=exc.messages)
    messages.success(request, _("Review saved."))
    return redirect("plans:assessment_detail", pk=ua.pk)


@login_required
@require_POST
def assessment_transition(request, pk, name):
    ua = _assessment(request, pk)
    _office_or_403(request.user, ua.scheme)
    try:
        actions.transition(request.user, ua, name)
    except ValidationError as exc:
        # A stale page (a second click, another officer first) asks for a step already taken.
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Status: %(s)s.") % {"s": ua.get_status_display()})
    return redirect("plans:assessment_detail", pk=ua.pk)


urlpatterns = [
    path("assessment/schemes/", scheme_list, name="scheme_list"),
    path("assessment/schemes/new/", scheme_edit, name="scheme_create"),
    path("assessment/schemes/<int:pk>/", scheme_detail, name="scheme_detail"),
    path("assessment/schemes/<int:pk>/edit/", scheme_edit, name="scheme_edit"),
    path("assessment/schemes/<int:pk>/copy/", scheme_copy, name="scheme_copy"),
    path("assessment/schemes/<int:pk>/open/", scheme_open, name="scheme_open"),
    path("assessment/schemes/<int:pk>/items/new/", scheme_item_edit, name="scheme_item_create"),
    path(
        "assessment/schemes/<int:pk>/items/<int:item_pk>/",
        scheme_item_edit,
        name="scheme_item_edit",
    ),
    path(
        "assessment/schemes/<int:pk>/items/<int:item_pk>/delete/",
        scheme_item_delete,
        name="scheme_item_delete",
    ),
    path("assessment/schemes/<int:pk>/export.xlsx", scheme_export, name="scheme_export"),
    path("assessment/schemes/<int:pk>/report.docx", scheme_report, name="scheme_report"),
    path("assessment/", assessment_list, name="assessment_list"),
    path("assessment/<int:pk>/", assessment_detail, name="assessment_detail"),
    path("assessment/<int:pk>/self/", assessment_self, name="assessment_self"),
    path("assessment/<int:pk>/review/", assessment_review, name="assessment_review"),
    path(
        "assessment/<int:pk>/step/<str:name>/",
        assessment_transition,
        name="assessment_transition",
    ),
]

menu.register(
    "plan",
    gettext_lazy("Assessment schemes"),
    "plans:scheme_list",
    "plans.view_assessmentscheme",
    60,
)
menu.register(
    "plan",
    gettext_lazy("Annual assessment"),
    "plans:assessment_list",
    "plans.view_unitassessment",
    61,
)
