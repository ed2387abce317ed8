"""Lead pages (线索): list with deadlines, detail with the decision panel, staff form, the
routing and decision forms, attachments, history and export.

Rows come through `restrict`: a lead outside the user's view scope is a 404, one they see but
may not change (or, once referred on, no longer decide) a 403."""

from __future__ import annotations

import importlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ipcity.core import menu, once
from ipcity.core.scope import has_perm
from ipcity.core.views import generic

from .. import leads
from ..exports.leads import LEAD_EXPORT
from ..filters.leads import LeadFilterSet
from ..forms.leads import (
    AttachmentForm,
    ConfirmForm,
    MediationForm,
    NotOpenForm,
    OpenCaseForm,
    RouteForm,
    StaffLeadForm,
)
from ..models import Lead, LeadAttachment
from ..tables.leads import LeadTable, deadline_badge

TEMPLATES = "protection/leads"
QUERYSET = Lead.objects.select_related("agency", "referred_by", "decided_by", "submitted_by")


class LeadListView(generic.ObjectListView):
    queryset = Lead.objects.select_related("agency")
    filterset_class = LeadFilterSet
    table_class = LeadTable
    export_spec = LEAD_EXPORT


def intake_notes(lead: Lead) -> list[dict]:
    """What the registry says of each right number (cases' intake.check_right, when present)."""
    numbers = [n.strip() for n in lead.right_numbers.replace("，", ",").split(",") if n.strip()]
    if not numbers:
        return []
    try:
        intake = importlib.import_module("ipcity.protection.intake")
    except ImportError:
        return []
    check = getattr(intake, "check_right", None)
    if check is None:
        return []
    rows = []
    for number in numbers[:20]:
        try:
            result = check(
                lead.right_type,
                number,
                holder_name=lead.complainant_name,
                holder_uscc=lead.complainant_uscc,
            )
        except Exception:  # the intake check must never break the lead page
            result = {"found": None, "notes": [_("The registry could not be checked.")]}
        rows.append({"number": number, "found": result.get("found"), "notes": result.get("notes")})
    return rows


class LeadDetailView(generic.ObjectDetailView):
    queryset = QUERYSET
    template_name = f"{TEMPLATES}/lead_detail.html"

    def extra_context(self, lead) -> dict:
        user = self.request.user
        attachments = list(
            LeadAttachment.objects.restrict(user, "view").filter(lead=lead).order_by("pk")
        )
        actions = leads.available_actions(user, lead)
        if len(attachments) >= leads.MAX_ATTACHMENTS:
            actions.discard("attach")
        return {
            "attachments": attachments,
            "actions": actions,
            "deadline": deadline_badge(lead, leads.DaysLeft()),
            "intake": intake_notes(lead),
            "case": _visible_case(user, lead),
            "mediation": _visible_mediation(user, lead),
            "attachment_form": AttachmentForm() if "attach" in actions else None,
            "can_change": False,  # no generic edit: changes go through the decision panel
            "can_delete": False,
        }


def _visible_case(user, lead):
    from .. import visibility

    case = getattr(lead, "case", None)
    return case if case is not None and visibility.access(user, case) is not None else None


def _case_url(user, case) -> str:
    """The case page when the user may open it ("" otherwise)."""
    from django.urls import NoReverseMatch, reverse

    from .. import visibility

    if case is None or visibility.access(user, case) is None:
        return ""
    try:
        return reverse("protection:case_detail", args=[case.pk])
    except NoReverseMatch:
        return ""


def _visible_mediation(user, lead):
    from ..models import Mediation

    return Mediation.objects.restrict(user, "view").filter(lead=lead).first()


class LeadHistoryView(generic.ObjectHistoryView):
    queryset = QUERYSET


def _lead(request, pk) -> Lead:
    return get_object_or_404(QUERYSET.restrict(request.user, "view"), pk=pk)


