"""The officer registry's rules: validity and its badge, the warning clock, the form's checks
(issued ≤ valid until, a certificate number used once), and training hours = sum of trainings."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ipcity.protection import clocks, officers
from ipcity.protection.choices import OfficerStatus
from ipcity.protection.models import Officer
from ipcity.protection.tables.agencies import validity_badge

from .conftest import make_officer

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(officers, "current_date", lambda: TODAY)
    return TODAY


def test_the_warning_window_comes_from_the_clock():
    clock = clocks.get("officer_certificate_warning")
    assert officers.warning_until(TODAY) == clock.due(TODAY)
    assert officers.warning_days() == clock.amount


def test_validity_states_and_badges(pworld):
    o = pworld.mia_officer
    until = officers.warning_until(TODAY)
    cases = [
        ({"valid_until": until + datetime.timedelta(days=1)}, "valid"),
        ({"valid_until": until}, "expiring"),
        ({"valid_until": TODAY}, "expiring"),
        ({"valid_until": TODAY - datetime.timedelta(days=1)}, "expired"),
        ({"status": OfficerStatus.SUSPENDED}, "inactive"),
        ({"issued_on": TODAY + datetime.timedelta(days=3)}, "not_yet"),
    ]
    for changes, expected in cases:
        officer = Officer(
            name="x",
            certificate_number="x",
            organization=pworld.amr,
            issued_on=datetime.date(2020, 1, 1),
            valid_until=datetime.date(2030, 12, 31),
            status=OfficerStatus.ACTIVE,
        )
        for key, value in changes.items():
            setattr(officer, key, value)
        assert officers.validity(officer, TODAY) == expected, changes
        assert f'data-validity="{expected}"' in validity_badge(officer, TODAY)
    assert officers.validity(o, TODAY) == "valid"


def test_certified_expiring_and_expired_querysets(pworld):
    p = pworld
    until = officers.warning_until(TODAY)
    soon = make_officer(None, p.amr, "S-1", valid_until=until)
    gone = make_officer(None, p.amr, "S-2", valid_until=TODAY - datetime.timedelta(days=1))
    left = make_officer(None, p.amr, "S-3", status=OfficerStatus.LEFT)
    certified = set(Officer.objects.filter(officers.certified_q(TODAY)))
    assert soon in certified and gone not in certified and left not in certified
    assert set(Officer.objects.filter(officers.expiring_q(TODAY))) == {soon}
    assert set(Officer.objects.filter(officers.expired_q(TODAY))) == {gone}
    assert set(officers.certified_officers(p.amr, TODAY)) == {p.mia_officer, p.hank_officer, soon}
    with pytest.raises(ValidationError, match="expired on"):
        officers.check_certified(gone, TODAY)
    with pytest.raises(ValidationError, match="not an active"):
        officers.check_certified(left, TODAY)


def data(p, **changes):
    values = {
        "organization": p.amr.pk,
        "name": "张执法",
        "certificate_number": "11009999",
        "issued_on": "2025-01-01",
        "valid_until": "2030-12-31",
        "status": "active",
        "user": "",
    }
    values.update(changes)
    return values


def test_issued_after_valid_until_is_refused(pworld):
    with pytest.raises(ValidationError) as exc:
        officers.create_officer(pworld.hank, data(pworld, issued_on="2031-01-01"))
    assert "cannot expire before the day it was issued" in str(exc.value)
    # The same day is fine.
    officer = officers.create_officer(
        pworld.hank, data(pworld, issued_on="2030-12-31", certificate_number="X-1")
    )
    assert officer.valid_until == officer.issued_on


def test_certificate_numbers_are_unique_whatever_their_case_with_a_clear_message(pworld):
    p = pworld
    officers.create_officer(p.hank, data(p, certificate_number="  AB  123 "))
    assert Officer.objects.filter(certificate_number="AB 123").exists()
    with pytest.raises(ValidationError) as exc:
        officers.create_officer(p.hank, data(p, certificate_number="ab 123", name="李"))
    assert "already recorded for 张执法" in str(exc.value)
    # An officer of another agency the user cannot see is not named.
    with pytest.raises(ValidationError) as exc:
        officers.create_officer(p.hank, data(p, certificate_number="11000003"))
    assert "an officer of another agency" in str(exc.value) and "carl" not in str(exc.value)


def test_certificate_numbers_are_stored_upper_cased(pworld):
    """The stored number is trimmed and upper-cased, so the database's unique constraint and
    the forms' check agree (ab 123 and AB 123 are one number)."""
    p = pworld
    officer = officers.create_officer(p.hank, data(p, certificate_number=" ab  12x "))
    assert officer.certificate_number == "AB 12X"
    assert Officer.objects.get(pk=officer.pk).certificate_number == "AB 12X"
    row = make_officer(None, p.culture, "cd-9")  # a plain save normalizes too
    assert Officer.objects.get(pk=row.pk).certificate_number == "CD-9"


