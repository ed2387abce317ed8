"""The services overview: each figure equals the rows of the list its link opens; who may see
it; the dashboard card; the xlsx export; the API; a bounded number of queries."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone

from ipcity.services import stats
from ipcity.services.choices import Channel, EventKind, RequestStatus, ServiceKind, TalentKind

from ..factories import make_user
from .builders_outreach import api_client, make_attendance, make_course, make_event, make_talent
from .builders_requests import make_request

pytestmark = pytest.mark.django_db


def this_year() -> int:
    return timezone.localdate().year


def day(month: int, d: int = 10) -> datetime.date:
    return datetime.date(this_year(), month, d)


def build(sworld, scale: int = 1):
    """Requests of enterprise A (some answered in time, late, rated, at two points), one of
    enterprise B, one of last year; events on two channels; a course with attendances; talent."""
    today = timezone.localdate()
    a, b = sworld.enterprise_a, sworld.enterprise_b
    for _ in range(scale):
        make_request(a, kind=ServiceKind.CONSULTATION, submitted_on=today)
        make_request(
            a,
            kind=ServiceKind.RIGHTS_PROTECTION,
            point=sworld.center,
            status=RequestStatus.CLOSED,
            submitted_on=today,
            answered_on=today,
            rating=5,
        )
        make_request(
            a,
            kind=ServiceKind.FINANCING,
            point=sworld.bank,
            submitted_on=today,
            assigned_on=today - datetime.timedelta(days=60),
            response_due=today - datetime.timedelta(days=3),
        )
        make_request(
            a,
            kind=ServiceKind.CONSULTATION,
            point=sworld.hall,
            status=RequestStatus.ANSWERED,
            submitted_on=today,
            answered_on=today,
            response_due=today - datetime.timedelta(days=1),
            rating=3,
        )
        make_request(b, kind=ServiceKind.MEDIATION, submitted_on=today)
        make_request(
            a, kind=ServiceKind.CONSULTATION, submitted_on=datetime.date(this_year() - 1, 6, 1)
        )
        make_event(sworld.office, starts_on=day(4, 26), channel=Channel.ONSITE, reach=300)
        make_event(
            sworld.unit,
            starts_on=day(6),
            channel=Channel.WECHAT,
            kind=EventKind.MEDIA,
            reach=5000,
        )
        make_event(sworld.office, starts_on=datetime.date(this_year() - 1, 4, 26), reach=99)
        course = make_course(sworld.office, starts_on=day(5), hours=Decimal("8"))
        make_attendance(course, name="张三", certificate_number="C-1")
        make_attendance(course, name="李四", hours=Decimal("4"))
        make_talent(sworld.agency.organization, name="王代理")
        make_talent(sworld.enterprise_a, name="赵经理", kind=TalentKind.IP_MANAGER)


def list_rows(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["table"].data.data


@pytest.mark.parametrize("persona", ["alice", "leo", "erin", "sam"])
def test_every_exact_figure_equals_its_list(sworld, login, persona):
    build(sworld)
    user = getattr(sworld, persona)
    client = login(user)
    result = stats.compute(user, this_year())
    checked = 0
    for figure in result.all_figures():
        if not figure.exact or not figure.url or figure.kind in ("percent", "average"):
            continue
        rows = list_rows(client, figure.url)
        if figure.kind == "sum":
            field = "reach" if figure.list_name == "event_list" else "hours"
            total = sum(getattr(row, field) for row in rows)
            assert total == figure.value, (figure.key, figure.url)
        else:
            assert rows.count() == figure.value, (figure.key, figure.url)
        checked += 1
    assert checked > 10


def test_figures_for_the_office(sworld):
    build(sworld)
    figures = stats.compute(sworld.alice, this_year()).by_key()
    assert figures["requests_total"].value == 5
    assert figures["requests_overdue"].value == 1
    assert figures["requests_answered"].value == 2
    assert figures["requests_in_time"].value == 1
    assert figures["requests_in_time_share"].value == Decimal("50.0")
    assert figures["requests_rated"].value == 2
    assert figures["requests_satisfaction"].value == Decimal("4.0")
    assert figures["kind_consultation"].value == 2
    assert figures[f"point_{sworld.center.pk}"].value == 1
    assert figures["rating_5"].value == 1 and figures["rating_3"].value == 1
    assert figures["events_total"].value == 2
    assert figures["events_reach"].value == 5300
    assert figures["channel_reach_wechat"].value == 5000
    assert figures["courses_hours"].value == Decimal("8")
    assert figures["attendances_total"].value == 2
    assert figures["attendances_hours"].value == Decimal("12")
    assert figures["certificates"].value == 1
    assert figures["talent_total"].value == 2
    assert figures["talent_ip_manager"].value == 1


def test_enterprise_counts_only_its_own_requests(sworld):
    build(sworld)
    figures = stats.compute(sworld.charlie, this_year()).by_key()
    assert figures["requests_total"].value == 1
    assert figures["kind_mediation"].value == 1
    assert "talent_total" not in figures


def test_page_access(sworld, login):
    build(sworld)
    url = reverse("services:overview")
    for user in (sworld.alice, sworld.leo, sworld.erin):
        response = login(user).get(url)
        assert response.status_code == 200
        assert b'data-testid="section-requests"' in response.content
    response = login(sworld.bob).get(url)
    assert response.status_code == 200
    assert b'data-testid="section-requests"' not in response.content
    assert b'data-testid="section-events"' in response.content
    nobody = make_user("nobody", sworld.enterprise_b)
    assert login(nobody).get(url).status_code == 404
    assert login(sworld.alice).get(url, {"year": "abc"}).status_code == 400


def test_page_links_each_figure(sworld, login):
    build(sworld)
    text = login(sworld.alice).get(reverse("services:overview")).content.decode()
    figures = stats.compute(sworld.alice, this_year()).by_key()
    for key in ("requests_total", "requests_handed_over", "events_reach", "certificates"):
        assert figures[key].url.replace("&", "&amp;") in text
    assert 'id="services-overview-data"' in text


def test_xlsx_export(sworld, login):
    from openpyxl import load_workbook

    build(sworld)
    response = login(sworld.alice).get(reverse("services:overview"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    values = {row[1]: row[2] for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert values["Requests submitted"] == 5
    assert values["People reached"] == 5300


def test_query_count_does_not_grow(sworld, login, django_assert_max_num_queries):
    client = login(sworld.alice)
    url = reverse("services:overview")
    build(sworld)
    client.get(url)
    with django_assert_max_num_queries(40):
        assert client.get(url).status_code == 200
    build(sworld, scale=4)
    with django_assert_max_num_queries(40):
        assert client.get(url).status_code == 200


def test_dashboard_card(sworld, login):
    build(sworld)
    response = login(sworld.alice).get(reverse("core:home"))
    text = response.content.decode()
    assert f"Services, {this_year()}" in text
    figures = stats.compute(sworld.alice, this_year()).by_key()
    assert figures["requests_total"].url.replace("&", "&amp;") in text
    nobody = make_user("nobody", sworld.enterprise_b)
    assert (
        f"Services, {this_year()}" not in login(nobody).get(reverse("core:home")).content.decode()
    )


def test_api_stats(sworld):
    build(sworld)
    response = api_client(sworld.alice).get("/api/services/stats", {"year": this_year()})
    assert response.status_code == 200
    data = response.json()
    by_key = {f["key"]: f for f in data["figures"]}
    assert by_key["requests_total"]["value"] == 5
    assert by_key["requests_total"]["url"].startswith(reverse("services:request_list"))
    assert api_client(sworld.alice).get("/api/services/stats", {"year": 1800}).status_code == 422
    nobody = make_user("nobody", sworld.enterprise_b)
    assert api_client(nobody).get("/api/services/stats").status_code == 404
