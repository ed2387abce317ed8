"""Lead pages with personas: list (filters, deadline badges, query count), detail with the
decision panel, the action forms, attachments, history and the xlsx/csv export.

alice (office) routes; mia decides for amr; carl (culture) is a stranger to amr's leads (404);
paul (police) reads the police unit's leads only (403 on changes); leo (leader) holds no lead
permission."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from ipcity.protection.choices import LeadStatus
from ipcity.protection.models import Case, Lead, Mediation

from .conftest import make_lead
from .test_leads_actions import EXE, _isolated, pdf  # noqa: F401

pytestmark = pytest.mark.django_db

LIST = "/protection/leads/"


def detail(lead):
    return f"/protection/leads/{lead.pk}/"


def action(lead, name):
    return f"/protection/leads/{lead.pk}/{name}/"


def test_list_personas_filters_and_badges(pworld, login):
    p = pworld
    today = timezone.localdate()
    late = make_lead(p.amr, decision_due=today - datetime.timedelta(days=10))
    fresh = make_lead(p.amr, decision_due=today + datetime.timedelta(days=60))
    other = make_lead(p.culture)
    unrouted = make_lead(None)
    page = login(p.mia).get(LIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert late.tracking_code in text and fresh.tracking_code in text
    assert other.tracking_code not in text and unrouted.tracking_code not in text
    assert 'data-deadline="overdue"' in text
    page = login(p.mia).get(LIST, {"overdue": "true"})
    assert late.tracking_code in page.content.decode()
    assert fresh.tracking_code not in page.content.decode()
    text = login(p.alice).get(LIST).content.decode()
    assert all(x.tracking_code in text for x in (late, fresh, other, unrouted))
    text = login(p.alice).get(LIST, {"agency": p.culture.pk}).content.decode()
    assert other.tracking_code in text and late.tracking_code not in text
    assert login(p.leo).get(LIST).status_code == 403
    assert login(p.erin).get(LIST).status_code == 403


def test_list_query_count_does_not_grow(pworld, login):
    p = pworld
    client = login(p.alice)
    today = timezone.localdate()

    def build(n, start):
        for i in range(n):
            make_lead(
                [p.amr, p.culture, None][i % 3],
                decision_due=today + datetime.timedelta(days=start + i * 2),
            )

    build(3, -20)
    client.get(LIST)
    with CaptureQueriesContext(connection) as small:
        assert client.get(LIST).status_code == 200
    build(10, -9)  # overdue, due soon and later: a badge each
    with CaptureQueriesContext(connection) as large:
        assert client.get(LIST).status_code == 200
    assert len(large) == len(small)


def test_detail_personas_and_panel(pworld, login):
    p = pworld
    lead = make_lead(p.amr, respondent_name="某某商贸有限公司", complainant_phone="13800001234")
    page = login(p.mia).get(detail(lead))
    assert page.status_code == 200
    text = page.content.decode()
    for name in ("verify", "open_case", "not_open", "mediation", "refer"):
        assert action(lead, name) in text
    assert "13800001234" in text
    assert login(p.carl).get(detail(lead)).status_code == 404
    assert login(p.leo).get(detail(lead)).status_code == 404
    assert login(p.mia).get(f"/protection/leads/{lead.pk}/history/").status_code == 200
    # alice sees everything, and routes only unrouted leads.
    unrouted = make_lead(None)
    text = login(p.alice).get(detail(unrouted)).content.decode()
    assert action(unrouted, "route") in text and action(unrouted, "open_case") not in text


def test_read_only_persona_gets_403(pworld, login):
    p = pworld
    lead = make_lead(p.police)
    client = login(p.paul)
    page = client.get(detail(lead))
    assert page.status_code == 200 and 'data-testid="actions"' in page.content.decode()
    assert action(lead, "not_open") not in page.content.decode()
    assert client.get(action(lead, "not_open")).status_code == 403
    assert client.post(action(lead, "not_open"), {"reason": "x"}).status_code == 403
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.RECEIVED


def test_route_and_decide_through_pages(pworld, login):
    p = pworld
    lead = make_lead(None)
    assert login(p.mia).post(action(lead, "route"), {"agency": p.amr.pk}).status_code == 404
    response = login(p.alice).post(action(lead, "route"), {"agency": p.amr.pk})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.agency == p.amr
    client = login(p.mia)
    assert client.post(action(lead, "verify")).status_code == 302
    assert client.post(action(lead, "not_open"), {"reason": ""}).status_code == 400
    response = client.post(
        action(lead, "open_case"), {"title": "假冒商标案", "right_type": "trademark"}
    )
    assert response.status_code == 302
    case = Case.objects.get(lead=lead)
    assert response["Location"] == f"/protection/cases/{case.pk}/"  # on to the new case
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CASE_OPENED and lead.decided_by == p.mia
    text = client.get(detail(lead)).content.decode()
    assert case.number in text
    # A decided lead offers no decision any more.
    response = client.post(action(lead, "not_open"), {"reason": "x"})
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CASE_OPENED
    assert login(p.carl).post(action(lead, "not_open"), {"reason": "x"}).status_code == 404


def test_refer_and_mediation_pages(pworld, login):
    p = pworld
    lead = make_lead(p.amr, respondent_name="某某商贸有限公司")
    client = login(p.mia)
    assert client.post(action(lead, "refer"), {"agency": p.culture.pk}).status_code == 400
    response = client.post(action(lead, "refer"), {"agency": p.culture.pk, "note": "文化"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.REFERRED and lead.referred_by == p.amr
    assert client.get(action(lead, "verify")).status_code == 403  # referred away
    second = make_lead(p.amr, respondent_name="某某商贸有限公司")
    response = client.post(action(second, "mediation"), {"mediator": p.unit.pk, "note": "调解"})
    assert response.status_code == 302
    assert Mediation.objects.get(lead=second).mediator == p.unit


def test_add_form(pworld, login):
    p = pworld
    client = login(p.mia)
    assert client.get("/protection/leads/add/").status_code == 200
    data = {
        "source": "inspection",
        "received_on": "2026-09-28",
        "agency": p.amr.pk,
        "complainant_name": "执法检查",
        "right_type": "trademark",
        "description": "日常检查发现",
        "attachments": [pdf()],
    }
    response = client.post("/protection/leads/add/", data)
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.decision_due == datetime.date(2026, 10, 23) and lead.attachments.count() == 1
    bad = {**data, "attachments": [pdf("x.pdf", EXE)]}
    assert client.post("/protection/leads/add/", bad).status_code == 400
    culture = {**data, "agency": p.culture.pk}
    assert client.post("/protection/leads/add/", culture).status_code == 400
    assert Lead.objects.count() == 1
    assert login(p.leo).get("/protection/leads/add/").status_code == 403


def test_attachments_upload_and_download(pworld, login):
    p = pworld
    lead = make_lead(p.amr)
    client = login(p.mia)
    url = f"/protection/leads/{lead.pk}/attachments/"
    assert client.post(url, {"file": pdf("证据.pdf")}).status_code == 302
    assert client.post(url, {"file": pdf("bad.pdf", EXE)}).status_code == 302
    attachment = lead.attachments.get()
    download = f"/protection/leads/attachments/{attachment.pk}/"
    response = client.get(download)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert login(p.carl).get(download).status_code == 404
    assert login(p.carl).post(url, {"file": pdf()}).status_code == 404
    assert login(p.alice).get(download).status_code == 200


def test_export_xlsx_and_csv(pworld, login):
    p = pworld
    make_lead(p.amr, complainant_name="=HYPERLINK(1)", tracking_code="EXPORT0001")
    make_lead(p.culture, tracking_code="EXPORT0002")
    response = login(p.mia).get(LIST, {"export": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.values)
    assert rows[0][0] == "tracking code" and "handling agency" in rows[0]
    assert [r[0] for r in rows[1:]] == ["EXPORT0001"]
    assert rows[1][rows[0].index("complainant")] == "'=HYPERLINK(1)"
    response = login(p.alice).get(LIST, {"export": "csv", "agency": p.culture.pk})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "EXPORT0002" in text and "EXPORT0001" not in text


def test_intake_notes_are_optional(pworld, login, monkeypatch):
    import sys
    import types

    p = pworld
    lead = make_lead(p.amr, right_numbers="12345678, 87654321")

    def check_right(right_type, number, holder_name="", holder_uscc=""):
        found = number == "12345678"
        return {"found": found, "notes": [] if found else ["Not in the registry."]}

    try:  # the cases area's module, when present; else a stand-in
        import ipcity.protection.intake as intake

        monkeypatch.setattr(intake, "check_right", check_right)
    except ImportError:
        fake = types.ModuleType("ipcity.protection.intake")
        fake.check_right = check_right
        monkeypatch.setitem(sys.modules, "ipcity.protection.intake", fake)
    text = login(p.mia).get(detail(lead)).content.decode()
    assert "87654321" in text and "Not in the registry." in text