def test_a_concurrent_duplicate_gets_the_clear_message(pworld, monkeypatch):
    """Two forms pass the duplicate check at the same moment; the second save meets the unique
    constraint and answers with the form's message, writing nothing."""
    from ipcity.protection.forms import agencies as forms_module

    p = pworld
    first = officers.officer_form(p.hank, data(p, certificate_number="RACE-1"))
    second = officers.officer_form(p.hank, data(p, certificate_number="race-1", name="李"))
    assert first.is_valid() and second.is_valid()
    officers.save_officer_form(p.hank, first)
    with pytest.raises(ValidationError) as exc:
        officers.save_officer_form(p.hank, second)
    assert "Certificate number RACE-1 is already recorded for 张执法" in str(exc.value)
    assert exc.value.message_dict.keys() == {"certificate_number"}
    assert Officer.objects.filter(certificate_number="RACE-1").count() == 1
    assert forms_module.normalize_number(" x  1 ") == "X 1"


def test_officers_are_recorded_only_inside_the_scope(pworld):
    p = pworld
    with pytest.raises(ValidationError) as exc:  # culture is not hank's agency
        officers.create_officer(p.hank, data(p, organization=p.culture.pk))
    assert "Choose an enforcement agency" in str(exc.value)
    with pytest.raises(PermissionDenied):
        officers.update_officer(p.mia, p.mia_officer, {"name": "new"})
    with pytest.raises(PermissionDenied):
        officers.update_officer(p.carl, p.mia_officer, {"name": "new"})
    officer = officers.update_officer(p.alice, p.mia_officer, {"valid_until": "2031-06-30"})
    assert officer.valid_until == datetime.date(2031, 6, 30) and officer.name == "mia"


def test_an_account_is_linked_to_one_officer_of_its_agency(pworld):
    p = pworld
    with pytest.raises(ValidationError) as exc:
        officers.create_officer(p.hank, data(p, user=p.mia.pk))
    assert "already linked to the officer mia" in str(exc.value)


def test_training_hours_are_the_sum_of_the_trainings(pworld):
    p = pworld
    officer = p.mia_officer
    a = officers.add_training(
        p.hank, officer, {"course": "商标法培训", "attended_on": "2026-01-10", "hours": "8"}
    )
    officers.add_training(
        p.hank, officer, {"course": "专利侵权判定", "attended_on": "2026-02-10", "hours": "6.5"}
    )
    officer.refresh_from_db()
    assert officer.training_hours == Decimal("14.5")
    officers.delete_training(p.hank, a)
    officer.refresh_from_db()
    assert officer.training_hours == Decimal("6.5") == officers.training_sum(officer.pk)
    with pytest.raises(ValidationError):
        officers.add_training(
            p.hank, officer, {"course": "x", "attended_on": "2026-02-10", "hours": "0"}
        )
    with pytest.raises(PermissionDenied):
        officers.add_training(
            p.mia, officer, {"course": "x", "attended_on": "2026-02-10", "hours": "2"}
        )
    officer.refresh_from_db()
    assert officer.training_hours == Decimal("6.5") and officer.trainings.count() == 1


def test_a_failed_hours_update_leaves_no_training(pworld, monkeypatch):
    p = pworld
    officer = p.mia_officer

    def boom(user, officer_id):
        raise RuntimeError("disk full")

    monkeypatch.setattr(officers, "_sync_hours", boom)
    with pytest.raises(RuntimeError):
        officers.add_training(
            p.hank, officer, {"course": "x", "attended_on": "2026-02-10", "hours": "2"}
        )
    assert officer.trainings.count() == 0
