"""The certificate API: list with the page's filters, detail, create, change, status, audits and
statistics, with the allowed, read-only and stranger personas."""

from datetime import date

import pytest
from django.test import Client

from ipcity.accounts.models import APIToken
from ipcity.utilization.models import Certificate

from .test_certification import make_cert, pin_today  # noqa: F401

BASE = "/api/utilization/certificates/"


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


@pytest.fixture
def certs(world, pin_today):  # noqa: F811
    pin_today(date(2026, 3, 1))
    return {
        "a_old": make_cert(world.enterprise_a, "A-2013", issue=date(2024, 3, 10)),
        "b_new": make_cert(world.enterprise_b, "B-2023", version="2023", issue=date(2024, 5, 6)),
    }


def new_certificate(world, **overrides):
    data = {
        "organization": world.enterprise_a.pk,
        "standard_version": "2023",
        "number": "API-1",
        "body_name": "示例知识产权认证中心",
        "issue_date": "2025-04-01",
    }
    data.update(overrides)
    return data


def test_list_filters_and_flags(world, api, certs):
    client = api(world.alice)
    body = client.get(BASE).json()
    assert body["count"] == 2
    rows = {r["number"]: r for r in body["results"]}
    assert rows["A-2013"]["transition_overdue"] is True and rows["A-2013"]["valid_today"] is False
    assert rows["B-2023"]["valid_today"] is True
    assert rows["B-2023"]["street"]["id"] == world.street.pk
    body = client.get(BASE, {"transition_overdue": "true"}).json()
    assert [r["number"] for r in body["results"]] == ["A-2013"]
    body = client.get(BASE, {"standard_version": ["2023"], "valid_at_end_of": 2025}).json()
    assert [r["number"] for r in body["results"]] == ["B-2023"]
    response = client.get(BASE, {"status": "bogus", "limit": 5000})
    assert response.status_code == 422 and {"status", "limit"} <= set(response.json()["errors"])


