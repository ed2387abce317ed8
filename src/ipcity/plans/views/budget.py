"""Funding (经费保障) pages: budget lines per task and year, expenditures with vouchers, and the
year's summary (exportable to Excel). The overspend rules live in `plans.budgeting`."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core import menu
from ipcity.core.scope import has_perm
from ipcity.core.views import generic

from .. import budgeting
from ..models import BudgetLine, Expenditure, PlanTask

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ["task", "year", "amount", "source", "warn_at"]
        help_texts = {"warn_at": gettext_lazy("A share between 0 and 1, e.g. 0.90.")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = PlanTask.objects.restrict(user, "view").select_related(
            "plan"
        )

    def clean_warn_at(self):
        value = self.cleaned_data["warn_at"]
        if value is None or not (0 < value <= 1):
            raise forms.ValidationError(_("Enter a share above 0 and at most 1."))
        return value

    def clean_amount(self):
        value = self.cleaned_data["amount"]
        if value < 0:
            raise forms.ValidationError(_("The budget cannot be negative."))
        return value


class ExpenditureForm(forms.Form):
    spent_on = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (yuan)"), max_digits=14, decimal_places=2
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=300)
    voucher_number = forms.CharField(
        label=gettext_lazy("Voucher number"), max_length=100, required=False
    )
    voucher = forms.FileField(label=gettext_lazy("Voucher"), required=False)

    def clean_amount(self):
        value = self.cleaned_data["amount"]
        if value <= 0:
            raise forms.ValidationError(_("Enter an amount above zero."))
        return value

    def clean_voucher(self):
        upload = self.cleaned_data.get("voucher")
        try:
            budgeting.validate_voucher(upload)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["voucher"]) from None
        return upload


LINE_QS = BudgetLine.objects.select_related("task__plan")


def _year(request) -> int | None:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else None


@login_required
def budget_list(request):
    if not has_perm(request.user, BudgetLine, "view"):
        raise PermissionDenied
    lines = budgeting.with_spent(LINE_QS.restrict(request.user, "view"))
    year = _year(request)
    if year:
        lines = lines.filter(year=year)
    page = generic.paginate(request, lines.order_by("-year", "task__plan_id", "task__number"))
    for line in page.object_list:
        line.rate = budgeting.rate(line.spent, line.amount)
        line.warn = bool(line.amount) and line.spent > line.amount * line.warn_at
        line.over = line.spent > line.amount
    years = (
        BudgetLine.objects.restrict(request.user, "view")
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    return render(
        request,
        "plans/budget_list.html",
        {
            "page": page,
            "year": year,
            "years": list(years),
            "can_add": has_perm(request.user, BudgetLine, "add"),
        },
    )


def _line(request, pk) -> BudgetLine:
    return get_object_or_404(budgeting.with_spent(LINE_QS.restrict(request.user, "view")), pk=pk)


def _line_context(request, line, form=None, check=None) -> dict:
    user = request.user
    expenditures = line.expenditures.restrict(user, "view").order_by("-spent_on", "-pk")
    return {
        "object": line,
        "rate": budgeting.rate(line.spent, line.amount),
        "remaining": line.amount - line.spent,
        "expenditures": expenditures,
        "can_change": BudgetLine.objects.restrict(user, "change").filter(pk=line.pk).exists(),
        "can_spend": has_perm(user, Expenditure, "add"),
        "form": form or ExpenditureForm(initial={"spent_on": timezone.localdate()}),
        "check": check,
        "can_confirm_overspend": budgeting.can_confirm_overspend(user, line),
    }


@login_required
def budget_detail(request, pk):
    line = _line(request, pk)
    return render(request, "plans/budget_detail.html", _line_context(request, line))


@login_required
def budget_edit(request, pk=None):
    user = request.user
    if pk is None:
        if not has_perm(user, BudgetLine, "add"):
            raise PermissionDenied
        line = BudgetLine(year=timezone.localdate().year)
    else:
        line = get_object_or_404(LINE_QS.restrict(user, "view"), pk=pk)
        if not BudgetLine.objects.restrict(user, "change").filter(pk=line.pk).exists():
            raise PermissionDenied
    form = BudgetLineForm(request.POST or None, instance=line, user=user)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj._history_user = user
        try:
            obj.validate_constraints()
        except ValidationError:
            form.add_error("year", _("This task already has a budget for that year."))
        else:
            action = "add" if pk is None else "change"
            with transaction.atomic():
                obj.save()
                # The chosen task must keep the line inside what the user may add or change.
                if not BudgetLine.objects.restrict(user, action).filter(pk=obj.pk).exists():
                    transaction.set_rollback(True)
                    raise PermissionDenied
            messages.success(request, _("Budget saved."))
            return redirect("plans:budget_detail", pk=obj.pk)
    return render(
        request,
        "plans/budget_form.html",
        {"form": form, "object": line if line.pk else None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def budget_expenditure_create(request, pk):
    """Record an expenditure; past the warning share or the budget, ask to confirm first."""
    line = _line(request, pk)
    if not has_perm(request.user, Expenditure, "add"):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("plans:budget_detail", pk=line.pk)
    form = ExpenditureForm(request.POST, request.FILES)
    check = None
    if form.is_valid():
        try:
            budgeting.record_expenditure(
                request.user,
                line,
                form.cleaned_data,
                confirm_warning=request.POST.get("confirm_warning") == "1",
                confirm_overspend=request.POST.get("confirm_overspend") == "1",
            )
        except budgeting.NeedsConfirmation as exc:
            check = exc.check
            if form.cleaned_data.get("voucher"):
                messages.info(request, _("Choose the voucher file again before confirming."))
        except ValidationError as exc:
            generic._add_errors(form, exc)
        else:
            messages.success(request, _("Expenditure recorded."))
            return redirect("plans:budget_detail", pk=line.pk)
    context = _line_context(request, line, form=form, check=check)
    return render(request, "plans/budget_detail.html", context, status=200 if check else 400)


@login_required
def budget_voucher(request, pk):
    """The voucher file, for users who may see the expenditure (else 404)."""
    exp = get_object_or_404(Expenditure.objects.restrict(request.user, "view"), pk=pk)
    if not exp.voucher:
        raise Http404
    try:
        handle = exp.voucher.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    name = Path(exp.voucher.name).name
    return FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )


@login_required
def budget_summary(request):
    """Per task: budget, spent and execution rate for one year; ?export=xlsx downloads it."""
    if not has_perm(request.user, BudgetLine, "view"):
        raise PermissionDenied
    year = _year(request) or timezone.localdate().year
    if request.GET.get("export") == "xlsx":
        response = HttpResponse(budgeting.summary_workbook(request.user, year), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="budget-{year}.xlsx"'
        return response
    rows, totals = budgeting.year_summary(request.user, year)
    return render(
        request,
        "plans/budget_summary.html",
        {"rows": rows, "totals": totals, "year": year, "years": range(year - 2, year + 2)},
    )


urlpatterns = [
    path("budget/", budget_list, name="budget_list"),
    path("budget/new/", budget_edit, name="budget_create"),
    path("budget/summary/", budget_summary, name="budget_summary"),
    path("budget/<int:pk>/", budget_detail, name="budget_detail"),
    path("budget/<int:pk>/edit/", budget_edit, name="budget_edit"),
    path(
        "budget/<int:pk>/expenditures/new/",
        budget_expenditure_create,
        name="budget_expenditure_create",
    ),
    path("budget/vouchers/<int:pk>/", budget_voucher, name="budget_voucher"),
]

menu.register("plan", gettext_lazy("Funding"), "plans:budget_list", "plans.view_budgetline", 50)
