"""Programme pages: list, detail with the rules in plain words, create/edit with the rules in
one page, publish, close, copy to a new year.

Published programmes are read by every holder of the view permission; drafts only by the
organizer's users (`Program.scope_public_view`). Budget figures show to district-wide readers
and the organizer's staff only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ipcity.core import menu
from ipcity.core.scope import has_perm, scope_q
from ipcity.core.views import generic

from .. import applications, programs, rules
from ..choices import ProgramStatus
from ..filters.programs import ProgramFilterSet
from ..forms.programs import CopyForm, ProgramForm, RuleFormSet
from ..models import Application, Program
from ..tables.programs import ProgramTable

TEMPLATES = "incentives/programs"
QUERYSET = Program.objects.select_related("organizer")


def sees_budget(user, program) -> bool:
    """Staff: district-wide readers of programmes, or those who may change this one."""
    q = scope_q(Program, user, "view")
    if q is not None and not q:
        return True
    return Program.objects.restrict(user, "change").filter(pk=program.pk).exists()


class ProgramListView(generic.ObjectListView):
    queryset = QUERYSET
    filterset_class = ProgramFilterSet
    table_class = ProgramTable


class ProgramDetailView(generic.ObjectDetailView):
    queryset = QUERYSET
    template_name = f"{TEMPLATES}/program_detail.html"

    def extra_context(self, program) -> dict:
        user = self.request.user
        changeable = self.restricted("change").filter(pk=program.pk).exists()
        return {
            "rules": [
                {"rule": r, "text": rules.describe_rule(r)} for r in program.rules.order_by("pk")
            ],
            "materials": applications.required_materials(program),
            "call_open": applications.call_open(program),
            "sees_budget": sees_budget(user, program),
            "budget": {
                "budget": rules.yuan_display(program.budget),
                "approved": rules.yuan_display(program.committed_amount),
                "paid": rules.yuan_display(program.paid_amount),
                "remaining": rules.yuan_display(program.remaining_budget),
            },
            "may_apply": applications.may_apply(user, program),
            "my_application": applications.live_application(user, program),
            "can_publish": changeable and program.status == ProgramStatus.DRAFT,
            "can_close": changeable and program.status == ProgramStatus.PUBLISHED,
            "can_copy": has_perm(user, Program, "add"),
            "can_change": changeable and program.status != ProgramStatus.CLOSED,
            "can_delete": False,
            "copy_form": CopyForm(initial={"year": program.year + 1}),
            "applications_count": Application.objects.restrict(user, "view")
            .filter(program=program)
            .count(),
        }


class ProgramHistoryView(generic.ObjectHistoryView):
    queryset = QUERYSET


def _save(request, form, formset, program):
    with transaction.atomic():
        is_new = program.pk is None
        saved = form.save(commit=False)
        saved._history_user = request.user
        if is_new:
            saved.status = ProgramStatus.DRAFT
        if program.pk and formset.has_changed() and program.applications.exists():
            # Applications were computed and checked under these rules: changing or removing
            # one would change what was claimed behind the applicants' backs.
            raise ValidationError(
                _("The rules cannot change once applications exist; open a new programme.")
            )
        saved.save()
        formset.instance = saved
        for rule in formset.save(commit=False):
            rule._history_user = request.user
            rule.save()
        for rule in formset.deleted_objects:
            rule.delete()
        action = "add" if is_new else "change"
        if not Program.objects.restrict(request.user, action).filter(pk=saved.pk).exists():
            raise PermissionDenied
    return saved


@login_required
@require_http_methods(["GET", "POST"])
def program_edit(request, pk=None):
    if pk is None:
        if not has_perm(request.user, Program, "add"):
            raise PermissionDenied
        program = Program()
    else:
        program = get_object_or_404(QUERYSET.restrict(request.user, "view"), pk=pk)
        if not QUERYSET.restrict(request.user, "change").filter(pk=pk).exists():
            raise PermissionDenied
        if program.status == ProgramStatus.CLOSED:
            raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = ProgramForm(data, instance=program, user=request.user)
    formset = RuleFormSet(data, instance=program, prefix="rules")
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            try:
                saved = _save(request, form, formset, program)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Programme “%(name)s” saved.") % {"name": saved})
                return redirect(saved)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        f"{TEMPLATES}/program_form.html",
        {
            "form": form,
            "formset": formset,
            "object": program,
            "is_new": program.pk is None,
            "verbose_name": Program._meta.verbose_name,
            "verbose_name_plural": Program._meta.verbose_name_plural,
            "list_url": ProgramListView().list_url(),
            "cancel_url": program.get_absolute_url()
            if program.pk
            else ProgramListView().list_url(),
        },
        status=400 if request.method == "POST" else 200,
    )


ACTIONS = {
    "publish": (programs.publish, gettext_lazy("Programme published.")),
    "close": (programs.close, gettext_lazy("Programme closed.")),
}


@login_required
@require_POST
def program_action(request, pk, action):
    program = get_object_or_404(QUERYSET.restrict(request.user, "view"), pk=pk)
    if action == "copy":
        form = CopyForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter the year of the copy."))
            return redirect(program)
        try:
            copy = programs.copy_to_year(request.user, program, form.cleaned_data["year"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(program)
        messages.success(request, _("Copied as a draft for %(year)s.") % {"year": copy.year})
        return redirect(copy)
    if action not in ACTIONS:
        raise Http404
    run, done = ACTIONS[action]
    try:
        run(request.user, program)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, str(done))
    return redirect(program)


menu.register(
    "service",
    gettext_lazy("Incentive programmes"),
    "incentives:program_list",
    "incentives.view_program",
    order=60,
    icon="award",
)

urlpatterns = [
    path("programs/", ProgramListView.as_view(), name="program_list"),
    path("programs/add/", program_edit, name="program_add"),
    path("programs/<int:pk>/", ProgramDetailView.as_view(), name="program_detail"),
    path("programs/<int:pk>/edit/", program_edit, name="program_edit"),
    path("programs/<int:pk>/history/", ProgramHistoryView.as_view(), name="program_history"),
    path("programs/<int:pk>/do/<slug:action>/", program_action, name="program_action"),
]
