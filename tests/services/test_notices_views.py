"""Staff notice pages: list, detail, add (once), edit, publish/unpublish, delete, history, with
the publisher (alice: office; bob: his unit), the read-only leader (leo) and a stranger."""

import pytest
from django.urls import reverse

from ipcity.core import once
from ipcity.services.models import Notice

from .builders_notices import days, make_notice

pytestmark = pytest.mark.django_db


def test_list_shows_published_and_own_drafts(sworld, login):
    own_draft = make_notice(sworld.unit, None, title="科委草稿")
    office_draft = make_notice(sworld.office, None, title="局草稿")
    published = make_notice(sworld.office, title="已发布通知")
    client = login(sworld.bob)
    response = client.get(reverse("services:notice_list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert own_draft.title in text
    assert published.title in text
    assert office_draft.title not in text


def test_list_for_enterprise_shows_only_published(sworld, login):
    make_notice(sworld.office, None, title="局草稿")
    make_notice(sworld.office, days(5), title="定时通知")
    make_notice(sworld.office, title="已发布通知")
    response = login(sworld.charlie).get(reverse("services:notice_list"))
    text = response.content.decode()
    assert "已发布通知" in text
    assert "局草稿" not in text and "定时通知" not in text


def test_list_filters_by_state(sworld, login):
    make_notice(sworld.office, None, title="局草稿")
    make_notice(sworld.office, title="已发布通知")
    response = login(sworld.alice).get(reverse("services:notice_list"), {"state": "draft"})
    text = response.content.decode()
    assert "局草稿" in text and "已发布通知" not in text


def test_list_query_count_does_not_grow(sworld, login, django_assert_max_num_queries):
    client = login(sworld.alice)
    url = reverse("services:notice_list")
    for _ in range(3):
        make_notice(sworld.office)
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    for _ in range(10):
        make_notice(sworld.unit, None)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_detail_access(sworld, login):
    draft = make_notice(sworld.unit, None)
    published = make_notice(sworld.office)
    url = reverse("services:notice_detail", args=[draft.pk])
    assert login(sworld.bob).get(url).status_code == 200
    assert login(sworld.alice).get(url).status_code == 200
    assert login(sworld.charlie).get(url).status_code == 404
    assert login(sworld.charlie).get(published.get_absolute_url()).status_code == 200
    assert login(sworld.leo).get(published.get_absolute_url()).status_code == 200


def test_detail_escapes_body(sworld, login):
    notice = make_notice(sworld.office, body="第一段<script>alert(1)</script>\n\n第二段")
    text = login(sworld.alice).get(notice.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<p>第二段</p>" in text


def _form(publisher, **extra):
    return {
        "title": "关于开展知识产权宣传周活动的通知",
        "kind": "notice",
        "document_number": "",
        "publisher": publisher.pk,
        "summary": "",
        "body": "各有关单位：\n\n请做好宣传周工作。",
        "link": "",
        **extra,
    }


def test_add_creates_one_draft_even_when_sent_twice(sworld, login):
    client = login(sworld.bob)
    url = reverse("services:notice_add")
    assert client.get(url).status_code == 200
    data = {**_form(sworld.unit), once.FIELD: "tok-notice-1"}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == 302 and second.status_code == 302
    assert Notice.objects.count() == 1
    notice = Notice.objects.get()
    assert notice.published_on is None
    assert notice.publisher == sworld.unit
    assert first.url == second.url == notice.get_absolute_url()


def test_add_refuses_foreign_publisher(sworld, login):
    client = login(sworld.bob)
    response = client.post(reverse("services:notice_add"), _form(sworld.office))
    assert response.status_code == 400
    assert not Notice.objects.exists()


def test_add_requires_title_and_body(sworld, login):
    response = login(sworld.alice).post(
        reverse("services:notice_add"), _form(sworld.office, title="", body=" ")
    )
    assert response.status_code == 400
    assert not Notice.objects.exists()


def test_add_forbidden_for_read_only_and_enterprise(sworld, login):
    url = reverse("services:notice_add")
    assert login(sworld.leo).get(url).status_code == 403
    assert login(sworld.charlie).get(url).status_code == 403
    assert login(sworld.charlie).post(url, _form(sworld.enterprise_b)).status_code == 403
    assert not Notice.objects.exists()


def test_edit_own_and_forbidden_for_others(sworld, login):
    notice = make_notice(sworld.unit, None)
    url = reverse("services:notice_edit", args=[notice.pk])
    response = login(sworld.bob).post(url, _form(sworld.unit, title="新标题"))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.title == "新标题"
    published = make_notice(sworld.office)
    other = reverse("services:notice_edit", args=[published.pk])
    assert login(sworld.bob).get(other).status_code == 403
    assert login(sworld.leo).get(other).status_code == 403
    assert login(sworld.charlie).get(url).status_code == 404


def test_publish_schedule_and_unpublish(sworld, login):
    notice = make_notice(sworld.unit, None)
    client = login(sworld.bob)
    publish = reverse("services:notice_publish", args=[notice.pk])
    client.post(publish, {"published_on": days(3).isoformat()})
    notice.refresh_from_db()
    assert notice.published_on == days(3)
    assert not notice.is_published
    client.post(publish, {"published_on": days(0).isoformat()})
    notice.refresh_from_db()
    assert notice.is_published
    client.post(reverse("services:notice_unpublish", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.published_on is None


def test_publish_rejects_far_future_and_bad_date(sworld, login):
    notice = make_notice(sworld.unit, None)
    client = login(sworld.bob)
    publish = reverse("services:notice_publish", args=[notice.pk])
    client.post(publish, {"published_on": days(800).isoformat()})
    client.post(publish, {"published_on": "not a date"})
    notice.refresh_from_db()
    assert notice.published_on is None


def test_publish_forbidden(sworld, login):
    notice = make_notice(sworld.office, None)
    publish = reverse("services:notice_publish", args=[notice.pk])
    assert login(sworld.bob).post(publish, {"published_on": days(0).isoformat()}).status_code == 404
    published = make_notice(sworld.office)
    unpublish = reverse("services:notice_unpublish", args=[published.pk])
    assert login(sworld.leo).post(unpublish).status_code == 403
    assert login(sworld.charlie).post(unpublish).status_code == 403
    published.refresh_from_db()
    assert published.is_published


def test_delete_and_history(sworld, login):
    notice = make_notice(sworld.unit, None)
    client = login(sworld.bob)
    history = reverse("services:notice_history", args=[notice.pk])
    assert client.get(history).status_code == 200
    assert login(sworld.charlie).get(history).status_code == 404
    delete = reverse("services:notice_delete", args=[notice.pk])
    assert login(sworld.leo).post(delete).status_code in (403, 404)
    client = login(sworld.bob)
    assert client.post(delete).status_code == 302
    assert not Notice.objects.filter(pk=notice.pk).exists()
