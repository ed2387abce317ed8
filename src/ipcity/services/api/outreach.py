"""Publicity events, training courses (with their attendances) and the talent pool over HTTP:
list (the pages' filters), detail, create, change; attendees are added to a course.

Reads go through `restrict(user, "view")` (outside the caller's scope: 404); changes go through
`services.outreach`, which answers 403 for what the caller may not change. A talent's phone and
e-mail are null for callers who may not change that person.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Count, Prefetch, Value, When
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm, scope_q
from ipcity.orgs.api import _form_data

from .. import outreach
from ..filters.outreach import CourseFilterSet, EventFilterSet, TalentFilterSet
from ..models import Attendance, Course, Event, Talent
from ..schemas.outreach import (
    AttendanceIn,
    AttendanceOut,
    CourseDetailOut,
    CourseFilters,
    CourseIn,
    CoursePage,
    CoursePatch,
    EventFilters,
    EventIn,
    EventPage,
    EventPatch,
    PublicityEventOut,
    TalentFilters,
    TalentIn,
    TalentOut,
    TalentPage,
    TalentPatch,
)
from ..views.talent import with_training_hours

router = Router(tags=["services"])


def _require(user, model) -> None:
    if not has_perm(user, model, "view"):
        raise PermissionDenied


# -- events ----------------------------------------------------------------------------------


def _events(request):
    return Event.objects.restrict(request.auth, "view").select_related("organizer")


@router.get(
    "/events/",
    response=_responses(200, EventPage),
    summary="List publicity events",
    description="Filters as on the event list page.",
    operation_id="services_event_list",
)
def event_list(request, filters: Query[EventFilters]):
    _require(request.auth, Event)
    queryset = apply_filterset(EventFilterSet, filters, _events(request), request.auth)
    return paginate(queryset.order_by("-starts_on", "-pk"), filters.limit, filters.offset)


@router.get(
    "/events/{int:event_id}/",
    response=_responses(200, PublicityEventOut),
    summary="Get a publicity event",
    operation_id="services_event_detail",
)
def event_detail(request, event_id: ObjectId):
    return get_object_or_404(_events(request), pk=event_id)


@router.post(
    "/events/",
    response=_responses(201, PublicityEventOut),
    summary="Create a publicity event",
    operation_id="services_event_create",
)
def event_create(request, payload: EventIn):
    event = outreach.create_event(request.auth, _form_data(payload.dict()))
    return Status(201, _events(request).get(pk=event.pk))


@router.patch(
    "/events/{int:event_id}/",
    response=_responses(200, PublicityEventOut),
    summary="Change a publicity event",
    description="Only the fields sent are changed.",
    operation_id="services_event_update",
)
def event_update(request, event_id: ObjectId, payload: EventPatch):
    event = get_object_or_404(_events(request), pk=event_id)
    event = outreach.update_event(request.auth, event, _form_data(payload.dict(exclude_unset=True)))
    return _events(request).get(pk=event.pk)


# -- courses ---------------------------------------------------------------------------------


def _courses(request):
    return (
        Course.objects.restrict(request.auth, "view")
        .select_related("organizer")
        .annotate(attendee_count=Count("attendances"))
    )


def _course_detail(request, pk):
    attendances = (
        Attendance.objects.restrict(request.auth, "view")
        .select_related("organization", "talent")
        .order_by("name", "pk")
    )
    return get_object_or_404(
        _courses(request).prefetch_related(Prefetch("attendances", queryset=attendances)), pk=pk
    )


@router.get(
    "/courses/",
    response=_responses(200, CoursePage),
    summary="List training courses",
    description="Filters as on the course list page.",
    operation_id="services_course_list",
)
def course_list(request, filters: Query[CourseFilters]):
    _require(request.auth, Course)
    queryset = apply_filterset(CourseFilterSet, filters, _courses(request), request.auth)
    return paginate(queryset.order_by("-starts_on", "-pk"), filters.limit, filters.offset)


@router.get(
    "/courses/{int:course_id}/",
    response=_responses(200, CourseDetailOut),
    summary="Get a training course with its attendances",
    operation_id="services_course_detail",
)
def course_detail(request, course_id: ObjectId):
    return _course_detail(request, course_id)


@router.post(
    "/courses/",
    response=_responses(201, CourseDetailOut),
    summary="Create a training course",
    operation_id="services_course_create",
)
def course_create(request, payload: CourseIn):
    course = outreach.create_course(request.auth, _form_data(payload.dict()))
    return Status(201, _course_detail(request, course.pk))


@router.patch(
    "/courses/{int:course_id}/",
    response=_responses(200, CourseDetailOut),
    summary="Change a training course",
    description="Only the fields sent are changed.",
    operation_id="services_course_update",
)
def course_update(request, course_id: ObjectId, payload: CoursePatch):
    course = get_object_or_404(_courses(request), pk=course_id)
    outreach.update_course(request.auth, course, _form_data(payload.dict(exclude_unset=True)))
    return _course_detail(request, course.pk)


@router.post(
    "/courses/{int:course_id}/attendances/",
    response=_responses(201, AttendanceOut),
    summary="Add an attendee to a training course",
    description="Hours at most the course's; a certificate number when the course issues "
    "certificates and the attendee passed, unique within the course.",
    operation_id="services_course_attendance_create",
)
def attendance_create(request, course_id: ObjectId, payload: AttendanceIn):
    course = get_object_or_404(Course.objects.restrict(request.auth, "view"), pk=course_id)
    attendance = outreach.add_attendance(request.auth, course, _form_data(payload.dict()))
    return Status(
        201, Attendance.objects.select_related("organization", "talent").get(pk=attendance.pk)
    )


# -- talent ----------------------------------------------------------------------------------


def _talents(request):
    user = request.auth
    changeable = scope_q(Talent, user, "change")
    if changeable is None:
        flag = Value(False, output_field=BooleanField())
    elif not changeable:
        flag = Value(True, output_field=BooleanField())
    else:
        flag = Case(
            When(changeable, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    queryset = Talent.objects.restrict(user, "view").select_related("organization")
    return with_training_hours(queryset, user).annotate(contact_visible=flag)


@router.get(
    "/talent/",
    response=_responses(200, TalentPage),
    summary="List the talent pool",
    description="Filters as on the talent list page.",
    operation_id="services_talent_list",
)
def talent_list(request, filters: Query[TalentFilters]):
    _require(request.auth, Talent)
    queryset = apply_filterset(TalentFilterSet, filters, _talents(request), request.auth)
    return paginate(queryset.order_by("name", "pk"), filters.limit, filters.offset)


@router.get(
    "/talent/{int:talent_id}/",
    response=_responses(200, TalentOut),
    summary="Get a person of the talent pool",
    operation_id="services_talent_detail",
)
def talent_detail(request, talent_id: ObjectId):
    return get_object_or_404(_talents(request), pk=talent_id)


@router.post(
    "/talent/",
    response=_responses(201, TalentOut),
    summary="Add a person to the talent pool",
    operation_id="services_talent_create",
)
def talent_create(request, payload: TalentIn):
    talent = outreach.create_talent(request.auth, _form_data(payload.dict()))
    return Status(201, _talents(request).get(pk=talent.pk))


@router.patch(
    "/talent/{int:talent_id}/",
    response=_responses(200, TalentOut),
    summary="Change a person of the talent pool",
    description="Only the fields sent are changed.",
    operation_id="services_talent_update",
)
def talent_update(request, talent_id: ObjectId, payload: TalentPatch):
    talent = get_object_or_404(_talents(request), pk=talent_id)
    talent = outreach.update_talent(
        request.auth, talent, _form_data(payload.dict(exclude_unset=True))
    )
    return _talents(request).get(pk=talent.pk)
