"""Publicity events: pages and API with the organizer (bob), the office (alice), the read-only
leader (leo) and strangers (charlie, a service user of another institution); export, import,
the public calendar query and the figures per year."""

from datetime import date
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from ipcity.core import imports
from ipcity.services import outreach
from ipcity.services.models import Event

from .builders_outreach import api_client, make_event


@pytest.fixture
def events(sworld):
    return {
        "unit": make_event(sworld.unit, "科委专利周", kind="patent_week", reach=300),
        "office": make_event(sworld.office, "宣传周启动", reach=1000),
        "draft": make_event(sworld.center.organization, "内部讲座", published=False, reach=10),
    }


def event_data(organizer, **overrides):
    data = {
        "title": "新活动",
        "kind": "seminar",
        "channel": "onsite",
        "starts_on": "2025-06-01",
        "organizer": organizer.pk,
        "reach": "50",
        "published": "on",
    }
    data.update(overrides)
    return data


def test_bob_edits_his_units_event_not_anothers(sworld, login, events):
    client = login(sworld.bob)
    url = reverse("services:event_edit", args=[events["unit"].pk])
    response = client.post(url, event_data(sworld.unit, title="改过的专利周"))
    assert response.status_code == 302
    events["unit"].refresh_from_db()
    assert events["unit"].title == "改过的专利周"
    assert client.get(reverse("services:event_edit", args=[events["office"].pk])).status_code == 403
    # Outside his view scope and unpublished: not found.
    assert (
        client.get(reverse("services:event_detail", args=[events["draft"].pk])).status_code == 404
    )
    # He cannot record an event for the office either.
    response = client.post(reverse("services:event_add"), event_data(sworld.office))
    assert response.status_code == 400
    assert not Event.objects.filter(title="新活动").exists()


def test_bob_adds_once(sworld, login):
    client = login(sworld.bob)
    data = event_data(sworld.subunit, _once="tok-1")
    first = client.post(reverse("services:event_add"), data)
    second = client.post(reverse("services:event_add"), data)
    assert first.status_code == 302 and second.status_code == 302
    assert Event.objects.filter(title="新活动").count() == 1


def test_charlie_and_leo_read_but_cannot_change(sworld, login, events):
    for user in (sworld.charlie, sworld.leo):
        client = login(user)
        assert client.get(reverse("services:event_list")).status_code == 200
        assert client.get(events["office"].get_absolute_url()).status_code == 200
        assert client.get(reverse("services:event_add")).status_code == 403
        edit = reverse("services:event_edit", args=[events["office"].pk])
        assert client.get(edit).status_code == 403
        delete = reverse("services:event_delete", args=[events["office"].pk])
        assert client.post(delete).status_code == 403
    assert Event.objects.filter(pk=events["office"].pk).exists()
    # The leader reads unpublished events too (district scope); charlie does not.
    draft = events["draft"].get_absolute_url()
    assert login(sworld.leo).get(draft).status_code == 200
    assert login(sworld.charlie).get(draft).status_code == 404


def test_service_user_records_own_events_only(sworld, login, events):
    client = login(sworld.sam)
    edit = reverse("services:event_edit", args=[events["draft"].pk])
    assert client.get(edit).status_code == 200
    stranger = login(sworld.stan)
    assert stranger.get(edit).status_code == 404
    assert stranger.get(reverse("services:event_edit", args=[events["unit"].pk])).status_code == 403


def test_delete_and_history(sworld, login, events):
    client = login(sworld.bob)
    response = client.post(reverse("services:event_delete", args=[events["unit"].pk]))
    assert response.status_code == 302
    assert not Event.objects.filter(pk=events["unit"].pk).exists()
    client = login(sworld.alice)
    history = client.get(reverse("services:event_history", args=[events["office"].pk]))
    assert history.status_code == 200


def test_list_filters(sworld, login, events):
    client = login(sworld.alice)

    def listed(**params):
        response = client.get(reverse("services:event_list"), params)
        return {row.record.title for row in response.context["table"].paginated_rows}

    assert listed(kind="patent_week") == {"科委专利周"}
    assert listed(published="false") == {"内部讲座"}
    assert listed(organizer=sworld.office.pk) == {"宣传周启动"}
    assert listed(year=2024) == set()
    assert listed(year=2025, channel="onsite") == {"科委专利周", "宣传周启动", "内部讲座"}


