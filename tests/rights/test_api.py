import datetime

import pytest
from django.test import Client
from django.urls import reverse

from ipcity.accounts.models import APIToken
from ipcity.rights.models import Patent

from .registry_builders import make_copyright, make_gi, make_patent, make_pvr, make_trademark

PATENTS = "/api/rights/patents/"
TITLE = "一种基于深度学习的图像识别方法"


def patent_url(patent):
    return f"{PATENTS}{patent.pk}/"


@pytest.fixture
def api(db):
    """`api(user)`: a client sending a fresh personal token of that user."""

    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def new_patent(**overrides):
    data = {"application_number": "201710117081.7", "title": TITLE, "legal_status": "valid"}
    data.update(overrides)
    return data


def test_patent_list_pages_and_searches_with_the_ui_filters(world, api):
    make_patent(TITLE, holders=[world.enterprise_a], filing_date=datetime.date(2021, 1, 1))
    make_patent("一种混凝土搅拌装置", filing_date=datetime.date(2019, 1, 1))
    client = api(world.alice)
    body = client.get(PATENTS, {"limit": 1}).json()
    assert body["count"] == 2 and body["next_offset"] == 1 and len(body["results"]) == 1
    body = client.get(PATENTS, {"q": "深度学习 图像"}).json()
    assert [r["title"] for r in body["results"]] == [TITLE]
    assert body["results"][0]["holders"][0]["name"] == world.enterprise_a.name
    body = client.get(PATENTS, {"year": 2019, "patent_type": ["invention"]}).json()
    assert [r["title"] for r in body["results"]] == ["一种混凝土搅拌装置"]
    body = client.get(PATENTS, {"holder": world.enterprise_a.pk}).json()
    assert body["count"] == 1


def test_patent_list_rejects_bad_filters_in_the_error_format(world, api):
    response = api(world.alice).get(PATENTS, {"patent_type": "nonsense", "limit": 1000})
    assert response.status_code == 422
    assert {"patent_type", "limit"} <= set(response.json()["errors"])


def test_patent_list_is_readable_by_leo_and_charlie(world, api):
    make_patent(TITLE)
    for user in (world.leo, world.charlie):
        assert api(user).get(PATENTS).json()["count"] == 1


def test_patent_list_needs_authentication(world):
    assert Client().get(PATENTS).status_code == 401


def test_patent_detail_and_404(world, api):
    patent = make_patent(TITLE, high_value_criteria=["sei"], pledge_amount="120.50")
    client = api(world.charlie)
    body = client.get(patent_url(patent)).json()
    assert body["application_number"] == patent.application_number
    assert body["high_value_criteria"] == ["sei"] and body["pledge_amount"] == 120.5
    response = client.get(f"{PATENTS}999999/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_alice_creates_a_patent_with_holders(world, api):
    response = api(world.alice).post(
        PATENTS, new_patent(holders=[world.enterprise_a.pk]), content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["patent_type"] == "invention" and body["number_check_ok"] is True
    assert [h["id"] for h in body["holders"]] == [world.enterprise_a.pk]


def test_a_bad_check_digit_is_accepted_and_flagged(world, api):
    response = api(world.alice).post(
        PATENTS, new_patent(application_number="201710117081.3"), content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["number_check_ok"] is False


def test_a_malformed_number_is_a_422_field_error(world, api):
    response = api(world.alice).post(
        PATENTS, new_patent(application_number="abc"), content_type="application/json"
    )
    assert response.status_code == 422
    assert "application_number" in response.json()["errors"]
    assert not Patent.objects.exists()


def test_a_duplicate_number_is_a_422(world, api):
    make_patent(application_number="201710117081.7")
    response = api(world.alice).post(PATENTS, new_patent(), content_type="application/json")
    assert response.status_code == 422


def test_alice_patches_a_patent_and_search_follows(world, api):
    patent = make_patent("一种混凝土搅拌装置", holders=[world.enterprise_a])
    client = api(world.alice)
    response = client.patch(patent_url(patent), {"title": TITLE}, content_type="application/json")
    assert response.status_code == 200 and response.json()["title"] == TITLE
    assert response.json()["holders"][0]["id"] == world.enterprise_a.pk
    assert client.get(PATENTS, {"q": "图像识别"}).json()["count"] == 1


def test_leo_may_read_but_not_write_patents(world, api):
    patent = make_patent(TITLE)
    client = api(world.leo)
    assert client.get(patent_url(patent)).status_code == 200
    assert client.post(PATENTS, new_patent(), content_type="application/json").status_code == 403
    response = client.patch(patent_url(patent), {"title": "改"}, content_type="application/json")
    assert response.status_code == 403


def test_charlie_may_not_write_patents(world, api):
    patent = make_patent(TITLE)
    response = api(world.charlie).patch(
        patent_url(patent), {"title": "改"}, content_type="application/json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "build", "field", "value"),
    [
        ("trademarks", lambda w: make_trademark("甲标", holder=w.enterprise_a), "mark", "甲标"),
        ("geographical-indications", lambda w: make_gi("示例樱桃"), "name", "示例樱桃"),
        ("plant-varieties", lambda w: make_pvr("京示例1号"), "variety", "京示例1号"),
        ("copyrights", lambda w: make_copyright("示例软件"), "title", "示例软件"),
    ],
)
def test_other_registries_list_and_detail(world, api, path, build, field, value):
    obj = build(world)
    for user in (world.alice, world.leo, world.charlie):
        client = api(user)
        body = client.get(f"/api/rights/{path}/").json()
        assert body["count"] == 1 and body["results"][0][field] == value
        assert client.get(f"/api/rights/{path}/{obj.pk}/").json()[field] == value
        assert client.get(f"/api/rights/{path}/999999/").status_code == 404
        assert client.post(f"/api/rights/{path}/", {}).status_code == 405


def test_trademark_api_filters_by_nice_class(world, api):
    make_trademark("甲标", nice_classes="9;35")
    make_trademark("乙标", nice_classes="3")
    body = api(world.alice).get("/api/rights/trademarks/", {"nice_class": 35}).json()
    assert [r["mark"] for r in body["results"]] == ["甲标"]


def test_rights_operations_are_in_the_openapi_document(world, api):
    paths = api(world.alice).get(reverse("api:openapi-json")).json()["paths"]
    assert "/api/rights/patents/" in paths and "patch" in paths["/api/rights/patents/{patent_id}/"]
