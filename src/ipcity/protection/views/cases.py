"""Case pages (案件): the list (full and summary rows side by side), the case page with its
clocks, timeline, rights, parties, handlers, evidence, extensions and related cases, the forms
of every step, the history tab, the evidence download and the export.

Who sees what is protection/visibility.py: a case the user sees in full (own agency, or shared)
gets the full page, a summary-only reader the summary page, anyone else a 404. Every page or
download that shows shared details is logged (`log_shared_view`). Actions need the agency's
change grant: a reader who sees the case but may not change it gets a 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ipcity.core import menu, once
from ipcity.core.exports import FORMATS, export_response
from ipcity.core.scope import has_perm
from ipcity.core.views import generic

from .. import cases, clocks, visibility
from ..choices import CaseStatus, DecisionKind
from ..exports.cases import CASE_EXPORT
from ..filters.cases import CaseFilterSet, case_rows
from ..forms import cases as case_forms
from ..models import Case, CaseHandler, CaseRelation, Evidence, Extension, Lead
from ..tables.cases import LIST_COLUMNS, CaseTable, due_badge

TEMPLATES = "protection/cases"
Access = visibility.Access


def _may_list(user) -> bool:
    return has_perm(user, Case, "summary") or has_perm(user, Case, "view")


# -- list -------------------------------------------------------------------------------------


@login_required
def case_list(request):
    user = request.user
    if not _may_list(user):
        raise PermissionDenied
    fmt = request.GET.get("export")
    if fmt:
        return export_response(request, CASE_EXPORT, fmt)
    filterset = CaseFilterSet(request.GET or None, queryset=case_rows(user), request=request)
    table = generic.paged_table(CaseTable, filterset.qs.only(*LIST_COLUMNS), request)
    can_add = cases.addable_agencies(user).exists()
    context = {
        "model": Case,
        "verbose_name": Case._meta.verbose_name,
        "verbose_name_plural": Case._meta.verbose_name_plural,
        "list_url": reverse("protection:case_list"),
        "table": table,
        "filterset": filterset,
        "filter_active": bool(filterset.form.changed_data),
        "export_formats": FORMATS,
        "can_add": can_add,
        "add_url": reverse("protection:case_add") if can_add else "",
        "import_url": "",
        "due_soon_days": cases.DUE_SOON_DAYS,
    }
    if getattr(request, "htmx", False) and request.htmx.target == "object-table":
        return render(request, "core/_object_table.html", context)
    return render(request, f"{TEMPLATES}/case_list.html", context)


# -- actions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    label: Any
    form_class: type
    run: Any  # (user, case, cleaned_data) -> None
    available: Any  # (case) -> bool
    icon: str = "check-lg"
    style: str = "primary"
    case_form: bool = False  # the form takes the case (choices that depend on it)
    files: bool = False
    help: Any = ""
    extra: dict = field(default_factory=dict)
    once: bool = False  # a repeated submission (double click, reload) is not run again


def _open(case) -> bool:
    return case.status != CaseStatus.CLOSED


def _no_pending_extension(case) -> bool:
    return case.status in cases.PENDING_DECISION and not any(
        e.is_pending for e in case.extensions.all()
    )


ACTIONS: dict[str, Action] = {
    "investigate": Action(
        gettext_lazy("Start the investigation"),
        case_forms.InvestigateForm,
        lambda u, c, d: cases.investigate(u, c, d.get("note", "")),
        lambda c: c.status == CaseStatus.OPENED,
        icon="search",
    ),
    "add_right": Action(
        gettext_lazy("Add a right"),
        case_forms.RightForm,
        lambda u, c, d: cases.add_right(u, c, d["right_type"], d["number"]),
        _open,
        icon="patch-check",
        style="outline-primary",
        help=gettext_lazy("The registry is checked: lapsed, invalid, or held by someone else."),
    ),
    "add_party": Action(
        gettext_lazy("Add a party"),
        case_forms.PartyForm,
        lambda u, c, d: cases.add_party(u, c, **d),
        _open,
        icon="person-plus",
        style="outline-primary",
        once=True,
    ),
    "assign_handler": Action(
        gettext_lazy("Assign a handler"),
        case_forms.HandlerForm,
        lambda u, c, d: cases.assign_handler(
            u, c, d["officer"], is_lead=d["is_lead"], assigned_on=d["assigned_on"]
        ),
        _open,
        icon="person-badge",
        style="outline-primary",
        case_form=True,
        help=gettext_lazy("Only officers holding a valid enforcement certificate."),
    ),
    "add_evidence": Action(
        gettext_lazy("Upload evidence"),
        case_forms.EvidenceForm,
        lambda u, c, d: cases.add_evidence(
            u, c, d["file"], title=d["title"], kind=d["kind"], collected_on=d["collected_on"]
        ),
        _open,
        icon="paperclip",
        style="outline-primary",
        files=True,
        once=True,
    ),
    "serve_notice": Action(
        gettext_lazy("Serve the notice of proposed penalty"),
        case_forms.NoticeForm,
        lambda u, c, d: cases.serve_notice(
            u,
            c,
            notice_on=d["notice_on"],
            hearing_requested=d["hearing_requested"],
            note=d.get("note", ""),
        ),
        lambda c: c.status == CaseStatus.INVESTIGATING,
        icon="envelope-paper",
        help=gettext_lazy("Two handlers with valid certificates on that day are required."),
    ),
    "decide": Action(
        gettext_lazy("Record the decision"),
        case_forms.DecisionForm,
        lambda u, c, d: cases.decide(u, c, **d),
        lambda c: c.status in (CaseStatus.INVESTIGATING, CaseStatus.NOTICE),
        icon="hammer",
        help=gettext_lazy(
            "A penalty needs the notice served first, and the time for asking for a hearing to "
            "run out unless the party waived it; two handlers with valid certificates on the "
            "day of the decision are required."
        ),
    ),
    "disclose": Action(
        gettext_lazy("Record the disclosure"),
        case_forms.DisclosureForm,
        lambda u, c, d: cases.disclose(u, c, disclosed_on=d["disclosed_on"], url=d["url"]),
        cases.can_disclose,
        icon="megaphone",
    ),
    "execute": Action(
        gettext_lazy("Record the execution"),
        case_forms.ExecutionForm,
        lambda u, c, d: cases.execute(u, c, executed_on=d["executed_on"]),
        lambda c: (
            c.status in (CaseStatus.DECIDED, CaseStatus.DISCLOSED)
            and c.decision_kind != DecisionKind.NO_PENALTY
        ),
        icon="check2-circle",
    ),
    "close": Action(
        gettext_lazy("Close the case"),
        case_forms.CloseForm,
        lambda u, c, d: cases.close(
            u, c, reason=d["reason"], closed_on=d["closed_on"], note=d.get("note", "")
        ),
        lambda c: bool(cases.close_reasons(c)),
        icon="archive",
        style="outline-danger",
        case_form=True,
    ),
    "request_extension": Action(
        gettext_lazy("Ask for an extension"),
        case_forms.ExtensionForm,
        lambda u, c, d: cases.request_extension(
            u, c, days=d["days"], reason=d["reason"], collective=d["collective"]
        ),
        _no_pending_extension,
        icon="hourglass-split",
        style="outline-secondary",
        help=gettext_lazy("A head of the agency other than you approves it."),
    ),
}


def _form(name: str, case, data=None, files=None):
    spec = ACTIONS[name]
    kwargs = {"prefix": name}
    if spec.case_form:
        kwargs["case"] = case
    return spec.form_class(data, files, **kwargs) if data is not None else spec.form_class(**kwargs)


def _available_actions(case, bound: dict | None = None) -> list[dict]:
    bound = bound or {}
    result = []
    for name, spec in ACTIONS.items():
        if not spec.available(case) and name not in bound:
            continue
        result.append(
            {
                "name": name,
                "label": spec.label,
                "icon": spec.icon,
                "style": spec.style,
                "help": spec.help,
                "files": spec.files,
                "once": spec.once,
                "form": bound.get(name) or _form(name, case),
                "url": reverse("protection:case_action", args=[case.pk, name]),
                "open": name in bound,
            }
        )
    return result


# -- detail -----------------------------------------------------------------------------------

DETAIL_QS = Case.objects.select_related("agency", "lead")


def _case_and_access(request, pk):
    case = get_object_or_404(DETAIL_QS, pk=pk)
    level = visibility.access(request.user, case)
    if level is None:
        raise Http404
    return case, level


def _full_case(request, pk, what: str):
    """The case for a page of its details: 404 unless seen in full; a shared view is logged."""
    case, level = _case_and_access(request, pk)
    if level not in (Access.OWN, Access.SHARED):
        raise Http404
    if level == Access.SHARED:
        visibility.log_shared_view(request, case, what)
    return case, level


def _tabs(case) -> list[dict]:
    return [
        {"key": "detail", "label": _("Details"), "url": case.get_absolute_url()},
        {
            "key": "history",
            "label": _("History"),
            "url": reverse("protection:case_history", args=[case.pk]),
        },
    ]


def _related(user, case) -> list[dict]:
    relations = list(
        CaseRelation.objects.filter(case=case)
        .select_related("earlier__agency")
        .order_by("-earlier__decided_on", "pk")
    )
    ids = {r.earlier_id for r in relations}
    full = set(
        visibility.full_cases(user, Case.objects.filter(pk__in=ids)).values_list("pk", flat=True)
    )
    return [{"relation": r, "earlier": r.earlier, "full": r.earlier_id in full} for r in relations]


def _clocks(case, today) -> dict:
    decision = None
    if case.status in cases.PENDING_DECISION:
        decision = {
            "due": case.decision_due,
            "left": clocks.remaining("penalty_decision", case.decision_due, today),
            "badge": due_badge(case, today),
        }
        decision["overdue"] = max(0, -decision["left"])
    disclosure = None
    if case.disclosure_due and not case.disclosed_on:
        left = clocks.remaining("disclosure", case.disclosure_due, today)
        disclosure = {"due": case.disclosure_due, "left": left, "late": left < 0}
    return {"decision": decision, "disclosure": disclosure}


def _transfer_notice(case) -> dict | None:
    """The transfer to the police under way for the case (proposed, approved, sent or accepted),
    with who proposed it: an officer, or the platform because the case met threshold rules."""
    from .. import thresholds
    from .. import transfers as flow

    transfer = (
        case.transfers.filter(status__in=flow.ACTIVE)
        .select_related("proposed_by", "police")
        .order_by("-proposed_at", "-pk")
        .first()
    )
    if transfer is None:
        return None
    rules = [
        _("%(offence)s: %(measure)s ≥ %(threshold)s")
        % {
            "offence": d["offence_label"],
            "measure": d["measure_label"],
            "threshold": d["threshold"],
        }
        for d in (thresholds.describe(m) for m in transfer.matched_rules or [])
    ]
    return {
        "transfer": transfer,
        "auto": transfer.auto_proposed,
        "rules": "; ".join(rules),
        "by": transfer.proposed_by,
    }


def detail_context(request, case, level, bound: dict | None = None) -> dict:
    user = request.user
    today = timezone.localdate()
    can_change = cases.can_change(user, case)
    handlers = list(
        CaseHandler.objects.filter(case=case)
        .select_related("officer__organization")
        .order_by("released_on", "-is_lead", "pk")
    )
    for handler in handlers:
        handler.certified_today = handler.officer.is_certified_on(today)
    extensions = list(
        Extension.objects.filter(case=case).select_related(
            "requested_by", "approved_by", "rejected_by"
        )
    )
    can_approve = cases.can_approve_extension(user, case)
    for extension in extensions:
        extension.may_decide = (
            can_approve and extension.is_pending and extension.requested_by_id != user.pk
        )
    case._prefetched_objects_cache = {"extensions": extensions}
    # The lead (and its tracking code) only for those who may see the lead itself.
    lead = None
    if case.lead_id and Lead.objects.restrict(user, "view").filter(pk=case.lead_id).exists():
        lead = case.lead
    return {
        "object": case,
        "case": case,
        "level": level.value,
        "shared": level == Access.SHARED,
        "tabs": _tabs(case),
        "active_tab": "detail",
        "list_url": reverse("protection:case_list"),
        "verbose_name_plural": Case._meta.verbose_name_plural,
        "clocks": _clocks(case, today),
        "events": case.events.select_related("by").order_by("at", "pk"),
        "rights": case.rights.select_related("patent", "trademark").order_by("pk"),
        "parties": case.parties.select_related("organization").order_by("role", "pk"),
        "handlers": handlers,
        "evidence": case.evidence.select_related("uploaded_by").order_by("pk"),
        "extensions": extensions,
        "related": _related(user, case),
        "campaigns": case.campaigns.all(),
        "transfer_notice": _transfer_notice(case),
        "lead": lead,
        "can_change": can_change,
        "can_share": has_perm(user, Case, "share"),
        "actions": _available_actions(case, bound) if can_change else [],
        "edit_url": reverse("protection:case_edit", args=[case.pk])
        if can_change and case.status != CaseStatus.CLOSED
        else "",
    }


@login_required
def case_detail(request, pk):
    case, level = _case_and_access(request, pk)
    if level == Access.SUMMARY:
        return render(
            request,
            f"{TEMPLATES}/case_summary.html",
            {
                "case": case,
                "object": case,
                "list_url": reverse("protection:case_list"),
                "verbose_name_plural": Case._meta.verbose_name_plural,
                "summary_fields": _summary_rows(case),
            },
        )
    if level == Access.SHARED:
        visibility.log_shared_view(request, case, "detail")
    return render(request, f"{TEMPLATES}/case_detail.html", detail_context(request, case, level))


def _summary_rows(case) -> list[str]:
    return [name for name in Case.SUMMARY_FIELDS if name not in ("id", "number", "title")]


@login_required
@require_POST
def case_action(request, pk, action):
    case, level = _case_and_access(request, pk)
    if action not in ACTIONS:
        raise Http404
    if not cases.can_change(request.user, case):
        raise PermissionDenied
    spec = ACTIONS[action]
    if spec.once and not once.claim(request):
        return once.repeat_response(request, fallback=case.get_absolute_url())
    form = _form(action, case, request.POST, request.FILES)
    if form.is_valid():
        try:
            spec.run(request.user, case, form.cleaned_data)
        except ValidationError as exc:
            generic._add_errors(form, exc)
        else:
            if spec.once:
                once.done(request, case.get_absolute_url())
            messages.success(request, _("%(action)s: done.") % {"action": spec.label})
            return redirect(case.get_absolute_url())
    if spec.once:
        once.release(request)
    messages.error(request, _("Please correct the errors below."))
    case.refresh_from_db()
    return render(
        request,
        f"{TEMPLATES}/case_detail.html",
        detail_context(request, case, level, bound={action: form}),
        status=400,
    )


ITEM_ACTIONS = {
    "remove_right": lambda u, c, item, note: cases.remove_right(u, c, item),
    "remove_party": lambda u, c, item, note: cases.remove_party(u, c, item),
    "release_handler": lambda u, c, item, note: cases.release_handler(u, c, item),
}


@login_required
@require_POST
def case_item_action(request, pk, action, item):
    case, _level = _case_and_access(request, pk)
    if action not in ITEM_ACTIONS:
        raise Http404
    if not cases.can_change(request.user, case):
        raise PermissionDenied
    try:
        ITEM_ACTIONS[action](request.user, case, item, request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect(case.get_absolute_url())


@login_required
@require_POST
def extension_decide(request, pk, decision):
    extension = get_object_or_404(Extension.objects.select_related("case__agency"), pk=pk)
    case = extension.case
    if visibility.access(request.user, case) not in (Access.OWN, Access.SHARED):
        raise Http404
    if decision not in ("approve", "reject"):
        raise Http404
    form = case_forms.ExtensionDecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    func = cases.approve_extension if decision == "approve" else cases.reject_extension
    try:
        func(request.user, extension, note=note)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if decision == "approve":
            messages.success(request, _("Extension approved."))
        else:
            messages.success(request, _("Extension rejected."))
    return redirect(case.get_absolute_url())


@login_required
def case_history(request, pk):
    case, _level = _full_case(request, pk, "history")
    records = case.history.select_related("history_user").order_by("-history_date", "-pk")
    page = generic.paginate(request, records, per_page=25)
    return render(
        request,
        f"{TEMPLATES}/case_history.html",
        {
            "object": case,
            "case": case,
            "tabs": _tabs(case),
            "active_tab": "history",
            "list_url": reverse("protection:case_list"),
            "verbose_name_plural": Case._meta.verbose_name_plural,
            "page": page,
            "rows": generic.history_rows(page.object_list),
        },
    )


@login_required
def evidence_download(request, pk):
    evidence = get_object_or_404(Evidence.objects.select_related("case"), pk=pk)
    level = visibility.access(request.user, evidence.case)
    # Evidence is a child of the case: reached only by those who see the case in full.
    if level not in (Access.OWN, Access.SHARED):
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    if level == Access.SHARED:
        visibility.log_shared_view(request, evidence.case, f"evidence {evidence.pk}")
    # Always an attachment, never rendered in our origin.
    return FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type or "application/octet-stream",
    )


# -- open and edit ------------------------------------------------------------------------------


def _form_page(request, form, *, obj=None, status=200, title=""):
    return render(
        request,
        f"{TEMPLATES}/case_form.html",
        {
            "form": form,
            "object": obj,
            "is_new": obj is None,
            "title": title,
            "verbose_name": Case._meta.verbose_name,
            "verbose_name_plural": Case._meta.verbose_name_plural,
            "list_url": reverse("protection:case_list"),
            "cancel_url": obj.get_absolute_url() if obj else reverse("protection:case_list"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_add(request):
    user = request.user
    if not cases.addable_agencies(user).exists():
        raise PermissionDenied
    if request.method == "GET":
        initial = {}
        if request.GET.get("right_type"):
            initial["right_type"] = request.GET["right_type"]
        return _form_page(request, case_forms.CaseOpenForm(user=user, initial=initial))
    if not once.claim(request):
        return once.repeat_response(request, fallback=reverse("protection:case_list"))
    form = case_forms.CaseOpenForm(request.POST, user=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = cases.open_case(
                user,
                agency=data["agency"],
                title=data["title"],
                right_type=data["right_type"],
                opened_on=data["opened_on"],
                number=data["number"],
                note=data["note"],
            )
        except ValidationError as exc:
            generic._add_errors(form, exc)
        else:
            once.done(request, case.get_absolute_url())
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect(case.get_absolute_url())
    once.release(request)
    messages.error(request, _("Please correct the errors below."))
    return _form_page(request, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request, pk):
    case, _level = _case_and_access(request, pk)
    if not cases.can_change(request.user, case):
        raise PermissionDenied
    if request.method == "GET":
        return _form_page(request, case_forms.CaseUpdateForm(instance=case), obj=case)
    form = case_forms.CaseUpdateForm(request.POST, instance=case)
    if form.is_valid():
        try:
            cases.update_case(request.user, case, **form.update_fields())
        except ValidationError as exc:
            generic._add_errors(form, exc)
        else:
            messages.success(request, _("Case %(number)s saved.") % {"number": case.number})
            return redirect(case.get_absolute_url())
    messages.error(request, _("Please correct the errors below."))
    case.refresh_from_db()
    return _form_page(request, form, obj=case, status=400)


menu.register(
    "protection",
    gettext_lazy("Cases"),
    "protection:case_list",
    "protection.summary_case",
    order=30,
    icon="briefcase",
)

urlpatterns = [
    path("cases/", case_list, name="case_list"),
    path("cases/add/", case_add, name="case_add"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", case_edit, name="case_edit"),
    path("cases/<int:pk>/history/", case_history, name="case_history"),
    path("cases/<int:pk>/do/<slug:action>/", case_action, name="case_action"),
    path(
        "cases/<int:pk>/do/<slug:action>/<int:item>/",
        case_item_action,
        name="case_item_action",
    ),
    path(
        "cases/extensions/<int:pk>/<slug:decision>/",
        extension_decide,
        name="extension_decide",
    ),
    path("cases/evidence/<int:pk>/download/", evidence_download, name="evidence_download"),
]
