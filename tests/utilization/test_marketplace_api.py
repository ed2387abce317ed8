"""The marketplace API: listings, matches and contact requests, with the same scope as the
pages and the one error format."""

import pytest
from django.test import Client

from ipcity.accounts.models import APIToken
from ipcity.utilization.models import ContactRequest, DemandListing, SupplyListing, Transaction

from ..factories import make_org, make_user
from .test_marketplace_builders import held_patent, make_contact, make_need, make_offer

BASE = "/api/utilization"
JSON = "application/json"


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


@pytest.fixture
def market(world):
    patent = held_patent(world.enterprise_a)
    return {
        "patent": patent,
        "offer": make_offer(world.enterprise_a, "一种基于深度学习的图像识别方法", patents=[patent]),
        "draft": make_offer(world.enterprise_a, "甲的草稿成果", status="draft"),
        "need": make_need(world.enterprise_b, "寻求图像识别技术", ipc="G06V10/82"),
    }


def test_offer_list_and_filters(world, api, market):
    client = api(world.charlie)
    body = client.get(f"{BASE}/offers/").json()
    assert [r["title"] for r in body["results"]] == [market["offer"].title]
    assert body["results"][0]["patents"][0]["application_number"] == (
        market["patent"].application_number
    )
    assert body["results"][0]["kinds"] == ["exclusive", "ordinary"]
    assert api(world.erin).get(f"{BASE}/offers/", {"status": "draft"}).json()["count"] == 1
    assert client.get(f"{BASE}/offers/", {"status": "draft"}).json()["count"] == 0
    assert client.get(f"{BASE}/offers/", {"q": "深度学习", "ipc": "G06V"}).json()["count"] == 1
    assert client.get(f"{BASE}/offers/", {"contacted": True}).json()["count"] == 0
    response = client.get(f"{BASE}/offers/", {"status": "nonsense", "limit": 1000})
    assert response.status_code == 422 and {"status", "limit"} <= set(response.json()["errors"])


def test_detail_scope(world, api, market):
    assert api(world.charlie).get(f"{BASE}/offers/{market['draft'].pk}/").status_code == 404
    assert api(world.leo).get(f"{BASE}/offers/{market['draft'].pk}/").status_code == 200
    assert api(world.charlie).get(f"{BASE}/needs/{market['need'].pk}/").json()["title"] == (
        "寻求图像识别技术"
    )
    assert Client().get(f"{BASE}/offers/").status_code == 401


