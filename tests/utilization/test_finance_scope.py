"""Data scope of the finance pages and API: two banks (fiona of bank A, frank of bank B), two
enterprises (erin of A, charlie of B), leo read-only, alice the office."""

import pytest
from django.test import Client
from django.urls import reverse

from ipcity.accounts.models import APIToken
from ipcity.utilization.models import Pledge

from .test_finance_helpers import build_finance, make_pledge

RECORDS = ["pledge", "valuation", "insurancepolicy", "guarantee", "riskalert"]
API_PATHS = {
    "pledge": "pledges",
    "valuation": "valuations",
    "insurancepolicy": "insurance-policies",
    "guarantee": "guarantees",
    "riskalert": "risk-alerts",
    "financialproduct": "financial-products",
}
# A change the API accepts for each record type (riskalert: acknowledge).
API_CHANGES = {
    "pledge": {"notes": "核对"},
    "valuation": {"purpose": "质押融资"},
    "insurancepolicy": {"premium": 3},
    "guarantee": {"fee_rate": 1.5},
    "financialproduct": {"rate": "LPR"},
}


@pytest.fixture
def fin(uworld):
    return build_finance(uworld)


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def marker(side, name) -> str:
    """Text that a record's row shows in its list."""
    return {
        "pledge": side.pledge.registration_number,
        "valuation": side.valuation.report_number,
        "insurancepolicy": side.policy.policy_number,
        "guarantee": side.guarantee.contract_number,
        "riskalert": side.pledge.registration_number,
        "financialproduct": side.product.name,
    }[name]


def url(name, action, obj=None):
    return reverse(f"utilization:{name}_{action}", args=[obj.pk] if obj else [])


def personas(fin):
    """(user, own side, other side, may change own records)."""
    return [
        (fin.fiona, fin.a, fin.b, True),
        (fin.frank, fin.b, fin.a, True),
        (fin.erin, fin.a, fin.b, False),
        (fin.charlie, fin.b, fin.a, False),
    ]


@pytest.mark.parametrize("name", RECORDS)
def test_each_party_lists_only_its_own_records(fin, login, name):
    for user, own, other, _changes in personas(fin):
        body = login(user).get(url(name, "list")).content.decode()
        assert marker(own, name) in body, (user, name)
        assert marker(other, name) not in body, (user, name)


@pytest.mark.parametrize("name", RECORDS)
def test_details_of_the_other_side_are_404(fin, login, name):
    for user, own, other, _changes in personas(fin):
        client = login(user)
        assert client.get(url(name, "detail", own.record(name))).status_code == 200
        assert client.get(url(name, "history", own.record(name))).status_code == 200
        assert client.get(url(name, "detail", other.record(name))).status_code == 404


@pytest.mark.parametrize("name", ["pledge", "valuation", "insurancepolicy", "guarantee"])
def test_banks_edit_their_own_records_enterprises_only_read(fin, login, name):
    for user, own, other, changes in personas(fin):
        client = login(user)
        assert client.get(url(name, "edit", own.record(name))).status_code == (
            200 if changes else 403
        ), (user, name)
        assert client.get(url(name, "edit", other.record(name))).status_code == 404
        assert client.post(url(name, "delete", other.record(name))).status_code == 404
        assert client.get(url(name, "add")).status_code == (200 if changes else 403)


@pytest.mark.parametrize("name", RECORDS)
def test_leo_reads_everything_and_changes_nothing(fin, login, name):
    client = login(fin.leo)
    body = client.get(url(name, "list")).content.decode()
    assert marker(fin.a, name) in body and marker(fin.b, name) in body
    record = fin.a.record(name)
    response = client.get(url(name, "detail", record))
    assert response.status_code == 200
    if name == "riskalert":
        assert url(name, "acknowledge", record) not in response.content.decode()
        assert client.post(url(name, "acknowledge", record)).status_code == 403
        assert client.post(url(name, "resolve", record), {"note": "x"}).status_code == 403
    else:
        assert url(name, "edit", record) not in response.content.decode()
        assert client.get(url(name, "edit", record)).status_code == 403
        assert client.post(url(name, "edit", record), {}).status_code == 403
        assert client.get(url(name, "add")).status_code == 403
        assert client.post(url(name, "delete", record)).status_code == 403


