"""Protection API: sharing a case and its access log, consultations and circulars with their
follow-up items, listed supervision, special campaigns (with tagging and results), mediation.

Reads go through `restrict()` or protection/visibility.py (out of scope: 404); writes go through
protection/sharing.py and protection/coordination.py, as the pages do (not allowed: 403)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm
from ipcity.orgs.models import Organization, Region

from .. import coordination, sharing, visibility
from ..filters.coordination import (
    AccessLogFilterSet,
    CampaignFilterSet,
    MediationFilterSet,
    MeetingFilterSet,
    SupervisionFilterSet,
)
from ..forms.coordination import AREA_KINDS
from ..models import (
    Campaign,
    Case,
    CaseAccessLog,
    CaseShare,
    FollowUp,
    Mediation,
    Meeting,
    Supervision,
)
from ..schemas.coordination import (
    AccessLogFilters,
    AccessLogPage,
    CampaignDetailOut,
    CampaignFilters,
    CampaignIn,
    CampaignPage,
    CampaignPatch,
    ConcludeIn,
    FollowUpDoneIn,
    FollowUpFilters,
    FollowUpIn,
    FollowUpOut,
    FollowUpPage,
    MediationFilters,
    MediationIn,
    MediationOut,
    MediationPage,
    MeetingFilters,
    MeetingIn,
    MeetingOut,
    MeetingPage,
    OutcomeIn,
    ShareIn,
    ShareOut,
    SupervisionFilters,
    SupervisionIn,
    SupervisionOut,
    SupervisionPage,
    TagIn,
    TagOut,
)

router = Router(tags=["protection"])


def _org_or_error(qs, pk, field: str):
    if pk is None:
        return None
    org = qs.filter(pk=pk).first()
    if org is None:
        raise ValidationError({field: [_("Not one of the organizations you may choose.")]})
    return org


# -- sharing -------------------------------------------------------------------------------------


def _own_case(request, case_id, *, share: bool = False) -> Case:
    case = get_object_or_404(Case.objects.select_related("agency"), pk=case_id)
    if visibility.access(request.auth, case) != visibility.Access.OWN:
        raise Http404
    if share and not sharing.can_share(request.auth, case):
        raise PermissionDenied(_("You may not share this case."))
    return case


def _shares(case):
    return CaseShare.objects.filter(case=case).select_related(
        "organization", "granted_by", "revoked_by"
    )


@router.get(
    "/cases/{int:case_id}/shares/",
    response=_responses(200, list[ShareOut]),
    summary="List a case's shares",
    description="Active and revoked shares of a case; for its own agency's users only.",
    operation_id="protection_share_list",
)
def share_list(request, case_id: ObjectId):
    case = _own_case(request, case_id)
    return list(_shares(case).order_by("revoked_at", "-created_at"))


@router.post(
    "/cases/{int:case_id}/shares/",
    response=_responses(201, ShareOut),
    summary="Share a case's details with another agency",
    operation_id="protection_share_create",
)
def share_create(request, case_id: ObjectId, payload: ShareIn):
    case = _own_case(request, case_id, share=True)
    org = _org_or_error(sharing.share_choices(case), payload.organization, "organization")
    row = sharing.share(request.auth, case, org, payload.reason)
    return Status(201, _shares(case).get(pk=row.pk))


@router.post(
    "/cases/{int:case_id}/shares/{int:share_id}/revoke/",
    response=_responses(200, ShareOut),
    summary="Revoke a share",
    operation_id="protection_share_revoke",
)
def share_revoke(request, case_id: ObjectId, share_id: ObjectId):
    case = _own_case(request, case_id, share=True)
    row = get_object_or_404(_shares(case), pk=share_id)
    sharing.revoke(request.auth, row)
    return _shares(case).get(pk=row.pk)


def _log(request):
    return CaseAccessLog.objects.restrict(request.auth, "view").select_related(
        "user", "organization"
    )


@router.get(
    "/cases/{int:case_id}/access-log/",
    response=_responses(200, AccessLogPage),
    summary="Who viewed a case's shared details",
    description="For the owning agency and the office.",
    operation_id="protection_case_access_log",
)
def case_access_log(request, case_id: ObjectId, filters: Query[AccessLogFilters]):
    case = get_object_or_404(Case.objects.select_related("agency"), pk=case_id)
    if not sharing.may_read_log(request.auth, case):
        raise Http404
    qs = apply_filterset(AccessLogFilterSet, filters, _log(request).filter(case=case), request.auth)
    return paginate(qs.order_by("-at", "-pk"), filters.limit, filters.offset)


@router.get(
    "/access-log/",
    response=_responses(200, AccessLogPage),
    summary="Views of shared case details",
    description="Every view the caller may read (the office: all). Filters: case, "
    "organization, after, before.",
    operation_id="protection_access_log_list",
)
def access_log_list(request, filters: Query[AccessLogFilters]):
    if not has_perm(request.auth, CaseAccessLog, "view"):
        raise PermissionDenied
    qs = apply_filterset(AccessLogFilterSet, filters, _log(request), request.auth)
    return paginate(qs.order_by("-at", "-pk"), filters.limit, filters.offset)


# -- meetings ------------------------------------------------------------------------------------


def _meetings(request):
    user = request.auth
    return (
        Meeting.objects.restrict(user, "view")
        .select_related("convened_by")
        .prefetch_related(
            Prefetch("participants", queryset=Organization.objects.order_by("name")),
            Prefetch(
                "cases",
                queryset=visibility.listed_cases(user).select_related("agency"),
                to_attr="visible_cases",
            ),
            Prefetch(
                "follow_ups",
                queryset=FollowUp.objects.select_related("responsible").order_by("due_on", "pk"),
            ),
        )
    )


def _meeting_values(user, payload: MeetingIn) -> dict:
    values = payload.dict()
    errors = {}
    convener_id = values.pop("convened_by") or user.organization_id
    participants = list(coordination.agency_orgs().filter(pk__in=values.pop("participants")))
    cases = list(visibility.listed_cases(user).filter(pk__in=values.pop("cases")))
    if len(participants) != len(set(payload.participants)):
        errors["participants"] = [_("Participants must be enforcement agencies.")]
    if len(cases) != len(set(payload.cases)):
        errors["cases"] = [_("Choose cases from the list you may see.")]
    convener = Organization.objects.filter(pk=convener_id).first() if convener_id else None
    if convener is None:
        errors["convened_by"] = [_("Convene meetings only for your own unit.")]
    if errors:
        raise ValidationError(errors)
    values["kind"] = getattr(values["kind"], "value", values["kind"])
    return {**values, "convened_by": convener, "participants": participants, "cases": cases}


@router.get(
    "/meetings/",
    response=_responses(200, MeetingPage),
    summary="List consultations and circulars",
    description="Filters: kind, held_after, held_before, convened_by, q.",
    operation_id="protection_meeting_list",
)
def meeting_list(request, filters: Query[MeetingFilters]):
    if not has_perm(request.auth, Meeting, "view"):
        raise PermissionDenied
    qs = apply_filterset(MeetingFilterSet, filters, _meetings(request), request.auth)
    return paginate(qs.order_by("-held_on", "-pk"), filters.limit, filters.offset)


@router.get(
    "/meetings/{int:meeting_id}/",
    response=_responses(200, MeetingOut),
    summary="Get a consultation or circular",
    operation_id="protection_meeting_detail",
)
def meeting_detail(request, meeting_id: ObjectId):
    return get_object_or_404(_meetings(request), pk=meeting_id)


@router.post(
    "/meetings/",
    response=_responses(201, MeetingOut),
    summary="Record a consultation or circular",
    operation_id="protection_meeting_create",
)
def meeting_create(request, payload: MeetingIn):
    if not has_perm(request.auth, Meeting, "add"):
        raise PermissionDenied(_("You may not convene meetings."))
    values = _meeting_values(request.auth, payload)
    meeting = coordination.save_meeting(request.auth, Meeting(), **values)
    return Status(201, _meetings(request).get(pk=meeting.pk))


@router.post(
    "/meetings/{int:meeting_id}/follow-ups/",
    response=_responses(201, FollowUpOut),
    summary="Add a follow-up item to a meeting",
    description="For the convening unit.",
    operation_id="protection_follow_up_create",
)
def follow_up_create(request, meeting_id: ObjectId, payload: FollowUpIn):
    meeting = get_object_or_404(Meeting.objects.restrict(request.auth, "view"), pk=meeting_id)
    if not coordination.may_change_meeting(request.auth, meeting):
        raise PermissionDenied(_("Only the convening unit adds follow-up items."))
    responsible = _org_or_error(coordination.agency_orgs(), payload.responsible, "responsible")
    item = coordination.add_follow_up(
        request.auth, meeting, text=payload.text, responsible=responsible, due_on=payload.due_on
    )
    return Status(201, item)


@router.get(
    "/follow-ups/",
    response=_responses(200, FollowUpPage),
    summary="List follow-up items",
    description="Items of meetings the caller's unit convened or is responsible for; "
    "open=true for those not done.",
    operation_id="protection_follow_up_list",
)
def follow_up_list(request, filters: Query[FollowUpFilters]):
    if not has_perm(request.auth, FollowUp, "view"):
        raise PermissionDenied
    qs = FollowUp.objects.restrict(request.auth, "view").select_related("responsible")
    if filters.open is not None:
        qs = qs.filter(done_on__isnull=filters.open)
    return paginate(qs.order_by("due_on", "pk"), filters.limit, filters.offset)


@router.post(
    "/follow-ups/{int:follow_up_id}/done/",
    response=_responses(200, FollowUpOut),
    summary="Record a follow-up item done",
    description="For the responsible unit (or the convening unit).",
    operation_id="protection_follow_up_done",
)
def follow_up_done(request, follow_up_id: ObjectId, payload: FollowUpDoneIn):
    item = get_object_or_404(
        FollowUp.objects.restrict(request.auth, "view").select_related("responsible"),
        pk=follow_up_id,
    )
    return coordination.record_follow_up(
        request.auth, item, done_on=payload.done_on, result=payload.result
    )


# -- supervision ---------------------------------------------------------------------------------


def _supervisions(request):
    return Supervision.objects.restrict(request.auth, "view").select_related(
        "case", "case__agency", "supervisor"
    )


@router.get(
    "/supervisions/",
    response=_responses(200, SupervisionPage),
    summary="List supervised cases (挂牌督办)",
    description="Filters: open, overdue, level, supervisor, case.",
    operation_id="protection_supervision_list",
)
def supervision_list(request, filters: Query[SupervisionFilters]):
    if not has_perm(request.auth, Supervision, "view"):
        raise PermissionDenied
    qs = apply_filterset(SupervisionFilterSet, filters, _supervisions(request), request.auth)
    return paginate(qs.order_by("-listed_on", "-pk"), filters.limit, filters.offset)


@router.get(
    "/supervisions/{int:supervision_id}/",
    response=_responses(200, SupervisionOut),
    summary="Get a listed supervision",
    operation_id="protection_supervision_detail",
)
def supervision_detail(request, supervision_id: ObjectId):
    return get_object_or_404(_supervisions(request), pk=supervision_id)


@router.post(
    "/supervisions/",
    response=_responses(201, SupervisionOut),
    summary="List a case for supervision",
    description="Sets the case's is_supervised flag.",
    operation_id="protection_supervision_create",
)
def supervision_create(request, payload: SupervisionIn):
    user = request.auth
    if not has_perm(user, Supervision, "add"):
        raise PermissionDenied(_("You may not list cases for supervision."))
    case = visibility.listed_cases(user).select_related("agency").filter(pk=payload.case).first()
    if case is None:
        raise ValidationError({"case": [_("Choose a case from the list you may see.")]})
    supervisor = _org_or_error(
        coordination.supervisor_choices(user),
        payload.supervisor or user.organization_id,
        "supervisor",
    )
    row = coordination.add_supervision(
        user,
        case=case,
        supervisor=supervisor,
        level=payload.level.value,
        listed_on=payload.listed_on or coordination.today(),
        due_on=payload.due_on,
        requirements=payload.requirements,
    )
    return Status(201, _supervisions(request).get(pk=row.pk))


@router.post(
    "/supervisions/{int:supervision_id}/conclude/",
    response=_responses(200, SupervisionOut),
    summary="Conclude a supervision",
    description="For the supervising body; clears the case's is_supervised flag when no other "
    "supervision of it is open.",
    operation_id="protection_supervision_conclude",
)
def supervision_conclude(request, supervision_id: ObjectId, payload: ConcludeIn):
    row = get_object_or_404(_supervisions(request), pk=supervision_id)
    coordination.conclude_supervision(
        request.auth,
        row,
        concluded_on=payload.concluded_on or coordination.today(),
        conclusion=payload.conclusion,
    )
    return _supervisions(request).get(pk=row.pk)


# -- campaigns -----------------------------------------------------------------------------------


def _campaigns(request):
    return (
        Campaign.objects.restrict(request.auth, "view")
        .select_related("lead")
        .prefetch_related(Prefetch("key_areas", queryset=Region.objects.order_by("code")))
    )


def _campaign_detail(request, pk):
    campaign = get_object_or_404(_campaigns(request), pk=pk)
    campaign.results = coordination.campaign_results(request.auth, campaign)
    return campaign


def _campaign_fields(values: dict) -> dict:
    errors = {}
    if "lead" in values:
        values["lead"] = _org_or_error(coordination.agency_orgs(), values["lead"], "lead")
    if "key_areas" in values:
        ids = set(values["key_areas"])
        areas = list(Region.objects.filter(pk__in=ids, kind__in=AREA_KINDS))
        if len(areas) != len(ids):
            errors["key_areas"] = [_("Key areas are streets or towns of the district.")]
        values["key_areas"] = areas
    if "right_types" in values:
        values["right_types"] = [getattr(v, "value", v) for v in values["right_types"]]
    if "status" in values and values["status"] is not None:
        values["status"] = getattr(values["status"], "value", values["status"])
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def _save_campaign(user, campaign: Campaign, values: dict) -> Campaign:
    areas = values.pop("key_areas", None)
    for name, value in values.items():
        setattr(campaign, name, value)
    if campaign.ends_on < campaign.starts_on:
        raise ValidationError({"ends_on": [_("The campaign cannot end before it starts.")]})
    campaign._history_user = user
    campaign.full_clean(exclude=["key_areas"])
    campaign.save()
    if areas is not None:
        campaign.key_areas.set(areas)
    return campaign


@router.get(
    "/campaigns/",
    response=_responses(200, CampaignPage),
    summary="List special campaigns",
    description="Filters: status, q.",
    operation_id="protection_campaign_list",
)
def campaign_list(request, filters: Query[CampaignFilters]):
    if not has_perm(request.auth, Campaign, "view"):
        raise PermissionDenied
    qs = apply_filterset(CampaignFilterSet, filters, _campaigns(request), request.auth)
    return paginate(qs.order_by("-starts_on", "-pk"), filters.limit, filters.offset)


@router.get(
    "/campaigns/{int:campaign_id}/",
    response=_responses(200, CampaignDetailOut),
    summary="Get a special campaign with its results",
    operation_id="protection_campaign_detail",
)
def campaign_detail(request, campaign_id: ObjectId):
    return _campaign_detail(request, campaign_id)


@router.post(
    "/campaigns/",
    response=_responses(201, CampaignDetailOut),
    summary="Create a special campaign",
    operation_id="protection_campaign_create",
)
def campaign_create(request, payload: CampaignIn):
    if not has_perm(request.auth, Campaign, "add"):
        raise PermissionDenied(_("Only the office creates campaigns."))
    values = _campaign_fields(payload.dict())
    campaign = _save_campaign(request.auth, Campaign(), values)
    return Status(201, _campaign_detail(request, campaign.pk))


@router.patch(
    "/campaigns/{int:campaign_id}/",
    response=_responses(200, CampaignDetailOut),
    summary="Change a special campaign",
    description="Only the fields sent are changed.",
    operation_id="protection_campaign_update",
)
def campaign_update(request, campaign_id: ObjectId, payload: CampaignPatch):
    campaign = get_object_or_404(_campaigns(request), pk=campaign_id)
    if not has_perm(request.auth, Campaign, "change"):
        raise PermissionDenied(_("Only the office changes campaigns."))
    values = _campaign_fields(
        {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    )
    _save_campaign(request.auth, campaign, values)
    return _campaign_detail(request, campaign.pk)


@router.post(
    "/campaigns/{int:campaign_id}/cases/",
    response=_responses(201, TagOut),
    summary="Tag one of your cases into a running campaign",
    operation_id="protection_campaign_tag",
)
def campaign_tag(request, campaign_id: ObjectId, payload: TagIn):
    campaign = get_object_or_404(_campaigns(request), pk=campaign_id)
    if not has_perm(request.auth, Case, "change"):
        raise PermissionDenied(_("Tag only your own agency's cases."))
    case = coordination.taggable_cases(request.auth).filter(pk=payload.case).first()
    if case is None:
        raise ValidationError({"case": [_("Choose one of your own cases.")]})
    coordination.tag(request.auth, campaign, case)
    return Status(201, {"campaign": campaign.pk, "case": case.pk, "tagged": True})


@router.delete(
    "/campaigns/{int:campaign_id}/cases/{int:case_id}/",
    response=_responses(200, TagOut),
    summary="Take a case off a campaign",
    description="For the office or the case's own agency.",
    operation_id="protection_campaign_untag",
)
def campaign_untag(request, campaign_id: ObjectId, case_id: ObjectId):
    campaign = get_object_or_404(_campaigns(request), pk=campaign_id)
    case = get_object_or_404(coordination.tagged_cases(request.auth, campaign), pk=case_id)
    coordination.untag(request.auth, campaign, case)
    return {"campaign": campaign.pk, "case": case.pk, "tagged": False}


# -- mediation -----------------------------------------------------------------------------------


def _mediations(request):
    return Mediation.objects.restrict(request.auth, "view").select_related("agency", "mediator")


@router.get(
    "/mediations/",
    response=_responses(200, MediationPage),
    summary="List mediations",
    description="Filters: state (pending/concluded), outcome, started_after, started_before, "
    "mediator, q.",
    operation_id="protection_mediation_list",
)
def mediation_list(request, filters: Query[MediationFilters]):
    if not has_perm(request.auth, Mediation, "view"):
        raise PermissionDenied
    qs = apply_filterset(MediationFilterSet, filters, _mediations(request), request.auth)
    return paginate(qs.order_by("-started_on", "-pk"), filters.limit, filters.offset)


@router.get(
    "/mediations/{int:mediation_id}/",
    response=_responses(200, MediationOut),
    summary="Get a mediation",
    operation_id="protection_mediation_detail",
)
def mediation_detail(request, mediation_id: ObjectId):
    return get_object_or_404(_mediations(request), pk=mediation_id)


@router.post(
    "/mediations/",
    response=_responses(201, MediationOut),
    summary="Record a dispute passed to mediation",
    description="The quick path: no lead needed.",
    operation_id="protection_mediation_create",
)
def mediation_create(request, payload: MediationIn):
    user = request.auth
    if not has_perm(user, Mediation, "add"):
        raise PermissionDenied(_("You may not record mediations."))
    values = payload.dict()
    agency_id = values.pop("agency")
    if (
        agency_id is None
        and coordination.referring_choices(user).filter(pk=user.organization_id).exists()
    ):
        agency_id = user.organization_id
    values["agency"] = _org_or_error(coordination.referring_choices(user), agency_id, "agency")
    values["mediator"] = _org_or_error(
        coordination.mediator_choices(), values["mediator"], "mediator"
    )
    values["right_type"] = values["right_type"].value
    values["started_on"] = values["started_on"] or coordination.today()
    mediation = coordination.save_mediation(user, Mediation(), **values)
    return Status(201, _mediations(request).get(pk=mediation.pk))


@router.post(
    "/mediations/{int:mediation_id}/outcome/",
    response=_responses(200, MediationOut),
    summary="Record a mediation's outcome",
    description="agreement (with the agreed amount), failed or withdrawn.",
    operation_id="protection_mediation_outcome",
)
def mediation_outcome(request, mediation_id: ObjectId, payload: OutcomeIn):
    mediation = get_object_or_404(_mediations(request), pk=mediation_id)
    coordination.record_outcome(
        request.auth,
        mediation,
        outcome=payload.outcome.value,
        concluded_on=payload.concluded_on or coordination.today(),
        agreement_amount=payload.agreement_amount,
        notes=payload.notes,
    )
    return _mediations(request).get(pk=mediation.pk)
