"""Review fixes on leads: the office only routes, the referral restarts the clock, a case opened
from a lead carries its parties and rights, the reply to the complainant, bounded input, one
lead per submitted form, the reminders' transaction, the clock in words, and strangers."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from ipcity.core.models import Notification
from ipcity.protection import clocks, leads
from ipcity.protection.choices import LeadSource, LeadStatus, PartyRole
from ipcity.protection.models import Case, Lead, Mediation

from .conftest import make_lead
from .test_leads_actions import PDF, _isolated, pdf, public_fields  # noqa: F401

pytestmark = pytest.mark.django_db

FORM = "/public/protection/complaint/"
DONE = "/public/protection/complaint/done/"
ADD = "/protection/leads/add/"


def detail(lead):
    return f"/protection/leads/{lead.pk}/"


def action(lead, name):
    return f"/protection/leads/{lead.pk}/{name}/"


def _token(html: str) -> str:
    match = re.search(r'name="_once" value="([^"]+)"', html)
    assert match, "the form carries a once token"
    return match.group(1)


# --- 2. the district office only routes -------------------------------------------------------


def test_office_cannot_verify_decide_or_refer_a_routed_lead(pworld):
    p = pworld
    lead = make_lead(p.amr, respondent_name="某某商贸有限公司")
    assert leads.can_change(p.alice, lead)  # district scope: sees and may route
    for run in (
        lambda: leads.start_verification(p.alice, lead),
        lambda: leads.decide_not_open(p.alice, lead, "x"),
        lambda: leads.decide_open(p.alice, lead, title="案", right_type="trademark"),
        lambda: leads.pass_to_mediation(p.alice, lead, mediator=p.unit),
    ):
        with pytest.raises(PermissionDenied):
            run()
    assert leads.available_actions(p.alice, lead) == {"route", "attach"}
    # Routing again while nobody has started verifying: not a referral, the clock stays.
    due = lead.decision_due
    leads.route(p.alice, lead, p.culture)
    lead.refresh_from_db()
    assert lead.agency == p.culture and lead.status == LeadStatus.RECEIVED
    assert lead.referred_by is None and lead.decision_due == due
    # Once culture verifies it, the office no longer routes it.
    leads.start_verification(p.carl, lead)
    with pytest.raises(PermissionDenied):
        leads.route(p.alice, lead, p.amr)
    assert leads.available_actions(p.alice, lead) == set()
    assert Lead.objects.get(pk=lead.pk).agency == p.culture
    assert not Case.objects.exists() and not Mediation.objects.exists()


def test_office_on_routed_lead_through_pages(pworld, login):
    p = pworld
    lead = make_lead(p.amr)
    client = login(p.alice)
    text = client.get(detail(lead)).content.decode()
    assert action(lead, "route") in text
    for name in ("verify", "open_case", "not_open", "mediation", "refer"):
        assert action(lead, name) not in text
    # Not offered: back to the lead with a message, nothing changed.
    assert client.post(action(lead, "not_open"), {"reason": "x"}).status_code == 302
    assert client.post(action(lead, "verify")).status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.RECEIVED
    leads.start_verification(p.mia, lead)
    assert client.get(action(lead, "route")).status_code == 403
    assert client.post(action(lead, "not_open"), {"reason": "x"}).status_code == 403


def test_office_on_routed_lead_through_api(pworld, api):
    p = pworld
    lead = make_lead(p.amr)
    decide = f"/api/protection/leads/{lead.pk}/decide/"
    response = api(p.alice).post(
        decide, {"decision": "not_open", "reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    leads.start_verification(p.mia, lead)
    response = api(p.alice).post(
        f"/api/protection/leads/{lead.pk}/route/",
        {"agency": p.culture.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Lead.objects.get(pk=lead.pk).agency == p.amr


@pytest.fixture
def api(db):
    from ipcity.accounts.models import APIToken

    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


# --- 3. a referral restarts the clock ---------------------------------------------------------


def test_referral_restarts_decision_clock(pworld):
    p = pworld
    lead = make_lead(p.amr, received_on=datetime.date(2026, 9, 1))
    referred_on = datetime.date(2026, 9, 28)
    leads.route(p.mia, lead, p.culture, "属文化市场执法", on=referred_on)
    lead.refresh_from_db()
    assert lead.referred_by == p.amr and lead.status == LeadStatus.REFERRED
    assert lead.decision_due == clocks.due("lead_decision", referred_on)
    assert lead.decision_due == datetime.date(2026, 10, 23)
    # Default: the referral date is today.
    other = make_lead(p.amr)
    leads.route(p.mia, other, p.culture, "文化")
    other.refresh_from_db()
    assert other.decision_due == clocks.due("lead_decision", timezone.localdate())


# --- 4. the case opened from a lead carries the lead ------------------------------------------


def test_decide_open_copies_parties_rights_and_conduct(pworld):
    p = pworld
    lead = make_lead(
        p.amr,
        complainant_name="示例甲科技有限公司",
        complainant_uscc="91110000MA0000000X",
        respondent_name="某某商贸有限公司",
        respondent_address="通州区某路1号",
        right_numbers="12345678， 87654321,12345678",
        description="在店内销售假冒注册商标的商品",
    )
    case = leads.decide_open(p.mia, lead, title="假冒商标案", right_type="trademark")
    case.refresh_from_db()
    assert case.conduct == "在店内销售假冒注册商标的商品"
    parties = {party.role: party for party in case.parties.all()}
    assert set(parties) == {PartyRole.COMPLAINANT, PartyRole.RESPONDENT}
    assert parties[PartyRole.COMPLAINANT].name == "示例甲科技有限公司"
    assert parties[PartyRole.RESPONDENT].address == "通州区某路1号"
    numbers = sorted(r.number for r in case.rights.all())
    assert len(numbers) == 2 and all(r.check_notes is not None for r in case.rights.all())
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CASE_OPENED
    assert lead.public_reply == leads.standard_reply(LeadStatus.CASE_OPENED)


def test_decide_open_is_one_transaction(pworld, monkeypatch):
    from ipcity.protection import cases

    p = pworld
    lead = make_lead(p.amr, right_numbers="12345678")

    def broken(*args, **kwargs):
        raise ValidationError({"number": ["broken"]})

    monkeypatch.setattr(cases, "add_right", broken)
    with pytest.raises(ValidationError):
        leads.decide_open(p.mia, lead, title="案", right_type="trademark")
    assert not Case.objects.exists()
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.RECEIVED


# --- 1. the reply to the complainant ----------------------------------------------------------


def test_deciding_forms_offer_the_reply(pworld, login):
    p = pworld
    lead = make_lead(p.amr)
    client = login(p.mia)
    page = client.get(action(lead, "not_open")).content.decode()
    assert "Reply to the complainant" in page
    assert str(leads.standard_reply(LeadStatus.NOT_OPENED)) in page
    response = client.post(
        action(lead, "not_open"), {"reason": "内部：证据不足", "public_reply": "经核查不予立案。"}
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.public_reply == "经核查不予立案。" and lead.decision_reason == "内部：证据不足"
    # Cleared by the officer: the neutral sentence stands in.
    other = make_lead(p.amr, respondent_name="某某商贸有限公司")
    client.post(action(other, "mediation"), {"mediator": p.unit.pk, "public_reply": ""})
    other.refresh_from_db()
    assert other.public_reply == leads.standard_reply(LeadStatus.MEDIATION)
    assert (
        "Reply to the complainant"
        in client.get(action(make_lead(p.amr), "open_case")).content.decode()
    )


# --- 5. bounded input -------------------------------------------------------------------------


def test_description_is_bounded(pworld):
    client = Client()
    client.get(FORM)
    data = public_fields(description="x" * 5001)
    response = client.post(FORM, data)
    assert response.status_code == 400 and "at most 5000" in response.content.decode().lower()
    data = public_fields(respondent_address="x" * 301)
    assert client.post(FORM, data).status_code == 400
    with pytest.raises(ValidationError) as info:
        leads.create_lead(None, source=LeadSource.PUBLIC, **public_fields(description="x" * 5001))
    assert "description" in info.value.message_dict
    assert not Lead.objects.exists()


def test_api_description_is_bounded(pworld, api):
    p = pworld
    body = {
        "source": "inspection",
        "agency": p.amr.pk,
        "complainant_name": "执法检查",
        "right_type": "trademark",
        "description": "x" * 5001,
    }
    url = "/api/protection/leads/"
    assert api(p.mia).post(url, body, content_type="application/json").status_code == 422
    body["description"] = "x" * 5000
    assert api(p.mia).post(url, body, content_type="application/json").status_code == 201


# --- 6. submit once ---------------------------------------------------------------------------


def test_public_complaint_sent_twice_records_one_lead(pworld):
    client = Client()
    token = _token(client.get(FORM).content.decode())
    data = {**public_fields(), "_once": token}
    first = client.post(FORM, data)
    assert first.status_code == 302 and first["Location"] == DONE
    second = client.post(FORM, data)
    assert second.status_code == 302 and second["Location"] == DONE
    assert Lead.objects.count() == 1
    assert Lead.objects.get().tracking_code in client.get(DONE).content.decode()


def test_staff_lead_sent_twice_records_one_lead(pworld, login):
    p = pworld
    client = login(p.mia)
    token = _token(client.get(ADD).content.decode())
    data = {
        "source": "inspection",
        "received_on": "2026-09-28",
        "agency": p.amr.pk,
        "complainant_name": "执法检查",
        "right_type": "trademark",
        "description": "日常检查发现",
        "_once": token,
    }
    first = client.post(ADD, data)
    assert first.status_code == 302
    second = client.post(ADD, data)
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Lead.objects.count() == 1
    # A refused form frees its token: corrected, it is sent.
    token = _token(client.get(ADD).content.decode())
    assert client.post(ADD, {**data, "description": "", "_once": token}).status_code == 400
    assert client.post(ADD, {**data, "_once": token}).status_code == 302
    assert Lead.objects.count() == 2


def test_open_case_sent_twice_opens_one_case(pworld, login):
    p = pworld
    lead = make_lead(p.amr)
    client = login(p.mia)
    token = _token(client.get(action(lead, "open_case")).content.decode())
    data = {"title": "假冒商标案", "right_type": "trademark", "_once": token}
    first = client.post(action(lead, "open_case"), data)
    case = Case.objects.get(lead=lead)
    assert first.status_code == 302 and first["Location"] == f"/protection/cases/{case.pk}/"
    second = client.post(action(lead, "open_case"), data)
    # The repeat lands where the first did: the new case.
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Case.objects.filter(lead=lead).count() == 1


# --- 7. files and an outer transaction --------------------------------------------------------


def test_outer_rollback_leaves_files_to_the_caller(pworld, settings):
    from django.core.files.storage import default_storage
    from django.db import transaction

    stored = []
    with pytest.raises(RuntimeError), transaction.atomic():
        lead = leads.create_lead(
            None, source=LeadSource.PUBLIC, attachments=[pdf()], **public_fields()
        )
        stored = list(lead.stored_files)
        assert stored and all(default_storage.exists(n) for n in stored)
        try:
            raise RuntimeError("outer failure")
        except RuntimeError:
            leads.remove_stored_files(lead)
            raise
    assert not Lead.objects.exists()
    assert not any(default_storage.exists(n) for n in stored)


# --- 8/9. reminders in one transaction, the clock in words ------------------------------------


def test_reminder_marked_and_sent_together(pworld, monkeypatch):
    from ipcity.core import notifications

    p = pworld
    received = datetime.date(2026, 9, 28)
    lead = make_lead(p.amr, received_on=received, decision_due=datetime.date(2026, 10, 16))
    calls = {"n": 0}
    real = notifications.notify

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("mail server down")
        return real(*args, **kwargs)

    monkeypatch.setattr(notifications, "notify", crash_on_second)
    with pytest.raises(RuntimeError):
        leads.send_deadline_reminders(datetime.date(2026, 10, 20))
    # Rolled back together: no notification kept, no mark.
    assert not Notification.objects.exists()
    assert Lead.objects.get(pk=lead.pk).reminders_sent == {}
    monkeypatch.setattr(notifications, "notify", real)
    sent = leads.send_deadline_reminders(datetime.date(2026, 10, 20))
    assert sent == Notification.objects.count() > 0
    assert leads.send_deadline_reminders(datetime.date(2026, 10, 20)) == 0
    note = Notification.objects.filter(user=p.mia).first()
    clock = clocks.get("lead_decision")
    assert f"{clock.amount} working days" in note.body


def test_clock_text_comes_from_clocks(pworld, monkeypatch):
    from ipcity.protection.clocks import Clock

    monkeypatch.setattr(
        clocks,
        "get",
        lambda code: Clock(code, 20, "workdays", "x", ""),
    )
    assert leads.clock_text() == "20 working days"
    client = Client()
    token = _token(client.get(FORM).content.decode())
    client.post(FORM, {**public_fields(), "_once": token})
    assert "within 20 working days" in client.get(DONE).content.decode()


# --- 10. an upload is checked once ------------------------------------------------------------


def test_upload_checked_once(pworld, login, monkeypatch):
    from ipcity.core import uploads
    from ipcity.protection.forms import leads as lead_forms

    p = pworld
    calls = {"n": 0}
    real = uploads.check_upload

    def counting(*args, **kwargs):
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(lead_forms, "check_upload", counting)
    monkeypatch.setattr(uploads, "check_upload", counting)
    client = login(p.mia)
    data = {
        "source": "inspection",
        "received_on": "2026-09-28",
        "agency": p.amr.pk,
        "complainant_name": "执法检查",
        "right_type": "trademark",
        "description": "日常检查发现",
        "attachments": [pdf()],
    }
    assert client.post(ADD, data).status_code == 302
    assert calls["n"] == 1
    lead = Lead.objects.get()
    response = client.post(f"/protection/leads/{lead.pk}/attachments/", {"file": pdf("b.pdf")})
    assert response.status_code == 302 and lead.attachments.count() == 2
    assert calls["n"] == 2
    assert lead.attachments.order_by("pk").last().file.read() == PDF


# --- 11/12. empty POST, strangers -------------------------------------------------------------


def test_lead_add_empty_post_shows_errors(pworld, login):
    response = login(pworld.mia).post(ADD, {})
    assert response.status_code == 400
    text = response.content.decode()
    assert "This field is required." in text
    assert not Lead.objects.exists()


@pytest.mark.parametrize("who", ["erin", "charlie", "carl"])
def test_strangers_get_nothing(pworld, login, who):
    p = pworld
    lead = make_lead(p.amr)
    client = login(getattr(p, who))
    # Out of scope (or no lead permission at all): the lead does not exist for them.
    assert client.get(f"/protection/leads/{lead.pk}/history/").status_code == 404
    for name in ("verify", "not_open", "open_case", "refer", "route"):
        assert client.get(action(lead, name)).status_code == 404
    assert client.post(action(lead, "not_open"), {"reason": "x"}).status_code == 404
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.RECEIVED