@pytest.mark.parametrize("name", RECORDS)
def test_alice_sees_and_may_change_everything(fin, login, name):
    client = login(fin.alice)
    body = client.get(url(name, "list")).content.decode()
    assert marker(fin.a, name) in body and marker(fin.b, name) in body
    for side in (fin.a, fin.b):
        record = side.record(name)
        if name == "riskalert":
            assert (
                url(name, "acknowledge", record)
                in client.get(url(name, "detail", record)).content.decode()
            )
        else:
            assert client.get(url(name, "edit", record)).status_code == 200


def test_pledge_actions_follow_the_scope(fin, login):
    for user, own, other, changes in personas(fin):
        client = login(user)
        for action, data in (("release", {"release_date": "2024-01-01"}), ("cancel", {})):
            assert client.post(url("pledge", action, other.pledge), data).status_code == 404
            if not changes:
                assert client.post(url("pledge", action, own.pledge), data).status_code == 403
        assert client.get(url("pledge", "change", other.pledge)).status_code == 404
        assert client.get(url("pledge", "change", own.pledge)).status_code == (
            200 if changes else 403
        )
    leo = login(fin.leo)
    assert leo.post(url("pledge", "cancel", fin.a.pledge)).status_code == 403
    assert leo.get(url("pledge", "change", fin.a.pledge)).status_code == 403
    fin.a.pledge.refresh_from_db()
    assert fin.a.pledge.status == "registered"


def test_alerts_are_handled_by_the_bank_the_pledgor_or_the_office(fin, login):
    for user, _own, other, _changes in personas(fin):
        client = login(user)
        assert client.post(url("riskalert", "acknowledge", other.alert)).status_code == 404
    response = login(fin.erin).post(url("riskalert", "acknowledge", fin.a.alert), {"note": "在办"})
    assert response.status_code == 302
    fin.a.alert.refresh_from_db()
    assert fin.a.alert.status == "acknowledged" and "在办" in fin.a.alert.handled_note
    login(fin.frank).post(url("riskalert", "resolve", fin.b.alert), {"note": "已补缴年费"})
    fin.b.alert.refresh_from_db()
    assert fin.b.alert.status == "resolved" and "已补缴年费" in fin.b.alert.handled_note


# products: active ones are open to every reader of the finance pages


def test_active_products_are_a_directory_for_everyone(fin, login):
    for user in (fin.fiona, fin.frank, fin.erin, fin.charlie, fin.leo, fin.bob):
        client = login(user)
        body = client.get(reverse("utilization:finance_directory")).content.decode()
        assert fin.a.product.name in body and fin.b.product.name in body, user
        assert fin.a.hidden_product.name not in body
        assert client.get(url("financialproduct", "detail", fin.a.product)).status_code == 200


def test_products_are_changed_only_by_their_institution(fin, login):
    fiona = login(fin.fiona)
    assert fiona.get(url("financialproduct", "edit", fin.a.product)).status_code == 200
    assert fiona.get(url("financialproduct", "edit", fin.b.product)).status_code == 403
    assert fiona.get(url("financialproduct", "detail", fin.b.hidden_product)).status_code == 404
    assert fiona.get(url("financialproduct", "detail", fin.a.hidden_product)).status_code == 200
    body = fiona.get(url("financialproduct", "list")).content.decode()
    assert fin.a.hidden_product.name in body and fin.b.hidden_product.name not in body
    assert login(fin.erin).get(url("financialproduct", "add")).status_code == 403
    assert login(fin.leo).get(url("financialproduct", "edit", fin.a.product)).status_code == 403
    assert login(fin.alice).get(url("financialproduct", "edit", fin.b.product)).status_code == 200


# the API


@pytest.mark.parametrize("name", RECORDS)
def test_api_lists_and_details_follow_the_scope(fin, api, name):
    base = f"/api/utilization/{API_PATHS[name]}/"
    for user, own, other, _changes in personas(fin):
        client = api(user)
        body = client.get(base).json()
        assert [r["id"] for r in body["results"]] == [own.record(name).pk], (user, name)
        assert client.get(f"{base}{own.record(name).pk}/").status_code == 200
        response = client.get(f"{base}{other.record(name).pk}/")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    for user in (fin.leo, fin.alice):
        assert api(user).get(base).json()["count"] == 2