def test_erin_creates_and_publishes_an_offer(world, api, market):
    response = api(world.erin).post(
        f"{BASE}/offers/",
        {
            "title": "一种图像识别装置",
            "patents": [market["patent"].application_number.replace(".", "")],
            "kinds": ["sole"],
            "asking_price": 30,
            "publish": True,
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "published" and body["owner"]["id"] == world.enterprise_a.pk
    assert body["ipc_codes"] == "G06V10/82;G06N3/08" and body["asking_price"] == 30.0


def test_create_refuses_foreign_patents_in_the_error_format(world, api):
    foreign = held_patent(world.enterprise_b, "乙的专利")
    response = api(world.erin).post(
        f"{BASE}/offers/",
        {"title": "偷来的", "patents": [foreign.application_number]},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert "patents" in response.json()["errors"]
    assert not SupplyListing.objects.filter(title="偷来的").exists()


def test_leo_cannot_create_and_charlie_cannot_change(world, api, market):
    response = api(world.leo).post(f"{BASE}/needs/", {"title": "需求"}, content_type=JSON)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    offer = market["offer"]
    response = api(world.charlie).patch(
        f"{BASE}/offers/{offer.pk}/", {"title": "改"}, content_type=JSON
    )
    assert response.status_code == 403
    assert api(world.charlie).post(f"{BASE}/offers/{offer.pk}/close/").status_code == 403
    offer.refresh_from_db()
    assert offer.title != "改" and offer.status == "published"


def test_the_owner_patches_only_what_it_sends(world, api, market):
    offer = market["offer"]
    response = api(world.erin).patch(
        f"{BASE}/offers/{offer.pk}/", {"keywords": "识别;质检"}, content_type=JSON
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["keywords"] == "识别;质检" and body["title"] == offer.title
    assert [p["id"] for p in body["patents"]] == [market["patent"].pk]
    assert body["kinds"] == ["exclusive", "ordinary"]


def test_publish_and_close_over_the_api(world, api, market):
    client = api(world.erin)
    draft = market["draft"]
    assert client.post(f"{BASE}/offers/{draft.pk}/publish/").json()["status"] == "published"
    assert client.post(f"{BASE}/offers/{draft.pk}/close/").json()["status"] == "closed"
    response = client.post(f"{BASE}/offers/{draft.pk}/close/")
    assert response.status_code == 422


def test_matches_with_score_and_reasons(world, api, market):
    body = api(world.leo).get(f"{BASE}/needs/{market['need'].pk}/matches/").json()
    [match] = body["results"]
    assert match["listing"]["id"] == market["offer"].pk and 0 < match["score"] <= 100
    assert "IPC G06V10 shared" in match["reasons"]
    body = api(world.charlie).get(f"{BASE}/offers/{market['offer'].pk}/matches/").json()
    assert [m["listing"]["id"] for m in body["results"]] == [market["need"].pk]


def test_contact_answer_and_conclude_over_the_api(world, api, market):
    charlie, erin = api(world.charlie), api(world.erin)
    response = charlie.post(
        f"{BASE}/contact-requests/",
        {"offer": market["offer"].pk, "about": market["need"].pk, "message": "洽谈许可"},
        content_type=JSON,
    )
    assert response.status_code == 201, response.json()
    contact = response.json()
    assert contact["addressed_to"]["id"] == world.enterprise_a.pk
    assert contact["need"]["id"] == market["need"].pk
    url = f"{BASE}/contact-requests/{contact['id']}"
    assert charlie.post(f"{url}/answer/", {"reply": "x"}, content_type=JSON).status_code == 403
    answered = erin.post(f"{url}/answer/", {"reply": "欢迎"}, content_type=JSON).json()
    assert answered["status"] == "answered"
    deal = {
        "kind": "ordinary",
        "contract_date": "2024-05-01",
        "amount": 12.5,
        "registration_date": "2025-02-03",
    }
    response = erin.post(f"{url}/conclude/", deal, content_type=JSON)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "concluded"
    transaction = Transaction.objects.get()
    assert transaction.registration_date.isoformat() == "2025-02-03" and transaction.year == 2025
    assert transaction.pk == response.json()["transaction"]
    assert list(transaction.patents.all()) == [market["patent"]]
    again = charlie.post(f"{url}/conclude/", deal, content_type=JSON)
    assert again.status_code == 422 and Transaction.objects.count() == 1
    listed = erin.get(f"{BASE}/contact-requests/", {"direction": "received"}).json()
    assert [r["id"] for r in listed["results"]] == [contact["id"]]


def test_contact_requests_are_private_to_the_parties(world, api, market):
    contact = make_contact(world.enterprise_b, market["offer"])
    dave = make_user("dave", make_org("示例丙科技有限公司"), "enterprise_user")
    assert api(dave).get(f"{BASE}/contact-requests/{contact.pk}/").status_code == 404
    assert api(dave).get(f"{BASE}/contact-requests/").json()["count"] == 0
    assert api(world.leo).get(f"{BASE}/contact-requests/").json()["count"] == 1
    response = api(dave).post(
        f"{BASE}/contact-requests/{contact.pk}/decline/", {}, content_type=JSON
    )
    assert response.status_code == 404


def test_contact_request_input_errors(world, api, market):
    client = api(world.charlie)
    both = {"offer": market["offer"].pk, "need": market["need"].pk, "message": "x"}
    assert client.post(f"{BASE}/contact-requests/", both, content_type=JSON).status_code == 422
    draft = {"offer": market["draft"].pk, "message": "x"}
    assert client.post(f"{BASE}/contact-requests/", draft, content_type=JSON).status_code == 404
    foreign_about = {"offer": market["offer"].pk, "about": 999999, "message": "x"}
    response = client.post(f"{BASE}/contact-requests/", foreign_about, content_type=JSON)
    assert response.status_code == 422 and "about" in response.json()["errors"]
    own = {"need": market["need"].pk, "message": "x"}
    response = client.post(f"{BASE}/contact-requests/", own, content_type=JSON)
    assert response.status_code == 422
    assert not ContactRequest.objects.exists()


def test_only_the_giving_side_concludes_once_answered(world, api, market):
    contact = make_contact(world.enterprise_b, market["offer"], about=market["need"])
    url = f"{BASE}/contact-requests/{contact.pk}"
    deal = {"kind": "ordinary", "contract_date": "2024-05-01"}
    response = api(world.erin).post(f"{url}/conclude/", deal, content_type=JSON)
    assert response.status_code == 422 and "must be answered" in str(response.json())
    api(world.erin).post(f"{url}/answer/", {"reply": "欢迎"}, content_type=JSON)
    # charlie asked: he does not record the deal alone, whatever he sends.
    charlie = api(world.charlie)
    response = charlie.post(f"{url}/conclude/", {**deal, "kind": "assignment"}, content_type=JSON)
    assert response.status_code in (403, 422)
    assert charlie.post(f"{url}/conclude/", deal, content_type=JSON).status_code == 403
    # erin may, with a kind both listings accept only.
    erin = api(world.erin)
    response = erin.post(f"{url}/conclude/", {**deal, "kind": "exclusive"}, content_type=JSON)
    assert response.status_code == 422 and "kind" in response.json()["errors"]
    assert not Transaction.objects.exists()
    assert erin.post(f"{url}/conclude/", deal, content_type=JSON).status_code == 200
    assert Transaction.objects.get().kind == "ordinary"


def test_list_queries_do_not_grow_with_rows(world, api, django_assert_max_num_queries):
    for n in range(25):
        patent = held_patent(world.enterprise_a, f"一种图像识别方法{n}")
        offer = make_offer(world.enterprise_a, f"成果{n}", patents=[patent])
        need = make_need(world.enterprise_b, f"需求{n}")
        make_contact(world.enterprise_b, offer, about=need)
    client = api(world.charlie)
    for path, params in (
        ("offers/", {"limit": 50}),
        ("offers/", {"limit": 50, "contacted": True, "q": "成果"}),
        ("needs/", {"limit": 50, "concluded": False}),
        ("contact-requests/", {"limit": 50}),
    ):
        client.get(f"{BASE}/{path}", params)
        with django_assert_max_num_queries(8):
            body = client.get(f"{BASE}/{path}", params).json()
        assert body["count"] == 25 and len(body["results"]) == 25, path


def test_negative_money_amounts_are_refused(world, api, market):
    client = api(world.charlie)
    response = client.post(
        f"{BASE}/needs/", {"title": "负预算需求", "budget": -1}, content_type=JSON
    )
    assert response.status_code == 422
    response = client.patch(
        f"{BASE}/needs/{market['need'].pk}/", {"budget": -0.5}, content_type=JSON
    )
    assert response.status_code == 422
    response = api(world.erin).post(
        f"{BASE}/offers/", {"title": "负报价", "asking_price": -3}, content_type=JSON
    )
    assert response.status_code == 422
    assert not DemandListing.objects.filter(title="负预算需求").exists()
    assert not SupplyListing.objects.filter(title="负报价").exists()
    market["need"].refresh_from_db()
    assert market["need"].budget is None or market["need"].budget >= 0
