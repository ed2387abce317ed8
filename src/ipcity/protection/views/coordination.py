"""Protection pages: sharing a case and its access log; consultations and circulars with their
follow-up items and Word document; listed supervision; special campaigns with tagged cases and
their results; mediation.

Everything is fetched through `restrict()` or protection/visibility.py; state changes go through
protection/sharing.py and protection/coordination.py (shared with the API)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu, once
from ipcity.core.documents import DOCX_CONTENT_TYPE, OfficialDocument, format_date
from ipcity.core.exports import FORMATS, export_response
from ipcity.core.scope import has_perm
from ipcity.core.views import generic

from .. import coordination, sharing, visibility
from ..exports.coordination import CAMPAIGN_CASES_EXPORT
from ..filters.coordination import (
    AccessLogFilterSet,
    CampaignFilterSet,
    MediationFilterSet,
    MeetingFilterSet,
    SupervisionFilterSet,
)
from ..forms.coordination import (
    CampaignForm,
    ConcludeForm,
    FollowUpDoneForm,
    FollowUpForm,
    MediationForm,
    MeetingForm,
    OutcomeForm,
    ShareForm,
    SupervisionForm,
    TagForm,
)
from ..models import Campaign, Case, CaseAccessLog, FollowUp, Mediation, Meeting, Supervision
from ..tables.coordination import (
    AccessLogTable,
    CampaignTable,
    MediationTable,
    MeetingTable,
    SupervisionTable,
)


def case_list_url(**params) -> str:
    """The case list filtered by `params` (the cases area's filter names); "" until it exists."""
    try:
        url = reverse("protection:case_list")
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(params)}" if params else url


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """The same errors with the field names of the form (`case` → `case_number`)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


class OnceEditMixin:
    """An add form that submits once (core/once.py): a second POST of the same form goes to
    the first one's result instead of adding a second record. Editing is not affected."""

    template_name = "protection/coordination/object_form.html"

    def post(self, request, *args, **kwargs):
        if "pk" in self.kwargs:
            return super().post(request, *args, **kwargs)
        self.get_target()  # refuse first (403) whoever may not add
        if not once.claim(request):
            return once.repeat_response(request, fallback=self.list_url())
        try:
            response = super().post(request, *args, **kwargs)
        except BaseException:
            once.release(request)
            raise
        if response.status_code in (301, 302, 303):
            once.done(request, response["Location"])
        else:
            once.release(request)
        return response


# -- sharing -------------------------------------------------------------------------------------


def _own_case(request, case_pk) -> Case:
    """The case, for its own agency's users who may share it: 404 to anyone without full own
    access, 403 to own users without protection.share_case."""
    case = get_object_or_404(Case.objects.select_related("agency"), pk=case_pk)
    if visibility.access(request.user, case) != visibility.Access.OWN:
        raise Http404
    if not sharing.can_share(request.user, case):
        raise PermissionDenied
    return case