def _errors_into(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def lead_add(request):
    if not has_perm(request.user, Lead, "add"):
        raise PermissionDenied
    if request.method == "POST":
        form = StaffLeadForm(request.POST, request.FILES, user=request.user)
    else:
        form = StaffLeadForm(user=request.user)
    if request.method == "POST" and not once.claim(request):
        return once.repeat_response(request, fallback=LeadListView().list_url())
    if request.method == "POST" and form.is_valid():
        fields = form.lead_fields()
        try:
            lead = leads.create_lead(
                request.user,
                source=fields.pop("source"),
                received_on=fields.pop("received_on"),
                attachments=form.cleaned_data.get("attachments") or (),
                **fields,
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        except BaseException:
            once.release(request)
            raise
        else:
            once.done(request, lead.get_absolute_url())
            messages.success(request, _("Lead %(code)s recorded.") % {"code": lead.tracking_code})
            return redirect(lead)
    if request.method == "POST":
        once.release(request)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        f"{TEMPLATES}/lead_form.html",
        {
            "form": form,
            "verbose_name_plural": Lead._meta.verbose_name_plural,
            "list_url": LeadListView().list_url(),
            "title": _("Record a lead"),
        },
        status=status,
    )


# One form page per action: (form class, the leads function run with the cleaned data, title,
# the message once done).
def _route(request, lead, data):
    return leads.route(request.user, lead, data["agency"], data.get("note", ""))


ACTIONS = {
    "route": (
        lambda lead, *a, **k: RouteForm(*a, lead=lead, **k),
        _route,
        gettext_lazy("Route to an agency"),
        gettext_lazy("Lead routed."),
    ),
    "refer": (
        lambda lead, *a, **k: RouteForm(*a, lead=lead, referral=True, **k),
        _route,
        gettext_lazy("Refer to another agency"),
        gettext_lazy("Lead referred."),
    ),
    "verify": (
        lambda lead, *a, **k: ConfirmForm(*a, **k),
        lambda request, lead, data: leads.start_verification(request.user, lead),
        gettext_lazy("Start verification"),
        gettext_lazy("Verification started."),
    ),
    "open_case": (
        lambda lead, *a, **k: OpenCaseForm(
            *a, initial={"right_type": lead.right_type, "title": lead.description[:60]}, **k
        ),
        lambda request, lead, data: leads.decide_open(
            request.user,
            lead,
            title=data["title"],
            right_type=data["right_type"],
            note=data.get("note", ""),
            public_reply=data.get("public_reply", ""),
        ),
        gettext_lazy("Open a case"),
        gettext_lazy("Case opened."),
    ),
    "not_open": (
        lambda lead, *a, **k: NotOpenForm(*a, **k),
        lambda request, lead, data: leads.decide_not_open(
            request.user, lead, data["reason"], public_reply=data.get("public_reply", "")
        ),
        gettext_lazy("Do not open a case"),
        gettext_lazy("Decision recorded: no case opened."),
    ),
    "mediation": (
        lambda lead, *a, **k: MediationForm(*a, **k),
        lambda request, lead, data: leads.pass_to_mediation(
            request.user,
            lead,
            mediator=data["mediator"],
            note=data.get("note", ""),
            public_reply=data.get("public_reply", ""),
        ),
        gettext_lazy("Pass to mediation"),
        gettext_lazy("Passed to mediation."),
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def lead_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    lead = _lead(request, pk)
    if not leads.can_change(request.user, lead):
        raise PermissionDenied
    make_form, run, title, done = ACTIONS[action]
    if request.method == "POST" and not once.claim(request):
        # The same form sent again (a double click): back to the first result, nothing redone.
        return once.repeat_response(request, fallback=lead.get_absolute_url())
    if action not in leads.available_actions(request.user, lead):
        if request.method == "POST":
            once.release(request)
        if not leads.available_actions(request.user, lead):
            raise PermissionDenied
        messages.error(
            request,
            _("This step is not open for a lead that is %(status)s.")
            % {"status": lead.get_status_display().lower()},
        )
        return redirect(lead)
    form = make_form(lead, request.POST) if request.method == "POST" else make_form(lead)
    if request.method == "POST" and form.is_valid():
        try:
            result = run(request, lead, form.cleaned_data)
        except ValidationError as exc:
            _errors_into(form, exc)
        except BaseException:
            once.release(request)
            raise
        else:
            messages.success(request, str(done))
            if action == "open_case" and result is not None:
                # On to the new case: its handling starts there.
                target = _case_url(request.user, result) or lead.get_absolute_url()
            else:
                target = lead.get_absolute_url()
            once.done(request, target)
            return redirect(target)
    if request.method == "POST":
        once.release(request)
    return render(
        request,
        f"{TEMPLATES}/lead_action.html",
        {
            "form": form,
            "object": lead,
            "title": title,
            "action": action,
            "verbose_name_plural": Lead._meta.verbose_name_plural,
            "list_url": LeadListView().list_url(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def attachment_add(request, pk):
    lead = _lead(request, pk)
    if not leads.can_change(request.user, lead):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for e in form.errors.values() for m in e))
        return redirect(lead)
    try:
        leads.add_attachment(request.user, lead, form.checked())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("File attached."))
    return redirect(lead)


@login_required
def attachment_download(request, pk):
    attachment = get_object_or_404(LeadAttachment.objects.restrict(request.user, "view"), pk=pk)
    _lead(request, attachment.lead_id)  # only as visible as its lead
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


menu.register(
    "protection",
    pgettext_lazy("enforcement leads", "Leads"),
    "protection:lead_list",
    "protection.view_lead",
    order=20,
    icon="inbox",
)

urlpatterns = [
    path("leads/", LeadListView.as_view(), name="lead_list"),
    path("leads/add/", lead_add, name="lead_add"),
    path("leads/<int:pk>/", LeadDetailView.as_view(), name="lead_detail"),
    path("leads/<int:pk>/history/", LeadHistoryView.as_view(), name="lead_history"),
    path("leads/<int:pk>/attachments/", attachment_add, name="lead_attachment_add"),
    path("leads/attachments/<int:pk>/", attachment_download, name="lead_attachment_download"),
    path("leads/<int:pk>/<slug:action>/", lead_action, name="lead_action"),
]
