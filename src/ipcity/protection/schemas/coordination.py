"""API shapes of sharing and coordination."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.core.api.params import ObjectId
from ipcity.orgs.schemas import OrganizationRef

from ..choices import (
    CampaignStatus,
    CaseStatus,
    MediationOutcome,
    MeetingKind,
    RightType,
    SupervisionLevel,
)

AMOUNT = Field(default=None, ge=0, lt=Decimal("1e12"), description="Yuan.")


class UserRef(Schema):
    id: int
    username: str


def _user(user) -> dict | None:
    return {"id": user.pk, "username": user.username} if user else None


def _org(org) -> dict | None:
    return {"id": org.pk, "name": org.name} if org else None


class CaseRef(Schema):
    """A case as its summary (what every summary reader may see)."""

    id: int
    number: str
    title: str
    agency: OrganizationRef
    status: CaseStatus
    is_supervised: bool

    @staticmethod
    def resolve_agency(obj) -> dict:
        return _org(obj.agency)


# -- sharing -------------------------------------------------------------------------------------


class ShareOut(Schema):
    id: int
    case: int
    organization: OrganizationRef
    reason: str
    granted_by: UserRef | None
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: UserRef | None
    active: bool

    @staticmethod
    def resolve_case(obj) -> int:
        return obj.case_id

    @staticmethod
    def resolve_organization(obj) -> dict:
        return _org(obj.organization)

    @staticmethod
    def resolve_granted_by(obj) -> dict | None:
        return _user(obj.granted_by)

    @staticmethod
    def resolve_revoked_by(obj) -> dict | None:
        return _user(obj.revoked_by)

    @staticmethod
    def resolve_active(obj) -> bool:
        return obj.revoked_at is None


class ShareIn(Schema):
    organization: ObjectId = Field(description="Id of the agency's organization.")
    reason: str = Field(min_length=1, max_length=300)


class AccessLogOut(Schema):
    id: int
    case: int
    user: UserRef | None
    organization: OrganizationRef | None
    share: int | None
    what: str
    at: datetime
    ip: str | None

    @staticmethod
    def resolve_case(obj) -> int:
        return obj.case_id

    @staticmethod
    def resolve_user(obj) -> dict | None:
        return _user(obj.user)

    @staticmethod
    def resolve_organization(obj) -> dict | None:
        return _org(obj.organization)

    @staticmethod
    def resolve_share(obj) -> int | None:
        return obj.share_id


class AccessLogFilters(PageParams):
    case: ObjectId | None = None
    organization: ObjectId | None = None
    after: date | None = None
    before: date | None = None


# -- meetings ------------------------------------------------------------------------------------


class FollowUpOut(Schema):
    id: int
    meeting: int
    text: str
    responsible: OrganizationRef
    due_on: date | None
    done_on: date | None
    result: str
    overdue: bool

    @staticmethod
    def resolve_meeting(obj) -> int:
        return obj.meeting_id

    @staticmethod
    def resolve_responsible(obj) -> dict:
        return _org(obj.responsible)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        from ..coordination import is_overdue_follow_up

        return is_overdue_follow_up(obj)


class FollowUpIn(Schema):
    text: str = Field(min_length=1, max_length=500)
    responsible: ObjectId = Field(description="Id of the responsible organization.")
    due_on: date | None = None


class FollowUpDoneIn(Schema):
    done_on: date | None = Field(default=None, description="Today when left out.")
    result: str = Field(min_length=1, max_length=5000)


class FollowUpFilters(PageParams):
    open: bool | None = Field(default=None, description="true: not done yet.")


class MeetingOut(Schema):
    id: int
    kind: MeetingKind
    title: str
    held_on: date
    place: str
    convened_by: OrganizationRef
    participants: list[OrganizationRef]
    cases: list[CaseRef] = Field(description="The cases discussed that the caller may list.")
    summary: str
    decisions: str
    follow_ups: list[FollowUpOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_convened_by(obj) -> dict:
        return _org(obj.convened_by)

    @staticmethod
    def resolve_participants(obj) -> list[dict]:
        return [_org(o) for o in obj.participants.all()]

    @staticmethod
    def resolve_cases(obj) -> list:
        return list(getattr(obj, "visible_cases", []))

    @staticmethod
    def resolve_follow_ups(obj) -> list:
        return list(obj.follow_ups.all())


class MeetingIn(Schema):
    kind: MeetingKind
    title: str = Field(min_length=1, max_length=300)
    held_on: date
    place: str = Field(default="", max_length=200)
    convened_by: ObjectId | None = Field(default=None, description="Your own unit when left out.")
    participants: list[ObjectId] = Field(default_factory=list, max_length=200)
    cases: list[ObjectId] = Field(default_factory=list, max_length=200)
    summary: str = Field(default="", max_length=20000)
    decisions: str = Field(default="", max_length=20000)


class MeetingFilters(PageParams):
    kind: MeetingKind | None = None
    held_after: date | None = None
    held_before: date | None = None
    convened_by: ObjectId | None = None
    q: str | None = Field(default=None, max_length=200)


# -- supervision ---------------------------------------------------------------------------------


class SupervisionOut(Schema):
    id: int
    case: CaseRef
    supervisor: OrganizationRef
    level: SupervisionLevel
    listed_on: date
    due_on: date
    requirements: str
    concluded_on: date | None
    conclusion: str
    overdue: bool

    @staticmethod
    def resolve_supervisor(obj) -> dict:
        return _org(obj.supervisor)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        from ..coordination import is_overdue_supervision

        return is_overdue_supervision(obj)


class SupervisionIn(Schema):
    case: ObjectId
    supervisor: ObjectId | None = Field(default=None, description="Your own unit when left out.")
    level: SupervisionLevel
    listed_on: date | None = Field(default=None, description="Today when left out.")
    due_on: date
    requirements: str = Field(default="", max_length=5000)


class ConcludeIn(Schema):
    concluded_on: date | None = Field(default=None, description="Today when left out.")
    conclusion: str = Field(min_length=1, max_length=5000)


class SupervisionFilters(PageParams):
    open: bool | None = None
    overdue: bool | None = None
    level: SupervisionLevel | None = None
    supervisor: ObjectId | None = None
    case: ObjectId | None = None


# -- campaigns -----------------------------------------------------------------------------------


class RegionRef(Schema):
    id: int
    code: str
    name: str


class CampaignOut(Schema):
    id: int
    name: str
    lead: OrganizationRef | None
    starts_on: date
    ends_on: date
    status: CampaignStatus
    targets: str
    right_types: list[RightType]
    key_industries: str
    key_areas: list[RegionRef]
    results_summary: str

    @staticmethod
    def resolve_lead(obj) -> dict | None:
        return _org(obj.lead)

    @staticmethod
    def resolve_key_areas(obj) -> list:
        return list(obj.key_areas.all())


class Figure(Schema):
    value: int | float
    params: dict[str, str | int] = Field(
        description="Case-list filters that list exactly the cases this figure counts."
    )


class StatusFigure(Figure):
    status: CaseStatus


class AgencyResults(Schema):
    agency: OrganizationRef
    cells: list[StatusFigure]
    total: Figure
    fines: Figure


class CampaignResults(Schema):
    rows: list[AgencyResults]
    by_status: list[StatusFigure]
    count: Figure
    fines: Figure
    fined: Figure
    transfers: Figure
    repeats: Figure


class CampaignDetailOut(CampaignOut):
    results: CampaignResults = Field(
        description="Over the tagged cases the caller sees at least in summary."
    )

    @staticmethod
    def resolve_results(obj) -> dict:
        return obj.results


class CampaignIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    lead: ObjectId | None = None
    starts_on: date
    ends_on: date
    status: CampaignStatus = CampaignStatus.PLANNED
    targets: str = Field(default="", max_length=20000)
    right_types: list[RightType] = Field(default_factory=list)
    key_industries: str = Field(default="", max_length=300)
    key_areas: list[ObjectId] = Field(default_factory=list, max_length=200)
    results_summary: str = Field(default="", max_length=20000)


class CampaignPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: CampaignStatus | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    targets: str | None = Field(default=None, max_length=20000)
    key_industries: str | None = Field(default=None, max_length=300)
    results_summary: str | None = Field(default=None, max_length=20000)


class TagIn(Schema):
    case: ObjectId


class TagOut(Schema):
    campaign: int
    case: int
    tagged: bool


class CampaignFilters(PageParams):
    status: CampaignStatus | None = None
    q: str | None = Field(default=None, max_length=200)


# -- mediation -----------------------------------------------------------------------------------


class MediationOut(Schema):
    id: int
    lead: int | None
    agency: OrganizationRef | None
    mediator: OrganizationRef
    right_type: RightType
    applicant: str
    respondent: str
    subject: str
    started_on: date
    concluded_on: date | None
    outcome: MediationOutcome
    agreement_amount: float | None = Field(description="Yuan.")
    notes: str

    @staticmethod
    def resolve_agreement_amount(obj) -> float | None:
        return None if obj.agreement_amount is None else float(obj.agreement_amount)

    @staticmethod
    def resolve_lead(obj) -> int | None:
        return obj.lead_id

    @staticmethod
    def resolve_agency(obj) -> dict | None:
        return _org(obj.agency)

    @staticmethod
    def resolve_mediator(obj) -> dict:
        return _org(obj.mediator)


class MediationIn(Schema):
    agency: ObjectId | None = Field(
        default=None, description="Referring agency; your own when left out."
    )
    mediator: ObjectId
    right_type: RightType
    applicant: str = Field(min_length=1, max_length=200)
    respondent: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=20000)
    started_on: date | None = Field(default=None, description="Today when left out.")
    notes: str = Field(default="", max_length=20000)


class OutcomeIn(Schema):
    outcome: MediationOutcome
    concluded_on: date | None = Field(default=None, description="Today when left out.")
    agreement_amount: Decimal | None = AMOUNT
    notes: str = Field(default="", max_length=20000)


class MediationFilters(PageParams):
    state: str | None = Field(default=None, pattern="^(pending|concluded)$")
    outcome: MediationOutcome | None = None
    started_after: date | None = None
    started_before: date | None = None
    mediator: ObjectId | None = None
    q: str | None = Field(default=None, max_length=200)


class AccessLogPage(Page[AccessLogOut]):
    pass


class MeetingPage(Page[MeetingOut]):
    pass


class FollowUpPage(Page[FollowUpOut]):
    pass


class SupervisionPage(Page[SupervisionOut]):
    pass


class CampaignPage(Page[CampaignOut]):
    pass


class MediationPage(Page[MediationOut]):
    pass
