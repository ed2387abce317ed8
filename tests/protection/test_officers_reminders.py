"""The daily duty officer-certificates: the officer's own user and the heads of the agency are
told once per officer and expiry when a certificate is about to expire and when it has expired;
a renewed certificate is reminded of again."""

import datetime

import pytest

from ipcity.core.daily import duties
from ipcity.core.models import Notification
from ipcity.protection import officers

from .conftest import make_officer

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


def recipients():
    return sorted(Notification.objects.values_list("user__username", flat=True))


def test_the_duty_is_registered_in_order():
    duty = next(d for d in duties() if d.name == "officer-certificates")
    assert duty.order == 53


def test_expiring_certificates_are_reminded_once(pworld):
    p = pworld
    officer = p.mia_officer
    officer.valid_until = officers.warning_until(TODAY)
    officer.save()
    outside = make_officer(
        None, p.amr, "FAR-1", valid_until=officers.warning_until(TODAY) + datetime.timedelta(days=1)
    )
    assert officers.send_reminders(TODAY) == 2
    # The officer and the head of amr (hank); not the office (district-wide), not carl.
    assert recipients() == ["hank", "mia"]
    note = Notification.objects.get(user=p.mia)
    assert officer.valid_until.isoformat() in note.title and note.link == officer.get_absolute_url()
    assert officers.send_reminders(TODAY) == 0
    assert officers.send_reminders(TODAY + datetime.timedelta(days=1)) == 1  # `outside` now
    assert Notification.objects.filter(link=outside.get_absolute_url()).count() == 1
    officer.refresh_from_db()
    assert officer.reminded_for == officer.valid_until


def test_expired_certificates_are_reminded_once_and_renewals_again(pworld):
    p = pworld
    officer = p.carl_officer  # culture has no head: only carl is told
    officer.valid_until = TODAY - datetime.timedelta(days=1)
    officer.save()
    assert officers.send_reminders(TODAY) == 1
    assert recipients() == ["carl"]
    assert "expired" in Notification.objects.get().title
    assert officers.send_reminders(TODAY) == 0
    # Renewed for a year: reminded again when the new expiry comes near, and when it passes.
    officer.refresh_from_db()
    officer.valid_until = TODAY + datetime.timedelta(days=365)
    officer.save()
    assert officers.send_reminders(TODAY) == 0
    near = officer.valid_until - datetime.timedelta(days=10)
    assert officers.send_reminders(near) == 1
    assert officers.send_reminders(near) == 0
    assert officers.send_reminders(officer.valid_until + datetime.timedelta(days=1)) == 1
    assert Notification.objects.count() == 3


def test_nobody_to_tell_is_not_remembered(pworld):
    p = pworld
    lonely = make_officer(None, p.culture, "LONE-1", valid_until=TODAY)
    assert officers.send_reminders(TODAY) == 0
    lonely.refresh_from_db()
    assert lonely.reminded_for is None


def test_inactive_officers_are_not_reminded(pworld):
    p = pworld
    p.mia_officer.valid_until = TODAY
    p.mia_officer.status = "left"
    p.mia_officer.save()
    p.hank_officer.valid_until = TODAY - datetime.timedelta(days=5)
    p.hank_officer.status = "suspended"
    p.hank_officer.save()
    assert officers.send_reminders(TODAY) == 0


def test_the_duty_runs_through_the_registry(pworld):
    p = pworld
    p.mia_officer.valid_until = TODAY
    p.mia_officer.save()
    duty = next(d for d in duties() if d.name == "officer-certificates")
    assert duty.func(TODAY) == "2 officer certificate reminders sent"
