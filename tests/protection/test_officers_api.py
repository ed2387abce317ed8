"""The officer and agency API with the allowed (hank), read-only (mia, leo) and stranger (carl,
erin) personas; lists do not grow in queries with their rows."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from ipcity.accounts.models import APIToken
from ipcity.protection import officers
from ipcity.protection.models import Agency, Officer

from .conftest import make_case, make_officer

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(officers, "current_date", lambda: TODAY)


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def test_officer_list_and_detail_scope(pworld, api):
    p = pworld
    body = api(p.mia).get("/api/protection/officers/").json()
    assert {o["certificate_number"] for o in body["results"]} == {"11000001", "11000002"}
    assert body["results"][0]["validity"] == "valid"
    assert api(p.leo).get("/api/protection/officers/").json()["count"] == 4
    assert api(p.erin).get("/api/protection/officers/").status_code == 403
    url = f"/api/protection/officers/{p.mia_officer.pk}/"
    assert api(p.mia).get(url).status_code == 200
    assert api(p.carl).get(url).status_code == 404
    assert api(p.erin).get(url).status_code == 404
    soon = make_officer(None, p.amr, "SOON", valid_until=officers.warning_until(TODAY))
    body = api(p.hank).get("/api/protection/officers/", {"expiring_within": 60}).json()
    assert [o["id"] for o in body["results"]] == [soon.pk]


def test_create_update_and_trainings(pworld, api):
    p = pworld
    payload = {
        "organization": p.amr.pk,
        "name": "孙执法",
        "certificate_number": "API-1",
        "issued_on": "2025-01-01",
        "valid_until": "2030-06-30",
    }
    response = api(p.hank).post(
        "/api/protection/officers/", payload, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    officer_id = response.json()["id"]
    again = api(p.hank).post("/api/protection/officers/", payload, content_type="application/json")
    assert again.status_code == 422
    assert "already recorded" in again.json()["errors"]["certificate_number"][0]
    assert (
        api(p.mia)
        .post(
            "/api/protection/officers/",
            {**payload, "certificate_number": "API-2"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    url = f"/api/protection/officers/{officer_id}/"
    bad = api(p.hank).patch(url, {"valid_until": "2024-01-01"}, content_type="application/json")
    assert bad.status_code == 422
    ok = api(p.hank).patch(url, {"status": "suspended"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["validity"] == "inactive"
    assert api(p.mia).patch(url, {"name": "x"}, content_type="application/json").status_code == 403
    assert api(p.carl).patch(url, {"name": "x"}, content_type="application/json").status_code == 404
    trainings = f"{url}trainings/"
    t = api(p.hank).post(
        trainings,
        {"course": "执法规范化培训", "attended_on": "2026-01-10", "hours": "9.5"},
        content_type="application/json",
    )
    assert t.status_code == 201, t.json()
    assert Officer.objects.get(pk=officer_id).training_hours == Decimal("9.5")
    assert api(p.mia).get(trainings).json()[0]["course"] == "执法规范化培训"
    assert api(p.carl).get(trainings).status_code == 404
    delete = f"{trainings}{t.json()['id']}/"
    assert api(p.mia).delete(delete).status_code == 403
    assert api(p.hank).delete(delete).status_code == 204
    assert Officer.objects.get(pk=officer_id).training_hours == 0


def test_agencies(pworld, api):
    p = pworld
    body = api(p.carl).get("/api/protection/agencies/").json()
    assert body["count"] == Agency.objects.count() == 6
    assert api(p.erin).get("/api/protection/agencies/").status_code == 403
    make_case(p.amr)
    agency = Agency.objects.get(organization=p.amr)
    detail = api(p.carl).get(f"/api/protection/agencies/{agency.pk}/").json()
    assert detail["open_cases"] == 1  # a joint member lists every summary
    assert detail["certified_officers"] == 0  # carl sees no officer of amr
    detail = api(p.hank).get(f"/api/protection/agencies/{agency.pk}/").json()
    assert detail["certified_officers"] == 2 and detail["expiring_certificates"] == 0
    assert api(p.erin).get(f"/api/protection/agencies/{agency.pk}/").status_code == 403


def test_list_queries_do_not_grow_with_rows(pworld, api, django_assert_max_num_queries):
    p = pworld
    client = api(p.leo)
    for i in range(3):
        make_officer(None, p.amr, f"Q-{i}")
    with django_assert_max_num_queries(20) as few:
        assert client.get("/api/protection/officers/").status_code == 200
    for i in range(10):
        make_officer(None, p.culture, f"R-{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/protection/officers/").json()["count"] == 17
    with django_assert_max_num_queries(20) as few:
        assert client.get("/api/protection/agencies/").status_code == 200
    from tests.factories import make_org

    for i in range(10):
        Agency.objects.create(organization=make_org(f"执法单位{i}"), kind="other")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/protection/agencies/").json()["count"] == 16
