"""Publicity, training and talent (plan tasks 16-17): the actions shared by the pages, the API,
the imports and the demo, and the queries other pages read (the public calendar, the overview
figures).

Every change takes the user, checks the grant on a restricted queryset (outside the view scope:
404 from the callers; visible but not changeable: `PermissionDenied`), validates with the same
form the page shows, and saves in one transaction on the row locked for update. A saved row must
still lie inside the user's scope, so nobody records an event for an organizer they do not
act for.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.scope import ScopeChoices, grants_for, has_perm, perm_name

from .choices import Channel, EventKind, TalentKind
from .models import Attendance, Course, Event, Talent


def current_date() -> date:
    return timezone.localdate()


# -- scope helpers ---------------------------------------------------------------------------


def orgs_in_scope(user, model, action: str) -> set[int] | None:
    """Ids of the organizations through which `user` may `action` rows of `model`; None means
    every organization (a district-wide grant), an empty set none at all. Forms offer these as
    organizers, so choosing one never ends in a refusal after the form was accepted."""
    from ipcity.orgs.models import Organization

    if user is None or user.is_superuser:
        return None
    grants = grants_for(user, perm_name(model, action))
    if any(g.scope == ScopeChoices.DISTRICT for g in grants):
        return None
    ids: set[int] = set()
    for grant in grants:
        if grant.org_id is None:
            continue
        if grant.scope == ScopeChoices.SUBTREE:
            ids |= set(
                Organization.objects.filter(path__startswith=grant.org_path).values_list(
                    "pk", flat=True
                )
            )
        else:
            ids.add(grant.org_id)
    return ids


def may(user, obj, action: str) -> bool:
    """Whether `user` may `action` this very row (a per-object check for buttons)."""
    if obj is None or obj.pk is None:
        return False
    return type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists()


def may_see_contact(user, talent: Talent) -> bool:
    """A talent's phone and e-mail are personal data: shown to those who may change the row
    (the office and the talent's own organization), never to other readers of the pool."""
    return may(user, talent, "change")


def _check_add(user, model) -> None:
    if not has_perm(user, model, "add"):
        raise PermissionDenied(_("You may not add %(what)s.") % {"what": model._meta.verbose_name})


def _locked(user, obj, action: str):
    """The row again, locked for the transaction, if `user` may `action` it."""
    model = type(obj)
    if not model.objects.restrict(user, "view").filter(pk=obj.pk).exists():
        raise PermissionDenied(_("This record is outside your scope."))
    locked = (
        model.objects.restrict(user, action)
        .select_for_update(of=("self",))
        .filter(pk=obj.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied(
            _("You may not change this %(what)s.") % {"what": model._meta.verbose_name}
        )
    return locked


def _validated(form):
    if not form.is_valid():
        raise ValidationError(
            {field: list(errors) for field, errors in form.errors.items()}
            if form.errors
            else _("The data are not valid.")
        )
    return form


def _form_values(instance, form_class) -> dict:
    """The current values of `instance` as form data, so a partial change keeps the rest."""
    values = {}
    for name in form_class._meta.fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        values[name] = "" if value is None else value
    return values


def _bound(form_class, user, data: dict, instance=None, **kwargs):
    if instance is None:
        return form_class(data=data, user=user, **kwargs)
    values = _form_values(instance, form_class)
    values.update(dict(data.items()) if hasattr(data, "items") else data)
    return form_class(data=values, instance=instance, user=user, **kwargs)


def _save(user, form, action: str):
    """Save a validated form in one transaction; the row must end inside the user's scope."""
    model = form._meta.model
    with transaction.atomic():
        if form.instance.pk:
            _locked(user, form.instance, "change")
        obj = form.save(commit=False)
        obj._history_user = user
        obj.save()
        form.save_m2m()
        if not model.objects.restrict(user, action).filter(pk=obj.pk).exists():
            raise PermissionDenied(_("The record would fall outside your scope."))
    return obj


def save_form(user, form):
    """Save a form the caller validated (the pages) with the checks of create/update."""
    model = form._meta.model
    if form.instance.pk:
        if not may(user, form.instance, "change"):
            raise PermissionDenied
        return _save(user, form, "change")
    _check_add(user, model)
    return _save(user, form, "add")


def delete(user, obj) -> None:
    """Delete a row the user may delete (recorded in its history, so it can be restored)."""
    with transaction.atomic():
        locked = _locked(user, obj, "delete")
        locked._history_user = user
        locked.delete()


# -- events ----------------------------------------------------------------------------------


def event_form(user, data: dict, event: Event | None = None):
    from .forms.outreach import EventForm

    return _bound(EventForm, user, data, event)


def create_event(user, data: dict) -> Event:
    _check_add(user, Event)
    return _save(user, _validated(event_form(user, data)), "add")


def update_event(user, event: Event, data: dict) -> Event:
    if not may(user, event, "change"):
        raise PermissionDenied
    return _save(user, _validated(event_form(user, data, event)), "change")


def public_events(start: date | None = None, end: date | None = None):
    """Published events overlapping [start, end] (either bound may be None), for the public
    calendar: no login, so only what `Event.scope_public_view` opens."""
    qs = Event.objects.filter(Event.scope_public_view()).select_related("organizer")
    if end is not None:
        qs = qs.filter(starts_on__lte=end)
    if start is not None:
        qs = qs.filter(Q(ends_on__gte=start) | Q(ends_on__isnull=True, starts_on__gte=start))
    return qs.order_by("starts_on", "pk")


# -- courses and attendances -----------------------------------------------------------------


def course_form(user, data: dict, course: Course | None = None):
    from .forms.outreach import CourseForm

    return _bound(CourseForm, user, data, course)


def create_course(user, data: dict) -> Course:
    _check_add(user, Course)
    return _save(user, _validated(course_form(user, data)), "add")


def update_course(user, course: Course, data: dict) -> Course:
    if not may(user, course, "change"):
        raise PermissionDenied
    return _save(user, _validated(course_form(user, data, course)), "change")


def attendance_form(user, course: Course, data: dict, attendance: Attendance | None = None):
    from .forms.outreach import AttendanceForm

    return _bound(AttendanceForm, user, data, attendance, course=course)


def _lock_course(user, course: Course) -> Course:
    """The course locked for the write, if the user may record its attendees: attendances are
    the course organizer's record, so adding one needs `change` on the course (and
    `add_attendance`). The lock serializes two writers checking certificate numbers."""
    if not Course.objects.restrict(user, "view").filter(pk=course.pk).exists():
        raise PermissionDenied(_("This record is outside your scope."))
    locked = (
        Course.objects.restrict(user, "change")
        .select_for_update(of=("self",))
        .filter(pk=course.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied(_("You may not record attendees of this course."))
    return locked


def may_record_attendees(user, course: Course) -> bool:
    return has_perm(user, Attendance, "add") and may(user, course, "change")


def _save_attendance(user, form) -> Attendance:
    try:
        with transaction.atomic():
            attendance = form.save(commit=False)
            attendance.save()
    except IntegrityError:
        raise ValidationError(
            {"talent": [_("This person is already recorded as an attendee of this course.")]}
        ) from None
    return attendance


def add_attendance(user, course: Course, data: dict) -> Attendance:
    """Record one attendee: a talent of the pool (name and organization taken from it) or a
    name with an organization; hours at most the course's; a certificate number when the
    course issues certificates and the attendee passed, unique within the course."""
    if not has_perm(user, Attendance, "add"):
        raise PermissionDenied
    with transaction.atomic():
        course = _lock_course(user, course)
        form = _validated(attendance_form(user, course, data))
        return _save_attendance(user, form)


def update_attendance(user, attendance: Attendance, data: dict) -> Attendance:
    if not has_perm(user, Attendance, "change"):
        raise PermissionDenied
    with transaction.atomic():
        course = _lock_course(user, attendance.course)
        form = _validated(attendance_form(user, course, data, attendance))
        return _save_attendance(user, form)


def delete_attendance(user, attendance: Attendance) -> None:
    if not has_perm(user, Attendance, "delete"):
        raise PermissionDenied
    with transaction.atomic():
        _lock_course(user, attendance.course)
        attendance.delete()


def add_attendances(user, course: Course, rows: list[dict]) -> list[Attendance]:
    """Record several attendees at once, all or nothing (the import). Each dict is form data;
    a `ValidationError` names the failing row by its `row` key."""
    if not has_perm(user, Attendance, "add"):
        raise PermissionDenied
    created = []
    with transaction.atomic():
        course = _lock_course(user, course)
        for data in rows:
            number = data.pop("row", None)
            form = attendance_form(user, course, data)
            if not form.is_valid():
                message = " ".join(str(m) for errors in form.errors.values() for m in errors)
                raise ValidationError(
                    _("Row %(row)s: %(problem)s") % {"row": number, "problem": message}
                )
            created.append(_save_attendance(user, form))
    return created


def training_totals(attendances) -> dict:
    """Hours and certificates of a set of attendances, in one query."""
    totals = attendances.order_by().aggregate(
        rows=Count("pk"),
        hours=Sum("hours"),
        passed=Count("pk", filter=Q(passed=True)),
        certificates=Count("pk", filter=~Q(certificate_number="")),
    )
    totals["hours"] = totals["hours"] or Decimal("0")
    return totals


# -- talent ----------------------------------------------------------------------------------


def talent_form(user, data: dict, talent: Talent | None = None):
    from .forms.outreach import TalentForm

    return _bound(TalentForm, user, data, talent)


def create_talent(user, data: dict) -> Talent:
    _check_add(user, Talent)
    return _save(user, _validated(talent_form(user, data)), "add")


def update_talent(user, talent: Talent, data: dict) -> Talent:
    if not may(user, talent, "change"):
        raise PermissionDenied
    return _save(user, _validated(talent_form(user, data, talent)), "change")


# -- figures for the overview ----------------------------------------------------------------


def _url(name: str, params: dict) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def figures(user, year: int) -> dict:
    """The year's publicity and training figures over what `user` may view, each with the URL
    of the list that shows exactly its rows (the lists' FilterSets define these parameters).

    Keys: events, reach, reach_by_channel, reach_by_kind, courses, attendances,
    training_hours, certificates, talent, talent_by_kind (the last two only for readers of the
    talent pool; otherwise None and []).
    """
    year = int(year)
    result: dict = {"year": year}
    events = Event.objects.restrict(user, "view").filter(starts_on__year=year).order_by()
    totals = events.aggregate(n=Count("pk"), reach=Sum("reach"))
    result["events"] = {"value": totals["n"], "url": _url("services:event_list", {"year": year})}
    result["reach"] = {
        "value": totals["reach"] or 0,
        "url": _url("services:event_list", {"year": year}),
    }
    by_channel = {
        row["channel"]: row
        for row in events.values("channel").annotate(n=Count("pk"), reach=Sum("reach"))
    }
    result["reach_by_channel"] = [
        {
            "key": channel.value,
            "label": str(channel.label),
            "events": by_channel[channel.value]["n"],
            "value": by_channel[channel.value]["reach"] or 0,
            "url": _url("services:event_list", {"year": year, "channel": channel.value}),
        }
        for channel in Channel
        if channel.value in by_channel
    ]
    by_kind = {
        row["kind"]: row
        for row in events.values("kind").annotate(n=Count("pk"), reach=Sum("reach"))
    }
    result["reach_by_kind"] = [
        {
            "key": kind.value,
            "label": str(kind.label),
            "events": by_kind[kind.value]["n"],
            "value": by_kind[kind.value]["reach"] or 0,
            "url": _url("services:event_list", {"year": year, "kind": kind.value}),
        }
        for kind in EventKind
        if kind.value in by_kind
    ]
    courses = Course.objects.restrict(user, "view").filter(starts_on__year=year)
    result["courses"] = {
        "value": courses.order_by().count(),
        "url": _url("services:course_list", {"year": year}),
    }
    attendances = Attendance.objects.restrict(user, "view").filter(course__starts_on__year=year)
    totals = training_totals(attendances)
    result["attendances"] = {
        "value": totals["rows"],
        "url": _url("services:attendance_list", {"year": year}),
    }
    result["training_hours"] = {
        "value": totals["hours"],
        "url": _url("services:attendance_list", {"year": year}),
    }
    result["certificates"] = {
        "value": totals["certificates"],
        "url": _url("services:attendance_list", {"year": year, "certified": "true"}),
    }
    result["talent"] = None
    result["talent_by_kind"] = []
    if has_perm(user, Talent, "view"):
        talents = Talent.objects.restrict(user, "view").order_by()
        counts = dict(talents.values_list("kind").annotate(n=Count("pk")))
        result["talent"] = {
            "value": sum(counts.values()),
            "url": reverse("services:talent_list"),
        }
        result["talent_by_kind"] = [
            {
                "key": kind.value,
                "label": str(kind.label),
                "value": counts[kind.value],
                "url": _url("services:talent_list", {"kind": kind.value}),
            }
            for kind in TalentKind
            if kind.value in counts
        ]
    return result
