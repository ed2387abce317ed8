"""Service request pages with personas: who sees which requests (list, detail, 404/403), the
action forms, query counts of the list, the export, the signed-in submit page and the public
form and status page."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.utils import timezone
from openpyxl import load_workbook

from ipcity.protection.models import Lead
from ipcity.services import requests as actions
from ipcity.services.choices import RequestStatus, ServiceKind
from ipcity.services.models import ServiceRequest

from .builders_requests import PHONE, ask, exe, make_enforcement_agency, make_request, pdf

pytestmark = pytest.mark.django_db

LIST = "/services/requests/"


def detail(req):
    return f"/services/requests/{req.pk}/"


def action(req, name):
    return f"/services/requests/{req.pk}/{name}/"


@pytest.fixture
def rows(sworld):
    s = sworld
    today = timezone.localdate()
    return {
        "a_center": make_request(s.enterprise_a, point=s.center),
        "a_hall": make_request(
            s.enterprise_a, point=s.hall, assigned_on=today - datetime.timedelta(days=30)
        ),
        "b_center": make_request(s.enterprise_b, point=s.center),
        "a_open": make_request(s.enterprise_a),
        "public": make_request(None),
    }


def codes(response) -> set[str]:
    text = response.content.decode()
    return {r.tracking_code for r in ServiceRequest.objects.all() if r.tracking_code in text}


def test_list_scope_per_persona(sworld, rows, login):
    s = sworld
    code = {k: v.tracking_code for k, v in rows.items()}
    assert codes(login(s.erin).get(LIST)) == {code["a_center"], code["a_hall"], code["a_open"]}
    assert codes(login(s.charlie).get(LIST)) == {code["b_center"]}
    assert codes(login(s.sam).get(LIST)) == {code["a_center"], code["b_center"]}
    assert codes(login(s.hal).get(LIST)) == {code["a_hall"]}
    assert codes(login(s.stan).get(LIST)) == set()
    assert codes(login(s.alice).get(LIST)) == set(code.values())
    assert codes(login(s.leo).get(LIST)) == set(code.values())
    assert login(s.bob).get(LIST).status_code == 403


def test_list_filters_overdue_and_service_point(sworld, rows, login):
    s = sworld
    page = login(s.alice).get(LIST, {"overdue": "true"})
    assert codes(page) == {rows["a_hall"].tracking_code}
    assert 'data-deadline="overdue"' in page.content.decode()
    assert codes(login(s.alice).get(LIST, {"service_point": s.hall.pk})) == {
        rows["a_hall"].tracking_code
    }
    assert codes(login(s.alice).get(LIST, {"status": "submitted"})) == {
        rows["a_open"].tracking_code,
        rows["public"].tracking_code,
    }


def test_detail_scope(sworld, rows, login):
    s = sworld
    a = rows["a_center"]
    assert login(s.erin).get(detail(a)).status_code == 200
    assert login(s.charlie).get(detail(a)).status_code == 404
    assert login(s.sam).get(detail(a)).status_code == 200
    assert login(s.hal).get(detail(a)).status_code == 404  # routed to the centre, not the hall
    assert login(s.stan).get(detail(a)).status_code == 404
    assert login(s.leo).get(detail(a)).status_code == 200
    assert login(s.alice).get(detail(a)).status_code == 200
    assert login(s.alice).get(f"{detail(a)}history/").status_code == 200


def test_leader_reads_but_cannot_act(sworld, rows, login):
    s = sworld
    a = rows["a_center"]
    page = login(s.leo).get(detail(a))
    assert 'data-action="' not in page.content.decode()
    for name in ("assign", "start", "answer", "rate", "close"):
        assert login(s.leo).get(action(a, name)).status_code == 403
        assert login(s.leo).post(action(a, name), {"text": "x"}).status_code == 403
    assert login(s.charlie).get(action(a, "withdraw")).status_code == 404


def test_action_pages_route_answer_rate(sworld, login):
    s = sworld
    req = ask(s.erin)
    page = login(s.alice).get(action(req, "assign"))
    text = page.content.decode()
    assert s.hall.organization.name in text and s.center.organization.name in text
    assert s.bank.organization.name not in text  # no consultation at the bank
    assert login(s.alice).post(action(req, "assign"), {"point": s.bank.pk}).status_code == 400
    response = login(s.alice).post(action(req, "assign"), {"point": s.hall.pk})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.service_point == s.hall
    assert login(s.sam).get(action(req, "answer")).status_code == 404
    assert login(s.erin).get(action(req, "answer")).status_code == 302  # not open to erin
    assert login(s.hal).post(action(req, "answer"), {"text": "答复内容"}).status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.ANSWERED
    page = login(s.erin).get(detail(req))
    assert "答复内容" in page.content.decode() and 'data-action="rate"' in page.content.decode()
    assert login(s.erin).post(action(req, "rate"), {"rating": "9"}).status_code == 400
    assert login(s.erin).post(action(req, "rate"), {"rating": "5"}).status_code == 302
    req.refresh_from_db()
    assert req.rating == 5 and req.status == RequestStatus.CLOSED


def test_hand_over_page_and_lead_link(sworld, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    s = sworld
    make_enforcement_agency(s.unit)
    req = ask(s.erin, kind=ServiceKind.RIGHTS_PROTECTION, preferred_point=s.center)
    assert 'data-action="hand_over"' not in login(s.sam).get(detail(req)).content.decode()
    assert login(s.sam).get(action(req, "hand_over")).status_code == 302  # not open to sam
    response = login(s.alice).post(
        action(req, "hand_over"), {"agency": s.unit.pk, "right_type": "patent"}
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    text = login(s.alice).get(detail(req)).content.decode()
    assert f"/protection/leads/{lead.pk}/" in text
    text = login(s.erin).get(detail(req)).content.decode()
    assert lead.tracking_code in text and f"/protection/leads/{lead.pk}/" not in text


def test_list_query_count_does_not_grow(sworld, login, django_assert_max_num_queries):
    s = sworld
    client = login(s.alice)
    for _ in range(3):
        make_request(s.enterprise_a, point=s.hall)
    client.get(LIST)
    with django_assert_max_num_queries(14):
        assert client.get(LIST).status_code == 200
    for _ in range(10):
        make_request(s.enterprise_b, point=s.center)
    with django_assert_max_num_queries(14):
        assert client.get(LIST).status_code == 200


def test_export_xlsx(sworld, rows, login):
    s = sworld
    response = login(s.erin).get(LIST, {"export": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert rows["a_center"].tracking_code in values
    assert rows["b_center"].tracking_code not in values


def test_submit_page_for_signed_in_enterprise(sworld, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    s = sworld
    client = login(s.erin)
    assert client.get("/services/requests/add/").status_code == 200
    data = {
        "kind": "consultation",
        "subject": "咨询",
        "description": "说明",
        "contact_phone": PHONE,
        "preferred_point": s.hall.pk,
        "_once": "tok-1",
    }
    response = client.post("/services/requests/add/", {**data, "attachments": [exe()]})
    assert response.status_code == 400 and not ServiceRequest.objects.exists()
    response = client.post("/services/requests/add/", {**data, "_once": "tok-2"})
    assert response.status_code == 302
    again = client.post("/services/requests/add/", {**data, "_once": "tok-2"})
    assert again.status_code == 302
    req = ServiceRequest.objects.get()
    assert req.requester == s.enterprise_a and req.service_point == s.hall
    assert login(s.leo).get("/services/requests/add/").status_code == 403
    assert login(s.hal).get("/services/requests/add/").status_code == 403


def test_public_form_and_status_page(sworld, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    s = sworld
    assert client.get("/public/requests/new/").status_code == 200
    data = {
        "requester_name": "李四",
        "kind": "consultation",
        "subject": "咨询商标注册",
        "description": "如何注册商标？",
        "contact_phone": "",
        "contact_email": "",
    }
    assert client.post("/public/requests/new/", data).status_code == 400
    assert (
        client.post(
            "/public/requests/new/", {**data, "contact_phone": PHONE, "website": "x"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/public/requests/new/", {**data, "contact_phone": PHONE, "attachments": [exe()]}
        ).status_code
        == 400
    )
    assert not ServiceRequest.objects.exists()
    response = client.post(
        "/public/requests/new/", {**data, "contact_phone": PHONE, "attachments": [pdf()]}
    )
    assert response.status_code == 302
    req = ServiceRequest.objects.get()
    done = client.get("/public/requests/new/done/")
    assert req.tracking_code in done.content.decode()
    status = "/public/requests/status/"
    assert (
        client.post(status, {"code": req.tracking_code, "contact": "13900000000"}).status_code
        == 404
    )
    page = client.post(status, {"code": req.tracking_code, "contact": PHONE})
    assert page.status_code == 200
    actions.assign(s.alice, req, s.hall)
    actions.add_note(s.hal, req, "内部备注不可见", public=False)
    actions.answer(s.hal, req, "公开答复")
    text = client.post(status, {"code": req.tracking_code, "contact": PHONE}).content.decode()
    assert "公开答复" in text and "内部备注不可见" not in text and 'data-testid="rate-form"' in text
    bad = client.post(
        status, {"code": req.tracking_code, "contact": "13900000000", "do": "rate", "rating": "5"}
    )
    assert bad.status_code == 404
    req.refresh_from_db()
    assert req.rating is None
    page = client.post(
        status, {"code": req.tracking_code, "contact": PHONE, "do": "rate", "rating": "5"}
    )
    assert page.status_code == 200 and 'data-testid="rated"' in page.content.decode()
    req.refresh_from_db()
    assert req.rating == 5 and req.status == RequestStatus.CLOSED


def test_public_status_shows_the_lead_after_hand_over(sworld, client):
    cache.clear()
    s = sworld
    req = ask(None, kind=ServiceKind.RIGHTS_PROTECTION)
    lead = actions.hand_over(s.alice, req)
    text = client.post(
        "/public/requests/status/", {"code": req.tracking_code, "contact": PHONE}
    ).content.decode()
    assert lead.tracking_code in text and "/public/protection/status/" in text


def test_public_form_is_rate_limited(sworld, client, settings):
    cache.clear()
    settings.IPCITY_PUBLIC_FORM_RATE = 1
    data = {
        "requester_name": "李四",
        "kind": "consultation",
        "subject": "咨询",
        "description": "说明",
        "contact_phone": PHONE,
    }
    assert client.post("/public/requests/new/", data).status_code == 302
    response = client.post("/public/requests/new/", data)
    assert response.status_code == 429
    assert ServiceRequest.objects.count() == 1
    cache.clear()


def test_internal_notes_stay_with_staff(sworld, login):
    s = sworld
    req = ask(s.erin, preferred_point=s.hall)
    actions.add_note(s.hal, req, "内部：企业材料不全", public=False)
    actions.add_note(s.hal, req, "请补充专利证书复印件", public=True)
    text = login(s.erin).get(detail(req)).content.decode()
    assert "请补充专利证书复印件" in text and "内部：企业材料不全" not in text
    body = login(s.erin).get(f"/api/services/requests/{req.pk}/").json()
    assert [e["note"] for e in body["events"] if e["kind"] == "note"] == ["请补充专利证书复印件"]
    for staff in (s.hal, s.alice, s.leo):
        assert "内部：企业材料不全" in login(staff).get(detail(req)).content.decode()
