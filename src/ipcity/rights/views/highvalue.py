"""High-value rule set pages: the versions, their parameters and the SEI–IPC concordance.

Reading needs rights.view_highvalueruleset; every change (parameters, concordance rows, a loaded
file, a recompute) needs rights.change_highvalueruleset and queues the reclassification of all
patents as a background job, so the stored classification always follows the rules.
"""

import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu
from ipcity.core.exports import escape_formula
from ipcity.core.jobs import job_url
from ipcity.core.scope import has_perm
from ipcity.core.views.generic import paginate

from .. import highvalue
from ..choices import HighValueCriterion
from ..models import HighValueRuleSet, SEIConcordance

menu.register(
    "creation",
    gettext_lazy("High-value rules"),
    "rights:highvalue_list",
    "rights.view_highvalueruleset",
    order=80,
    icon="gem",
)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class HighValueRuleSetForm(forms.ModelForm):
    criteria = forms.MultipleChoiceField(
        label=gettext_lazy("Criteria"),
        choices=HighValueCriterion.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = HighValueRuleSet
        fields = [
            "name",
            "valid_from",
            "valid_to",
            "criteria",
            "pledge_threshold",
            "maintained_years",
            "source",
        ]
        help_texts = {
            "pledge_threshold": gettext_lazy(
                "Leave empty while no threshold is decided: the pledge criterion is then never met."
            ),
            "valid_to": gettext_lazy("Empty: still in force."),
        }

    def clean_pledge_threshold(self):
        value = self.cleaned_data.get("pledge_threshold")
        if value is not None and value < 0:
            raise forms.ValidationError(_("The threshold cannot be negative."))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The last year comes before the first year."))
        elif start:
            overlapping = HighValueRuleSet.objects.exclude(pk=self.instance.pk).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=start)
            )
            if end:
                overlapping = overlapping.filter(valid_from__lte=end)
            clash = overlapping.first()
            if clash:
                raise forms.ValidationError(
                    _("The years overlap with “%(other)s” (%(start)s–%(end)s).")
                    % {"other": clash, "start": clash.valid_from, "end": clash.valid_to or "…"}
                )
        # Keep the canonical order, so rule sets read alike.
        if data.get("criteria"):
            data["criteria"] = [c for c in HighValueCriterion.values if c in data["criteria"]]
        return data


