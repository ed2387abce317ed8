"""Enterprise cultivation pages (task 5): designations, the criteria, the cultivation pool (list,
pipeline, candidate finder, entry pages), support records and enterprise facts.

Every page reads through `restrict(user, action)`; every change goes through
`utilization.pool`, the functions the API and the imports call too.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu
from ipcity.core.jobs import job_url
from ipcity.core.scope import has_perm
from ipcity.core.templatetags.ipcity import field_rows
from ipcity.core.views import generic

from .. import criteria, pool
from ..choices import PoolStage
from ..exports.cultivation import (
    DESIGNATION_EXPORT,
    FACTS_EXPORT,
    POOL_EXPORT,
    SUPPORT_EXPORT,
)
from ..filters.cultivation import (
    CultivationCriterionFilterSet,
    DesignationFilterSet,
    EnterpriseFactsFilterSet,
    PoolEntryFilterSet,
    SupportRecordFilterSet,
)
from ..forms.cultivation import (
    CandidateFinderForm,
    CultivationCriterionForm,
    DesignationForm,
    EnterpriseFactsForm,
    MoveStageForm,
    PoolEntryEditForm,
    PoolEntryForm,
    SupportRecordForm,
)
from ..imports import cultivation as _imports  # noqa: F401  (registers the import formats)
from ..models import (
    CultivationCriterion,
    Designation,
    EnterpriseFacts,
    PoolEntry,
    SupportRecord,
)
from ..tables.cultivation import (
    CultivationCriterionTable,
    DesignationTable,
    EnterpriseFactsTable,
    PoolEntryTable,
    SupportRecordTable,
)

T = "utilization/cultivation/"
DETAIL_TEMPLATE = T + "detail.html"
RELATED_LIMIT = 20
PIPELINE_LIMIT = 200


def _import_url(key: str):
    return reverse_lazy("core:import_upload", args=[key])


class CultivationEditView(generic.ObjectEditView):
    """Create or edit through `utilization.pool`, the rules the API and imports share."""

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def save(self, form):
        return pool.save_form(self.request.user, form)


def _support_for(user, organization_id):
    """The support records of one enterprise that the user may see (the latest first)."""
    records = (
        SupportRecord.objects.restrict(user, "view")
        .filter(organization_id=organization_id)
        .select_related("provider")
        .order_by("-date", "-pk")
    )
    return {
        "support_records": list(records[:RELATED_LIMIT]),
        "support_url": reverse("utilization:supportrecord_list")
        + f"?organization={organization_id}",
        "can_add_support": has_perm(user, SupportRecord, "add"),
    }


# -- designations --------------------------------------------------------------------------------

DESIGNATIONS = Designation.objects.select_related("organization", "organization__region")


class DesignationListView(generic.ObjectListView):
    queryset = DESIGNATIONS
    filterset_class = DesignationFilterSet
    table_class = DesignationTable
    export_spec = DESIGNATION_EXPORT
    import_url = _import_url("utilization.designation")


class DesignationDetailView(generic.ObjectDetailView):
    queryset = DESIGNATIONS
    template_name = T + "designation_detail.html"

    def extra_context(self, obj):
        user = self.request.user
        others = (
            Designation.objects.restrict(user, "view")
            .filter(organization_id=obj.organization_id)
            .exclude(pk=obj.pk)
            .order_by("-year", "kind")
        )
        entries = (
            PoolEntry.objects.restrict(user, "view")
            .filter(organization_id=obj.organization_id)
            .order_by("stage", "target_kind")
        )
        return {
            "rows": field_rows(
                obj,
                "organization",
                "kind",
                "level",
                "year",
                "valid_from",
                "valid_until",
                "certificate_number",
                "source_document",
                "notes",
            ),
            "is_current": criteria.designation_is_current(obj, timezone.localdate()),
            "valid_through": criteria.designation_end(obj),
            "other_designations": list(others[:RELATED_LIMIT]),
            "pool_entries": list(entries[:RELATED_LIMIT]),
            **_support_for(user, obj.organization_id),
        }


class DesignationHistoryView(generic.ObjectHistoryView):
    queryset = DESIGNATIONS


class DesignationEditView(CultivationEditView):
    queryset = DESIGNATIONS
    form_class = DesignationForm


class ReevaluatingDeleteView(generic.ObjectDeleteView):
    """Deleting a designation or facts row re-evaluates its enterprise's pool entries."""

    def post(self, request, *args, **kwargs):
        obj = self.get_object("delete")
        response = super().post(request, *args, **kwargs)
        if not type(obj).objects.filter(pk=obj.pk).exists():
            pool.deleted(obj)
        return response


