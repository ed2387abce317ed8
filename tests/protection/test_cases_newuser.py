"""Fixes after a new user's test of the demo: the hearing time before a penalty (行政处罚法第六十四
条), the party's kind guessed from its name, the notice of a transfer on the case page, and the
transfer's documents (order 310 art. 6) before sending."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from ipcity.protection import cases, clocks, transfers
from ipcity.protection.choices import DecisionKind, Offence, PartyKind, TransferStatus

from .test_cases_flow import _staffed
from .test_transfers_builders import D

pytestmark = pytest.mark.django_db

NOTICE = datetime.date(2026, 4, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _noticed(p, hearing_requested=False):
    case = _staffed(p)
    cases.investigate(p.mia, case)
    cases.serve_notice(p.mia, case, notice_on=NOTICE, hearing_requested=hearing_requested)
    return case


def _decide(p, case, day, **extra):
    return cases.decide(
        p.mia,
        case,
        decision_kind=DecisionKind.PENALTY,
        decided_on=day,
        decision_number="京通市监处罚〔2026〕9号",
        fine="3000",
        **extra,
    )


def test_clock_hearing_request_is_data():
    clock = clocks.get("hearing_request")
    assert (clock.amount, clock.unit) == (5, "days")
    assert "第六十四条" in clock.source
    assert clocks.due("hearing_request", NOTICE) == datetime.date(2026, 4, 6)


def test_penalty_waits_for_the_hearing_time(pworld):
    p = pworld
    case = _noticed(p)
    earliest = clocks.due("hearing_request", NOTICE)
    for day in (NOTICE, earliest - datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as err:
            _decide(p, case, day)
        assert earliest.isoformat() in str(err.value)
        assert "waived" in str(err.value)
    case.refresh_from_db()
    assert case.decided_on is None
    case = _decide(p, case, earliest)
    assert case.decided_on == earliest and not case.hearing_waived


def test_waived_hearing_allows_deciding_on_the_notice_day(pworld):
    p = pworld
    case = _decide(p, _noticed(p), NOTICE, waived_hearing=True)
    assert case.decided_on == NOTICE and case.hearing_waived
    event = case.events.filter(to_status="decided").get()
    assert "waived its statement and hearing" in event.note


def test_requested_hearing_needs_a_day_after_the_notice(pworld):
    p = pworld
    case = _noticed(p, hearing_requested=True)
    with pytest.raises(ValidationError) as err:
        _decide(p, case, NOTICE)
    assert "2026-04-02" in str(err.value)
    case = _decide(p, case, NOTICE + datetime.timedelta(days=1))
    assert case.decided_on == datetime.date(2026, 4, 2)


def test_decision_form_has_the_waiver(pworld, login):
    p = pworld
    case = _noticed(p)
    url = reverse("protection:case_action", args=[case.pk, "decide"])
    data = {
        "decide-decision_kind": "penalty",
        "decide-decided_on": NOTICE.isoformat(),
        "decide-decision_number": "N9",
        "decide-fine": "100",
    }
    response = login(p.mia).post(url, data)
    assert response.status_code == 400
    assert clocks.due("hearing_request", NOTICE).isoformat() in response.content.decode()
    response = login(p.mia).post(url, {**data, "decide-waived_hearing": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.hearing_waived and case.decided_on == NOTICE


# -- the party's kind ----------------------------------------------------------------------------


def test_party_kind_is_guessed(pworld):
    p = pworld
    case = _staffed(p)
    company = cases.add_party(p.mia, case, role="respondent", name="某某商贸有限公司")
    person = cases.add_party(p.mia, case, role="respondent", name="张三")
    coded = cases.add_party(p.mia, case, role="other", name="王五", uscc="91110112MA01ABCD3X")
    stated = cases.add_party(p.mia, case, role="respondent", name="李四", kind="organization")
    assert company.kind == PartyKind.ORGANIZATION
    assert person.kind == PartyKind.PERSON
    assert coded.kind == PartyKind.ORGANIZATION
    assert stated.kind == PartyKind.ORGANIZATION


def test_party_form_leaves_the_kind_to_the_guess(pworld, login):
    p = pworld
    case = _staffed(p)
    page = login(p.mia).get(case.get_absolute_url())
    form = next(a["form"] for a in page.context["actions"] if a["name"] == "add_party")
    assert form.fields["kind"].initial in (None, "") and not form.fields["kind"].required
    url = reverse("protection:case_action", args=[case.pk, "add_party"])
    for name in ("某某商贸有限公司", "张三"):
        response = login(p.mia).post(
            url, {"add_party-role": "respondent", "add_party-kind": "", "add_party-name": name}
        )
        assert response.status_code == 302
    kinds = dict(case.parties.values_list("name", "kind"))
    assert kinds == {"某某商贸有限公司": "organization", "张三": "person"}


# -- the transfer on the case page ---------------------------------------------------------------


def _over(p):
    case = _staffed(p, opened=D(2026, 3, 2))
    cases.add_party(p.mia, case, role="respondent", name="示例商贸有限公司")
    cases.update_case(
        p.mia,
        case,
        conduct_date=D(2025, 6, 1),
        offence=Offence.COUNTERFEIT_MARK,
        business_amount=Decimal("68000"),
        marks_count=1,
    )
    return case


def test_automatic_proposal_is_flagged_and_shown(pworld, login):
    p = pworld
    with translation.override("zh-hans"):
        case = _over(p)
    t = case.transfers.get()
    assert t.auto_proposed and t.status == TransferStatus.PROPOSED
    assert t.proposal_reason.startswith("Proposed automatically")  # tests run in English
    page = login(p.mia).get(case.get_absolute_url())
    html = page.content.decode()
    assert 'data-testid="transfer-notice"' in html
    assert "Proposed automatically because the case meets:" in html
    assert "50000.00" in html and reverse("protection:transfer_detail", args=[t.pk]) in html
    # The propose page does not offer a second proposal.
    propose = login(p.mia).get(reverse("protection:transfer_propose", args=[case.pk]))
    assert propose.status_code == 200
    assert 'data-testid="under-way"' in propose.content.decode()
    assert "<form" not in propose.content.decode().split("<main", 1)[-1]


def test_proposal_reason_uses_the_platform_language(pworld, settings):
    p = pworld
    settings.LANGUAGE_CODE = "en"
    with translation.override("zh-hans"):
        case = _over(p)
    assert case.transfers.get().proposal_reason.startswith("Proposed automatically")


def test_manual_proposal_names_the_officer(pworld, login):
    p = pworld
    case = _staffed(p)
    t = transfers.propose(p.mia, case, police=p.police, reason="涉嫌犯罪")
    assert not t.auto_proposed
    html = login(p.mia).get(case.get_absolute_url()).content.decode()
    assert "Proposed by" in html and "automatically" not in html


def test_no_notice_without_a_transfer_under_way(pworld, login):
    p = pworld
    case = _staffed(p)
    html = login(p.mia).get(case.get_absolute_url()).content.decode()
    assert 'data-testid="transfer-notice"' not in html


# -- documents before sending --------------------------------------------------------------------


def test_send_needs_a_document_and_the_checklist_shows_it(pworld, login):
    p = pworld
    case = _staffed(p)
    t = transfers.propose(p.mia, case, police=p.police, reason="涉嫌犯罪")
    transfers.approve(p.hank, t)
    with pytest.raises(ValidationError, match="Attach at least the transfer letter"):
        transfers.send(p.mia, t)
    page = login(p.mia).get(t.get_absolute_url())
    rows = {r["code"]: r["attached"] for r in page.context["checklist"]}
    assert list(rows) == ["letter", "report", "goods", "inspection"] and not any(rows.values())
    upload = SimpleUploadedFile("l.txt", "移送函\n".encode(), content_type="text/plain")
    transfers.add_document(p.mia, t, upload, title="Transfer letter")
    page = login(p.mia).get(t.get_absolute_url())
    rows = {r["code"]: r["attached"] for r in page.context["checklist"]}
    assert [d.name for d in rows["letter"]] == ["l.txt"] and not rows["report"]
    assert 'data-checklist="letter" data-attached="yes"' in page.content.decode()
    t = transfers.send(p.mia, t)
    assert t.status == TransferStatus.SENT


def test_receipt_date_is_checked_on_accept_and_decline(pworld):
    p = pworld
    case = _staffed(p)
    t = transfers.propose(p.mia, case, police=p.police, reason="涉嫌犯罪")
    transfers.approve(p.hank, t)
    upload = SimpleUploadedFile("l.txt", b"letter\n", content_type="text/plain")
    transfers.add_document(p.mia, t, upload, title="Transfer letter")
    t = transfers.send(p.mia, t)
    before = t.sent_at - datetime.timedelta(minutes=30)
    with pytest.raises(ValidationError, match="before the transfer was sent"):
        transfers.accept(p.paul, t, received_at=before)
    with pytest.raises(ValidationError, match="before the transfer was sent"):
        transfers.decline(p.paul, t, reason="x", received_at=before)
    with pytest.raises(ValidationError, match="future"):
        transfers.accept(p.paul, t, received_at=t.sent_at + datetime.timedelta(days=2))
    t.refresh_from_db()
    assert t.status == TransferStatus.SENT and t.received_at is None
    t = transfers.accept(p.paul, t, received_at=t.sent_at)
    assert t.received_at == t.sent_at
