"""Joint conference (联席会议) pages: meetings, their resolutions and the follow-up list."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu
from ipcity.core.scope import has_perm
from ipcity.core.views import generic
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization

from .. import actions as plan_actions
from .. import actions_conference as actions
from ..choices import Light, TaskStatus
from ..forms import AttachmentForm
from ..models import Meeting, MeetingAttachment, Plan, Resolution
from ..supervision import BADGE_CLASS, LIGHT_RANK, LightCalculator

MEMBER_KINDS = (OrganizationKind.GOVERNMENT, OrganizationKind.JUDICIAL)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def member_units(user):
    return (
        Organization.objects.restrict(user, "view").filter(kind__in=MEMBER_KINDS).order_by("name")
    )


def with_lights(resolutions, calc: LightCalculator | None = None) -> list:
    calc = calc or LightCalculator()
    resolutions = list(resolutions)
    for r in resolutions:
        r.light = calc.resolution(r)
        r.light_badge = BADGE_CLASS[r.light]
        r.light_label = Light(r.light).label
    return resolutions


# --- forms --------------------------------------------------------------------------------


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["title", "held_on", "place", "plan", "agenda", "attendees", "minutes"]
        widgets = {
            "held_on": DATE,
            "agenda": forms.Textarea(attrs={"rows": 5}),
            "minutes": forms.Textarea(attrs={"rows": 8}),
            "attendees": forms.SelectMultiple(attrs={"size": 10}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.restrict(user, "view")
        self.fields["attendees"].queryset = member_units(user)


class ResolutionForm(forms.ModelForm):
    class Meta:
        model = Resolution
        fields = ["text", "owner", "deadline"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "deadline": DATE}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_units(user)


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=TaskStatus.choices)
    follow_up = forms.CharField(
        label=gettext_lazy("Follow-up"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    completed_on = forms.DateField(label=gettext_lazy("Completed on"), required=False, widget=DATE)


# --- meetings -----------------------------------------------------------------------------

MEETING_QS = Meeting.objects.select_related("plan")


@login_required
def meeting_list(request):
    if not has_perm(request.user, Meeting, "view"):
        raise PermissionDenied
    meetings = (
        Meeting.objects.restrict(request.user, "view")
        .select_related("plan")
        .annotate(
            resolution_count=Count("resolutions", distinct=True),
            open_count=Count(
                "resolutions",
                filter=~Q(resolutions__status=TaskStatus.COMPLETED),
                distinct=True,
            ),
            attendee_count=Count("attendees", distinct=True),
        )
        .order_by("-held_on", "-pk")
    )
    page = generic.paginate(request, meetings)
    return render(
        request,
        "plans/meeting_list.html",
        {"page": page, "can_add": has_perm(request.user, Meeting, "add")},
    )


class MeetingDetailView(generic.ObjectDetailView):
    queryset = MEETING_QS
    template_name = "plans/meeting_detail.html"

    def extra_context(self, meeting):
        user = self.request.user
        resolutions = (
            Resolution.objects.restrict(user, "view")
            .filter(meeting=meeting)
            .select_related("owner", "meeting__plan")
        )
        return {
            "attendees": meeting.attendees.order_by("name"),
            "resolutions": with_lights(resolutions),
            "can_add_resolution": has_perm(user, Resolution, "add"),
            "resolution_form": ResolutionForm(user=user),
            "attachments": meeting.attachments.order_by("uploaded_at", "pk"),
            "can_attach": actions.can_change_meeting(user, meeting),
            "attachment_form": AttachmentForm(),
            "max_mb": plan_actions.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        }


class MeetingHistoryView(generic.ObjectHistoryView):
    queryset = MEETING_QS


class MeetingEditView(generic.ObjectEditView):
    queryset = MEETING_QS
    form_class = MeetingForm
    template_name = "plans/meeting_form.html"

    def get_form_kwargs(self):
        return {"user": self.request.user}


@login_required
@require_POST
def meeting_attachment_add(request, pk):
    meeting = get_object_or_404(Meeting.objects.restrict(request.user, "view"), pk=pk)
    if not actions.can_change_meeting(request.user, meeting):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect(meeting)
    try:
        actions.add_meeting_attachment(request.user, meeting, form.cleaned_data["file"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("File attached."))
    return redirect(meeting)


@login_required
def meeting_attachment_download(request, pk):
    # The file is only as visible as its meeting: out of scope is a 404 like the meeting itself.
    attachment = get_object_or_404(
        MeetingAttachment.objects.filter(
            meeting__in=Meeting.objects.restrict(request.user, "view")
        ),
        pk=pk,
    )
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    # Always a download, never rendered inline: uploaded HTML or SVG must not run in our origin.
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )


# --- resolutions --------------------------------------------------------------------------

RESOLUTION_QS = Resolution.objects.select_related("owner", "meeting__plan")


@login_required
def resolution_list(request):
    """Open resolutions (or all with ?status=all), most urgent light first."""
    if not has_perm(request.user, Resolution, "view"):
        raise PermissionDenied
    qs = RESOLUTION_QS.restrict(request.user, "view")
    show = request.GET.get("status", "open")
    if show != "all":
        qs = qs.exclude(status=TaskStatus.COMPLETED)
    owner = request.GET.get("owner", "")
    if owner.isdigit():
        qs = qs.filter(owner_id=int(owner))
    page = generic.paginate(request, qs.order_by("deadline", "pk"))
    rows = with_lights(page.object_list)
    rows.sort(key=lambda r: LIGHT_RANK[r.light])
    return render(
        request,
        "plans/resolution_list.html",
        {"page": page, "rows": rows, "show": show},
    )


def _resolution(request, pk) -> Resolution:
    return get_object_or_404(RESOLUTION_QS.restrict(request.user, "view"), pk=pk)


@login_required
def resolution_detail(request, pk):
    resolution = _resolution(request, pk)
    with_lights([resolution])
    can_follow = actions.can_follow_up(request.user, resolution)
    form = ProgressForm(
        initial={
            "status": resolution.status,
            "follow_up": resolution.follow_up,
            "completed_on": resolution.completed_on,
        }
    )
    return render(
        request,
        "plans/resolution_detail.html",
        {
            "object": resolution,
            "form": form,
            "can_follow": can_follow,
            "can_edit": has_perm(request.user, Resolution, "add") and can_follow,
            "history": resolution.history.select_related("history_user").order_by("-history_date")[
                :20
            ],
        },
    )


@login_required
def resolution_create(request, meeting_pk):
    meeting = get_object_or_404(Meeting.objects.restrict(request.user, "view"), pk=meeting_pk)
    if not has_perm(request.user, Resolution, "add"):
        raise PermissionDenied
    form = ResolutionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_resolution(
                request.user, meeting, data["text"], data["owner"], data["deadline"]
            )
        except ValidationError as exc:
            generic._add_errors(form, exc)
        else:
            messages.success(request, _("Resolution added."))
            return redirect(meeting)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "plans/resolution_form.html",
        {"form": form, "meeting": meeting, "object": None},
        status=status,
    )


@login_required
def resolution_edit(request, pk):
    resolution = _resolution(request, pk)
    if not (
        has_perm(request.user, Resolution, "add")
        and actions.can_follow_up(request.user, resolution)
    ):
        raise PermissionDenied
    form = ResolutionForm(request.POST or None, instance=resolution, user=request.user)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj._history_user = request.user
        with transaction.atomic():
            obj.save()
            # A new owner must stay within what the user may change.
            if not Resolution.objects.restrict(request.user, "change").filter(pk=obj.pk).exists():
                transaction.set_rollback(True)
                raise PermissionDenied
        messages.success(request, _("Resolution saved."))
        return redirect("plans:resolution_detail", pk=obj.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "plans/resolution_form.html",
        {"form": form, "meeting": resolution.meeting, "object": resolution},
        status=status,
    )


@login_required
@require_POST
def resolution_progress(request, pk):
    resolution = _resolution(request, pk)
    if not actions.can_follow_up(request.user, resolution):
        raise PermissionDenied
    form = ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        with_lights([resolution])
        return render(
            request,
            "plans/resolution_detail.html",
            {"object": resolution, "form": form, "can_follow": True, "history": []},
            status=400,
        )
    data = form.cleaned_data
    actions.record_progress(
        request.user, resolution, data["follow_up"], data["status"], data["completed_on"]
    )
    messages.success(request, _("Progress recorded."))
    return redirect("plans:resolution_detail", pk=resolution.pk)


urlpatterns = [
    path("meetings/", meeting_list, name="meeting_list"),
    path("meetings/new/", MeetingEditView.as_view(), name="meeting_create"),
    path("meetings/<int:pk>/", MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/edit/", MeetingEditView.as_view(), name="meeting_edit"),
    path("meetings/<int:pk>/history/", MeetingHistoryView.as_view(), name="meeting_history"),
    path("meetings/<int:pk>/attachments/", meeting_attachment_add, name="meeting_attachment_add"),
    path(
        "meeting-attachments/<int:pk>/",
        meeting_attachment_download,
        name="meeting_attachment_download",
    ),
    path(
        "meetings/<int:meeting_pk>/resolutions/new/",
        resolution_create,
        name="resolution_create",
    ),
    path("resolutions/", resolution_list, name="resolution_list"),
    path("resolutions/<int:pk>/", resolution_detail, name="resolution_detail"),
    path("resolutions/<int:pk>/edit/", resolution_edit, name="resolution_edit"),
    path("resolutions/<int:pk>/progress/", resolution_progress, name="resolution_progress"),
]

menu.register(
    "plan", gettext_lazy("Joint conference"), "plans:meeting_list", "plans.view_meeting", 40
)
menu.register(
    "plan", gettext_lazy("Resolutions"), "plans:resolution_list", "plans.view_resolution", 41
)
