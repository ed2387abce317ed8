"""The cultivation API: designations, pool entries (with evaluation and stage moves), support
records, criteria and enterprise facts, with the office, the read-only leader, the enterprise
and the stranger."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from ipcity.accounts.models import APIToken
from ipcity.utilization.models import Designation, EnterpriseFacts, PoolEntry, SupportRecord

from ..rights.registry_builders import make_patent
from .test_cultivation_builders import (
    make_criterion,
    make_designation,
    make_entry,
    make_facts,
    make_support,
)

API = "/api/utilization"


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def post(client, path, data):
    return client.post(path, data, content_type="application/json")


def patch(client, path, data):
    return client.patch(path, data, content_type="application/json")


@pytest.fixture
def designations(world):
    # A's has no recorded end: the default term of high-tech enterprises (3 years) keeps it in
    # force through 2027.
    return (
        make_designation(world.enterprise_a, "high_tech", "national", 2025),
        make_designation(
            world.enterprise_b,
            "ip_advantage",
            "district",
            2021,
            valid_until=datetime.date(2022, 1, 1),
        ),
    )


def test_designation_list_filters_pages_and_scope(world, designations, api):
    a, b = designations
    body = api(world.alice).get(f"{API}/designations/", {"limit": 1}).json()
    assert body["count"] == 2 and body["next_offset"] == 1 and len(body["results"]) == 1
    body = api(world.alice).get(f"{API}/designations/", {"current": "true"}).json()
    assert [r["id"] for r in body["results"]] == [a.pk] and body["results"][0]["is_current"]
    assert body["results"][0]["valid_through"] == "2027-12-31"
    body = api(world.alice).get(f"{API}/designations/", {"kind": ["ip_advantage"]}).json()
    assert [r["id"] for r in body["results"]] == [b.pk]
    body = api(world.alice).get(f"{API}/designations/", {"street": world.street.pk}).json()
    assert body["count"] == 2
    body = api(world.erin).get(f"{API}/designations/").json()
    assert [r["organization"]["name"] for r in body["results"]] == [world.enterprise_a.name]
    assert api(world.charlie).get(f"{API}/designations/{a.pk}/").status_code == 404
    assert api(world.erin).get(f"{API}/designations/{a.pk}/").json()["kind"] == "high_tech"
    response = api(world.alice).get(f"{API}/designations/", {"kind": "nonsense"})
    assert response.status_code == 422 and "kind" in response.json()["errors"]


def test_designation_create_and_update(world, designations, api):
    data = {
        "organization": world.enterprise_a.pk,
        "kind": "ip_advantage",
        "level": "district",
        "year": 2025,
        "valid_from": "2025-12-01",
        "valid_until": "2028-11-30",
    }
    response = post(api(world.alice), f"{API}/designations/", data)
    assert response.status_code == 201, response.content
    created = Designation.objects.get(pk=response.json()["id"])
    assert created.history.get().history_user == world.alice
    response = post(api(world.alice), f"{API}/designations/", data)
    assert response.status_code == 422
    response = patch(
        api(world.alice), f"{API}/designations/{created.pk}/", {"certificate_number": "X-1"}
    )
    assert response.status_code == 200 and response.json()["certificate_number"] == "X-1"
    assert response.json()["valid_until"] == "2028-11-30"
    response = patch(
        api(world.alice), f"{API}/designations/{created.pk}/", {"valid_until": "2020-01-01"}
    )
    assert response.status_code == 422 and "valid_until" in response.json()["errors"]
    for user in (world.leo, world.erin):
        assert post(api(user), f"{API}/designations/", data).status_code == 403
        response = patch(api(user), f"{API}/designations/{created.pk}/", {"notes": "x"})
        assert response.status_code == 403
    assert patch(api(world.charlie), f"{API}/designations/{created.pk}/", {}).status_code == 404


def test_pool_entries_create_evaluate_and_move(world, api):
    make_criterion("valid_inventions", "gte", 1, code="bm-inv")
    client = api(world.alice)
    response = post(
        client,
        f"{API}/pool-entries/",
        {
            "organization": world.enterprise_a.pk,
            "target_kind": "benchmark",
            "target_level": "district",
        },
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["stage"] == "candidate" and entry["criteria_total"] == 1
    assert entry["evaluation"][0]["code"] == "bm-inv" and entry["evaluation"][0]["value"] == 0
    assert entry["meets_all"] is False
    make_patent("甲发明", [world.enterprise_a])
    response = client.post(f"{API}/pool-entries/{entry['id']}/evaluate/")
    assert response.status_code == 200 and response.json()["meets_all"] is True
    response = post(client, f"{API}/pool-entries/{entry['id']}/move/", {"stage": "designated"})
    assert response.status_code == 422 and "stage" in response.json()["errors"]
    post(client, f"{API}/pool-entries/{entry['id']}/move/", {"stage": "cultivated"})
    response = post(
        client,
        f"{API}/pool-entries/{entry['id']}/move/",
        {"stage": "designated", "year": 2025, "valid_until": "2099-12-31"},
    )
    assert response.status_code == 200
    assert response.json()["designation"]["year"] == 2025
    body = client.get(f"{API}/pool-entries/", {"stage": ["designated"], "meets_all": "true"}).json()
    assert [r["id"] for r in body["results"]] == [entry["id"]]
    for user in (world.leo, world.erin):
        assert api(user).post(f"{API}/pool-entries/{entry['id']}/evaluate/").status_code == 403
        response = post(
            api(user), f"{API}/pool-entries/{entry['id']}/move/", {"stage": "cultivated"}
        )
        assert response.status_code == 403
    assert api(world.erin).get(f"{API}/pool-entries/{entry['id']}/").status_code == 200
    assert api(world.charlie).get(f"{API}/pool-entries/{entry['id']}/").status_code == 404
    assert api(world.charlie).get(f"{API}/pool-entries/").json()["count"] == 0
    assert PoolEntry.objects.get().stage == "designated"


def test_support_records_list_and_create(world, api):
    make_support(world.enterprise_a, "甲培训")
    make_support(world.enterprise_b, "乙资金", kind="funding", amount=10)
    body = api(world.erin).get(f"{API}/support-records/").json()
    assert [r["title"] for r in body["results"]] == ["甲培训"]
    body = api(world.alice).get(f"{API}/support-records/", {"kind": ["funding"]}).json()
    assert [(r["title"], r["amount"]) for r in body["results"]] == [("乙资金", 10.0)]
    data = {
        "organization": world.enterprise_a.pk,
        "kind": "funding",
        "date": "2025-05-01",
        "amount": 12.5,
        "title": "专项资金",
        "provider": world.office.pk,
    }
    response = post(api(world.alice), f"{API}/support-records/", data)
    assert response.status_code == 201, response.content
    assert (
        response.json()["amount"] == 12.5 and response.json()["provider"]["id"] == world.office.pk
    )
    assert post(api(world.leo), f"{API}/support-records/", data).status_code == 403
    assert SupportRecord.objects.count() == 3


def test_criteria_list(world, api):
    body = api(world.leo).get(f"{API}/criteria/", {"target_kind": ["ip_demonstration"]}).json()
    assert body["count"] == 5
    assert {r["code"] for r in body["results"] if not r["is_required"]} == {"demo-rd-share"}


def test_facts_list_and_create_by_the_enterprise(world, api):
    make_facts(world.enterprise_b, 2024, employees=10)
    data = {
        "organization": world.enterprise_a.pk,
        "year": 2025,
        "employees": 80,
        "rd_staff": 12,
        "revenue": 1500.5,
    }
    response = post(api(world.erin), f"{API}/enterprise-facts/", data)
    assert response.status_code == 201, response.content
    assert response.json()["revenue"] == 1500.5
    facts = EnterpriseFacts.objects.get(organization=world.enterprise_a)
    assert facts.history.get().history_user == world.erin
    response = post(
        api(world.erin), f"{API}/enterprise-facts/", {**data, "organization": world.enterprise_b.pk}
    )
    assert response.status_code == 422 and "organization" in response.json()["errors"]
    assert post(api(world.leo), f"{API}/enterprise-facts/", data).status_code == 403
    body = api(world.erin).get(f"{API}/enterprise-facts/").json()
    assert [r["organization"]["id"] for r in body["results"]] == [world.enterprise_a.pk]
    assert api(world.alice).get(f"{API}/enterprise-facts/", {"year": 2024}).json()["count"] == 1


def test_list_queries_do_not_grow_with_rows(world, api, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(world.alice)
    paths = ["designations", "pool-entries", "support-records", "enterprise-facts", "criteria"]

    def fill(n):
        from ..factories import make_org

        for _ in range(n):
            org = make_org()
            make_designation(org)
            make_entry(org)
            make_support(org, provider=org)
            make_facts(org)

    fill(2)
    client.get(f"{API}/criteria/")  # the token's first use is recorded once
    few = {}
    for path in paths:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{API}/{path}/").status_code == 200
        few[path] = len(ctx)
    fill(10)
    for path in paths:
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(f"{API}/{path}/").json()
        assert len(ctx) == few[path], path
        assert body["count"] >= (9 if path == "criteria" else 12)


def test_a_track_without_criteria_and_a_wrong_designation_are_refused(world, api):
    make_criterion("valid_inventions", "gte", 1, code="bm-inv")
    client = api(world.alice)
    data = {"organization": world.enterprise_a.pk, "target_kind": "benchmark"}
    for level in ("national", None):
        response = post(client, f"{API}/pool-entries/", {**data, "target_level": level})
        assert response.status_code == 422
        assert "no active criteria" in response.json()["errors"]["target_kind"][0]
    assert not PoolEntry.objects.exists()
    entry = make_entry(world.enterprise_a, "benchmark", "district", stage="cultivated")
    expired = make_designation(
        world.enterprise_a, "benchmark", "district", 2020, valid_until=datetime.date(2023, 1, 1)
    )
    other_level = make_designation(
        world.enterprise_a, "benchmark", "national", 2025, valid_until=datetime.date(2099, 1, 1)
    )
    for designation in (expired, other_level):
        response = post(
            client,
            f"{API}/pool-entries/{entry.pk}/move/",
            {"stage": "designated", "designation": designation.pk},
        )
        assert response.status_code == 422 and "designation" in response.json()["errors"]
    assert PoolEntry.objects.get().stage == "cultivated"


def test_a_creation_answers_with_the_object_even_outside_the_view_scope(world, api):
    """A role that may add designations (and see organizations) but not read designations:
    the answer is the designation created, not a server error."""
    from ipcity.accounts.models import Role

    from ..factories import grant, make_user

    role = Role.objects.create(code="designation_clerk", name="称号录入", default_scope="district")
    role.permissions.add(
        Permission.objects.get(codename="add_designation"),
        Permission.objects.get(codename="view_organization"),
    )
    clerk = make_user("clerk", world.office)
    grant(clerk, "designation_clerk")
    data = {"organization": world.enterprise_a.pk, "kind": "benchmark", "level": "district"}
    response = post(api(clerk), f"{API}/designations/", {**data, "year": 2025})
    assert response.status_code == 201, response.content
    assert response.json()["organization"]["id"] == world.enterprise_a.pk
    assert api(clerk).get(f"{API}/designations/{response.json()['id']}/").status_code == 404
