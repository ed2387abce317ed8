"""Builders for the publicity, training and talent tests: rows written directly, so each test
states only what it is about."""

from datetime import date
from decimal import Decimal

from django.test import Client

from ipcity.accounts.models import APIToken
from ipcity.services.choices import Channel, EventKind, TalentKind
from ipcity.services.models import Attendance, Course, Event, Talent


def make_event(organizer, title="宣传周活动", **fields) -> Event:
    values = {
        "kind": EventKind.PUBLICITY_WEEK,
        "channel": Channel.ONSITE,
        "starts_on": date(2025, 4, 26),
        "reach": 100,
        "published": True,
    }
    values.update(fields)
    return Event.objects.create(title=title, organizer=organizer, **values)


def make_course(organizer, title="企业知识产权管理培训班", **fields) -> Course:
    values = {
        "starts_on": date(2025, 5, 14),
        "channel": Channel.ONSITE,
        "hours": Decimal("24"),
        "issues_certificates": True,
    }
    values.update(fields)
    return Course.objects.create(title=title, organizer=organizer, **values)


def make_talent(organization, name="王志远", **fields) -> Talent:
    values = {"kind": TalentKind.PATENT_AGENT, "phone": "010-12345678", "email": "a@example.com"}
    values.update(fields)
    return Talent.objects.create(name=name, organization=organization, **values)


def make_attendance(course, name="张三", **fields) -> Attendance:
    values = {"hours": course.hours, "passed": True, "certificate_number": ""}
    values.update(fields)
    return Attendance.objects.create(course=course, name=name, **values)


def api_client(user) -> Client:
    _, key = APIToken.issue(user, "tests")
    return Client(headers={"Authorization": f"Bearer {key}"})
