"""Protection pages: transfers to the police (两法衔接), the procuratorate's supervision view and
the criminal prosecution thresholds.

Transfers are reached through `transfers.visible(user)` (`restrict` plus: a police unit sees a
transfer once it is sent); an action the user may not take answers 403. Documents of a transfer,
the case's values in the matched rules and the free-text reasons are case details: only a user
who sees the case in full (`visibility.access` OWN or SHARED) sees them, and every view of a
page showing them through a share is logged. Summary-only users (procuratorate, office, leaders)
see clocks, steps and outcomes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from ipcity.core import menu, once
from ipcity.core.scope import has_perm
from ipcity.core.views import generic

from .. import clocks, thresholds, visibility
from .. import transfers as flow
from ..choices import CriminalOutcome, TransferStatus
from ..exports.transfers import TRANSFER_EXPORT
from ..filters.transfers import TransferFilterSet
from ..forms.transfers import (
    AcceptForm,
    AcknowledgeForm,
    DocumentForm,
    OutcomeForm,
    ProposeForm,
    ReasonForm,
    RuleForm,
    RuleSetForm,
)
from ..models import Case, CriminalTransfer, ThresholdRule, ThresholdRuleSet, TransferDocument
from ..tables.transfers import RuleSetTable, TransferTable, overdue_badge

LIST_QUERYSET = CriminalTransfer.objects.select_related("case", "case__agency", "police")
DETAIL_QUERYSET = CriminalTransfer.objects.select_related(
    "case",
    "case__agency",
    "police",
    "rule_set",
    "proposed_by",
    "approved_by",
    "police_decided_by",
    "withdrawn_by",
)


def list_url(**params) -> str:
    """The transfer list filtered by `params` (the filter names are a contract)."""
    url = reverse("protection:transfer_list")
    return f"{url}?{urlencode(params)}" if params else url


def _visible(request, qs=None):
    return flow.visible(request.user, LIST_QUERYSET if qs is None else qs)


def _transfer(request, pk, qs=DETAIL_QUERYSET) -> CriminalTransfer:
    if not has_perm(request.user, CriminalTransfer, "view"):
        raise Http404
    return get_object_or_404(flow.visible(request.user, qs), pk=pk)


# -- list ----------------------------------------------------------------------------------------


class TransferListView(generic.ObjectListView):
    queryset = LIST_QUERYSET
    filterset_class = TransferFilterSet
    table_class = TransferTable
    export_spec = TRANSFER_EXPORT
    template_name = "protection/transfers/transfer_list.html"

    def restricted(self, action: str):
        qs = super().restricted(action)
        return flow.visible(self.request.user, qs) if action == "view" else qs

    def list_url(self) -> str:
        return reverse("protection:transfer_list")

    def add_url(self) -> str:
        return ""

    def extra_context(self) -> dict:
        return {"overdue_url": list_url(overdue="true")}


# -- detail --------------------------------------------------------------------------------------


def _by(user) -> str:
    if user is None:
        return ""
    return getattr(user, "display_name", "") or user.get_username()


def timeline(transfer, full: bool = True) -> list[dict]:
    """The steps taken, in order, with who and when (the history tab has every change); the
    reasons only when `full` (else only that one was recorded)."""
    t = transfer
    withdrawn = (
        _("Approval reversed; not transferred")
        if t.withdrawn_at and t.approved_at
        else _("Not transferred")
    )
    steps = [
        (pgettext("transfer status", "Proposed"), t.proposed_at, t.proposed_by, t.proposal_reason),
        (_("Transfer approved"), t.approved_at, t.approved_by, ""),
        (withdrawn, t.withdrawn_at, t.withdrawn_by, t.withdraw_reason),
        (_("Sent to police"), t.sent_at, None, ""),
        (_("Receipt by the police"), t.received_at, None, ""),
    ]
    if t.police_decided_at:
        label = (
            _("Not accepted") if t.status == TransferStatus.DECLINED else _("Accepted by police")
        )
        steps.append((label, t.police_decided_at, t.police_decided_by, t.police_reason))
    steps.append((_("Returned to the agency"), t.returned_at, None, t.return_reason))
    return [
        {"label": label, "at": at, "by": _by(by), "note": flow.shown_reason(note, full)}
        for label, at, by, note in steps
        if at is not None
    ]


def clock_rows(transfer, today=None) -> list[dict]:
    """Each clock of the transfer: due, when it was met (or how many days are left)."""
    today = today or timezone.localdate()
    t = transfer
    rows = []
    decided = t.approved_at or t.withdrawn_at
    rows.append(
        _clock(
            "transfer_decision",
            t.decision_due,
            timezone.localdate(decided) if decided else None,
            today,
            running=t.status == TransferStatus.PROPOSED,
        )
    )
    if t.acceptance_due:
        rows.append(
            _clock(
                "police_acceptance",
                t.acceptance_due,
                timezone.localdate(t.police_decided_at) if t.police_decided_at else None,
                today,
                running=t.status == TransferStatus.SENT,
            )
        )
    return rows


def _clock(code, due, done_on, today, *, running) -> dict:
    clock = clocks.get(code)
    row = {
        "code": code,
        "label": _("Transfer decision") if code == "transfer_decision" else _("Police acceptance"),
        "rule": _("within %(n)s days") % {"n": clock.amount},
        "source": clock.source,
        "due": due,
        "done_on": done_on,
        "state": "",
        "remaining": None,
    }
    if done_on is not None:
        row["state"] = "late" if done_on > due else "met"
    elif running:
        row["remaining"] = clocks.remaining(code, due, today)
        row["state"] = "overdue" if row["remaining"] < 0 else "running"
    return row


def _case_access(request, case):
    return visibility.access(request.user, case)


@login_required
def transfer_detail(request, pk):
    transfer = _transfer(request, pk)
    user = request.user
    access = _case_access(request, transfer.case)
    full = flow.sees_case(access)
    documents = list(transfer.documents.select_related("uploaded_by")) if full else []
    if access == visibility.Access.SHARED:
        visibility.log_shared_view(request, transfer.case, "transfer detail")
    actions = flow.available_actions(user, transfer)
    context = {
        "object": transfer,
        "transfer": transfer,
        "case": transfer.case,
        "case_full": full,
        "documents": documents,
        "checklist": flow.document_checklist(documents) if full else [],
        "document_titles": [_(msgid) for _code, msgid in flow.REQUIRED_DOCUMENTS],
        "document_count": len(documents) if full else transfer.documents.count(),
        "matched": [
            thresholds.describe(m) for m in flow.redact_matched(transfer.matched_rules, full)
        ],
        "proposal_reason": flow.shown_reason(transfer.proposal_reason, full),
        "timeline": timeline(transfer, full),
        "clocks": clock_rows(transfer),
        "overdue_badge": overdue_badge(transfer),
        "actions": actions,
        "reason_form": ReasonForm(),
        "acknowledge_form": AcknowledgeForm(),
        "accept_form": AcceptForm(),
        "outcome_form": OutcomeForm(),
        "document_form": DocumentForm(),
        "list_url": reverse("protection:transfer_list"),
        "can_receipt": "acknowledge" in actions or "accept" in actions or "outcome" in actions,
        "history_url": reverse("protection:transfer_history", args=[transfer.pk]),
    }
    return render(request, "protection/transfers/transfer_detail.html", context)


class TransferHistoryView(generic.ObjectHistoryView):
    queryset = DETAIL_QUERYSET
    template_name = "core/object_history.html"

    def get_object(self, action: str = "view"):
        transfer = _transfer(self.request, self.kwargs["pk"])
        self.access = _case_access(self.request, transfer.case)
        if self.access == visibility.Access.SHARED:
            visibility.log_shared_view(self.request, transfer.case, "transfer history")
        return transfer

    def get(self, request, *args, **kwargs):
        obj = self.get_object("view")
        records = obj.history.select_related("history_user").order_by("-history_date", "-pk")
        page = generic.paginate(request, records, per_page=25)
        context = self.detail_context(obj)
        rows = self.shown_rows(generic.history_rows(page.object_list))
        context.update({"page": page, "rows": rows})
        return render(request, self.template_name, context)

    def shown_rows(self, rows: list[dict]) -> list[dict]:
        """The history rows with the free-text reasons hidden from summary-only users."""
        if flow.sees_case(self.access):
            return rows
        labels = {
            str(CriminalTransfer._meta.get_field(name).verbose_name) for name in flow.REASON_FIELDS
        }
        for row in rows:
            for change in row["changes"]:
                if change["field"] in labels:
                    change["old"] = flow.shown_reason(change["old"], False)
                    change["new"] = flow.shown_reason(change["new"], False)
        return rows

    def list_url(self) -> str:
        return reverse("protection:transfer_list")

    def tabs(self, obj) -> list[dict]:
        return [
            {"key": "detail", "label": _("Details"), "url": obj.get_absolute_url()},
            {
                "key": "history",
                "label": _("History"),
                "url": reverse("protection:transfer_history", args=[obj.pk]),
            },
        ]

    def detail_context(self, obj) -> dict:
        context = super().detail_context(obj)
        context.update({"can_change": False, "can_delete": False})
        return context


ACTIONS = ("approve", "withdraw", "send", "acknowledge", "accept", "decline", "outcome", "return")


@login_required
@require_POST
def transfer_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    transfer = _transfer(request, pk)
    user = request.user
    # Seen but not theirs: 403 when the user acts on neither side; otherwise the step itself
    # answers (PermissionDenied, or a message when the state does not allow it).
    sides = (
        flow.is_officer(user, transfer)
        or flow.is_head(user, transfer)
        or flow.is_police(user, transfer)
    )
    if action not in flow.available_actions(user, transfer) and not sides:
        raise PermissionDenied
    form = None
    try:
        if action == "approve":
            flow.approve(user, transfer)
            done = _("Transfer approved.")
        elif action == "send":
            flow.send(user, transfer)
            done = _("Transfer sent to the police; the case is shared with them.")
        elif action == "acknowledge":
            form = AcknowledgeForm(request.POST, request.FILES)
            _valid(form)
            flow.acknowledge(
                user,
                transfer,
                received_at=form.cleaned_data["received_at"],
                receipt=form.cleaned_data["receipt"],
            )
            done = _("Receipt recorded.")
        elif action == "accept":
            form = AcceptForm(request.POST)
            _valid(form)
            flow.accept(
                user,
                transfer,
                police_case_number=form.cleaned_data["police_case_number"],
                reason=form.cleaned_data["reason"],
            )
            done = _("Transfer accepted.")
        elif action == "outcome":
            form = OutcomeForm(request.POST)
            _valid(form)
            flow.record_outcome(user, transfer, form.cleaned_data["outcome"])
            done = _("Outcome recorded.")
        else:
            form = ReasonForm(request.POST)
            _valid(form)
            reason = form.cleaned_data["reason"]
            if action == "withdraw":
                flow.withdraw(user, transfer, reason)
                done = _("The case is not transferred.")
            elif action == "decline":
                flow.decline(user, transfer, reason=reason)
                done = _("Transfer not accepted; the case is back with the agency.")
            else:
                flow.return_to_agency(user, transfer, reason=reason)
                done = _("The case is returned to the agency.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(transfer.get_absolute_url())
    messages.success(request, done)
    return redirect(transfer.get_absolute_url())


def _valid(form) -> None:
    if not form.is_valid():
        problems = []
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            problems += [f"{label}: {e}" if label else str(e) for e in errors]
        raise ValidationError(problems)


@login_required
@require_POST
def transfer_document_add(request, pk):
    transfer = _transfer(request, pk)
    if "document" not in flow.available_actions(request.user, transfer):
        raise PermissionDenied
    if not once.claim(request):
        return once.repeat_response(request, fallback=transfer.get_absolute_url())
    form = DocumentForm(request.POST, request.FILES)
    try:
        _valid(form)
        flow.add_document(
            request.user,
            transfer,
            form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            is_receipt=form.cleaned_data["is_receipt"],
        )
    except ValidationError as exc:
        once.release(request)
        messages.error(request, " ".join(exc.messages))
    else:
        once.done(request, transfer.get_absolute_url())
        messages.success(request, _("Document added."))
    return redirect(transfer.get_absolute_url())


@login_required
def transfer_document_download(request, pk, doc_pk):
    transfer = _transfer(request, pk, LIST_QUERYSET)
    document = get_object_or_404(TransferDocument, pk=doc_pk, transfer=transfer)
    access = _case_access(request, transfer.case)
    if access not in (visibility.Access.OWN, visibility.Access.SHARED):
        raise PermissionDenied
    if access == visibility.Access.SHARED:
        visibility.log_shared_view(request, transfer.case, f"transfer document {document.pk}")
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    return FileResponse(
        handle, as_attachment=True, filename=document.name, content_type=document.content_type
    )


# -- proposal ------------------------------------------------------------------------------------


@login_required
def transfer_propose(request, case_pk):
    case = get_object_or_404(Case.objects.select_related("agency"), pk=case_pk)
    access = visibility.access(request.user, case)
    if access is None:
        raise Http404
    if access != visibility.Access.OWN or not flow.is_officer(request.user, case):
        raise PermissionDenied
    rule_set, matched = thresholds.evaluate(case)
    under_way = case.transfers.filter(status__in=flow.ACTIVE).first()
    clock = clocks.get("transfer_decision")
    if request.method == "POST":
        if not once.claim(request):
            fallback = under_way.get_absolute_url() if under_way else request.path
            return once.repeat_response(request, fallback=fallback)
        form = ProposeForm(request.POST)
        if form.is_valid():
            try:
                transfer = flow.propose(
                    request.user,
                    case,
                    police=form.cleaned_data["police"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                generic._add_errors(form, exc)
            else:
                once.done(request, transfer.get_absolute_url())
                messages.success(
                    request,
                    _("Transfer proposed; the head decides by %(due)s.")
                    % {"due": transfer.decision_due.isoformat()},
                )
                return redirect(transfer.get_absolute_url())
        once.release(request)
        messages.error(request, _("Please correct the errors below."))
        status = 400
    else:
        form = ProposeForm(initial_police=flow.default_police(case))
        status = 200
    context = {
        "case": case,
        "form": form,
        "rule_set": rule_set,
        "matched": [thresholds.describe(m) for m in matched],
        "under_way": under_way,
        "clock": clock,
    }
    return render(request, "protection/transfers/transfer_propose.html", context, status=status)


# -- supervision ---------------------------------------------------------------------------------


@login_required
def supervision(request):
    if not has_perm(request.user, CriminalTransfer, "view"):
        raise PermissionDenied
    today = timezone.localdate()
    qs = _visible(request)
    figures = qs.aggregate(
        total=Count("pk"),
        proposed=Count("pk", filter=Q(status=TransferStatus.PROPOSED)),
        decision_overdue=Count("pk", filter=flow.decision_overdue_q(today)),
        sent=Count("pk", filter=Q(status=TransferStatus.SENT)),
        acceptance_overdue=Count("pk", filter=flow.acceptance_overdue_q(today)),
        accepted=Count("pk", filter=Q(status=TransferStatus.ACCEPTED)),
        declined=Count("pk", filter=Q(status=TransferStatus.DECLINED)),
        returned=Count("pk", filter=Q(status=TransferStatus.RETURNED)),
        withdrawn=Count("pk", filter=Q(status=TransferStatus.WITHDRAWN)),
        **{
            f"outcome_{value}": Count("pk", filter=Q(outcome=value))
            for value, _label in CriminalOutcome.choices[1:]
        },
    )
    cards = [
        ("total", gettext_lazy("All transfers"), list_url(), ""),
        (
            "proposed",
            gettext_lazy("Awaiting the transfer decision"),
            list_url(status="proposed"),
            "",
        ),
        (
            "decision_overdue",
            gettext_lazy("Transfer decision overdue"),
            list_url(overdue="true", clock="transfer_decision"),
            "danger",
        ),
        ("sent", gettext_lazy("Awaiting police acceptance"), list_url(status="sent"), ""),
        (
            "acceptance_overdue",
            gettext_lazy("Police acceptance overdue"),
            list_url(overdue="true", clock="police_acceptance"),
            "danger",
        ),
        ("accepted", gettext_lazy("Accepted by police"), list_url(status="accepted"), "success"),
        ("declined", gettext_lazy("Not accepted"), list_url(status="declined"), "warning"),
        ("returned", gettext_lazy("Returned to the agency"), list_url(status="returned"), ""),
        ("withdrawn", gettext_lazy("Not transferred"), list_url(status="withdrawn"), ""),
    ]
    outcomes = [
        {
            "key": value,
            "label": label,
            "count": figures[f"outcome_{value}"],
            "url": list_url(outcome=value),
        }
        for value, label in CriminalOutcome.choices[1:]
    ]
    page = generic.paginate(request, qs.order_by("-proposed_at", "-pk"))
    rows = [{"transfer": t, "clocks": clock_rows(t, today)} for t in page.object_list]
    context = {
        "cards": [
            {"key": k, "label": label, "count": figures[k], "url": url, "tone": tone}
            for k, label, url, tone in cards
        ],
        "outcomes": outcomes,
        "page": page,
        "rows": rows,
        "decision_clock": clocks.get("transfer_decision"),
        "acceptance_clock": clocks.get("police_acceptance"),
    }
    return render(request, "protection/transfers/supervision.html", context)


# -- thresholds ----------------------------------------------------------------------------------


class ThresholdListView(generic.ObjectListView):
    queryset = ThresholdRuleSet.objects.annotate(rule_count=Count("rules"))
    table_class = RuleSetTable
    template_name = "protection/transfers/threshold_list.html"

    def list_url(self) -> str:
        return reverse("protection:threshold_list")

    def add_url(self) -> str:
        return reverse("protection:threshold_add")


@login_required
def threshold_detail(request, pk):
    if not has_perm(request.user, ThresholdRuleSet, "view"):
        raise Http404
    rule_set = get_object_or_404(ThresholdRuleSet.objects.restrict(request.user, "view"), pk=pk)
    rules = list(rule_set.rules.order_by("offence", "condition", "measure", "pk"))
    context = {
        "object": rule_set,
        "rules": rules,
        "can_change": has_perm(request.user, ThresholdRuleSet, "change"),
        "can_change_rules": has_perm(request.user, ThresholdRule, "change"),
        "can_add_rules": has_perm(request.user, ThresholdRule, "add"),
        "can_delete_rules": has_perm(request.user, ThresholdRule, "delete"),
        "rule_form": RuleForm(rule_set=rule_set),
        "list_url": reverse("protection:threshold_list"),
    }
    return render(request, "protection/transfers/threshold_detail.html", context)


class ThresholdEditView(generic.ObjectEditView):
    queryset = ThresholdRuleSet.objects.all()
    form_class = RuleSetForm

    def list_url(self) -> str:
        return reverse("protection:threshold_list")


@login_required
def threshold_rule_edit(request, pk=None, set_pk=None):
    """Add a rule to a rule set (set_pk) or edit one (pk); holders of change_thresholdrule."""
    if pk is not None:
        rule = get_object_or_404(
            ThresholdRule.objects.restrict(request.user, "view").select_related("rule_set"), pk=pk
        )
        if not has_perm(request.user, ThresholdRule, "change"):
            raise PermissionDenied
        rule_set = rule.rule_set
    else:
        rule_set = get_object_or_404(
            ThresholdRuleSet.objects.restrict(request.user, "view"), pk=set_pk
        )
        if not has_perm(request.user, ThresholdRule, "add"):
            raise PermissionDenied
        rule = ThresholdRule(rule_set=rule_set)
    if request.method == "POST":
        form = RuleForm(request.POST, instance=rule, rule_set=rule_set)
        if form.is_valid():
            saved = form.save(commit=False)
            saved.rule_set = rule_set
            saved._history_user = request.user
            try:
                with transaction.atomic():
                    saved.save()
            except IntegrityError:  # the same rule saved by someone else at the same moment
                form.add_error(None, RuleForm.DUPLICATE)
            else:
                messages.success(request, _("Rule saved."))
                return redirect(rule_set.get_absolute_url())
        messages.error(request, _("Please correct the errors below."))
        status = 400
    else:
        form = RuleForm(instance=rule, rule_set=rule_set)
        status = 200
    context = {"form": form, "rule": rule, "rule_set": rule_set}
    return render(request, "protection/transfers/threshold_rule_form.html", context, status=status)


@login_required
@require_POST
def threshold_rule_delete(request, pk):
    rule = get_object_or_404(
        ThresholdRule.objects.restrict(request.user, "view").select_related("rule_set"), pk=pk
    )
    if not has_perm(request.user, ThresholdRule, "delete"):
        raise PermissionDenied
    rule_set = rule.rule_set
    rule._history_user = request.user
    rule.delete()
    messages.success(request, _("Rule deleted."))
    return redirect(rule_set.get_absolute_url())


menu.register(
    "protection",
    gettext_lazy("Transfers to police"),
    "protection:transfer_list",
    perm="protection.view_criminaltransfer",
    order=40,
    icon="send",
)
menu.register(
    "protection",
    gettext_lazy("Transfer supervision"),
    "protection:supervision",
    perm="protection.view_criminaltransfer",
    order=45,
    icon="eye",
)
menu.register(
    "protection",
    gettext_lazy("Criminal thresholds"),
    "protection:threshold_list",
    perm="protection.view_thresholdruleset",
    order=90,
    icon="rulers",
)

urlpatterns = [
    path("transfers/", TransferListView.as_view(), name="transfer_list"),
    path("transfers/supervision/", supervision, name="supervision"),
    path("transfers/<int:pk>/", transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/history/", TransferHistoryView.as_view(), name="transfer_history"),
    path("transfers/<int:pk>/documents/", transfer_document_add, name="transfer_document_add"),
    path(
        "transfers/<int:pk>/documents/<int:doc_pk>/",
        transfer_document_download,
        name="transfer_document_download",
    ),
    path("transfers/<int:pk>/<slug:action>/", transfer_action, name="transfer_action"),
    path("cases/<int:case_pk>/transfer/", transfer_propose, name="transfer_propose"),
    path("thresholds/", ThresholdListView.as_view(), name="threshold_list"),
    path("thresholds/add/", ThresholdEditView.as_view(), name="threshold_add"),
    path("thresholds/<int:pk>/", threshold_detail, name="threshold_detail"),
    path("thresholds/<int:pk>/edit/", ThresholdEditView.as_view(), name="threshold_edit"),
    path("thresholds/<int:set_pk>/rules/add/", threshold_rule_edit, name="threshold_rule_add"),
    path("threshold-rules/<int:pk>/edit/", threshold_rule_edit, name="threshold_rule_edit"),
    path("threshold-rules/<int:pk>/delete/", threshold_rule_delete, name="threshold_rule_delete"),
]
