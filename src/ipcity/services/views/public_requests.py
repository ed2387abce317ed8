"""Public pages (no sign-in), mounted at /public/: the service request form, the page with the
tracking code, and the status look-up by tracking code and the contact given.

Both forms are rate-limited per client address (`IPCITY_PUBLIC_FORM_RATE` per hour; the look-up
allows `STATUS_RATE_FACTOR` times as many). The status page shows what the requester may know:
the status, the service point, the dates, the steps marked public, the answer, and, once
handed over to enforcement, the lead's tracking code (followed on protection's status page).
Internal notes never show. An answered request not yet rated offers the rating form, and one not
yet answered can be withdrawn; both are accepted only with the same code and contact again.
The form takes `?kind=` and `?point=` (the directory's "ask this point" links).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ipcity.core import once, ratelimit

from .. import requests as actions_module
from ..choices import RequestStatus
from ..forms.requests import PublicRequestForm, RateForm, StatusForm
from ..models import RequestEvent

TEMPLATES = "services/public"
WINDOW = 3600
STATUS_RATE_FACTOR = 4
SESSION_KEY = "services_request_code"
SESSION_STARTED = "services_public"


def _start_session(request) -> None:
    request.session.setdefault(SESSION_STARTED, True)
    if not request.session.session_key:
        request.session.save()


def _too_many(request):
    return render(
        request,
        f"{TEMPLATES}/request_too_many.html",
        {
            "message": _(
                "Too many submissions from your network in the last hour. Please wait an hour "
                "and try again, or call the IP office."
            )
        },
        status=429,
    )


def _prefill(query) -> dict:
    """`?kind=` and `?point=` from the directory's "ask this point" links, when valid."""
    from ..choices import ServiceKind
    from ..institutions import all_points

    initial = {}
    if query.get("kind") in ServiceKind.values:
        initial["kind"] = query["kind"]
    point = query.get("point", "")
    if point.isdigit() and len(point) < 10:
        found = all_points().filter(pk=int(point)).first()
        if found is not None:
            initial["preferred_point"] = found.pk
    return initial


@require_http_methods(["GET", "POST"])
def request_add(request):
    if request.method != "POST":
        _start_session(request)
        form = PublicRequestForm(initial=_prefill(request.GET))
        return render(request, f"{TEMPLATES}/request_add.html", {"form": form})
    if not ratelimit.allow(
        "service-request", ratelimit.client_ip(request), settings.IPCITY_PUBLIC_FORM_RATE, WINDOW
    ):
        return _too_many(request)
    _start_session(request)
    if not once.claim(request):
        return once.repeat_response(request, fallback=reverse("public:request_done"))
    form = PublicRequestForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            req = actions_module.submit_request(
                None,
                attachments=form.cleaned_data.get("attachments") or (),
                **form.request_fields(),
            )
        except ValidationError as exc:
            once.release(request)
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        except BaseException:
            once.release(request)
            raise
        else:
            request.session[SESSION_KEY] = req.tracking_code
            once.done(request, reverse("public:request_done"))
            return redirect("public:request_done")
    else:
        once.release(request)
    return render(request, f"{TEMPLATES}/request_add.html", {"form": form}, status=400)


def request_done(request):
    code = request.session.get(SESSION_KEY)
    if not code:
        return redirect("public:request_status")
    return render(request, f"{TEMPLATES}/request_done.html", {"code": code})


def _status_context(req) -> dict:
    events = list(
        RequestEvent.objects.filter(request=req, public=True).select_related("point__organization")
    )
    rateable = req.status == RequestStatus.ANSWERED and req.rating is None
    return {
        "req": req,
        "events": events,
        "rate_form": RateForm() if rateable else None,
        "withdrawable": req.status in actions_module.WITHDRAWABLE_STATUSES,
    }


@require_http_methods(["GET", "POST"])
def request_status(request):
    if request.method != "POST":
        return render(request, f"{TEMPLATES}/request_status.html", {"form": StatusForm()})
    if not ratelimit.allow(
        "service-request-status",
        ratelimit.client_ip(request),
        settings.IPCITY_PUBLIC_FORM_RATE * STATUS_RATE_FACTOR,
        WINDOW,
    ):
        return _too_many(request)
    form = StatusForm(request.POST)
    req = None
    not_found = False
    context: dict = {"form": form}
    if form.is_valid():
        req = actions_module.find_public(form.cleaned_data["code"], form.cleaned_data["contact"])
        not_found = req is None
    if req is not None and request.POST.get("do") == "rate":
        rate_form = RateForm(request.POST)
        if rate_form.is_valid():
            try:
                actions_module.rate(
                    None, req, rate_form.cleaned_data["rating"], rate_form.cleaned_data["comment"]
                )
            except ValidationError as exc:
                rate_form.add_error(None, exc.messages)
            else:
                context["rated"] = True
        context.update(_status_context(req))
        if not context.get("rated") and context.get("rate_form") is not None:
            context["rate_form"] = rate_form
    elif req is not None and request.POST.get("do") == "withdraw":
        try:
            actions_module.withdraw(None, req, note=_("Withdrawn on the public status page."))
        except ValidationError as exc:
            context["action_errors"] = exc.messages
        else:
            context["withdrawn"] = True
        context.update(_status_context(req))
    elif req is not None:
        context.update(_status_context(req))
    context["not_found"] = not_found
    return render(
        request,
        f"{TEMPLATES}/request_status.html",
        context,
        status=200 if req else 404 if not_found else 400,
    )


urlpatterns = [
    path("requests/new/", request_add, name="request_add"),
    path("requests/new/done/", request_done, name="request_done"),
    path("requests/status/", request_status, name="request_status"),
]
