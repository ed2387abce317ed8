"""The transfers API: list and detail in scope, each action with its persona, the thresholds and
the threshold check of a case, query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ipcity.accounts.models import APIToken
from ipcity.protection import transfers
from ipcity.protection.choices import Offence, TransferStatus
from ipcity.protection.models import CaseAccessLog, CriminalTransfer
from ipcity.protection.sharing import share

from .conftest import make_case
from .test_transfers_builders import D, respondent
from .test_transfers_flow import letter

pytestmark = pytest.mark.django_db

BASE = "/api/protection/"


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def over_case(agency, **fields):
    case = make_case(
        agency,
        conduct_date=D(2025, 6, 1),
        offence=Offence.COUNTERFEIT_MARK,
        business_amount=Decimal("35000"),
        marks_count=2,
        **fields,
    )
    respondent(case, "示例商贸有限公司")
    return case


def test_flow_over_the_api(pworld, api):
    p = pworld
    case = over_case(p.amr)
    url = f"{BASE}cases/{case.pk}/transfers/"
    body = {"police": p.police.pk, "reason": "涉嫌犯罪"}
    assert api(p.carl).post(url, body, content_type="application/json").status_code == 403
    assert api(p.erin).post(url, body, content_type="application/json").status_code == 404
    bad = {"police": p.amr.pk, "reason": "x"}
    response = api(p.mia).post(url, bad, content_type="application/json")
    assert response.status_code == 422 and "police" in response.json()["errors"]
    response = api(p.mia).post(url, body, content_type="application/json")
    assert response.status_code == 201
    data = response.json()
    tid = data["id"]
    assert data["status"] == "proposed" and data["rule_set"] == "spc-spp-2025-5"
    assert data["matched_rules"][0]["value"] == "35000.00"
    assert data["actions"] == ["document"]  # a proposal is withdrawn by the head only

    def post(user, action, payload=None):
        return api(user).post(
            f"{BASE}transfers/{tid}/{action}/", payload or {}, content_type="application/json"
        )

    assert post(p.mia, "approve").status_code == 403
    assert post(p.pete, "approve").status_code == 403
    assert post(p.paul, "approve").status_code == 404
    assert post(p.carl, "approve").status_code == 404
    assert post(p.hank, "approve").json()["status"] == "approved"
    assert post(p.hank, "approve").status_code == 422
    response = post(p.mia, "send")  # no document yet
    assert response.status_code == 422 and "transfer letter" in response.content.decode()
    letter(p.mia, CriminalTransfer.objects.get(pk=tid))
    assert post(p.mia, "send").json()["status"] == "sent"
    assert post(p.paul, "decline", {"reason": ""}).status_code == 422
    sent_at = CriminalTransfer.objects.get(pk=tid).sent_at
    early = (sent_at - datetime.timedelta(hours=2)).isoformat()
    assert post(p.paul, "acknowledge", {"received_at": early}).status_code == 422
    data = post(p.paul, "acknowledge", {"received_at": sent_at.isoformat()}).json()
    assert data["acceptance_due"] == (timezone.localdate() + datetime.timedelta(3)).isoformat()
    assert post(p.mia, "accept").status_code == 403
    data = post(p.paul, "accept", {"police_case_number": "通公经立12号"}).json()
    assert data["status"] == "accepted" and data["police_case_number"] == "通公经立12号"
    assert post(p.paul, "outcome", {"outcome": "nonsense"}).status_code == 422
    assert post(p.paul, "outcome", {"outcome": "convicted"}).json()["outcome"] == "convicted"
    data = post(p.paul, "return", {"reason": "需行政处罚"}).json()
    assert data["status"] == "returned"
    case.refresh_from_db()
    assert case.status == "investigating" and not case.is_transferred


def test_decline_and_withdraw_over_the_api(pworld, api):
    p = pworld
    t = transfers.propose(p.mia, over_case(p.amr), police=p.police, reason="涉嫌犯罪")
    url = f"{BASE}transfers/{t.pk}/withdraw/"
    body = {"reason": "未达标准"}
    # 不批准移送 is the head's decision: the officer may not withdraw a proposal.
    assert api(p.mia).post(url, body, content_type="application/json").status_code == 403
    response = api(p.hank).post(url, body, content_type="application/json")
    assert response.json()["status"] == "withdrawn"
    t = transfers.propose(p.mia, over_case(p.amr), police=p.police, reason="涉嫌犯罪")
    transfers.approve(p.hank, t)
    letter(p.mia, t)
    transfers.send(p.hank, t)
    response = api(p.paul).post(
        f"{BASE}transfers/{t.pk}/decline/", {"reason": "证据不足"}, content_type="application/json"
    )
    assert response.json()["status"] == "declined"


def test_list_and_detail_scope(pworld, api):
    p = pworld
    own = transfers.propose(p.mia, over_case(p.amr), police=p.police, reason="a")
    other = transfers.propose(p.carl, over_case(p.culture), police=p.police, reason="b")

    def ids(user, **params):
        response = api(user).get(f"{BASE}transfers/", params)
        assert response.status_code == 200
        return {r["id"] for r in response.json()["results"]}

    assert ids(p.mia) == {own.pk}
    assert ids(p.pete) == {own.pk, other.pk}
    assert ids(p.pete, agency=p.culture.pk) == {other.pk}
    assert ids(p.paul) == set()
    assert api(p.erin).get(f"{BASE}transfers/").status_code == 403
    assert api(p.pete).get(f"{BASE}transfers/{own.pk}/").status_code == 200
    assert api(p.carl).get(f"{BASE}transfers/{own.pk}/").status_code == 404
    assert api(p.paul).get(f"{BASE}transfers/{own.pk}/").status_code == 404
    CriminalTransfer.objects.filter(pk=own.pk).update(decision_due=D(2020, 1, 1))
    assert ids(p.pete, overdue="true") == {own.pk}
    assert ids(p.pete, overdue="true", clock="police_acceptance") == set()
    response = api(p.pete).get(f"{BASE}transfers/{own.pk}/")
    assert response.json()["overdue"] == "transfer_decision"
    assert response.json()["actions"] == []


def test_thresholds_and_check(pworld, api):
    p = pworld
    body = api(p.paul).get(f"{BASE}thresholds/").json()
    assert [s["code"] for s in body] == ["spc-spp-2025-5", "spp-mps-2010"]
    assert len(body[0]["rules"]) == 16
    assert api(p.erin).get(f"{BASE}thresholds/").status_code == 403
    case = over_case(p.amr)
    url = f"{BASE}cases/{case.pk}/threshold-check"
    data = api(p.mia).get(url).json()
    assert data["over"] and data["rule_set"] == "spc-spp-2025-5" and data["day"] == "2025-06-01"
    assert data["matched"][0]["condition"] == "two_or_more_marks"
    assert api(p.carl).get(url).status_code == 403  # summary only
    assert api(p.pete).get(url).status_code == 403
    assert api(p.erin).get(url).status_code == 404
    assert api(p.paul).get(url).status_code == 403
    share(p.mia, case, p.police, "移送前会商")
    before = CaseAccessLog.objects.count()
    assert api(p.paul).get(url).json()["over"]
    assert CaseAccessLog.objects.count() == before + 1


def test_list_queries_do_not_grow(pworld, api):
    p = pworld
    client = api(p.pete)

    def add(n):
        for _ in range(n):
            CriminalTransfer.objects.create(
                case=over_case(p.amr),
                police=p.police,
                status=TransferStatus.SENT,
                proposed_at=timezone.now(),
                decision_due=timezone.localdate(),
            )

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{BASE}transfers/").status_code == 200
        return len(ctx.captured_queries)

    add(3)
    client.get(f"{BASE}transfers/")
    first = count()
    add(10)
    assert count() == first
