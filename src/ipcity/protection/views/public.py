"""Public pages (no sign-in), mounted at /public/protection/: the complaint form, the page with
the tracking code, and the status look-up by tracking code and the contact given.

Both forms are rate-limited per client address (`IPCITY_PUBLIC_FORM_RATE` per hour; the look-up
allows `STATUS_RATE_FACTOR` times as many). The status page shows what the complainant may know
(status, agency, dates and the reply to the complainant `public_reply`), never internal notes
(`decision_reason`) or other parties.

The complaint form submits once (core/once.py): the same form sent twice records one lead and
the second answer is the first one's page. The token is bound to the session, so the form page
starts one.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ipcity.core import once, ratelimit

from .. import leads
from ..choices import LeadSource
from ..forms.leads import ComplaintForm, StatusForm

TEMPLATES = "protection/public"
WINDOW = 3600
STATUS_RATE_FACTOR = 4
SESSION_KEY = "protection_complaint_code"
SESSION_STARTED = "protection_public"


def _start_session(request) -> None:
    """A session (and its cookie) before the first POST, so the once-token of the complaint
    form is keyed the same on the first and a repeated submission."""
    request.session.setdefault(SESSION_STARTED, True)
    if not request.session.session_key:
        request.session.save()


def _too_many(request):
    return render(
        request,
        f"{TEMPLATES}/too_many.html",
        {
            "message": _(
                "Too many submissions from your network in the last hour. Please wait an hour "
                "and try again, or call the IP office."
            )
        },
        status=429,
    )


@require_http_methods(["GET", "POST"])
def complaint(request):
    if request.method == "POST":
        if not ratelimit.allow(
            "complaint", ratelimit.client_ip(request), settings.IPCITY_PUBLIC_FORM_RATE, WINDOW
        ):
            return _too_many(request)
        _start_session(request)
        if not once.claim(request):
            return once.repeat_response(
                request, fallback=reverse("protection_public:complaint_done")
            )
        form = ComplaintForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                lead = leads.create_lead(
                    None,
                    source=LeadSource.PUBLIC,
                    attachments=form.cleaned_data.get("attachments") or (),
                    **form.lead_fields(),
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
                request.session[SESSION_KEY] = lead.tracking_code
                once.done(request, reverse("protection_public:complaint_done"))
                return redirect("protection_public:complaint_done")
        else:
            once.release(request)
        return render(request, f"{TEMPLATES}/complaint.html", {"form": form}, status=400)
    _start_session(request)
    return render(request, f"{TEMPLATES}/complaint.html", {"form": ComplaintForm()})


def complaint_done(request):
    # Kept in the session (not popped): a repeated submission lands here again.
    code = request.session.get(SESSION_KEY)
    if not code:
        return redirect("protection_public:status")
    return render(
        request, f"{TEMPLATES}/complaint_done.html", {"code": code, "period": leads.clock_text()}
    )


@require_http_methods(["GET", "POST"])
def status(request):
    if request.method != "POST":
        return render(request, f"{TEMPLATES}/status.html", {"form": StatusForm()})
    if not ratelimit.allow(
        "complaint-status",
        ratelimit.client_ip(request),
        settings.IPCITY_PUBLIC_FORM_RATE * STATUS_RATE_FACTOR,
        WINDOW,
    ):
        return _too_many(request)
    form = StatusForm(request.POST)
    lead = None
    not_found = False
    if form.is_valid():
        lead = leads.find_for_status(form.cleaned_data["code"], form.cleaned_data["contact"])
        not_found = lead is None
    context = {"form": form, "lead": lead, "not_found": not_found}
    return render(
        request,
        f"{TEMPLATES}/status.html",
        context,
        status=200 if lead else 404 if not_found else 400,
    )


urlpatterns = [
    path("complaint/", complaint, name="complaint"),
    path("complaint/done/", complaint_done, name="complaint_done"),
    path("status/", status, name="status"),
]
