"""Consultations and circulars: participants, cases, decisions, follow-up items done by the
responsible unit, the Word document; pages and API with the personas; flat query counts."""

import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from docx import Document

from ipcity.accounts.models import APIToken
from ipcity.protection import coordination
from ipcity.protection.models import FollowUp, Meeting

from .conftest import make_case

pytestmark = pytest.mark.django_db

D = datetime.date
FAR = D(2099, 12, 31)


@pytest.fixture
def api(db):
    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def make_meeting(p, convener=None, participants=None, cases=(), **fields):
    meeting = Meeting.objects.create(
        kind=fields.pop("kind", "consultation"),
        title=fields.pop("title", "重大案件会商"),
        held_on=fields.pop("held_on", D(2026, 3, 10)),
        convened_by=convener or p.world.office,
        decisions=fields.pop("decisions", "一、由市场监管执法大队牵头查办。"),
        **fields,
    )
    meeting.participants.set(participants if participants is not None else [p.amr, p.police])
    meeting.cases.set(cases)
    return meeting


def test_meeting_pages_for_the_personas(pworld):
    p = pworld
    case = make_case(p.amr)
    meeting = make_meeting(p, cases=[case])
    other = make_meeting(p, convener=p.culture, participants=[p.culture], title="文化通报")
    url = f"/protection/meetings/{meeting.pk}/"

    mia, leo, erin, alice = _client(p.mia), _client(p.leo), _client(p.erin), _client(p.alice)
    listed = mia.get("/protection/meetings/")
    assert listed.status_code == 200
    assert {m.pk for m in listed.context["table"].data} == {meeting.pk}
    assert {m.pk for m in leo.get("/protection/meetings/").context["table"].data} == {
        meeting.pk,
        other.pk,
    }
    assert erin.get("/protection/meetings/").status_code == 403
    page = mia.get(url)
    assert page.status_code == 200 and case.number.encode() in page.content
    assert page.context["can_change"] is False  # a participant, not the convener
    assert leo.get(url).status_code == 200
    assert erin.get(url).status_code == 404
    assert mia.get(f"/protection/meetings/{other.pk}/").status_code == 404
    assert mia.get(f"{url}edit/").status_code == 403
    assert leo.get(f"{url}edit/").status_code == 403
    assert erin.get(f"{url}edit/").status_code == 404
    assert leo.get("/protection/meetings/add/").status_code == 403
    assert erin.get("/protection/meetings/add/").status_code == 403
    assert alice.get(f"{url}edit/").status_code == 200
    assert alice.get(f"{url}history/").status_code == 200
    # Filters.
    page = leo.get("/protection/meetings/", {"kind": "consultation", "convened_by": p.culture.pk})
    assert {m.pk for m in page.context["table"].data} == {other.pk}


