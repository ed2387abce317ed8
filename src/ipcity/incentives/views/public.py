"""Public pages (no sign-in), mounted at /public/incentives/: the programmes open for
application with their rules (applying needs an account: a sign-in link), the published public
notices with their applicants and amounts, and the objection form on a running notice (CSRF,
honeypot, rate limit per address, submitted once)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ipcity.core import once, ratelimit

from .. import notices
from ..choices import ApplicationStatus, NoticeStatus, ProgramStatus
from ..exports.awards import items_text, with_items
from ..forms.notices import PublicObjectionForm
from ..models import Program, PublicNotice, Rule

TEMPLATES = "incentives/public"
WINDOW = 3600
# What a public notice lists: the applications as published (a revoked one drops off).
LISTED = (
    ApplicationStatus.IN_NOTICE,
    ApplicationStatus.CONFIRMED,
    ApplicationStatus.PAID,
)


def program_list(request):
    today = timezone.localdate()
    programs = (
        Program.objects.filter(status=ProgramStatus.PUBLISHED, call_closes__gte=today)
        .select_related("organizer")
        .prefetch_related(Prefetch("rules", queryset=Rule.objects.order_by("pk")))
        .order_by("call_closes", "name")
    )
    apply_url = reverse(settings.LOGIN_URL)
    return render(
        request,
        f"{TEMPLATES}/program_list.html",
        {"programs": programs, "today": today, "login_url": apply_url},
    )


def _public_notices():
    return PublicNotice.objects.filter(
        status__in=(NoticeStatus.PUBLISHED, NoticeStatus.ENDED)
    ).select_related("program", "program__organizer")


def notice_list(request):
    page = Paginator(_public_notices().order_by("-starts_on", "-pk"), 20).get_page(
        request.GET.get("page")
    )
    return render(request, f"{TEMPLATES}/notice_list.html", {"page": page})


def _rows(notice):
    return [
        {
            "number": a.number,
            "applicant": a.applicant.name,
            "items": items_text(a),
            "amount": a.approved_amount,
        }
        for a in with_items(notice.applications.filter(status__in=LISTED)).order_by("number", "pk")
    ]


def _start_session(request) -> None:
    request.session.setdefault("incentives_public", True)
    if not request.session.session_key:
        request.session.save()


@require_http_methods(["GET", "POST"])
def notice_detail(request, pk):
    notice = get_object_or_404(_public_notices(), pk=pk)
    running = notices.is_running(notice)
    form = None
    status = 200
    if running:
        if request.method == "POST":
            if not ratelimit.allow(
                "incentive-objection",
                ratelimit.client_ip(request),
                settings.IPCITY_PUBLIC_FORM_RATE,
                WINDOW,
            ):
                return render(
                    request,
                    f"{TEMPLATES}/notice_detail.html",
                    {
                        "notice": notice,
                        "rows": _rows(notice),
                        "running": running,
                        "too_many": True,
                    },
                    status=429,
                )
            _start_session(request)
            done = reverse("incentives_public:notice_detail", args=[notice.pk]) + "?sent=1"
            if not once.claim(request):
                return once.repeat_response(request, fallback=done)
            form = PublicObjectionForm(request.POST, notice=notice)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    notices.lodge_objection(
                        None,
                        notice,
                        data["application"],
                        objector_name=data["objector_name"],
                        objector_contact=data["objector_contact"],
                        reason=data["reason"],
                    )
                except ValidationError as exc:
                    once.release(request)
                    form.add_error(None, exc.messages)
                except BaseException:
                    once.release(request)
                    raise
                else:
                    once.done(request, done)
                    return redirect(done)
            else:
                once.release(request)
            status = 400
        else:
            _start_session(request)
            form = PublicObjectionForm(notice=notice)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        f"{TEMPLATES}/notice_detail.html",
        {
            "notice": notice,
            "rows": _rows(notice),
            "running": running,
            "form": form,
            "sent": request.GET.get("sent") == "1",
            "closed_message": _("Objections are taken only while the notice runs.")
            if request.method == "POST" and not running
            else "",
        },
        status=status,
    )


urlpatterns = [
    path("", program_list, name="program_list"),
    path("notices/", notice_list, name="notice_list"),
    path("notices/<int:pk>/", notice_detail, name="notice_detail"),
]