def test_scope_erin_charlie_and_leo(world, api, certs):
    a_old = certs["a_old"]
    assert [r["number"] for r in api(world.erin).get(BASE).json()["results"]] == ["A-2013"]
    charlie = api(world.charlie)
    assert charlie.get(f"{BASE}{a_old.pk}/").status_code == 404
    assert charlie.get(f"{BASE}{a_old.pk}/audits/").status_code == 404
    assert (
        charlie.patch(
            f"{BASE}{a_old.pk}/", {"notes": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    response = charlie.post(
        f"{BASE}{a_old.pk}/status/",
        {"action": "suspend", "on": "2026-02-01"},
        content_type="application/json",
    )
    assert response.status_code == 404
    response = charlie.post(
        f"{BASE}{a_old.pk}/audits/", {"due_date": "2025-09-01"}, content_type="application/json"
    )
    assert response.status_code == 404
    a_old.refresh_from_db()
    assert a_old.status == "valid" and a_old.audits.count() == 2
    leo = api(world.leo)
    assert leo.get(f"{BASE}{a_old.pk}/").status_code == 200
    assert (
        leo.post(BASE, new_certificate(world), content_type="application/json").status_code == 403
    )
    response = leo.patch(f"{BASE}{a_old.pk}/", {"notes": "x"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    response = leo.post(
        f"{BASE}{a_old.pk}/status/",
        {"action": "suspend", "on": "2026-02-01"},
        content_type="application/json",
    )
    assert response.status_code == 403
    audit = a_old.audits.first()
    response = leo.patch(
        f"{BASE}{a_old.pk}/audits/{audit.pk}/",
        {"result": "passed", "done_date": "2025-03-11"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert (
        api(world.erin)
        .post(BASE, new_certificate(world), content_type="application/json")
        .status_code
        == 403
    )


def test_alice_creates_changes_and_changes_the_status(world, api, certs):
    client = api(world.alice)
    response = client.post(BASE, new_certificate(world), content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["expiry_date"] == "2028-04-01" and body["status"] == "valid"
    cert = Certificate.objects.get(pk=body["id"])
    assert cert.history.get().history_user == world.alice
    response = client.patch(
        f"{BASE}{cert.pk}/",
        {"issue_date": "2025-05-01", "expiry_date": "2028-04-30"},
        content_type="application/json",
    )
    assert response.status_code == 200
    audits = client.get(f"{BASE}{cert.pk}/audits/").json()
    assert [a["due_date"] for a in audits] == ["2026-05-01", "2027-05-01"]
    response = client.patch(
        f"{BASE}{cert.pk}/", {"expiry_date": "2025-01-01"}, content_type="application/json"
    )
    assert response.status_code == 422 and "expiry_date" in response.json()["errors"]
    response = client.post(
        f"{BASE}{cert.pk}/status/",
        {"action": "suspend", "on": "2026-02-10", "note": "暂停"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    response = client.post(
        f"{BASE}{cert.pk}/status/",
        {"action": "suspend", "on": "2026-02-11"},
        content_type="application/json",
    )
    assert response.status_code == 422
    response = client.post(BASE, new_certificate(world), content_type="application/json")
    assert response.status_code == 422 and "number" in response.json()["errors"]


def test_alice_records_a_converting_audit_and_adds_one(world, api, certs):
    cert = certs["a_old"]
    audit = cert.audits.order_by("due_date").first()
    client = api(world.alice)
    response = client.patch(
        f"{BASE}{cert.pk}/audits/{audit.pk}/",
        {"done_date": "2025-03-12", "result": "passed", "converts_to_2023": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["converts_to_2023"] is True
    body = client.get(f"{BASE}{cert.pk}/").json()
    assert (body["standard_version"], body["converted_on"], body["expiry_date"]) == (
        "2023",
        "2025-03-12",
        "2027-03-10",
    )
    assert body["transition_overdue"] is False and body["valid_today"] is True
    response = client.post(
        f"{BASE}{cert.pk}/audits/", {"due_date": "2025-09-01"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["result"] == "planned"
    response = client.post(
        f"{BASE}{cert.pk}/audits/", {"due_date": "2030-09-01"}, content_type="application/json"
    )
    assert response.status_code == 422 and "due_date" in response.json()["errors"]


def test_stats_endpoint_matches_the_page(world, api, certs):
    body = api(world.alice).get(f"{BASE}stats/").json()
    assert body["on"] == "2026-03-01" and body["valid"] == 1 and body["transition_overdue"] == 1
    years = {row["year"]: row for row in body["years"]}
    assert years[2024]["issued"] == 2
    assert {c["version"]: c["count"] for c in years[2025]["by_edition"]} == {"2013": 1, "2023": 1}
    assert body["streets"][0]["street"]["name"] == world.street.name
    erin = api(world.erin).get(f"{BASE}stats/").json()
    assert erin["valid"] == 0 and erin["transition_overdue"] == 1


def test_list_queries_do_not_grow_with_rows(world, api, certs, django_assert_max_num_queries):
    client = api(world.alice)
    client.get(BASE)
    with django_assert_max_num_queries(12) as few:
        client.get(BASE)
    for n in range(30):
        make_cert(world.enterprise_b, f"MANY-{n}", version="2023", issue=date(2025, 1, 2))
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(BASE, {"limit": 50}).json()
    assert len(body["results"]) == 32


def test_a_conversion_after_the_transition_is_refused(world, api, certs):
    cert = certs["a_old"]
    client = api(world.alice)
    response = client.patch(
        f"{BASE}{cert.pk}/",
        {"standard_version": "2023", "converted_on": "2026-01-15"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "converted_on" in response.json()["errors"]
    audit = cert.audits.order_by("due_date")[1]  # due 2026-03-10
    response = client.patch(
        f"{BASE}{cert.pk}/audits/{audit.pk}/",
        {"done_date": "2026-02-20", "result": "passed", "converts_to_2023": True},
        content_type="application/json",
    )
    assert response.status_code == 422 and "converts_to_2023" in response.json()["errors"]
    body = client.get(f"{BASE}{cert.pk}/").json()
    assert (body["standard_version"], body["converted_on"]) == ("2013", None)
    assert body["transition_overdue"] is True


def test_audits_say_whether_the_schedule_planned_them(world, api, certs):
    cert = certs["b_new"]
    client = api(world.alice)
    response = client.post(
        f"{BASE}{cert.pk}/audits/", {"due_date": "2025-09-01"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["is_scheduled"] is False
    audits = client.get(f"{BASE}{cert.pk}/audits/").json()
    assert [(a["due_date"], a["is_scheduled"]) for a in audits] == [
        ("2025-05-06", True),
        ("2025-09-01", False),
        ("2026-05-06", True),
    ]