def test_convening_a_meeting_and_follow_ups_done_by_the_responsible_unit(pworld):
    p = pworld
    own = make_case(p.amr)
    foreign = make_case(p.culture)
    mia = _client(p.mia)
    form = mia.get("/protection/meetings/add/").context["form"]
    assert set(form.fields["convened_by"].queryset) == {p.amr}
    # The cases are typed in as numbers (no dropdown of every case); ?case=<pk> prefills one.
    prefilled = mia.get("/protection/meetings/add/", {"case": own.pk}).context["form"]
    assert prefilled.initial["case_numbers"] == own.number
    assert mia.get("/protection/meetings/add/", {"case": 2**70}).status_code == 200
    data = {
        "kind": "consultation",
        "title": "侵犯注册商标专用权案会商",
        "held_on": "2026-03-12",
        "convened_by": p.amr.pk,
        "participants": [p.culture.pk, p.police.pk],
        "summary": "讨论了案件定性。",
        "decisions": "一、移送公安机关。\n二、文化执法大队协查。",
    }
    response = mia.post(
        "/protection/meetings/add/", {**data, "case_numbers": f"{own.number}, 无此案号 X-1"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "No case you may see has the number 无此案号, X-1." in text
    assert not Meeting.objects.filter(title=data["title"]).exists()
    response = mia.post(
        "/protection/meetings/add/",
        # summaries of every case are listed to mia; comma, 、 and space separated
        {**data, "case_numbers": f"{own.number}、 {foreign.number} {own.number}"},
    )
    assert response.status_code == 302, response.content[:500]
    meeting = Meeting.objects.get(title="侵犯注册商标专用权案会商")
    assert set(meeting.participants.all()) == {p.culture, p.police}
    assert set(meeting.cases.all()) == {own, foreign}
    # A unit that is not one's own cannot convene.
    response = mia.post(
        "/protection/meetings/add/",
        {"kind": "circular", "title": "x", "held_on": "2026-03-12", "convened_by": p.culture.pk},
    )
    assert response.status_code == 400 and not Meeting.objects.filter(title="x").exists()

    # Follow-up items: by the convener only.
    add = f"/protection/meetings/{meeting.pk}/follow-ups/"
    response = mia.post(
        add, {"text": "移送材料", "responsible": p.police.pk, "due_on": "2026-03-20"}
    )
    assert response.status_code == 302
    response = mia.post(add, {"text": "协查", "responsible": p.culture.pk, "due_on": "2099-01-01"})
    assert FollowUp.objects.filter(meeting=meeting).count() == 2
    assert _client(p.carl).post(add, {"text": "x", "responsible": p.culture.pk}).status_code == 403
    assert _client(p.leo).post(add, {"text": "x", "responsible": p.culture.pk}).status_code == 403
    assert _client(p.erin).post(add, {"text": "x", "responsible": p.culture.pk}).status_code == 404
    bad = mia.post(add, {"text": "x", "responsible": p.culture.pk, "due_on": "2026-01-01"})
    assert bad.status_code == 302 and FollowUp.objects.filter(text="x").count() == 0

    police_item = FollowUp.objects.get(text="移送材料")
    culture_item = FollowUp.objects.get(text="协查")
    assert coordination.is_overdue_follow_up(police_item)
    assert not coordination.is_overdue_follow_up(culture_item)
    page = mia.get(f"/protection/meetings/{meeting.pk}/")
    assert b"Overdue" in page.content

    # The police (responsible) records its item done; carl (culture) may not record the police's
    # item (outside his scope: 404), leo reads it but may not change it (403).
    done = f"/protection/follow-ups/{police_item.pk}/done/"
    assert _client(p.carl).post(done, {"done_on": "2026-03-18", "result": "x"}).status_code == 404
    assert _client(p.leo).post(done, {"done_on": "2026-03-18", "result": "x"}).status_code == 403
    assert _client(p.erin).post(done, {"done_on": "2026-03-18", "result": "x"}).status_code == 404
    response = _client(p.paul).post(done, {"done_on": "2026-03-18", "result": "已接收移送材料"})
    assert response.status_code == 302
    police_item.refresh_from_db()
    assert police_item.done_on == D(2026, 3, 18) and police_item.result == "已接收移送材料"
    assert not coordination.is_overdue_follow_up(police_item)
    # A future date is refused, nothing written.
    response = _client(p.carl).post(
        f"/protection/follow-ups/{culture_item.pk}/done/", {"done_on": "2099-01-01", "result": "x"}
    )
    culture_item.refresh_from_db()
    assert culture_item.done_on is None

    # Only the convener edits.
    assert _client(p.carl).get(f"/protection/meetings/{meeting.pk}/edit/").status_code == 403
    assert mia.get(f"/protection/meetings/{meeting.pk}/edit/").status_code == 200


def test_word_document_holds_the_decisions_and_follow_ups(pworld):
    p = pworld
    case = make_case(p.amr)
    meeting = make_meeting(
        p,
        kind="circular",
        title="关于侵权假冒案件查办情况的通报",
        cases=[case],
        summary="本季度共查办案件3件。",
        decisions="一、各成员单位加强线索移交。\n二、建立月度会商机制。",
    )
    FollowUp.objects.create(meeting=meeting, text="报送月度数据", responsible=p.amr, due_on=FAR)
    response = _client(p.mia).get(
        f"/protection/meetings/{meeting.pk}/document/", {"number": "通知识产权〔2026〕3号"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(par.text for par in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "关于侵权假冒案件查办情况的通报" in text
    assert "通知识产权〔2026〕3号" in text
    assert "一、各成员单位加强线索移交。" in text and "二、建立月度会商机制。" in text
    assert "本季度共查办案件3件。" in text
    assert "报送月度数据" in cells and p.amr.name in cells and case.number in cells
    assert p.world.office.name in text and "2026年3月10日" in text
    assert _client(p.erin).get(f"/protection/meetings/{meeting.pk}/document/").status_code == 404
    assert _client(p.leo).get(f"/protection/meetings/{meeting.pk}/document/").status_code == 200


def test_meetings_api(pworld, api):
    p = pworld
    case = make_case(p.amr)
    mia = api(p.mia)
    response = mia.post(
        "/api/protection/meetings/",
        {
            "kind": "consultation",
            "title": "会商",
            "held_on": "2026-03-12",
            "participants": [p.culture.pk],
            "cases": [case.pk],
            "decisions": "移送",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["convened_by"]["id"] == p.amr.pk and body["cases"][0]["id"] == case.pk
    meeting_id = body["id"]
    response = mia.post(
        "/api/protection/meetings/",
        {
            "kind": "circular",
            "title": "x",
            "held_on": "2026-03-12",
            "participants": [p.world.enterprise_a.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and "participants" in response.json()["errors"]
    # Ids beyond what a database column holds are refused (422), never a server error.
    for body in (
        {"participants": [2**70]},
        {"cases": [2**63]},
        {"convened_by": 2**64},
        {"participants": [0]},
        {"participants": list(range(1, 300))},
    ):
        response = mia.post(
            "/api/protection/meetings/",
            {"kind": "circular", "title": "x", "held_on": "2026-03-12", **body},
            content_type="application/json",
        )
        assert response.status_code == 422, (body, response.content[:200])
    assert mia.get("/api/protection/meetings/", {"convened_by": 2**70}).status_code == 422
    assert (
        api(p.leo)
        .post(
            "/api/protection/meetings/",
            {"kind": "circular", "title": "x", "held_on": "2026-03-12"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    assert api(p.erin).get("/api/protection/meetings/").status_code == 403
    assert api(p.erin).get(f"/api/protection/meetings/{meeting_id}/").status_code == 404
    assert api(p.leo).get(f"/api/protection/meetings/{meeting_id}/").status_code == 200
    assert api(p.carl).get("/api/protection/meetings/").json()["count"] == 1

    add = f"/api/protection/meetings/{meeting_id}/follow-ups/"
    payload = {"text": "协查", "responsible": p.culture.pk, "due_on": "2099-01-01"}
    assert api(p.carl).post(add, payload, content_type="application/json").status_code == 403
    assert api(p.leo).post(add, payload, content_type="application/json").status_code == 403
    response = mia.post(add, payload, content_type="application/json")
    assert response.status_code == 201 and response.json()["overdue"] is False
    item_id = response.json()["id"]
    done = f"/api/protection/follow-ups/{item_id}/done/"
    assert (
        api(p.leo).post(done, {"result": "x"}, content_type="application/json").status_code == 403
    )
    assert (
        api(p.erin).post(done, {"result": "x"}, content_type="application/json").status_code == 404
    )
    response = api(p.carl).post(
        done, {"done_on": "2026-03-15", "result": "已协查"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["done_on"] == "2026-03-15"
    assert api(p.carl).get("/api/protection/follow-ups/").json()["count"] == 1
    assert api(p.carl).get("/api/protection/follow-ups/", {"open": "true"}).json()["count"] == 0


def _meetings(p, n):
    for i in range(n):
        meeting = make_meeting(p, cases=[make_case(p.amr), make_case(p.culture)], title=f"会商{i}")
        FollowUp.objects.create(meeting=meeting, text="a", responsible=p.amr, due_on=D(2026, 1, 1))
        FollowUp.objects.create(meeting=meeting, text="b", responsible=p.police)


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
        assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def test_meeting_lists_have_a_flat_query_count(pworld, api):
    p = pworld
    _meetings(p, 3)
    mia, leo_api, paul_api = _client(p.mia), api(p.leo), api(p.paul)
    calls = [
        lambda: mia.get("/protection/meetings/"),
        lambda: leo_api.get("/api/protection/meetings/"),
        lambda: paul_api.get("/api/protection/follow-ups/"),
    ]
    for call in calls:
        call()
    before = [_count(f) for f in calls]
    _meetings(p, 10)
    assert [_count(f) for f in calls] == before