class DesignationDeleteView(ReevaluatingDeleteView):
    queryset = DESIGNATIONS


# -- criteria ------------------------------------------------------------------------------------

CRITERIA = CultivationCriterion.objects.all()


class CriterionListView(generic.ObjectListView):
    queryset = CRITERIA
    filterset_class = CultivationCriterionFilterSet
    table_class = CultivationCriterionTable
    template_name = T + "criterion_list.html"

    def extra_context(self):
        user = self.request.user
        return {
            "can_reevaluate": has_perm(user, PoolEntry, "change"),
            "can_find_candidates": has_perm(user, PoolEntry, "add"),
        }


class CriterionDetailView(generic.ObjectDetailView):
    queryset = CRITERIA
    template_name = DETAIL_TEMPLATE

    def extra_context(self, obj):
        return {
            "rows": field_rows(
                obj,
                "code",
                "name",
                "target_kind",
                "target_level",
                "metric",
                "comparison",
                "threshold",
                "parameter",
                "is_required",
                "order",
                "is_active",
                "source",
            ),
            "can_reevaluate": has_perm(self.request.user, PoolEntry, "change"),
        }


class CriterionHistoryView(generic.ObjectHistoryView):
    queryset = CRITERIA


class CriterionEditView(CultivationEditView):
    queryset = CRITERIA
    form_class = CultivationCriterionForm

    def success_url(self, obj):
        if has_perm(self.request.user, PoolEntry, "change"):
            messages.info(
                self.request,
                _(
                    "The criteria changed. Pool entries keep their last evaluation until the "
                    "pool is re-evaluated: use “Re-evaluate the pool”."
                ),
            )
        return reverse("utilization:cultivationcriterion_list")


class CriterionDeleteView(generic.ObjectDeleteView):
    queryset = CRITERIA


# -- enterprise facts ----------------------------------------------------------------------------

FACTS = EnterpriseFacts.objects.select_related("organization")


class FactsListView(generic.ObjectListView):
    queryset = FACTS
    filterset_class = EnterpriseFactsFilterSet
    table_class = EnterpriseFactsTable
    export_spec = FACTS_EXPORT
    import_url = _import_url("utilization.enterprisefacts")


class FactsDetailView(generic.ObjectDetailView):
    queryset = FACTS
    template_name = DETAIL_TEMPLATE

    def extra_context(self, obj):
        return {
            "rows": field_rows(
                obj,
                "organization",
                "year",
                "employees",
                "rd_staff",
                "revenue",
                "rd_expense",
                "source",
            )
        }


class FactsHistoryView(generic.ObjectHistoryView):
    queryset = FACTS


class FactsEditView(CultivationEditView):
    queryset = FACTS
    form_class = EnterpriseFactsForm


class FactsDeleteView(ReevaluatingDeleteView):
    queryset = FACTS


# -- support records -----------------------------------------------------------------------------

SUPPORT = SupportRecord.objects.select_related("organization", "provider", "pool_entry")


class SupportListView(generic.ObjectListView):
    queryset = SUPPORT
    filterset_class = SupportRecordFilterSet
    table_class = SupportRecordTable
    export_spec = SUPPORT_EXPORT
    import_url = _import_url("utilization.supportrecord")


class SupportDetailView(generic.ObjectDetailView):
    queryset = SUPPORT
    template_name = DETAIL_TEMPLATE

    def extra_context(self, obj):
        return {
            "rows": field_rows(
                obj,
                "organization",
                "kind",
                "date",
                "amount",
                "title",
                "description",
                "provider",
                "pool_entry",
            )
        }


class SupportHistoryView(generic.ObjectHistoryView):
    queryset = SUPPORT


class SupportEditView(CultivationEditView):
    queryset = SUPPORT
    form_class = SupportRecordForm

    def get(self, request, *args, **kwargs):
        # "Record support" from an entry or designation page names the enterprise.
        self.initial = {
            k: request.GET[k] for k in ("organization", "pool_entry") if request.GET.get(k)
        }
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if getattr(self, "initial", None) and "pk" not in self.kwargs:
            kwargs["initial"] = self.initial
        return kwargs


