"""The lead API with personas: list (the page's filters, query count), detail, create (staff),
decide (open / not open) and route."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ipcity.accounts.models import APIToken
from ipcity.protection.choices import LeadStatus
from ipcity.protection.models import Case, Lead

from .conftest import make_lead
from .test_leads_actions import _isolated  # noqa: F401

pytestmark = pytest.mark.django_db

BASE = "/api/protection/leads/"


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def test_list_and_detail_personas(pworld, api):
    p = pworld
    amr_lead = make_lead(p.amr, decision_due=datetime.date(2020, 1, 1))
    later = timezone.localdate() + datetime.timedelta(days=30)
    culture_lead = make_lead(p.culture, decision_due=later)
    unrouted = make_lead(None, decision_due=later)
    body = api(p.mia).get(BASE).json()
    assert [r["tracking_code"] for r in body["results"]] == [amr_lead.tracking_code]
    assert body["results"][0]["agency"]["id"] == p.amr.pk
    body = api(p.alice).get(BASE, {"agency": p.culture.pk}).json()
    assert [r["id"] for r in body["results"]] == [culture_lead.pk]
    body = api(p.alice).get(BASE, {"overdue": "true"}).json()
    assert [r["id"] for r in body["results"]] == [amr_lead.pk]
    body = api(p.alice).get(BASE, {"status": ["received"], "limit": 1}).json()
    assert body["count"] == 3 and body["next_offset"] == 1
    assert api(p.alice).get(BASE, {"status": "bogus"}).status_code == 422
    assert api(p.leo).get(BASE).status_code == 403
    assert api(p.mia).get(f"{BASE}{amr_lead.pk}/").status_code == 200
    assert api(p.carl).get(f"{BASE}{amr_lead.pk}/").status_code == 404
    assert api(p.mia).get(f"{BASE}{unrouted.pk}/").status_code == 404
    assert api(p.alice).get(f"{BASE}{unrouted.pk}/").json()["agency"] is None


def test_list_query_count(pworld, api):
    p = pworld
    client = api(p.alice)
    for _ in range(3):
        make_lead(p.amr)
    client.get(BASE)
    with CaptureQueriesContext(connection) as small:
        assert client.get(BASE).status_code == 200
    for i in range(10):
        make_lead([p.amr, p.culture, None][i % 3])
    with CaptureQueriesContext(connection) as large:
        body = client.get(BASE).json()
    assert body["count"] == 13
    assert len(large) == len(small)


def test_create(pworld, api):
    p = pworld
    payload = {
        "source": "inspection",
        "received_on": "2026-09-28",
        "agency": p.amr.pk,
        "complainant_name": "执法检查",
        "right_type": "trademark",
        "description": "日常检查发现",
    }
    response = api(p.mia).post(BASE, payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["decision_due"] == "2026-10-23"
    other = {**payload, "agency": p.culture.pk}
    assert api(p.mia).post(BASE, other, content_type="application/json").status_code == 403
    bad = {**payload, "complainant_email": "nope"}
    response = api(p.mia).post(BASE, bad, content_type="application/json")
    assert response.status_code == 422 and "complainant_email" in response.json()["errors"]
    public = {**payload, "source": "public"}
    assert api(p.mia).post(BASE, public, content_type="application/json").status_code == 422
    assert api(p.leo).post(BASE, payload, content_type="application/json").status_code == 403
    assert Lead.objects.count() == 1


def test_decide_and_route(pworld, api):
    p = pworld
    lead = make_lead(None)
    url = f"{BASE}{lead.pk}/route/"
    assert (
        api(p.mia).post(url, {"agency": p.amr.pk}, content_type="application/json").status_code
        == 404
    )
    response = api(p.alice).post(url, {"agency": p.amr.pk}, content_type="application/json")
    assert response.status_code == 200 and response.json()["agency"]["id"] == p.amr.pk
    response = api(p.alice).post(
        url, {"agency": p.enterprise_a.pk}, content_type="application/json"
    )
    assert response.status_code == 422
    decide = f"{BASE}{lead.pk}/decide/"
    response = api(p.carl).post(
        decide, {"decision": "not_open", "reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    response = api(p.mia).post(decide, {"decision": "not_open"}, content_type="application/json")
    assert response.status_code == 422 and "reason" in response.json()["errors"]
    response = api(p.mia).post(
        decide, {"decision": "open", "title": "假冒商标案"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    case = Case.objects.get(lead=lead)
    assert body["case"] == case.pk and body["lead"]["status"] == LeadStatus.CASE_OPENED
    assert body["lead"]["case"] == case.pk
    response = api(p.mia).post(
        decide, {"decision": "not_open", "reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 422
    police_lead = make_lead(p.police)
    response = api(p.paul).post(
        f"{BASE}{police_lead.pk}/decide/",
        {"decision": "not_open", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403
