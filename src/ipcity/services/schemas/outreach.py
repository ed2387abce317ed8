"""API shapes for publicity events, training courses with their attendances, and the talent pool."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.orgs.schemas import MAX_ID, OrganizationRef

from ..choices import Channel, EventKind, TalentKind


class PublicityEventOut(Schema):
    id: int
    title: str
    kind: EventKind
    channel: Channel
    starts_on: date
    ends_on: date | None
    place: str
    organizer: OrganizationRef
    audience: str
    reach: int = Field(description="People reached as reported (attendees, readers, views).")
    link: str
    published: bool = Field(description="Shown on the public events calendar.")
    description: str
    created_at: datetime
    updated_at: datetime


class EventIn(Schema):
    title: str = Field(max_length=200)
    kind: EventKind
    channel: Channel
    starts_on: date
    ends_on: date | None = None
    place: str = Field(default="", max_length=200)
    organizer: int = Field(ge=1, le=MAX_ID, description="The organizing organization's id.")
    audience: str = Field(default="", max_length=200)
    reach: int = Field(default=0, ge=0, le=2_000_000_000)
    link: str = Field(default="", max_length=200)
    published: bool = True
    description: str = Field(default="", max_length=5000)


class EventPatch(Schema):
    title: str | None = Field(default=None, max_length=200)
    kind: EventKind | None = None
    channel: Channel | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    place: str | None = Field(default=None, max_length=200)
    organizer: int | None = Field(default=None, ge=1, le=MAX_ID)
    audience: str | None = Field(default=None, max_length=200)
    reach: int | None = Field(default=None, ge=0, le=2_000_000_000)
    link: str | None = Field(default=None, max_length=200)
    published: bool | None = None
    description: str | None = Field(default=None, max_length=5000)


class EventFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    kind: list[EventKind] | None = None
    channel: list[Channel] | None = None
    year: int | None = Field(default=None, ge=1990, le=2100)
    organizer: int | None = Field(default=None, ge=1, le=MAX_ID)
    published: bool | None = None


EventPage = Page[PublicityEventOut]


class TalentRef(Schema):
    id: int
    name: str


class AttendanceOut(Schema):
    id: int
    course: int = Field(description="The course's id.")
    talent: TalentRef | None = None
    name: str
    organization: OrganizationRef | None
    hours: Decimal
    passed: bool
    certificate_number: str

    @staticmethod
    def resolve_course(obj):
        return obj.course_id


class AttendanceIn(Schema):
    talent: int | None = Field(default=None, ge=1, le=MAX_ID, description="A person of the pool.")
    name: str = Field(default="", max_length=100, description="Empty: the talent's name.")
    organization: int | None = Field(default=None, ge=1, le=MAX_ID)
    hours: Decimal = Field(ge=0, max_digits=6, decimal_places=1)
    passed: bool = True
    certificate_number: str = Field(default="", max_length=100)


class CourseOut(Schema):
    id: int
    title: str
    topic: str
    organizer: OrganizationRef
    starts_on: date
    ends_on: date | None
    place: str
    channel: Channel
    hours: Decimal
    audience: str
    issues_certificates: bool
    description: str
    attendee_count: int = 0
    created_at: datetime
    updated_at: datetime


class CourseDetailOut(CourseOut):
    attendances: list[AttendanceOut]


class CourseIn(Schema):
    title: str = Field(max_length=200)
    topic: str = Field(default="", max_length=200)
    organizer: int = Field(ge=1, le=MAX_ID)
    starts_on: date
    ends_on: date | None = None
    place: str = Field(default="", max_length=200)
    channel: Channel
    hours: Decimal = Field(ge=Decimal("0.5"), max_digits=6, decimal_places=1)
    audience: str = Field(default="", max_length=200)
    issues_certificates: bool = False
    description: str = Field(default="", max_length=5000)


class CoursePatch(Schema):
    title: str | None = Field(default=None, max_length=200)
    topic: str | None = Field(default=None, max_length=200)
    organizer: int | None = Field(default=None, ge=1, le=MAX_ID)
    starts_on: date | None = None
    ends_on: date | None = None
    place: str | None = Field(default=None, max_length=200)
    channel: Channel | None = None
    hours: Decimal | None = Field(default=None, ge=Decimal("0.5"), max_digits=6, decimal_places=1)
    audience: str | None = Field(default=None, max_length=200)
    issues_certificates: bool | None = None
    description: str | None = Field(default=None, max_length=5000)


class CourseFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    year: int | None = Field(default=None, ge=1990, le=2100)
    organizer: int | None = Field(default=None, ge=1, le=MAX_ID)
    channel: list[Channel] | None = None
    issues_certificates: bool | None = None


CoursePage = Page[CourseOut]


class TalentOut(Schema):
    id: int
    name: str
    kind: TalentKind
    organization: OrganizationRef | None
    qualification: str
    certificate_number: str
    qualified_on: date | None
    specialties: str
    phone: str | None = Field(
        description="Only for callers who may change this person; otherwise null."
    )
    email: str | None = Field(
        description="Only for callers who may change this person; otherwise null."
    )
    is_active: bool
    training_hours: Decimal = Field(description="Hours of the attendances the caller may view.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_phone(obj):
        return obj.phone if getattr(obj, "contact_visible", False) else None

    @staticmethod
    def resolve_email(obj):
        return obj.email if getattr(obj, "contact_visible", False) else None

    @staticmethod
    def resolve_training_hours(obj):
        return getattr(obj, "training_hours", None) or Decimal("0")


class TalentIn(Schema):
    name: str = Field(max_length=100)
    kind: TalentKind
    organization: int | None = Field(default=None, ge=1, le=MAX_ID)
    qualification: str = Field(default="", max_length=200)
    certificate_number: str = Field(default="", max_length=100)
    qualified_on: date | None = None
    specialties: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)
    is_active: bool = True
    notes: str = Field(default="", max_length=5000)


class TalentPatch(Schema):
    name: str | None = Field(default=None, max_length=100)
    kind: TalentKind | None = None
    organization: int | None = Field(default=None, ge=1, le=MAX_ID)
    qualification: str | None = Field(default=None, max_length=200)
    certificate_number: str | None = Field(default=None, max_length=100)
    qualified_on: date | None = None
    specialties: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    is_active: bool | None = None
    notes: str | None = Field(default=None, max_length=5000)


class TalentFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    kind: list[TalentKind] | None = None
    organization: int | None = Field(default=None, ge=1, le=MAX_ID)
    active: bool | None = None
    has_certificate: bool | None = None
    trained_in: int | None = Field(default=None, ge=1990, le=2100)


TalentPage = Page[TalentOut]