class SupportDeleteView(generic.ObjectDeleteView):
    queryset = SUPPORT


# -- the pool ------------------------------------------------------------------------------------

ENTRIES = PoolEntry.objects.select_related("organization", "organization__region", "designation")


class PoolEntryListView(generic.ObjectListView):
    queryset = ENTRIES
    filterset_class = PoolEntryFilterSet
    table_class = PoolEntryTable
    export_spec = POOL_EXPORT
    import_url = _import_url("utilization.poolentry")
    template_name = T + "poolentry_list.html"

    def extra_context(self):
        user = self.request.user
        return {
            "can_reevaluate": has_perm(user, PoolEntry, "change"),
            "can_find_candidates": has_perm(user, PoolEntry, "add"),
        }


def _move_buttons(stage: str) -> list[dict]:
    labels = dict(PoolStage.choices)
    order = list(PoolStage.values)
    return [
        {
            "value": target,
            "label": labels[target],
            "forward": order.index(target) > order.index(stage) and target != PoolStage.WITHDRAWN,
        }
        for target in pool.allowed_moves(stage)
    ]


class PoolEntryDetailView(generic.ObjectDetailView):
    queryset = ENTRIES
    template_name = T + "poolentry_detail.html"

    def extra_context(self, obj):
        user = self.request.user
        items = []
        for item in obj.evaluation or []:
            source, link = criteria.source_of(item, obj.organization_id)
            items.append({**item, "source": source, "link": link})
        designations = (
            Designation.objects.restrict(user, "view")
            .filter(organization_id=obj.organization_id)
            .order_by("-year", "kind")
        )
        can_change = PoolEntry.objects.restrict(user, "change").filter(pk=obj.pk).exists()
        # A designation refused is shown again with what was typed and its errors.
        move_form = getattr(self, "move_form", None) or MoveStageForm(
            initial={"level": obj.target_level, "year": timezone.localdate().year}
        )
        return {
            "items": items,
            "moves": _move_buttons(obj.stage),
            "move_form": move_form,
            "stages": [(v, label) for v, label in PoolStage.choices if v != PoolStage.WITHDRAWN],
            "designations": list(designations[:RELATED_LIMIT]),
            "can_move": can_change,
            "track_label": criteria.track_label(obj.target_kind, obj.target_level),
            "support_entry": obj.pk,
            **_support_for(user, obj.organization_id),
        }


class PoolEntryHistoryView(generic.ObjectHistoryView):
    queryset = ENTRIES


class PoolEntryEditView(CultivationEditView):
    """Adding uses the full form (enterprise and track); editing changes the year and notes."""

    queryset = ENTRIES
    template_name = T + "poolentry_form.html"

    @property
    def form_class(self):
        return PoolEntryEditForm if "pk" in self.kwargs else PoolEntryForm

    def get(self, request, *args, **kwargs):
        # Links name the enterprise and the track: ?track=kind:level, or target_kind and
        # target_level.
        self.initial = {k: request.GET[k] for k in ("organization", "track") if request.GET.get(k)}
        if request.GET.get("target_kind") and "track" not in self.initial:
            self.initial["track"] = (
                f"{request.GET['target_kind']}:{request.GET.get('target_level', '')}"
            )
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if getattr(self, "initial", None) and "pk" not in self.kwargs:
            kwargs["initial"] = self.initial
        return kwargs


class PoolEntryDeleteView(generic.ObjectDeleteView):
    queryset = ENTRIES


def _entry(request, pk) -> PoolEntry:
    return get_object_or_404(ENTRIES.restrict(request.user, "view"), pk=pk)


