"""Application pages: apply, the application with its items and their checks, documents,
submit and withdraw, the list.

An enterprise user sees and changes its own organization's applications; the office sees all
and may apply on an enterprise's behalf; the leader reads. Rows come through `restrict`: an
application outside the user's view scope is a 404, one they see but may not change a 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ipcity.core import menu, once
from ipcity.core.scope import has_perm, scope_q
from ipcity.core.views import generic

from .. import applications, eligibility, rules
from ..choices import ApplicationStatus
from ..filters.applications import ApplicationFilterSet
from ..forms.applications import ApplicationForm, ItemForm, MaterialForm
from ..models import Application, ApplicationItem, Material, Program
from ..tables.applications import ApplicationTable

TEMPLATES = "incentives/applications"
QUERYSET = Application.objects.select_related("program", "applicant", "notice")


class ApplicationListView(generic.ObjectListView):
    queryset = QUERYSET
    filterset_class = ApplicationFilterSet
    table_class = ApplicationTable

    def add_url(self) -> str:
        return ""  # applications start from a programme's apply button


def _application(request, pk, queryset=QUERYSET) -> Application:
    return get_object_or_404(queryset.restrict(request.user, "view"), pk=pk)


def _panel(user, application) -> dict:
    from .. import review

    try:
        return review.panel_context(user, application) or {}
    except AttributeError:  # the review module may still be a stub
        return {}


def item_rows(items) -> list[dict]:
    rows = []
    for item in items:
        checks = eligibility.shown(item.checks)
        rows.append(
            {
                "item": item,
                "checks": checks,
                "amount": rules.yuan_display(item.computed_amount),
                "approved": rules.yuan_display(item.approved_amount)
                if item.approved_amount is not None
                else "",
            }
        )
    return rows


def items_context(user, application, actions=None) -> dict:
    if actions is None:
        actions = applications.available_actions(user, application)
    items = list(eligibility.items_of(application))
    return {
        "object": application,
        "item_rows": item_rows(items),
        "actions": actions,
        "requested": rules.yuan_display(application.requested_amount),
        "item_form": ItemForm(program=application.program) if "items" in actions else None,
        "rules_text": [
            {"rule": r, "text": rules.describe_rule(r)}
            for r in application.program.rules.order_by("pk")
        ],
    }


class ApplicationDetailView(generic.ObjectDetailView):
    queryset = QUERYSET
    template_name = f"{TEMPLATES}/application_detail.html"

    def extra_context(self, application) -> dict:
        from ..models import Payment

        user = self.request.user
        changeable = self.restricted("change").filter(pk=application.pk).exists()
        actions = applications.available_actions(user, application, changeable=changeable)
        materials = list(
            Material.objects.restrict(user, "view")
            .filter(application=application)
            .select_related("uploaded_by")
        )
        payments = list(
            Payment.objects.restrict(user, "view")
            .filter(application=application)
            .order_by("paid_on", "pk")
        )
        context = items_context(user, application, actions)
        context.update(
            {
                "materials": materials,
                "missing_materials": applications.missing_materials(
                    application, [m.title for m in materials]
                ),
                "required_titles": applications.required_materials(application.program),
                "material_form": MaterialForm(program=application.program)
                if "attach" in actions
                else None,
                "reviews": list(application.reviews.select_related("reviewer").order_by("at")),
                "payments": [
                    {"payment": p, "amount": rules.yuan_display(p.amount)} for p in payments
                ],
                "amounts": {
                    "requested": rules.yuan_display(application.requested_amount),
                    "approved": rules.yuan_display(application.approved_amount),
                    "paid": rules.yuan_display(application.paid_amount),
                },
                "is_paid": application.status == ApplicationStatus.PAID,
                "can_change": "edit" in actions,
                "can_delete": False,
                **_panel(user, application),
            }
        )
        return context


class ApplicationHistoryView(generic.ObjectHistoryView):
    queryset = QUERYSET


@login_required
@require_http_methods(["GET", "POST"])
def apply(request, pk):
    """Start an application to a programme: the enterprise for itself, the office on an
    enterprise's behalf. An existing live application of one's own is opened instead."""
    program = get_object_or_404(Program.objects.restrict(request.user, "view"), pk=pk)
    if not has_perm(request.user, Application, "add"):
        raise PermissionDenied
    existing = applications.live_application(request.user, program)
    if existing is not None:
        return redirect(existing)
    q = scope_q(Application, request.user, "add")
    choose = q is not None and not q  # district-wide: the office applies on a behalf
    if request.method == "POST":
        form = ApplicationForm(request.POST, user=request.user, choose_applicant=choose)
        if not once.claim(request):
            return once.repeat_response(request, fallback=program.get_absolute_url())
    else:
        user = request.user
        form = ApplicationForm(
            user=user,
            choose_applicant=choose,
            initial={"contact_name": user.get_full_name() or user.username},
        )
    if not applications.call_open(program):
        messages.error(
            request,
            _("Applications to this programme are accepted from %(start)s to %(end)s.")
            % {"start": program.call_opens.isoformat(), "end": program.call_closes.isoformat()},
        )
        if request.method == "POST":
            once.release(request)
        return redirect(program)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        applicant = data.pop("applicant", None) if choose else request.user.organization
        try:
            if applicant is None:
                raise PermissionDenied
            application = applications.create(
                request.user,
                program,
                applicant,
                **{k: data.get(k, "") for k in applications.FIELDS},
            )
        except ValidationError as exc:
            generic._add_errors(form, exc)
        except BaseException:
            once.release(request)
            raise
        else:
            once.done(request, application.get_absolute_url())
            messages.success(
                request, _("Application started. Add the items you claim and the documents.")
            )
            return redirect(application)
    if request.method == "POST":
        once.release(request)
    return render(
        request,
        f"{TEMPLATES}/apply.html",
        {
            "form": form,
            "program": program,
            "rules_text": [
                {"rule": r, "text": rules.describe_rule(r)} for r in program.rules.order_by("pk")
            ],
            "materials": applications.required_materials(program),
            "verbose_name_plural": Application._meta.verbose_name_plural,
            "list_url": ApplicationListView().list_url(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk):
    application = _application(request, pk)
    if "edit" not in applications.available_actions(request.user, application):
        raise PermissionDenied
    form = ApplicationForm(
        request.POST if request.method == "POST" else None,
        instance=application,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            applications.update(
                request.user,
                application,
                **{k: form.cleaned_data.get(k, "") for k in applications.FIELDS},
            )
        except ValidationError as exc:
            generic._add_errors(form, exc)
        else:
            messages.success(request, _("Application saved."))
            return redirect(application)
    return render(
        request,
        "core/object_form.html",
        {
            "form": form,
            "object": application,
            "is_new": False,
            "verbose_name": Application._meta.verbose_name,
            "verbose_name_plural": Application._meta.verbose_name_plural,
            "list_url": ApplicationListView().list_url(),
            "cancel_url": application.get_absolute_url(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _items_response(request, application, form=None, status=200):
    """The items card (for HTMX) or back to the page."""
    application.refresh_from_db()
    if getattr(request, "htmx", False):
        context = items_context(request.user, application)
        if form is not None:
            context["item_form"] = form
        return render(request, f"{TEMPLATES}/_items.html", context, status=status)
    return redirect(application)


@login_required
@require_POST
def item_add(request, pk):
    application = _application(request, pk)
    if "items" not in applications.available_actions(request.user, application):
        raise PermissionDenied
    form = ItemForm(request.POST, program=application.program)
    if form.is_valid():
        try:
            applications.add_item(
                request.user,
                application,
                form.cleaned_data["rule"],
                form.cleaned_data["reference"],
                form.cleaned_data.get("claimed_base"),
            )
        except ValidationError as exc:
            generic._add_errors(form, exc)
        else:
            if not getattr(request, "htmx", False):
                messages.success(request, _("Item added and checked."))
            return _items_response(request, application)
    if not getattr(request, "htmx", False):
        messages.error(request, " ".join(str(m) for e in form.errors.values() for m in e))
    return _items_response(request, application, form=form, status=400)


@login_required
@require_POST
def item_remove(request, pk, item_pk):
    application = _application(request, pk)
    item = get_object_or_404(ApplicationItem, pk=item_pk, application=application)
    try:
        applications.remove_item(request.user, item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _items_response(request, application)


@login_required
@require_POST
def material_add(request, pk):
    application = _application(request, pk)
    if "attach" not in applications.available_actions(request.user, application):
        raise PermissionDenied
    form = MaterialForm(request.POST, request.FILES, program=application.program)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for e in form.errors.values() for m in e))
        return redirect(application)
    try:
        applications.add_material(
            request.user, application, form.cleaned_data["title"], form.cleaned_data["file"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Document uploaded."))
    return redirect(application)


@login_required
@require_POST
def material_remove(request, pk):
    material = get_object_or_404(Material.objects.restrict(request.user, "view"), pk=pk)
    application = _application(request, material.application_id)
    try:
        applications.remove_material(request.user, material)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Document removed."))
    return redirect(application)


@login_required
def material_download(request, pk):
    material = get_object_or_404(Material.objects.restrict(request.user, "view"), pk=pk)
    _application(request, material.application_id)  # only as visible as its application
    try:
        handle = material.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    return FileResponse(
        handle, as_attachment=True, filename=material.name, content_type=material.content_type
    )


ACTIONS = {
    "submit": (applications.submit, gettext_lazy("Application submitted for review.")),
    "withdraw": (applications.withdraw, gettext_lazy("Application withdrawn.")),
}


@login_required
@require_POST
def application_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    application = _application(request, pk)
    if not applications.can_change(request.user, application):
        raise PermissionDenied
    if not once.claim(request):
        return once.repeat_response(request, fallback=application.get_absolute_url())
    run, done = ACTIONS[action]
    try:
        run(request.user, application)
    except ValidationError as exc:
        once.release(request)
        for message in exc.messages:
            messages.error(request, message)
    else:
        once.done(request, application.get_absolute_url())
        messages.success(request, str(done))
    return redirect(application)


menu.register(
    "service",
    gettext_lazy("Applications"),
    "incentives:application_list",
    "incentives.view_application",
    order=61,
    icon="file-earmark-check",
)

urlpatterns = [
    path("applications/", ApplicationListView.as_view(), name="application_list"),
    path("programs/<int:pk>/apply/", apply, name="apply"),
    path("applications/<int:pk>/", ApplicationDetailView.as_view(), name="application_detail"),
    path("applications/<int:pk>/edit/", application_edit, name="application_edit"),
    path(
        "applications/<int:pk>/history/",
        ApplicationHistoryView.as_view(),
        name="application_history",
    ),
    path("applications/<int:pk>/items/", item_add, name="application_item_add"),
    path(
        "applications/<int:pk>/items/<int:item_pk>/remove/",
        item_remove,
        name="application_item_remove",
    ),
    path("applications/<int:pk>/materials/", material_add, name="application_material_add"),
    path("materials/<int:pk>/", material_download, name="material_download"),
    path("materials/<int:pk>/remove/", material_remove, name="material_remove"),
    path("applications/<int:pk>/do/<slug:action>/", application_action, name="application_action"),
]
