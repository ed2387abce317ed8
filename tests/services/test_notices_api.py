"""The notices API: list and detail within scope, create/update/publish for publishers only,
bad input writes nothing, bounded queries; and the demo notices."""

import pytest

from ipcity.services.models import Notice

from .builders_notices import days, make_notice
from .builders_outreach import api_client

pytestmark = pytest.mark.django_db


def test_list_scope(sworld):
    make_notice(sworld.office, title="公开通知")
    make_notice(sworld.office, None, title="局草稿")
    make_notice(sworld.unit, None, title="科委草稿")
    titles = {
        r["title"] for r in api_client(sworld.bob).get("/api/services/notices/").json()["results"]
    }
    assert titles == {"公开通知", "科委草稿"}
    titles = {
        r["title"]
        for r in api_client(sworld.charlie).get("/api/services/notices/").json()["results"]
    }
    assert titles == {"公开通知"}
    data = api_client(sworld.alice).get("/api/services/notices/", {"state": "draft"}).json()
    assert data["count"] == 2


def test_detail_scope(sworld):
    draft = make_notice(sworld.office, None)
    assert api_client(sworld.alice).get(f"/api/services/notices/{draft.pk}/").status_code == 200
    assert api_client(sworld.charlie).get(f"/api/services/notices/{draft.pk}/").status_code == 404


def test_create_update_publish(sworld):
    client = api_client(sworld.bob)
    payload = {"title": "科委通知", "kind": "notice", "publisher": sworld.unit.pk, "body": "正文"}
    response = client.post("/api/services/notices/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["published_on"] is None
    response = client.patch(
        f"/api/services/notices/{pk}/", {"title": "新标题"}, content_type="application/json"
    )
    assert response.json()["title"] == "新标题"
    response = client.post(
        f"/api/services/notices/{pk}/publish/",
        {"published_on": days(2).isoformat()},
        content_type="application/json",
    )
    assert response.json()["published_on"] == days(2).isoformat()
    response = client.post(f"/api/services/notices/{pk}/unpublish/")
    assert response.json()["published_on"] is None


def test_create_refused(sworld):
    payload = {"title": "通知", "kind": "notice", "publisher": sworld.office.pk, "body": "正文"}
    assert (
        api_client(sworld.bob)
        .post("/api/services/notices/", payload, content_type="application/json")
        .status_code
        == 422
    )
    assert (
        api_client(sworld.leo)
        .post("/api/services/notices/", payload, content_type="application/json")
        .status_code
        == 403
    )
    bad = {**payload, "body": "  "}
    assert (
        api_client(sworld.alice)
        .post("/api/services/notices/", bad, content_type="application/json")
        .status_code
        == 422
    )
    assert not Notice.objects.exists()


def test_update_forbidden_for_read_only(sworld):
    notice = make_notice(sworld.office)
    response = api_client(sworld.leo).patch(
        f"/api/services/notices/{notice.pk}/", {"title": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    response = api_client(sworld.charlie).post(f"/api/services/notices/{notice.pk}/unpublish/")
    assert response.status_code == 403


def test_list_query_count(sworld, django_assert_max_num_queries):
    client = api_client(sworld.alice)
    for _ in range(3):
        make_notice(sworld.office)
    client.get("/api/services/notices/")
    with django_assert_max_num_queries(10):
        assert client.get("/api/services/notices/").status_code == 200
    for _ in range(10):
        make_notice(sworld.unit)
    with django_assert_max_num_queries(10):
        assert client.get("/api/services/notices/").json()["count"] == 13


def test_demo_notices(sworld, settings):
    from ipcity.services.demo import notices as demo

    settings.IPCITY_REGION_CODE = "110112"
    sworld.office.name = "通州区" + demo.IP_OFFICE
    sworld.office.save()
    first = demo.load()
    assert first["notices"] >= 5
    assert demo.load()["notices"] == 0
    assert Notice.objects.filter(published_on__isnull=True).count() == 1
    assert Notice.objects.filter(kind="guide", published_on__lte=days(0)).exists()
