"""Agency pages: every protection user reads the list and details (reference data), the office
adds and changes agencies; the detail counts what the reader may see."""

import datetime
import re

import pytest
from django.urls import reverse

from ipcity.protection import officers
from ipcity.protection.choices import CaseStatus
from ipcity.protection.models import Agency

from .conftest import make_case, make_officer

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(officers, "current_date", lambda: TODAY)


def test_list_and_detail_permissions(pworld, login):
    p = pworld
    agency = Agency.objects.get(organization=p.amr)
    for user in (p.mia, p.carl, p.leo, p.alice, p.pete, p.paul):
        assert login(user).get(reverse("protection:agency_list")).status_code == 200, user
        assert login(user).get(agency.get_absolute_url()).status_code == 200, user
    assert login(p.erin).get(reverse("protection:agency_list")).status_code == 403
    assert login(p.erin).get(agency.get_absolute_url()).status_code == 404


def test_only_the_office_adds_and_changes_agencies(pworld, login):
    from tests.factories import make_org

    p = pworld
    court = make_org("通州区人民法院", region=p.district)
    data = {
        "organization": court.pk,
        "kind": "court",
        "is_joint_member": "on",
        "case_prefix": " 京通法 ",
        "accepts_public_leads": "",
    }
    add = reverse("protection:agency_add")
    assert login(p.hank).post(add, data).status_code == 403
    assert login(p.leo).get(add).status_code == 403
    assert login(p.alice).post(add, data).status_code == 302
    agency = Agency.objects.get(organization=court)
    assert agency.case_prefix == "京通法" and agency.is_joint_member
    # An organization is an agency once.
    response = login(p.alice).post(add, data)
    assert response.status_code == 400 and "not an agency yet" in response.content.decode()
    edit = reverse("protection:agency_edit", args=[agency.pk])
    assert login(p.mia).post(edit, data).status_code == 403
    assert login(p.erin).post(edit, data).status_code == 404
    assert login(p.alice).post(edit, {**data, "accepts_public_leads": "on"}).status_code == 302
    agency.refresh_from_db()
    assert agency.accepts_public_leads


def test_detail_counts_what_the_reader_sees(pworld, login):
    p = pworld
    agency = Agency.objects.get(organization=p.amr)
    make_case(p.amr)
    make_case(p.amr, status=CaseStatus.CLOSED)
    make_case(p.culture)
    make_officer(None, p.amr, "SOON", valid_until=officers.warning_until(TODAY))
    make_officer(None, p.amr, "GONE", valid_until=TODAY - datetime.timedelta(days=1))

    def counts(user):
        page = login(user).get(agency.get_absolute_url()).content.decode()
        found = {}
        for key in ("open-cases", "certified", "expiring"):
            match = re.search(rf'data-count="{key}" data-value="(\d+)"', page)
            if match:
                found[key] = int(match.group(1))
        return found

    assert counts(p.hank) == {"open-cases": 1, "certified": 3, "expiring": 1}
    assert counts(p.carl) == {"open-cases": 1, "certified": 0, "expiring": 0}
    assert counts(p.leo) == {"open-cases": 1, "certified": 3, "expiring": 1}


def test_list_queries_do_not_grow_with_rows(pworld, login, django_assert_max_num_queries):
    from tests.factories import make_org

    p = pworld
    client = login(p.carl)
    url = reverse("protection:agency_list")
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
    for i in range(10):
        Agency.objects.create(organization=make_org(f"执法单位{i}"), kind="other")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