@pytest.mark.parametrize("name", ["pledge", "valuation", "insurancepolicy", "guarantee"])
def test_api_changes_follow_the_scope(fin, api, name):
    base = f"/api/utilization/{API_PATHS[name]}/"
    change = API_CHANGES[name]
    for user, own, other, changes in personas(fin):
        client = api(user)
        response = client.patch(
            f"{base}{other.record(name).pk}/", change, content_type="application/json"
        )
        assert response.status_code == 404, (user, name)
        response = client.patch(
            f"{base}{own.record(name).pk}/", change, content_type="application/json"
        )
        assert response.status_code == (200 if changes else 403), (user, name, response.json())
    response = api(fin.leo).patch(
        f"{base}{fin.a.record(name).pk}/", change, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    response = api(fin.alice).patch(
        f"{base}{fin.b.record(name).pk}/", change, content_type="application/json"
    )
    assert response.status_code == 200


def test_api_products_directory_and_changes(fin, api):
    base = "/api/utilization/financial-products/"
    names = {r["name"] for r in api(fin.charlie).get(base).json()["results"]}
    assert names == {fin.a.product.name, fin.b.product.name}
    response = api(fin.frank).patch(
        f"{base}{fin.a.product.pk}/", {"rate": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    response = api(fin.fiona).patch(
        f"{base}{fin.a.product.pk}/", {"rate": "LPR+50BP"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["rate"] == "LPR+50BP"


def test_api_alert_acknowledge_and_resolve_follow_the_scope(fin, api):
    base = "/api/utilization/risk-alerts/"
    frank = api(fin.frank)
    assert (
        frank.post(f"{base}{fin.a.alert.pk}/acknowledge/", {}, "application/json").status_code
        == 404
    )
    response = api(fin.leo).post(
        f"{base}{fin.a.alert.pk}/resolve/", {"note": "x"}, "application/json"
    )
    assert response.status_code == 403
    fiona = api(fin.fiona)
    response = fiona.post(
        f"{base}{fin.a.alert.pk}/acknowledge/", {"note": "跟进"}, "application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    response = fiona.post(f"{base}{fin.a.alert.pk}/resolve/", {"note": ""}, "application/json")
    assert response.status_code == 422
    # the pledgor may acknowledge but not resolve the bank's alert
    response = api(fin.erin).post(
        f"{base}{fin.a.alert.pk}/resolve/", {"note": "已续费"}, "application/json"
    )
    assert response.status_code == 403
    response = fiona.post(
        f"{base}{fin.a.alert.pk}/resolve/", {"note": "已续费"}, "application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "resolved"


def test_api_create_needs_the_callers_own_organization(fin, api):
    base = "/api/utilization/pledges/"
    payload = {
        "pledgor": fin.enterprise_b.name,
        "patents": [fin.b.patent.application_number],
        "amount": 200,
        "registration_date": "2024-06-01",
    }
    # fiona's bank is the default pledgee: a pledge of B's patent to bank A is hers to record.
    response = api(fin.fiona).post(base, payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["pledgee"]["id"] == fin.bank_a.pk and body["is_inclusive"] is True
    # naming another bank as pledgee puts it outside her scope: refused, nothing written.
    count = Pledge.objects.count()
    response = api(fin.fiona).post(
        base, {**payload, "pledgee": fin.bank_b.name}, content_type="application/json"
    )
    assert response.status_code == 422 and Pledge.objects.count() == count
    assert "pledgee" in response.json()["errors"]
    for user in (fin.leo, fin.erin):
        assert api(user).post(base, payload, content_type="application/json").status_code == 403


# no N+1 on the lists


# (every list with fifteen rows: test_finance_rules.py)


def test_api_pledge_list_costs_a_bounded_number_of_queries(fin, api, django_assert_max_num_queries):
    for _ in range(12):
        make_pledge(fin.enterprise_a, fin.bank_a, [fin.a.patent])
    client = api(fin.alice)
    with django_assert_max_num_queries(10):
        body = client.get("/api/utilization/pledges/").json()
    assert body["count"] == 14
    assert body["results"][0]["patents"][0]["application_number"]