def _back(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
def pool_pipeline(request):
    """Columns candidate → being cultivated → designated, each entry a card with the criteria
    it meets; the filters of the pool list narrow it."""
    if not has_perm(request.user, PoolEntry, "view"):
        raise PermissionDenied
    visible = ENTRIES.restrict(request.user, "view")
    params = request.GET.copy()
    params.pop("stage", None)
    filterset = PoolEntryFilterSet(params or None, queryset=visible, request=request)
    base = filterset.qs
    counts = dict(base.order_by().values_list("stage").annotate(n=Count("pk")))
    list_url = reverse("utilization:poolentry_list")

    def stage_url(stage: str) -> str:
        """The pool list of one stage, under the filters active here."""
        query = QueryDict(mutable=True)
        query.update(params)
        query["stage"] = stage
        return f"{list_url}?{query.urlencode()}"

    columns = []
    for stage in pool.PIPELINE_STAGES:
        items = list(
            base.filter(stage=stage).order_by(
                "-meets_all", "-criteria_met", "organization__name", "pk"
            )[:PIPELINE_LIMIT]
        )
        columns.append(
            {
                "value": stage,
                "label": PoolStage(stage).label,
                "count": counts.get(stage, 0),
                "items": items,
                "moves": _move_buttons(stage),
                "list_url": stage_url(stage),
            }
        )
    return render(
        request,
        T + "pipeline.html",
        {
            "columns": columns,
            "filterset": filterset,
            "filter_fields": [f for f in filterset.form if f.name != "stage"],
            "withdrawn": counts.get(PoolStage.WITHDRAWN, 0),
            "withdrawn_url": stage_url(PoolStage.WITHDRAWN),
            "can_change": has_perm(request.user, PoolEntry, "change"),
            "can_add": has_perm(request.user, PoolEntry, "add"),
            "limit": PIPELINE_LIMIT,
        },
    )


@login_required
@require_POST
def pool_move(request, pk):
    entry = _entry(request, pk)
    if not PoolEntry.objects.restrict(request.user, "change").filter(pk=entry.pk).exists():
        raise PermissionDenied
    form = MoveStageForm(request.POST)
    fallback = reverse("utilization:poolentry_pipeline")
    designating = request.POST.get("stage") == PoolStage.DESIGNATED
    if not form.is_valid():
        if designating:
            return _designation_refused(request, entry, form)
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect(_back(request, fallback))
    data = form.cleaned_data
    try:
        pool.move_stage(
            request.user,
            entry,
            data["stage"],
            level=data.get("level") or "",
            year=data.get("year"),
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
            certificate_number=data.get("certificate_number") or "",
            source_document=data.get("source_document") or "",
        )
    except ValidationError as exc:
        if designating:
            _add_errors(form, exc)
            return _designation_refused(request, entry, form)
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("“%(name)s” moved to %(stage)s.")
            % {"name": entry.organization, "stage": entry.get_stage_display()},
        )
    return redirect(_back(request, fallback))