@login_required
def case_sharing(request, case_pk):
    case = _own_case(request, case_pk)
    form = ShareForm(request.POST or None, case=case)
    if request.method == "POST":
        here = reverse("protection:case_sharing", args=[case.pk])
        if not once.claim(request):
            return once.repeat_response(request, fallback=here)
        if form.is_valid():
            try:
                row = sharing.share(
                    request.user,
                    case,
                    form.cleaned_data["organization"],
                    form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                once.done(request, here)
                messages.success(
                    request,
                    _("The case's details are now shared with %(org)s.")
                    % {"org": row.organization},
                )
                return redirect(here)
        once.release(request)
        messages.error(request, _("Please correct the errors below."))
    shares = case.shares.select_related("organization", "granted_by", "revoked_by").order_by(
        "revoked_at", "-created_at"
    )
    return render(
        request,
        "protection/coordination/case_sharing.html",
        {
            "case": case,
            "form": form,
            "shares": shares,
            "views": CaseAccessLog.objects.filter(case=case).count(),
            "may_read_log": sharing.may_read_log(request.user, case),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def case_share_revoke(request, case_pk, share_pk):
    case = _own_case(request, case_pk)
    row = get_object_or_404(case.shares.select_related("organization"), pk=share_pk)
    try:
        sharing.revoke(request.user, row)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("%(org)s no longer sees the case's details.") % {"org": row.organization}
        )
    return redirect("protection:case_sharing", case_pk=case.pk)


@login_required
def case_access_log(request, case_pk):
    """Who viewed the shared details of one case: for the owning agency and the office."""
    case = get_object_or_404(Case.objects.select_related("agency"), pk=case_pk)
    if not sharing.may_read_log(request.user, case):
        raise Http404
    rows = (
        CaseAccessLog.objects.restrict(request.user, "view")
        .filter(case=case)
        .select_related("user", "organization", "share")
        .order_by("-at", "-pk")
    )
    page = generic.paginate(request, rows)
    return render(
        request,
        "protection/coordination/case_access_log.html",
        {
            "case": case,
            "page": page,
            "may_share": visibility.access(request.user, case) == visibility.Access.OWN
            and sharing.can_share(request.user, case),
            "may_list_log": has_perm(request.user, CaseAccessLog, "view"),
        },
    )


class AccessLogListView(generic.ObjectListView):
    """Every view of shared details the user may read (the office: all of them)."""

    queryset = CaseAccessLog.objects.select_related("case", "user", "organization")
    filterset_class = AccessLogFilterSet
    table_class = AccessLogTable

    def list_url(self) -> str:
        return reverse("protection:access_log_list")

    def add_url(self) -> str:
        return ""


# -- meetings ------------------------------------------------------------------------------------


class MeetingListView(generic.ObjectListView):
    queryset = Meeting.objects.select_related("convened_by")
    filterset_class = MeetingFilterSet
    table_class = MeetingTable

    def restricted(self, action):
        today = coordination.today()
        return (
            super()
            .restricted(action)
            .annotate(
                participants_count=Count("participants", distinct=True),
                follow_ups_total=Count("follow_ups", distinct=True),
                follow_ups_done=Count(
                    "follow_ups", filter=Q(follow_ups__done_on__isnull=False), distinct=True
                ),
                follow_ups_overdue=Count(
                    "follow_ups",
                    filter=Q(follow_ups__done_on__isnull=True, follow_ups__due_on__lt=today),
                    distinct=True,
                ),
            )
        )


class MeetingDetailView(generic.ObjectDetailView):
    queryset = Meeting.objects.select_related("convened_by")
    template_name = "protection/coordination/meeting_detail.html"

    def extra_context(self, meeting) -> dict:
        user = self.request.user
        items = list(meeting.follow_ups.select_related("responsible").order_by("due_on", "pk"))
        recordable = set(
            FollowUp.objects.restrict(user, "change")
            .filter(meeting=meeting, done_on__isnull=True)
            .values_list("pk", flat=True)
        )
        today = coordination.today()
        for item in items:
            item.overdue = coordination.is_overdue_follow_up(item, today)
            item.may_record = item.pk in recordable
        may_change = coordination.may_change_meeting(user, meeting)
        return {
            "can_change": may_change,
            "participants": meeting.participants.order_by("name"),
            "cases": visibility.listed_cases(user, meeting.cases.select_related("agency")),
            "follow_ups": items,
            "follow_up_form": FollowUpForm(meeting=meeting)
            if may_change and has_perm(user, FollowUp, "add")
            else None,
            "done_form": FollowUpDoneForm(initial={"done_on": today}),
        }


class MeetingHistoryView(generic.ObjectHistoryView):
    queryset = Meeting.objects.select_related("convened_by")

    def extra_context(self, meeting) -> dict:
        # Only the convening unit edits: the generic "change" scope alone would show the Edit
        # button to participants who get a 403 on the form.
        return {"can_change": coordination.may_change_meeting(self.request.user, meeting)}


class MeetingEditView(OnceEditMixin, generic.ObjectEditView):
    queryset = Meeting.objects.select_related("convened_by")
    form_class = MeetingForm

    def get_form_kwargs(self) -> dict:
        kwargs = {"user": self.request.user}
        if self.request.method == "GET" and "pk" not in self.kwargs:
            kwargs["case"] = self.request.GET.get("case")
        return kwargs

    def get_target(self):
        if "pk" in self.kwargs:
            meeting = self.get_object("view")
            if not coordination.may_change_meeting(self.request.user, meeting):
                raise PermissionDenied
            return meeting
        return super().get_target()

    def save(self, form):
        data = form.cleaned_data
        try:
            return coordination.save_meeting(
                self.request.user,
                form.instance,
                participants=list(data.get("participants") or []),
                cases=list(data.get("case_numbers") or []),
            )
        except ValidationError as exc:
            raise _renamed(exc, {"cases": "case_numbers"}) from None


@login_required
@require_POST
def follow_up_add(request, pk):
    meeting = get_object_or_404(Meeting.objects.restrict(request.user, "view"), pk=pk)
    form = FollowUpForm(request.POST, meeting=meeting)
    if not coordination.may_change_meeting(request.user, meeting):
        raise PermissionDenied
    if not once.claim(request):
        return once.repeat_response(request, fallback=meeting.get_absolute_url())
    if form.is_valid():
        try:
            coordination.add_follow_up(request.user, meeting, **form.cleaned_data)
        except ValidationError as exc:
            once.release(request)
            _errors(request, exc)
        else:
            once.done(request, meeting.get_absolute_url())
            messages.success(request, _("Follow-up item added."))
    else:
        once.release(request)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(meeting.get_absolute_url())


@login_required
@require_POST
def follow_up_done(request, pk):
    item = get_object_or_404(
        FollowUp.objects.restrict(request.user, "view").select_related("meeting"), pk=pk
    )
    if not coordination.may_record_follow_up(request.user, item):
        raise PermissionDenied
    form = FollowUpDoneForm(request.POST)
    if form.is_valid():
        try:
            coordination.record_follow_up(request.user, item, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Follow-up item recorded as done."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    if Meeting.objects.restrict(request.user, "view").filter(pk=item.meeting_id).exists():
        return redirect(item.meeting.get_absolute_url())
    return redirect("protection:meeting_list")


def meeting_document(meeting: Meeting, user, doc_number: str = "") -> OfficialDocument:
    """A circular, or a consultation's minutes, as an official Word document."""
    doc = OfficialDocument(meeting.title, doc_number=doc_number or None)
    participants = "、".join(o.name for o in meeting.participants.order_by("name"))
    facts = _("On %(date)s, %(org)s convened this %(kind)s.") % {
        "date": format_date(meeting.held_on),
        "org": meeting.convened_by.name,
        "kind": meeting.get_kind_display(),
    }
    if meeting.place:
        facts += " " + _("Place: %(place)s.") % {"place": meeting.place}
    if participants:
        facts += " " + _("Participating units: %(units)s.") % {"units": participants}
    doc.paragraph(facts)
    cases = list(visibility.listed_cases(user, meeting.cases.select_related("agency")))
    number = 1
    if cases:
        doc.heading(_("%(n)s. Cases") % {"n": number})
        doc.table(
            [_("Case number"), _("Title"), _("Handling agency"), _("Status")],
            [[c.number, c.title, c.agency.name, c.get_status_display()] for c in cases],
        )
        number += 1
    for title, text in (
        (pgettext("meeting discussion", "Discussion"), meeting.summary),
        (pgettext("meeting decisions", "Decisions"), meeting.decisions),
    ):
        if not text.strip():
            continue
        doc.heading(_("%(n)s. %(title)s") % {"n": number, "title": title})
        for line in text.splitlines():
            if line.strip():
                doc.paragraph(line.strip())
        number += 1
    items = list(meeting.follow_ups.select_related("responsible").order_by("due_on", "pk"))
    if items:
        doc.heading(_("%(n)s. Follow-up items") % {"n": number})
        doc.table(
            [
                pgettext("follow-up item", "Item"),
                _("Responsible unit"),
                pgettext("follow-up due date", "Due"),
                _("Done on"),
                pgettext("follow-up result", "Result"),
            ],
            [
                [
                    i.text,
                    i.responsible.name,
                    i.due_on.isoformat() if i.due_on else "",
                    i.done_on.isoformat() if i.done_on else "",
                    i.result,
                ]
                for i in items
            ],
        )
    doc.signature(meeting.convened_by.name, meeting.held_on)
    return doc


@login_required
def meeting_docx(request, pk):
    meeting = get_object_or_404(
        Meeting.objects.restrict(request.user, "view").select_related("convened_by"), pk=pk
    )
    doc_number = (request.GET.get("number") or "").strip()[:80]
    data = meeting_document(meeting, request.user, doc_number).to_bytes()
    response = HttpResponse(data, content_type=DOCX_CONTENT_TYPE)
    filename = f"{meeting.held_on:%Y%m%d}-{meeting.pk}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- listed supervision --------------------------------------------------------------------------

SUPERVISION_QS = Supervision.objects.select_related("case", "case__agency", "supervisor")


class SupervisionListView(generic.ObjectListView):
    queryset = SUPERVISION_QS
    filterset_class = SupervisionFilterSet
    table_class = SupervisionTable


class SupervisionDetailView(generic.ObjectDetailView):
    queryset = SUPERVISION_QS
    template_name = "protection/coordination/supervision_detail.html"

    def extra_context(self, row) -> dict:
        may = coordination.may_conclude(self.request.user, row)
        return {
            "can_change": False,
            "overdue": coordination.is_overdue_supervision(row),
            "conclude_form": ConcludeForm(initial={"concluded_on": coordination.today()})
            if may
            else None,
        }


class SupervisionHistoryView(generic.ObjectHistoryView):
    queryset = SUPERVISION_QS


class SupervisionAddView(OnceEditMixin, generic.ObjectEditView):
    queryset = SUPERVISION_QS
    form_class = SupervisionForm

    def get_form_kwargs(self) -> dict:
        kwargs = {"user": self.request.user}
        if self.request.method == "GET":
            kwargs["case"] = self.request.GET.get("case")
        return kwargs

    def save(self, form):
        data = form.cleaned_data
        try:
            return coordination.add_supervision(
                self.request.user,
                case=data["case_number"],
                supervisor=data["supervisor"],
                level=data["level"],
                listed_on=data["listed_on"],
                due_on=data["due_on"],
                requirements=data.get("requirements", ""),
            )
        except ValidationError as exc:
            raise _renamed(exc, {"case": "case_number"}) from None


@login_required
@require_POST
def supervision_conclude(request, pk):
    row = get_object_or_404(SUPERVISION_QS.restrict(request.user, "view"), pk=pk)
    if not coordination.may_conclude(request.user, row):
        raise PermissionDenied
    form = ConcludeForm(request.POST)
    if form.is_valid():
        try:
            coordination.conclude_supervision(request.user, row, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Supervision concluded."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(row.get_absolute_url())


# -- campaigns -----------------------------------------------------------------------------------

CAMPAIGN_QS = Campaign.objects.select_related("lead")


class CampaignListView(generic.ObjectListView):
    queryset = CAMPAIGN_QS
    filterset_class = CampaignFilterSet
    table_class = CampaignTable


def _linked(figure: dict) -> dict:
    return {**figure, "url": case_list_url(**figure["params"])}


class CampaignDetailView(generic.ObjectDetailView):
    queryset = CAMPAIGN_QS
    template_name = "protection/coordination/campaign_detail.html"

    def extra_context(self, campaign) -> dict:
        user = self.request.user
        results = coordination.campaign_results(user, campaign)
        for row in results["rows"]:
            row["cells"] = [_linked(c) for c in row["cells"]]
            row["total"] = _linked(row["total"])
            row["fines"] = _linked(row["fines"])
        results["by_status"] = [_linked(c) for c in results["by_status"]]
        for key in ("count", "fines", "fined", "transfers", "repeats"):
            results[key] = _linked(results[key])
        cases = coordination.tagged_cases(user, campaign).select_related("agency")
        page = generic.paginate(self.request, cases.order_by("agency__name", "-opened_on", "pk"))
        changeable = set(
            Case.objects.restrict(user, "change")
            .filter(pk__in=[c.pk for c in page.object_list])
            .values_list("pk", flat=True)
        )
        office = has_perm(user, Campaign, "change")
        for case in page.object_list:
            case.may_untag = office or case.pk in changeable
        tag_form = None
        if campaign.status == "running" and has_perm(user, Case, "change"):
            tag_form = TagForm(user=user, campaign=campaign)
        return {
            "results": results,
            "page": page,
            "tag_form": tag_form,
            "areas": campaign.key_areas.order_by("code"),
            "right_type_labels": _right_type_labels(campaign.right_types),
            "export_formats": FORMATS,
            "case_list_url": case_list_url(campaign=campaign.pk),
        }


def _right_type_labels(values) -> list[str]:
    from ..choices import RightType

    labels = dict(RightType.choices)
    return [str(labels.get(v, v)) for v in values or []]


class CampaignHistoryView(generic.ObjectHistoryView):
    queryset = CAMPAIGN_QS


class CampaignEditView(OnceEditMixin, generic.ObjectEditView):
    queryset = CAMPAIGN_QS
    form_class = CampaignForm

    def get_form_kwargs(self) -> dict:
        return {"user": self.request.user}


@login_required
@require_POST
def campaign_tag(request, pk):
    campaign = get_object_or_404(Campaign.objects.restrict(request.user, "view"), pk=pk)
    form = TagForm(request.POST, user=request.user, campaign=campaign)
    if form.is_valid():
        try:
            coordination.tag(request.user, campaign, form.cleaned_data["case"])
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Case tagged into the campaign."))
    else:
        if not has_perm(request.user, Case, "change"):
            raise PermissionDenied
        messages.error(request, _("Choose one of your own cases."))
    return redirect(campaign.get_absolute_url())


@login_required
@require_POST
def campaign_untag(request, pk, case_pk):
    campaign = get_object_or_404(Campaign.objects.restrict(request.user, "view"), pk=pk)
    case = get_object_or_404(coordination.tagged_cases(request.user, campaign), pk=case_pk)
    coordination.untag(request.user, campaign, case)
    messages.success(request, _("Case taken off the campaign."))
    return redirect(campaign.get_absolute_url())


@login_required
def campaign_export(request, pk):
    campaign = get_object_or_404(Campaign.objects.restrict(request.user, "view"), pk=pk)
    params = QueryDict(mutable=True)
    params["campaign"] = str(campaign.pk)
    return export_response(
        request, CAMPAIGN_CASES_EXPORT, request.GET.get("format", "xlsx"), params=params
    )


# -- mediation -----------------------------------------------------------------------------------

MEDIATION_QS = Mediation.objects.select_related("mediator", "agency", "lead", "recorded_by")


class MediationListView(generic.ObjectListView):
    queryset = MEDIATION_QS
    filterset_class = MediationFilterSet
    table_class = MediationTable


class MediationDetailView(generic.ObjectDetailView):
    queryset = MEDIATION_QS
    template_name = "protection/coordination/mediation_detail.html"

    def extra_context(self, mediation) -> dict:
        from ..models import Lead

        user = self.request.user
        lead_url = ""
        if (
            mediation.lead_id
            and Lead.objects.restrict(user, "view").filter(pk=mediation.lead_id).exists()
        ):
            lead_url = reverse("protection:lead_detail", args=[mediation.lead_id])
        return {
            "outcome_url": reverse("protection:mediation_outcome", args=[mediation.pk]),
            "lead_url": lead_url,
        }


class MediationHistoryView(generic.ObjectHistoryView):
    queryset = MEDIATION_QS


class MediationEditView(OnceEditMixin, generic.ObjectEditView):
    queryset = MEDIATION_QS
    form_class = MediationForm

    def get_form_kwargs(self) -> dict:
        return {"user": self.request.user}

    def save(self, form):
        return coordination.save_mediation(self.request.user, form.instance)


@login_required
def mediation_outcome(request, pk):
    mediation = get_object_or_404(MEDIATION_QS.restrict(request.user, "view"), pk=pk)
    if not Mediation.objects.restrict(request.user, "change").filter(pk=mediation.pk).exists():
        raise PermissionDenied
    initial = {
        "outcome": mediation.outcome or None,
        "concluded_on": mediation.concluded_on or coordination.today(),
        "agreement_amount": mediation.agreement_amount,
    }
    form = OutcomeForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                coordination.record_outcome(request.user, mediation, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Outcome recorded."))
                return redirect(mediation.get_absolute_url())
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "protection/coordination/mediation_outcome.html",
        {"object": mediation, "form": form},
        status=400 if form.errors else 200,
    )


# -- menu and URLs -------------------------------------------------------------------------------

menu.register(
    "protection",
    gettext_lazy("Consultations and circulars"),
    "protection:meeting_list",
    "protection.view_meeting",
    order=50,
    icon="people",
)
menu.register(
    "protection",
    gettext_lazy("Supervised cases"),
    "protection:supervision_list",
    "protection.view_supervision",
    order=55,
    icon="flag",
)
menu.register(
    "protection",
    gettext_lazy("Special campaigns"),
    "protection:campaign_list",
    "protection.view_campaign",
    order=60,
    icon="megaphone",
)
menu.register(
    "protection",
    pgettext_lazy("dispute mediation", "Mediation"),
    "protection:mediation_list",
    "protection.view_mediation",
    order=65,
    icon="chat-square-text",
)
menu.register(
    "protection",
    gettext_lazy("Shared-case views"),
    "protection:access_log_list",
    "protection.view_caseaccesslog",
    order=66,
    icon="eye",
)

urlpatterns = [
    path("cases/<int:case_pk>/sharing/", case_sharing, name="case_sharing"),
    path(
        "cases/<int:case_pk>/sharing/<int:share_pk>/revoke/",
        case_share_revoke,
        name="case_share_revoke",
    ),
    path("cases/<int:case_pk>/access-log/", case_access_log, name="case_access_log"),
    path("access-log/", AccessLogListView.as_view(), name="access_log_list"),
    path("meetings/", MeetingListView.as_view(), name="meeting_list"),
    path("meetings/add/", MeetingEditView.as_view(), name="meeting_add"),
    path("meetings/<int:pk>/", MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/edit/", MeetingEditView.as_view(), name="meeting_edit"),
    path("meetings/<int:pk>/history/", MeetingHistoryView.as_view(), name="meeting_history"),
    path("meetings/<int:pk>/document/", meeting_docx, name="meeting_document"),
    path("meetings/<int:pk>/follow-ups/", follow_up_add, name="follow_up_add"),
    path("follow-ups/<int:pk>/done/", follow_up_done, name="follow_up_done"),
    path("supervised-cases/", SupervisionListView.as_view(), name="supervision_list"),
    path("supervised-cases/add/", SupervisionAddView.as_view(), name="supervision_add"),
    path("supervised-cases/<int:pk>/", SupervisionDetailView.as_view(), name="supervision_detail"),
    path("supervised-cases/<int:pk>/conclude/", supervision_conclude, name="supervision_conclude"),
    path(
        "supervised-cases/<int:pk>/history/",
        SupervisionHistoryView.as_view(),
        name="supervision_history",
    ),
    path("campaigns/", CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/add/", CampaignEditView.as_view(), name="campaign_add"),
    path("campaigns/<int:pk>/", CampaignDetailView.as_view(), name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", CampaignEditView.as_view(), name="campaign_edit"),
    path("campaigns/<int:pk>/history/", CampaignHistoryView.as_view(), name="campaign_history"),
    path("campaigns/<int:pk>/tag/", campaign_tag, name="campaign_tag"),
    path("campaigns/<int:pk>/untag/<int:case_pk>/", campaign_untag, name="campaign_untag"),
    path("campaigns/<int:pk>/export/", campaign_export, name="campaign_export"),
    path("mediations/", MediationListView.as_view(), name="mediation_list"),
    path("mediations/add/", MediationEditView.as_view(), name="mediation_add"),
    path("mediations/<int:pk>/", MediationDetailView.as_view(), name="mediation_detail"),
    path("mediations/<int:pk>/edit/", MediationEditView.as_view(), name="mediation_edit"),
    path("mediations/<int:pk>/outcome/", mediation_outcome, name="mediation_outcome"),
    path("mediations/<int:pk>/history/", MediationHistoryView.as_view(), name="mediation_history"),
]