def test_list_queries_do_not_grow(sworld, login, events, django_assert_max_num_queries):
    client = login(sworld.bob)
    client.get(reverse("services:event_list"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("services:event_list"))
    for n in range(10):
        make_event(sworld.unit, f"活动{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("services:event_list"))
    assert len(response.context["table"].paginated_rows) == 12


def test_export_opens_and_holds_the_rows(sworld, login, events):
    response = login(sworld.charlie).get(reverse("services:event_list"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content))).active
    titles = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles == {"科委专利周", "宣传周启动"}  # not the unpublished one


def test_public_events_only_published(sworld, events):
    titles = {e.title for e in outreach.public_events(date(2025, 1, 1), date(2025, 12, 31))}
    assert titles == {"科委专利周", "宣传周启动"}
    assert not outreach.public_events(date(2026, 1, 1), date(2026, 12, 31)).exists()


def test_stats_page(sworld, login, events):
    response = login(sworld.alice).get(reverse("services:event_stats"), {"year": 2025})
    assert response.status_code == 200
    assert response.context["figures"]["reach"]["value"] == 1310
    assert login(sworld.charlie).get(reverse("services:event_stats")).status_code == 200


def _xlsx(rows) -> BytesIO:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_import_rows_checked(sworld, tmp_path):
    path = tmp_path / "events.xlsx"
    path.write_bytes(
        _xlsx(
            [
                ["活动名称", "活动类型", "渠道", "开始日期", "覆盖人数", "主办单位"],
                ["专利周讲座", "讲座", "现场", "2025-09-16", "80", ""],
                ["坏的", "不存在的类型", "现场", "2025-09-16", "80", ""],
                ["局里的活动", "讲座", "现场", "2025-09-16", "80", sworld.office.name],
            ]
        ).getvalue()
    )
    fmt = imports.get_format("services.event")
    result = imports.validate(fmt, path, "events.xlsx", sworld.bob)
    assert {e["row"] for e in result.errors} == {3, 4}
    assert len(result.rows) == 1
    fmt.write(result.rows, result.context, sworld.bob, lambda n: None)
    event = Event.objects.get(title="专利周讲座")
    assert event.organizer == sworld.unit and event.kind == "seminar"


def test_api_scope(sworld, events):
    bob = api_client(sworld.bob)
    body = bob.get("/api/services/events/", {"year": 2025}).json()
    assert {r["title"] for r in body["results"]} == {"科委专利周", "宣传周启动"}
    response = bob.patch(
        f"/api/services/events/{events['unit'].pk}/",
        {"reach": 999},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["reach"] == 999
    response = bob.patch(
        f"/api/services/events/{events['office'].pk}/",
        {"reach": 1},
        content_type="application/json",
    )
    assert response.status_code == 403
    leo = api_client(sworld.leo)
    response = leo.post(
        "/api/services/events/",
        {
            "title": "x",
            "kind": "seminar",
            "channel": "onsite",
            "starts_on": "2025-01-01",
            "organizer": sworld.office.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    charlie = api_client(sworld.charlie)
    assert charlie.get(f"/api/services/events/{events['draft'].pk}/").status_code == 404
    response = bob.post(
        "/api/services/events/",
        {
            "title": "API 活动",
            "kind": "seminar",
            "channel": "online",
            "starts_on": "2025-02-01",
            "organizer": sworld.subunit.pk,
            "reach": 20,
        },
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["organizer"]["id"] == sworld.subunit.pk


def test_api_list_queries_do_not_grow(sworld, events, django_assert_max_num_queries):
    client = api_client(sworld.alice)
    client.get("/api/services/events/")
    with django_assert_max_num_queries(15) as few:
        client.get("/api/services/events/")
    for n in range(10):
        make_event(sworld.unit, f"活动{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/api/services/events/").json()
    assert body["count"] == 13