def _add_errors(form, exc: ValidationError) -> None:
    """The rules' refusal on the form: under the fields it names, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.error_dict.items():
        messages_ = [m for e in errors for m in e.messages]
        form.add_error(name if name in form.fields and name != "stage" else None, messages_)


def _designation_refused(request, entry, form):
    """The entry's page again, its designation form holding what was typed and the errors (a
    stage the entry cannot be designated from shows no form: the errors then as a message)."""
    if PoolStage.DESIGNATED not in pool.allowed_moves(entry.stage):
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect(entry.get_absolute_url())
    view = PoolEntryDetailView()
    view.setup(request, pk=entry.pk)
    view.move_form = form
    context = view.detail_context(entry)
    return render(request, view.template_name, context, status=400)


@login_required
@require_POST
def pool_evaluate(request, pk):
    entry = _entry(request, pk)
    pool.evaluate_entry(request.user, entry)
    messages.success(
        request,
        _("Evaluated: %(met)d of %(total)d criteria met.")
        % {"met": entry.criteria_met, "total": entry.criteria_total},
    )
    return redirect(entry.get_absolute_url())


@login_required
@require_POST
def pool_evaluate_all(request):
    job = pool.request_reevaluation(
        request.user, request.POST.get("reason", "") or _("Requested from the pool pages.")
    )
    return redirect(job_url(job))


@login_required
def pool_candidates(request):
    """Enterprises not yet in a track that meet its required criteria (or most of them),
    evaluated against the registry now; the office adds the chosen ones in one go. Only for
    those who may add pool entries: the page is a tool for filling the pool."""
    if not has_perm(request.user, PoolEntry, "add"):
        raise PermissionDenied
    if request.method == "POST":
        return _add_candidates(request)
    data = request.GET.copy()
    form = CandidateFinderForm(data or None)
    if not data and form.fields["track"].choices:
        form = CandidateFinderForm({"track": form.fields["track"].choices[0][0], "mode": "all"})
    candidates, total, track = [], 0, None
    if form.is_bound and form.is_valid():
        track = form.cleaned_data["track"]
        candidates, total = pool.find_candidates(
            request.user,
            *track,
            mode=form.cleaned_data["mode"],
            street=form.cleaned_data.get("street"),
        )
    track_criteria = criteria.criteria_for(*track) if track else []
    return render(
        request,
        T + "candidates.html",
        {
            "form": form,
            "candidates": candidates,
            "total": total,
            "track": track,
            "track_value": f"{track[0]}:{track[1]}" if track else "",
            "track_label": criteria.track_label(*track) if track else "",
            "criteria": sorted(track_criteria, key=lambda c: (c.order, c.code)),
            "can_add": has_perm(request.user, PoolEntry, "add"),
            "limit": pool.FINDER_LIMIT,
        },
    )


def _add_candidates(request):
    if not has_perm(request.user, PoolEntry, "add"):
        raise PermissionDenied
    kind, _sep, level = request.POST.get("track", "").partition(":")
    ids = []
    for value in request.POST.getlist("organization"):
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    if not ids:
        messages.error(request, _("Tick the enterprises to add first."))
        return redirect(reverse("utilization:poolentry_candidates") + f"?track={kind}:{level}")
    try:
        created = pool.add_candidates(request.user, ids, kind, level)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("utilization:poolentry_candidates"))
    messages.success(
        request,
        _("%(n)d enterprises added to the pool as candidates.") % {"n": len(created)},
    )
    query = QueryDict(mutable=True)
    query["target_kind"] = kind
    if level:
        query["target_level"] = level
    return redirect(reverse("utilization:poolentry_pipeline") + "?" + query.urlencode())


# -- menu and urls -------------------------------------------------------------------------------

menu.register(
    "utilization",
    gettext_lazy("Enterprise designations"),
    "utilization:designation_list",
    "utilization.view_designation",
    order=10,
    icon="award",
)
menu.register(
    "utilization",
    gettext_lazy("Cultivation pool"),
    "utilization:poolentry_pipeline",
    "utilization.view_poolentry",
    order=11,
    icon="kanban",
)
menu.register(
    "utilization",
    gettext_lazy("Cultivation criteria"),
    "utilization:cultivationcriterion_list",
    "utilization.view_cultivationcriterion",
    order=12,
    icon="list-check",
)
menu.register(
    "utilization",
    gettext_lazy("Support records"),
    "utilization:supportrecord_list",
    "utilization.view_supportrecord",
    order=13,
    icon="life-preserver",
)
menu.register(
    "utilization",
    gettext_lazy("Enterprise facts"),
    "utilization:enterprisefacts_list",
    "utilization.view_enterprisefacts",
    order=14,
    icon="clipboard-data",
)


def _crud(prefix: str, name: str, list_view, detail, edit, history, delete) -> list:
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/add/", edit.as_view(), name=f"{name}_add"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}_edit"),
        path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{name}_delete"),
        path(f"{prefix}/<int:pk>/history/", history.as_view(), name=f"{name}_history"),
    ]


urlpatterns = [
    *_crud(
        "cultivation/designations",
        "designation",
        DesignationListView,
        DesignationDetailView,
        DesignationEditView,
        DesignationHistoryView,
        DesignationDeleteView,
    ),
    *_crud(
        "cultivation/criteria",
        "cultivationcriterion",
        CriterionListView,
        CriterionDetailView,
        CriterionEditView,
        CriterionHistoryView,
        CriterionDeleteView,
    ),
    *_crud(
        "cultivation/facts",
        "enterprisefacts",
        FactsListView,
        FactsDetailView,
        FactsEditView,
        FactsHistoryView,
        FactsDeleteView,
    ),
    *_crud(
        "cultivation/support",
        "supportrecord",
        SupportListView,
        SupportDetailView,
        SupportEditView,
        SupportHistoryView,
        SupportDeleteView,
    ),
    path("cultivation/pool/pipeline/", pool_pipeline, name="poolentry_pipeline"),
    path("cultivation/pool/candidates/", pool_candidates, name="poolentry_candidates"),
    path("cultivation/pool/evaluate/", pool_evaluate_all, name="poolentry_evaluate_all"),
    *_crud(
        "cultivation/pool",
        "poolentry",
        PoolEntryListView,
        PoolEntryDetailView,
        PoolEntryEditView,
        PoolEntryHistoryView,
        PoolEntryDeleteView,
    ),
    path("cultivation/pool/<int:pk>/move/", pool_move, name="poolentry_move"),
    path("cultivation/pool/<int:pk>/evaluate/", pool_evaluate, name="poolentry_evaluate"),
]