class SEIConcordanceForm(forms.ModelForm):
    class Meta:
        model = SEIConcordance
        fields = ["ipc_prefix", "industry_code", "industry_name"]
        help_texts = {
            "ipc_prefix": gettext_lazy(
                "Section, class, subclass, main group or subgroup: H04W, G06F 16/00, G06F 16/30."
            )
        }

    def __init__(self, *args, rule_set=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_set = rule_set

    def clean_ipc_prefix(self):
        value = highvalue.normalize_ipc(self.cleaned_data.get("ipc_prefix", ""))
        if not value:
            raise forms.ValidationError(_("This is not an IPC code or prefix."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("ipc_prefix") and data.get("industry_code"):
            clash = (
                SEIConcordance.objects.filter(
                    rule_set=self.rule_set,
                    ipc_prefix=data["ipc_prefix"],
                    industry_code=data["industry_code"],
                )
                .exclude(pk=self.instance.pk)
                .exists()
            )
            if clash:
                raise forms.ValidationError(_("This prefix is already mapped to that industry."))
        return data


class ConcordanceUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Concordance file (CSV)"))
    all_rule_sets = forms.BooleanField(
        label=gettext_lazy("Use this concordance for every rule set"), required=False
    )


def _rule_set(request, pk, action="view") -> HighValueRuleSet:
    rule_set = get_object_or_404(HighValueRuleSet.objects.restrict(request.user, "view"), pk=pk)
    if action != "view" and not (
        HighValueRuleSet.objects.restrict(request.user, action).filter(pk=rule_set.pk).exists()
    ):
        raise PermissionDenied
    return rule_set


def _queue_recompute(request, reason: str) -> None:
    job = highvalue.request_recompute(request.user, reason)
    messages.info(
        request,
        _("Patents are being reclassified in the background: %(url)s")
        % {"url": request.build_absolute_uri(job_url(job))},
    )


@login_required
def rule_set_list(request):
    if not has_perm(request.user, HighValueRuleSet, "view"):
        raise PermissionDenied
    rule_sets = (
        HighValueRuleSet.objects.restrict(request.user, "view")
        .annotate(concordance_rows=Count("concordance"))
        .order_by("valid_from")
    )
    labels = dict(HighValueCriterion.choices)
    rows = [
        {
            "object": rs,
            "criteria": [labels.get(c, c) for c in rs.criteria],
            "pledge_unset": HighValueCriterion.PLEDGE in rs.criteria
            and rs.pledge_threshold is None,
        }
        for rs in rule_sets
    ]
    current = highvalue.rule_set_for(highvalue.current_year())
    return render(
        request,
        "rights/highvalue_list.html",
        {
            "rows": rows,
            "current": current,
            "year": highvalue.current_year(),
            "can_change": has_perm(request.user, HighValueRuleSet, "change"),
        },
    )


@login_required
def rule_set_detail(request, pk):
    rule_set = _rule_set(request, pk)
    rows = rule_set.concordance.all().order_by("ipc_prefix", "industry_code")
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(
            Q(ipc_prefix__istartswith=highvalue.normalize_ipc(q) or q)
            | Q(industry_name__icontains=q)
            | Q(industry_code__startswith=q)
        )
    labels = dict(HighValueCriterion.choices)
    can_change = HighValueRuleSet.objects.restrict(request.user, "change").filter(pk=pk).exists()
    return render(
        request,
        "rights/highvalue_detail.html",
        {
            "object": rule_set,
            "criteria": [(c, labels.get(c, c)) for c in rule_set.criteria],
            "dropped": [
                label for c, label in HighValueCriterion.choices if c not in rule_set.criteria
            ],
            "pledge_unset": HighValueCriterion.PLEDGE in rule_set.criteria
            and rule_set.pledge_threshold is None,
            "is_sample": highvalue.is_sample_concordance(rule_set),
            "page": paginate(request, rows, per_page=50),
            "q": q,
            "can_change": can_change,
            "row_form": SEIConcordanceForm(rule_set=rule_set) if can_change else None,
            "upload_form": ConcordanceUploadForm() if can_change else None,
        },
    )


@login_required
def rule_set_edit(request, pk):
    rule_set = _rule_set(request, pk, "change")
    form = HighValueRuleSetForm(request.POST or None, instance=rule_set)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                saved = form.save(commit=False)
                saved._history_user = request.user
                saved.save()
                _queue_recompute(request, _("Rule set %(code)s changed.") % {"code": saved.code})
            messages.success(request, _("Rule set “%(name)s” saved.") % {"name": saved})
            return redirect("rights:highvalue_detail", pk=saved.pk)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "rights/highvalue_form.html",
        {"form": form, "object": rule_set, "title": _("Edit %(name)s") % {"name": rule_set}},
        status=400 if form.errors else 200,
    )


@login_required
def concordance_row_edit(request, pk, row_pk=None):
    rule_set = _rule_set(request, pk, "change")
    row = get_object_or_404(rule_set.concordance, pk=row_pk) if row_pk else SEIConcordance()
    form = SEIConcordanceForm(request.POST or None, instance=row, rule_set=rule_set)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                saved = form.save(commit=False)
                saved.rule_set = rule_set
                saved.save()
                _queue_recompute(
                    request,
                    _("Concordance of %(code)s changed: %(row)s")
                    % {"code": rule_set.code, "row": saved},
                )
            messages.success(request, _("Concordance row “%(row)s” saved.") % {"row": saved})
            return redirect("rights:highvalue_detail", pk=rule_set.pk)
        messages.error(request, _("Please correct the errors below."))
    title = _("Edit concordance row") if row.pk else _("Add concordance row")
    return render(
        request,
        "rights/highvalue_form.html",
        {"form": form, "object": rule_set, "title": title},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def concordance_row_delete(request, pk, row_pk):
    rule_set = _rule_set(request, pk, "change")
    row = get_object_or_404(rule_set.concordance, pk=row_pk)
    label = str(row)
    with transaction.atomic():
        row.delete()
        _queue_recompute(
            request,
            _("Concordance of %(code)s changed: %(row)s removed")
            % {"code": rule_set.code, "row": label},
        )
    messages.success(request, _("Concordance row “%(row)s” removed.") % {"row": label})
    return redirect("rights:highvalue_detail", pk=rule_set.pk)


@login_required
@require_POST
def concordance_upload(request, pk):
    rule_set = _rule_set(request, pk, "change")
    form = ConcordanceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file to load."))
        return redirect("rights:highvalue_detail", pk=rule_set.pk)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD_BYTES:
        messages.error(request, _("The file is too large for a concordance (20 MB at most)."))
        return redirect("rights:highvalue_detail", pk=rule_set.pk)
    try:
        rows = highvalue.read_concordance(upload.read())
    except highvalue.ConcordanceFileError as exc:
        messages.error(request, _("The file was not loaded: %(reason)s") % {"reason": exc})
        return redirect("rights:highvalue_detail", pk=rule_set.pk)
    targets = [rule_set]
    if form.cleaned_data["all_rule_sets"]:
        targets = list(HighValueRuleSet.objects.restrict(request.user, "change"))
    with transaction.atomic():
        for target in targets:
            highvalue.replace_concordance(target, rows)
        _queue_recompute(
            request,
            _("Concordance loaded from %(file)s (%(n)d rows).")
            % {"file": upload.name, "n": len(rows)},
        )
    sources = sorted({r.source for r in rows if r.source})
    messages.success(
        request,
        _("%(n)d concordance rows loaded into %(rule_sets)s. Source: %(source)s")
        % {
            "n": len(rows),
            "rule_sets": ", ".join(t.code for t in targets),
            "source": "; ".join(sources) or _("not stated in the file"),
        },
    )
    return redirect("rights:highvalue_detail", pk=rule_set.pk)


@login_required
def concordance_export(request, pk):
    rule_set = _rule_set(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sei-concordance-{rule_set.code}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["ipc_prefix", "industry_code", "industry_name"])
    for row in rule_set.concordance.order_by("ipc_prefix").values_list(
        "ipc_prefix", "industry_code", "industry_name"
    ):
        writer.writerow([escape_formula(v) for v in row])
    return response


@login_required
@require_POST
def recompute(request):
    if not has_perm(request.user, HighValueRuleSet, "change"):
        raise PermissionDenied
    with transaction.atomic():
        job = highvalue.request_recompute(request.user, _("Asked for on the rule set page."))
    return redirect(job_url(job))


def rule_set_url(rule_set) -> str:
    return reverse("rights:highvalue_detail", args=[rule_set.pk])


urlpatterns = [
    path("high-value/", rule_set_list, name="highvalue_list"),
    path("high-value/recompute/", recompute, name="highvalue_recompute"),
    path("high-value/<int:pk>/", rule_set_detail, name="highvalue_detail"),
    path("high-value/<int:pk>/edit/", rule_set_edit, name="highvalue_edit"),
    path("high-value/<int:pk>/concordance.csv", concordance_export, name="highvalue_export"),
    path(
        "high-value/<int:pk>/concordance/add/",
        concordance_row_edit,
        name="highvalue_row_add",
    ),
    path(
        "high-value/<int:pk>/concordance/<int:row_pk>/edit/",
        concordance_row_edit,
        name="highvalue_row_edit",
    ),
    path(
        "high-value/<int:pk>/concordance/<int:row_pk>/delete/",
        concordance_row_delete,
        name="highvalue_row_delete",
    ),
    path(
        "high-value/<int:pk>/concordance/upload/",
        concordance_upload,
        name="highvalue_upload",
    ),
]
