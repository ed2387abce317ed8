"""The public portal without sign-in: pages answer 200, and nothing private shows: drafts and
scheduled notices, unpublished or inactive institutions, unpublished events, the talent pool
and service requests."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ipcity.services.choices import Channel, EventKind, NoticeKind, TalentKind
from ipcity.services.models import Event, Qualification, Talent

from .builders_notices import days, make_notice

pytestmark = pytest.mark.django_db


def make_event(organizer, starts_on, title="宣传周活动", published=True, **fields):
    return Event.objects.create(
        organizer=organizer,
        title=title,
        kind=fields.pop("kind", EventKind.PUBLICITY_WEEK),
        starts_on=starts_on,
        channel=fields.pop("channel", Channel.ONSITE),
        published=published,
        **fields,
    )


PAGES = ["public:home", "public:notice_list", "public:directory", "public:events"]


@pytest.mark.parametrize("name", PAGES)
def test_pages_open_without_sign_in(sworld, client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="public-nav"' in text
    assert reverse("protection_public:complaint") in text


def test_home_shows_published_notices_and_upcoming_events(sworld, client):
    make_notice(sworld.office, title="已发布的资助政策", kind=NoticeKind.POLICY)
    make_notice(sworld.office, None, title="尚未发布的草稿")
    make_notice(sworld.office, days(2), title="两天后发布的通知")
    make_event(sworld.office, days(3), title="公开的宣传活动", place="通州区文化馆")
    make_event(sworld.office, days(4), title="内部座谈会", published=False)
    text = client.get(reverse("public:home")).content.decode()
    assert "已发布的资助政策" in text
    assert "公开的宣传活动" in text and "通州区文化馆" in text
    assert "尚未发布的草稿" not in text
    assert "两天后发布的通知" not in text
    assert "内部座谈会" not in text
    assert "?kind=rights_protection" in text


def test_notice_list_filters_and_hides_drafts(sworld, client):
    make_notice(sworld.office, title="知识产权资助政策", kind=NoticeKind.POLICY)
    make_notice(sworld.office, title="宣传周新闻", kind=NoticeKind.NEWS)
    make_notice(sworld.unit, None, title="资助草稿", kind=NoticeKind.POLICY)
    url = reverse("public:notice_list")
    text = client.get(url, {"kind": "policy"}).content.decode()
    assert "知识产权资助政策" in text and "宣传周新闻" not in text and "资助草稿" not in text
    text = client.get(url, {"q": "宣传周"}).content.decode()
    assert "宣传周新闻" in text and "知识产权资助政策" not in text


def test_notice_detail_404_for_draft_and_scheduled(sworld, client):
    draft = make_notice(sworld.office, None)
    scheduled = make_notice(sworld.office, days(1))
    published = make_notice(sworld.office)
    assert client.get(reverse("public:notice_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("public:notice_detail", args=[scheduled.pk])).status_code == 404
    assert client.get(reverse("public:notice_detail", args=[published.pk])).status_code == 200
    assert client.get(reverse("public:notice_detail", args=[999999])).status_code == 404


def test_notice_body_is_escaped(sworld, client):
    notice = make_notice(sworld.office, body='<script>alert("x")</script>\n\n<b>粗体</b>')
    text = client.get(reverse("public:notice_detail", args=[notice.pk])).content.decode()
    assert '<script>alert("x")</script>' not in text
    assert "&lt;script&gt;" in text
    assert "<b>粗体</b>" not in text


def test_directory_lists_published_active_institutions(sworld, client):
    sworld.bank.published = False
    sworld.bank.save()
    sworld.agency.is_active = False
    sworld.agency.save()
    text = client.get(reverse("public:directory")).content.decode()
    assert sworld.center.organization.name in text
    assert sworld.hall.organization.name in text
    assert sworld.bank.organization.name not in text
    assert sworld.agency.organization.name not in text
    for hidden in (sworld.bank, sworld.agency):
        url = reverse("public:institution_detail", args=[hidden.pk])
        assert client.get(url).status_code == 404


def test_directory_filters(sworld, client):
    url = reverse("public:directory")
    text = client.get(url, {"service": "financing"}).content.decode()
    assert sworld.bank.organization.name in text
    assert sworld.hall.organization.name not in text
    text = client.get(url, {"kind": "service_hall"}).content.decode()
    assert sworld.hall.organization.name in text
    assert sworld.center.organization.name not in text
    text = client.get(url, {"q": "银行"}).content.decode()
    assert sworld.bank.organization.name in text
    assert sworld.center.organization.name not in text


def test_institution_detail(sworld, client):
    today = timezone.localdate()
    Qualification.objects.create(
        institution=sworld.center,
        name="知识产权保护中心备案",
        number="SECRET-NUMBER-1",
        valid_until=today + datetime.timedelta(days=100),
    )
    Qualification.objects.create(
        institution=sworld.center, name="过期资质", valid_until=today - datetime.timedelta(days=1)
    )
    sworld.center.phone = "010-12345678"
    sworld.center.save()
    response = client.get(reverse("public:institution_detail", args=[sworld.center.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "知识产权保护中心备案" in text and "过期资质" in text
    assert "010-12345678" in text
    assert f"?point={sworld.center.pk}" in text
    agency = client.get(reverse("public:institution_detail", args=[sworld.agency.pk]))
    assert "?point=" not in agency.content.decode()


def test_events_calendar_by_month(sworld, client):
    make_event(sworld.office, datetime.date(2025, 4, 20), title="四月宣传周", place="运河广场")
    make_event(sworld.office, datetime.date(2025, 5, 10), title="五月研讨会")
    make_event(sworld.office, datetime.date(2025, 4, 21), title="四月内部会", published=False)
    response = client.get(reverse("public:events"), {"month": "2025-04"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "四月宣传周" in text and "运河广场" in text
    assert "五月研讨会" not in text and "四月内部会" not in text
    assert "month=2025-03" in text and "month=2025-05" in text
    assert client.get(reverse("public:events"), {"month": "2025-13"}).status_code == 404
    assert client.get(reverse("public:events"), {"month": "abc"}).status_code == 404


def test_talent_and_requests_never_shown(sworld, client):
    Talent.objects.create(name="张专利代理人", kind=TalentKind.PATENT_AGENT, phone="13900000000")
    for name in PAGES:
        text = client.get(reverse(name)).content.decode()
        assert "张专利代理人" not in text and "13900000000" not in text


@pytest.mark.parametrize("name", PAGES)
def test_public_pages_query_count_bounded(sworld, client, name, django_assert_max_num_queries):
    for i in range(3):
        make_notice(sworld.office)
        make_event(sworld.office, days(i + 1), title=f"活动{i}")
    client.get(reverse(name))
    with django_assert_max_num_queries(8):
        assert client.get(reverse(name)).status_code == 200
    for i in range(10):
        make_notice(sworld.office)
        make_event(sworld.office, days(i + 1), title=f"活动b{i}")
    with django_assert_max_num_queries(8):
        assert client.get(reverse(name)).status_code == 200


def test_sign_in_page_links_to_portal(client):
    text = client.get(reverse("accounts:login")).content.decode()
    assert reverse("public:home") in text
