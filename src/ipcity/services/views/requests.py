"""Service request pages: the list (each persona sees their own: the requester its
organization's, a service point what was routed to it, the office and leaders all), the detail
with its timeline and the actions open to the user, the request form for signed-in users, one
form page per action, attachment downloads, history and export.

Rows come through `restrict`: a request outside the user's view scope is a 404, one they see
but may not act on a 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from ipcity.core import menu, once
from ipcity.core.scope import has_perm
from ipcity.core.views import generic

from .. import requests as actions_module
from ..exports.requests import REQUEST_EXPORT
from ..filters.requests import ServiceRequestFilterSet
from ..forms.requests import (
    AnswerForm,
    AssignForm,
    ConfirmForm,
    DeclineForm,
    HandOverForm,
    NoteCloseForm,
    NoteForm,
    RateForm,
    RequestForm,
)
from ..models import RequestAttachment, ServiceRequest
from ..tables.requests import ServiceRequestTable, overdue_badge

TEMPLATES = "services/requests"
QUERYSET = ServiceRequest.objects.select_related(
    "service_point__organization",
    "requester",
    "submitted_by",
    "handler",
    "lead",
    "preferred_point__organization",
)


class RequestUrls:
    """The request pages are named `request_*` (not after the model, `servicerequest`)."""

    def url_name(self, action: str) -> str:
        return f"services:request_{action}"


class RequestListView(RequestUrls, generic.ObjectListView):
    queryset = ServiceRequest.objects.select_related("service_point__organization")
    filterset_class = ServiceRequestFilterSet
    table_class = ServiceRequestTable
    export_spec = REQUEST_EXPORT


class RequestDetailView(RequestUrls, generic.ObjectDetailView):
    queryset = QUERYSET
    template_name = f"{TEMPLATES}/request_detail.html"

    def extra_context(self, req) -> dict:
        user = self.request.user
        events = actions_module.visible_events(user, req)
        return {
            "events": list(events),
            "attachments": list(
                RequestAttachment.objects.restrict(user, "view").filter(request=req)
            ),
            "actions": actions_module.available_actions(user, req),
            "overdue": overdue_badge(req),
            "lead_url": _lead_url(user, req),
            "response_source": actions_module.response_commitment(req.kind),
            "can_change": False,  # changes go through the action forms
            "can_delete": False,
        }


def _lead_url(user, req) -> str:
    from ipcity.protection.models import Lead

    if req.lead_id is None:
        return ""
    if not Lead.objects.restrict(user, "view").filter(pk=req.lead_id).exists():
        return ""
    return reverse("protection:lead_detail", args=[req.lead_id])


class RequestHistoryView(RequestUrls, generic.ObjectHistoryView):
    queryset = QUERYSET


def _request(request, pk) -> ServiceRequest:
    return get_object_or_404(QUERYSET.restrict(request.user, "view"), pk=pk)


def errors_into(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def request_add(request):
    if not has_perm(request.user, ServiceRequest, "add") or request.user.organization is None:
        raise PermissionDenied
    list_url = reverse("services:request_list")
    if request.method == "POST" and not once.claim(request):
        return once.repeat_response(request, fallback=list_url)
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES)
    else:
        form = RequestForm(initial={"contact_name": request.user.get_full_name()})
    if request.method == "POST" and form.is_valid():
        try:
            req = actions_module.submit_request(
                request.user,
                requester_name=request.user.organization.name,
                attachments=form.cleaned_data.get("attachments") or (),
                **form.request_fields(),
            )
        except ValidationError as exc:
            errors_into(form, exc)
        except BaseException:
            once.release(request)
            raise
        else:
            once.done(request, req.get_absolute_url())
            messages.success(
                request, _("Request %(code)s submitted.") % {"code": req.tracking_code}
            )
            return redirect(req)
    if request.method == "POST":
        once.release(request)
    return render(
        request,
        f"{TEMPLATES}/request_form.html",
        {
            "form": form,
            "verbose_name_plural": ServiceRequest._meta.verbose_name_plural,
            "list_url": list_url,
            "title": _("Ask for a service"),
            "organization": request.user.organization,
        },
        status=400 if request.method == "POST" else 200,
    )


# One form page per action: (form factory, run with the cleaned data, title, message).
ACTIONS = {
    "assign": (
        lambda req, *a, **k: AssignForm(*a, request=req, **k),
        lambda user, req, d: actions_module.assign(user, req, d["point"], d.get("note", "")),
        gettext_lazy("Route to a service point"),
        gettext_lazy("Request routed."),
    ),
    "start": (
        lambda req, *a, **k: ConfirmForm(*a, **k),
        lambda user, req, d: actions_module.start(user, req),
        gettext_lazy("Start handling"),
        gettext_lazy("Handling started."),
    ),
    "note": (
        lambda req, *a, **k: NoteForm(*a, **k),
        lambda user, req, d: actions_module.add_note(user, req, d["text"], d.get("public", False)),
        gettext_lazy("Add a note"),
        gettext_lazy("Note added."),
    ),
    "answer": (
        lambda req, *a, **k: AnswerForm(*a, **k),
        lambda user, req, d: actions_module.answer(user, req, d["text"]),
        gettext_lazy("Answer"),
        gettext_lazy("Answer sent to the requester."),
    ),
    "decline": (
        lambda req, *a, **k: DeclineForm(*a, **k),
        lambda user, req, d: actions_module.decline(user, req, d["reason"]),
        gettext_lazy("Decline"),
        gettext_lazy("Request declined."),
    ),
    "rate": (
        lambda req, *a, **k: RateForm(*a, **k),
        lambda user, req, d: actions_module.rate(user, req, d["rating"], d.get("comment", "")),
        gettext_lazy("Rate the service"),
        gettext_lazy("Thank you for your rating."),
    ),
    "withdraw": (
        lambda req, *a, **k: NoteCloseForm(*a, **k),
        lambda user, req, d: actions_module.withdraw(user, req, d.get("note", "")),
        gettext_lazy("Withdraw the request"),
        gettext_lazy("Request withdrawn."),
    ),
    "close": (
        lambda req, *a, **k: NoteCloseForm(*a, **k),
        lambda user, req, d: actions_module.close(user, req, d.get("note", "")),
        pgettext_lazy("close a request", "Close"),
        gettext_lazy("Request closed."),
    ),
    "hand_over": (
        lambda req, *a, **k: HandOverForm(*a, request=req, **k),
        lambda user, req, d: actions_module.hand_over(
            user, req, d.get("agency"), right_type=d["right_type"], note=d.get("note", "")
        ),
        gettext_lazy("Hand over to enforcement"),
        gettext_lazy("Handed over to enforcement as a lead."),
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def request_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    req = _request(request, pk)
    if not actions_module.can_change(request.user, req):
        raise PermissionDenied
    make_form, run, title, done = ACTIONS[action]
    if request.method == "POST" and not once.claim(request):
        return once.repeat_response(request, fallback=req.get_absolute_url())
    available = actions_module.available_actions(request.user, req)
    if action not in available:
        if request.method == "POST":
            once.release(request)
        if not available:
            raise PermissionDenied
        messages.error(
            request,
            _("This step is not open for a request that is %(status)s.")
            % {"status": req.get_status_display().lower()},
        )
        return redirect(req)
    form = make_form(req, request.POST) if request.method == "POST" else make_form(req)
    if request.method == "POST" and form.is_valid():
        try:
            run(request.user, req, form.cleaned_data)
        except ValidationError as exc:
            errors_into(form, exc)
        except BaseException:
            once.release(request)
            raise
        else:
            messages.success(request, str(done))
            once.done(request, req.get_absolute_url())
            return redirect(req)
    if request.method == "POST":
        once.release(request)
    return render(
        request,
        f"{TEMPLATES}/request_action.html",
        {
            "form": form,
            "object": req,
            "title": title,
            "action": action,
            "verbose_name_plural": ServiceRequest._meta.verbose_name_plural,
            "list_url": reverse("services:request_list"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def attachment_download(request, pk):
    attachment = get_object_or_404(RequestAttachment.objects.restrict(request.user, "view"), pk=pk)
    _request(request, attachment.request_id)  # only as visible as its request
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    return FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )


menu.register(
    "service",
    gettext_lazy("Service requests"),
    "services:request_list",
    "services.view_servicerequest",
    order=10,
    icon="headset",
)

urlpatterns = [
    path("requests/", RequestListView.as_view(), name="request_list"),
    path("requests/add/", request_add, name="request_add"),
    path("requests/<int:pk>/", RequestDetailView.as_view(), name="request_detail"),
    path("requests/<int:pk>/history/", RequestHistoryView.as_view(), name="request_history"),
    path(
        "requests/attachments/<int:pk>/",
        attachment_download,
        name="request_attachment_download",
    ),
    path("requests/<int:pk>/<slug:action>/", request_action, name="request_action"),
]
