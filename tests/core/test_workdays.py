"""The working-day calendar and the holidays page."""

import logging
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from ipcity.accounts.models import Role
from ipcity.core import workdays
from ipcity.core.models import Holiday, HolidayKind
from tests.factories import grant

pytestmark = pytest.mark.django_db


def test_adding_five_working_days_skips_the_national_day_holiday():
    assert workdays.add_workdays(date(2024, 9, 27), 5) == date(2024, 10, 10)


def test_a_make_up_sunday_is_a_working_day_and_a_holiday_weekday_is_not():
    assert workdays.is_workday(date(2024, 9, 29))
    assert not workdays.is_workday(date(2024, 10, 2))
    assert not workdays.is_workday(date(2024, 10, 13))


def test_counting_agrees_with_adding():
    start = date(2024, 9, 27)
    for n in (0, 1, 5, 20, 250):
        assert workdays.count_workdays(start, workdays.add_workdays(start, n)) == n


def test_negative_days_go_backwards():
    assert workdays.add_workdays(date(2024, 10, 10), -5) == date(2024, 9, 27)
    assert workdays.count_workdays(date(2024, 10, 10), date(2024, 9, 27)) == -5


def test_a_holiday_row_overrides_the_library():
    Holiday.objects.create(date=date(2024, 10, 8), kind=HolidayKind.HOLIDAY, name="补充")
    assert not workdays.is_workday(date(2024, 10, 8))
    assert workdays.add_workdays(date(2024, 9, 27), 5) == date(2024, 10, 11)


def test_an_unknown_year_counts_weekends_only_and_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="ipcity.core.workdays"):
        assert workdays.add_workdays(date(2031, 1, 2), 1) == date(2031, 1, 3)
        assert workdays.add_workdays(date(2031, 1, 3), 1) == date(2031, 1, 6)
    assert "2031" in caplog.text
    assert not workdays.is_known(date(2031, 1, 2))
    assert workdays.is_known(date(2024, 1, 1), date(2026, 12, 31))


def test_an_administrators_entries_make_a_year_known_and_are_used():
    Holiday.objects.create(date=date(2031, 1, 1), kind=HolidayKind.HOLIDAY, name="元旦")
    Holiday.objects.create(date=date(2031, 1, 4), kind=HolidayKind.WORKDAY, name="元旦调休")
    assert workdays.is_known(date(2031, 1, 1))
    assert not workdays.is_workday(date(2031, 1, 1))
    assert workdays.is_workday(date(2031, 1, 4))
    assert workdays.count_workdays(date(2030, 12, 31), date(2031, 1, 5)) == 3


def test_absurd_spans_are_refused():
    with pytest.raises(ValueError):
        workdays.add_workdays(date(2024, 1, 1), 10**7)


# The holidays page ------------------------------------------------------------------------


@pytest.fixture
def holiday():
    return Holiday.objects.create(date=date(2027, 1, 1), kind=HolidayKind.HOLIDAY, name="元旦")


@pytest.fixture
def reader(world):
    """leo, the read-only persona, given read access to the holiday table."""
    role = Role.objects.create(code="holiday_reader", name="节假日查看")
    role.permissions.add(Permission.objects.get(codename="view_holiday"))
    grant(world.leo, "holiday_reader", "district")
    return world.leo


def test_the_office_admin_sees_the_holiday_list(world, login, holiday):
    response = login(world.alice).get(reverse("core:holiday_list"))
    assert response.status_code == 200
    assert "元旦" in response.content.decode()
    assert reverse("core:holiday_add") in response.content.decode()


def test_the_list_filters_by_year(world, login, holiday):
    Holiday.objects.create(date=date(2028, 1, 1), kind=HolidayKind.HOLIDAY, name="二八年元旦")
    response = login(world.alice).get(reverse("core:holiday_list"), {"year": "2027"})
    assert "二八年元旦" not in response.content.decode()


def test_the_holiday_list_runs_a_fixed_number_of_queries(
    world, login, django_assert_max_num_queries
):
    for day in range(1, 29):
        Holiday.objects.create(date=date(2027, 2, day), kind=HolidayKind.HOLIDAY)
    client = login(world.alice)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("core:holiday_list")).status_code == 200


def test_a_reader_sees_the_list_without_edit_buttons(reader, login, holiday):
    response = login(reader).get(reverse("core:holiday_list"))
    assert response.status_code == 200
    assert reverse("core:holiday_edit", args=[holiday.pk]) not in response.content.decode()


def test_a_stranger_may_not_see_the_holiday_list(world, login):
    assert login(world.charlie).get(reverse("core:holiday_list")).status_code == 403


def test_the_office_admin_adds_a_holiday(world, login):
    response = login(world.alice).post(
        reverse("core:holiday_add"), {"date": "2027-02-06", "kind": "holiday", "name": "春节"}
    )
    assert response.status_code == 302
    assert Holiday.objects.get(date=date(2027, 2, 6)).name == "春节"


def test_a_duplicate_date_gets_a_clear_message(world, login, holiday):
    response = login(world.alice).post(
        reverse("core:holiday_add"), {"date": "2027-01-01", "kind": "holiday"}
    )
    assert response.status_code == 200
    assert Holiday.objects.count() == 1
    assert response.context["form"].errors["date"]


def test_a_reader_and_a_stranger_may_not_add(reader, world, login):
    data = {"date": "2027-02-06", "kind": "holiday"}
    assert login(reader).post(reverse("core:holiday_add"), data).status_code == 403
    assert login(world.charlie).post(reverse("core:holiday_add"), data).status_code == 403
    assert not Holiday.objects.exists()


def test_the_office_admin_edits_a_holiday(world, login, holiday):
    url = reverse("core:holiday_edit", args=[holiday.pk])
    client = login(world.alice)
    assert client.get(url).status_code == 200
    response = client.post(url, {"date": "2027-01-01", "kind": "workday", "name": "调休"})
    assert response.status_code == 302
    holiday.refresh_from_db()
    assert holiday.kind == HolidayKind.WORKDAY


def test_a_reader_gets_403_and_a_stranger_404_on_edit(reader, world, login, holiday):
    url = reverse("core:holiday_edit", args=[holiday.pk])
    assert login(reader).post(url, {"date": "2027-01-01", "kind": "workday"}).status_code == 403
    assert login(world.charlie).get(url).status_code == 404
    holiday.refresh_from_db()
    assert holiday.kind == HolidayKind.HOLIDAY


def test_the_office_admin_deletes_a_holiday(world, login, holiday):
    url = reverse("core:holiday_delete", args=[holiday.pk])
    client = login(world.alice)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not Holiday.objects.exists()


def test_a_reader_gets_403_and_a_stranger_404_on_delete(reader, world, login, holiday):
    url = reverse("core:holiday_delete", args=[holiday.pk])
    assert login(reader).post(url).status_code == 403
    assert login(world.charlie).post(url).status_code == 404
    assert Holiday.objects.exists()


def test_the_holidays_page_is_in_the_system_menu(world, login):
    response = login(world.alice).get(reverse("core:holiday_list"))
    system = next(s for s in response.context["menu"] if s["key"] == "system")
    assert any(item.url_name == "core:holiday_list" for item in system["items"])
