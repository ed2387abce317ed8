"""The transactions API: list, detail, create, update, statistics and derivation, with scope."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from ipcity.accounts.models import APIToken
from ipcity.core.models import Job
from ipcity.utilization import deals
from ipcity.utilization.models import Transaction

from ..rights.registry_builders import make_event, make_patent, make_trademark

D = datetime.date
BASE = "/api/utilization/transactions/"


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


@pytest.fixture
def a_to_b(uworld):
    return deals.record_transaction(
        None,
        kind="ordinary",
        assignor=uworld.enterprise_a,
        assignee=uworld.enterprise_b,
        patents=[make_patent(application_number="201710117081.7")],
        amount=Decimal("12.5"),
        contract_date=D(2023, 4, 1),
        registration_number="2023110000001",
    )


def test_list_and_detail_follow_the_scope(uworld, api, a_to_b):
    deals.record_transaction(
        None,
        kind="assignment",
        assignor=uworld.university,
        assignee=uworld.enterprise_a,
        patents=[make_patent()],
        contract_date=D(2022, 1, 1),
    )
    body = api(uworld.alice).get(BASE).json()
    assert body["count"] == 2
    body = api(uworld.alice).get(BASE, {"from_university": "true", "year": 2022}).json()
    assert body["count"] == 1 and body["results"][0]["assignor"]["id"] == uworld.university.pk
    body = api(uworld.alice).get(BASE, {"patent": "2017101170817"}).json()
    only = body["results"][0]
    assert body["count"] == 1 and only["amount"] == 12.5
    assert only["patents"][0]["number"] == "201710117081.7"
    assert api(uworld.charlie).get(BASE).json()["count"] == 1
    assert api(uworld.leo).get(BASE).json()["count"] == 2
    assert api(uworld.fiona).get(BASE).json()["count"] == 0
    assert api(uworld.charlie).get(f"{BASE}{a_to_b.pk}/").status_code == 200
    assert api(uworld.fiona).get(f"{BASE}{a_to_b.pk}/").status_code == 404
    response = api(uworld.alice).get(BASE, {"kind": "nonsense"})
    assert response.status_code == 422 and "kind" in response.json()["errors"]


def test_a_stranger_gets_404_and_the_list_query_count_is_flat(
    uworld, api, django_assert_max_num_queries
):
    def record(assignor, assignee):
        return deals.record_transaction(
            None,
            kind="assignment",
            assignor=assignor,
            assignee=assignee,
            patents=[make_patent(), make_patent()],
            trademarks=[make_trademark()],
            contract_date=D(2022, 1, 1),
        )

    uni_to_a = record(uworld.university, uworld.enterprise_a)
    client = api(uworld.charlie)
    assert client.get(f"{BASE}{uni_to_a.pk}/").status_code == 404
    response = client.patch(f"{BASE}{uni_to_a.pk}/", {"amount": 1}, content_type="application/json")
    assert response.status_code == 404
    client = api(uworld.alice)
    with django_assert_max_num_queries(20) as few:
        assert client.get(BASE).json()["count"] == 1
    for _n in range(20):
        record(uworld.enterprise_a, uworld.enterprise_b)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(BASE, {"limit": 50}).json()["count"] == 21


def test_create_checks_rights_parties_and_scope(uworld, api):
    make_patent(application_number="201710117081.7")
    make_trademark("示例", registration_number="60000009")
    payload = {
        "kind": "exclusive",
        "assignor_name": "示例理工大学",
        "assignee": uworld.enterprise_a.pk,
        "patents": ["ZL201710117081.7"],
        "trademarks": ["60000009"],
        "amount": "20.00",
        "contract_date": "2024-02-02",
    }
    response = api(uworld.erin).post(BASE, payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    # Erin cannot open the university's record: the name she sent stays a name.
    assert body["assignor"] is None and body["assignor_name"] == "示例理工大学"
    assert not body["from_university"]
    assert body["assignee"] == {"id": uworld.enterprise_a.pk, "name": uworld.enterprise_a.name}
    assert body["origin"] == "manual" and body["year"] == 2024
    # Erin is no party here: refused, nothing written.
    other = {**payload, "assignee": None, "assignee_name": "示例乙制造有限公司"}
    response = api(uworld.erin).post(BASE, other, content_type="application/json")
    assert response.status_code == 403
    # An organization she cannot see is an unknown id; unknown rights are field errors.
    bad = {**payload, "assignee": uworld.enterprise_b.pk, "patents": ["202010999999.1"]}
    response = api(uworld.erin).post(BASE, bad, content_type="application/json")
    assert response.status_code == 422
    assert {"assignee", "patents"} <= set(response.json()["errors"])
    assert api(uworld.leo).post(BASE, payload, content_type="application/json").status_code == 403
    assert Transaction.objects.count() == 1


def test_update_by_parties_not_by_readers_or_strangers(uworld, api, a_to_b):
    url = f"{BASE}{a_to_b.pk}/"
    patch = {"amount": 30, "kind": "sole"}
    assert api(uworld.leo).patch(url, patch, content_type="application/json").status_code == 403
    response = api(uworld.fiona).patch(url, patch, content_type="application/json")
    assert response.status_code == 404
    # A party changes only what its own organization recorded, not the office's entry.
    response = api(uworld.charlie).patch(url, patch, content_type="application/json")
    assert response.status_code == 403, response.json()
    response = api(uworld.alice).patch(url, patch, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["kind"] == "sole" and response.json()["amount"] == 30.0
    response = api(uworld.alice).patch(url, {"patents": ["nope"]}, content_type="application/json")
    assert response.status_code == 422
    a_to_b.refresh_from_db()
    assert a_to_b.patents.count() == 1 and a_to_b.history.count() == 2
    own = deals.record_transaction(
        uworld.charlie,
        kind="ordinary",
        assignor=uworld.enterprise_a,
        assignee=uworld.enterprise_b,
        patents=[make_patent()],
        contract_date=D(2024, 4, 1),
    )
    assert own.recorded_by == uworld.enterprise_b
    own_url = f"{BASE}{own.pk}/"
    response = api(uworld.erin).patch(own_url, patch, content_type="application/json")
    assert response.status_code == 403
    response = api(uworld.charlie).patch(own_url, patch, content_type="application/json")
    assert response.status_code == 200, response.json()


def test_stats_match_the_list(uworld, api, a_to_b):
    client = api(uworld.alice)
    body = client.get(f"{BASE}stats/", {"year": 2024, "years": 3}).json()
    assert body["years"] == [2022, 2023, 2024]
    for row in [*body["rows"], body["total"]]:
        for cell in row["cells"]:
            listed = client.get(BASE, {**cell["params"], "limit": 1}).json()["count"]
            assert listed == cell["count"], cell
    assert api(uworld.fiona).get(f"{BASE}stats/").json()["total"]["cells"][0]["count"] == 0


def test_derive_is_queued_for_the_office_only(uworld, api, django_capture_on_commit_callbacks):
    patent = make_patent(holders=[uworld.enterprise_b])
    make_event(patent, "transfer", D(2023, 2, 2), counterparty=uworld.enterprise_a.name)
    make_event(patent, "licence", None, counterparty="x")
    url = f"{BASE}derive/"
    for user in (uworld.leo, uworld.erin):
        assert api(user).post(url, {}, content_type="application/json").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api(uworld.alice).post(url, {}, content_type="application/json")
    assert response.status_code == 202
    assert response.json()["undated"] == 1
    job = Job.objects.get(pk=response.json()["job"])
    assert job.status == "succeeded" and job.result["created"] == 1


def test_operations_are_in_the_openapi_document(uworld, api):
    spec = api(uworld.alice).get("/api/openapi.json").json()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {
        "utilization_transaction_list",
        "utilization_transaction_detail",
        "utilization_transaction_create",
        "utilization_transaction_update",
        "utilization_transaction_stats",
        "utilization_transaction_derive",
    } <= ids


def test_no_organization_outside_the_caller_s_view_is_named(uworld, api):
    deal = deals.record_transaction(
        None,
        kind="assignment",
        assignor=uworld.university,
        assignee=uworld.enterprise_a,
        patents=[make_patent()],
        contract_date=D(2022, 1, 1),
    )
    for body in (
        api(uworld.erin).get(f"{BASE}{deal.pk}/").json(),
        api(uworld.erin).get(BASE).json()["results"][0],
    ):
        assert body["assignor"] is None and body["assignor_name"] == uworld.university.name
        assert body["assignee"]["id"] == uworld.enterprise_a.pk
    body = api(uworld.alice).get(f"{BASE}{deal.pk}/").json()
    assert body["assignor"]["id"] == uworld.university.pk


def test_legal_events_duplicates_and_the_first_year(uworld, api):
    patents = [make_patent(holders=[uworld.enterprise_a]) for _ in range(2)]
    for patent in patents:
        make_event(patent, "transfer", D(2023, 2, 2), counterparty=uworld.enterprise_a.name)
    deals.derive_from_legal_events()
    derived = Transaction.objects.get()
    body = api(uworld.erin).get(f"{BASE}{derived.pk}/").json()
    assert sorted(e["patent"] for e in body["legal_events"]) == sorted(
        p.application_number for p in patents
    )
    payload = {
        "kind": "assignment",
        "assignor_name": "示例原权利人",
        "assignee": uworld.enterprise_a.pk,
        "patents": [patents[0].application_number],
        "contract_date": "2023-01-20",
    }
    response = api(uworld.erin).post(BASE, payload, content_type="application/json")
    assert response.status_code == 422
    assert derived.get_absolute_url() in response.json()["message"] + str(response.json()["errors"])
    assert Transaction.objects.count() == 1
    body = api(uworld.alice).get(f"{BASE}stats/", {"year": 1990, "years": 20}).json()
    assert body["years"] == list(range(1985, 1991))
