"""The holiday table: days the calendar library does not know, entered by administrators."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .. import menu
from ..models import Holiday
from ..scope import has_perm
from ..workdays import LIBRARY_FIRST_YEAR, LIBRARY_LAST_YEAR


def holidays_for(user, action: str):
    return Holiday.objects.restrict(user, action)


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["date", "kind", "name", "source"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "source": gettext_lazy("For example the State Council notice that announced it."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def _require(user, action: str) -> None:
    if not has_perm(user, Holiday, action):
        raise PermissionDenied


@login_required
def holiday_list(request):
    _require(request.user, "view")
    qs = holidays_for(request.user, "view")
    year = request.GET.get("year", "").strip()
    if year.isdigit() and 1900 <= int(year) <= 2100:
        qs = qs.filter(date__year=int(year))
    else:
        year = ""
    page = Paginator(qs.order_by("-date"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/holidays.html",
        {
            "page": page,
            "year": year,
            "library_first_year": LIBRARY_FIRST_YEAR,
            "library_last_year": LIBRARY_LAST_YEAR,
            "can_add": has_perm(request.user, Holiday, "add"),
            "can_change": has_perm(request.user, Holiday, "change"),
            "can_delete": has_perm(request.user, Holiday, "delete"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def holiday_add(request):
    _require(request.user, "add")
    form = HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        holiday = form.save()
        messages.success(request, _("Saved %(holiday)s.") % {"holiday": holiday})
        return redirect("core:holiday_list")
    return render(request, "core/holidays_form.html", {"form": form, "holiday": None})


@login_required
@require_http_methods(["GET", "POST"])
def holiday_edit(request, pk: int):
    holiday = get_object_or_404(holidays_for(request.user, "view"), pk=pk)
    _require(request.user, "change")
    holiday = get_object_or_404(holidays_for(request.user, "change"), pk=pk)
    form = HolidayForm(request.POST or None, instance=holiday)
    if request.method == "POST" and form.is_valid():
        holiday = form.save()
        messages.success(request, _("Saved %(holiday)s.") % {"holiday": holiday})
        return redirect("core:holiday_list")
    return render(request, "core/holidays_form.html", {"form": form, "holiday": holiday})


@login_required
@require_http_methods(["GET", "POST"])
def holiday_delete(request, pk: int):
    holiday = get_object_or_404(holidays_for(request.user, "view"), pk=pk)
    _require(request.user, "delete")
    holiday = get_object_or_404(holidays_for(request.user, "delete"), pk=pk)
    if request.method == "POST":
        holiday.delete()
        messages.success(request, _("Deleted %(holiday)s.") % {"holiday": holiday})
        return redirect("core:holiday_list")
    return render(request, "core/holidays_delete.html", {"holiday": holiday})


urlpatterns = [
    path("holidays/", holiday_list, name="holiday_list"),
    path("holidays/add/", holiday_add, name="holiday_add"),
    path("holidays/<int:pk>/edit/", holiday_edit, name="holiday_edit"),
    path("holidays/<int:pk>/delete/", holiday_delete, name="holiday_delete"),
]

# Registered on import: core.urls imports this module before any page (and so the menu) renders.
menu.register("system", gettext_lazy("Holidays"), "core:holiday_list", "core.view_holiday", 60)
