"""Transfer pages, the supervision view and the threshold pages: every page with the allowed,
the read-only and the stranger personas, actions through the pages, and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ipcity.protection import transfers
from ipcity.protection.choices import Offence, TransferStatus
from ipcity.protection.models import (
    CaseAccessLog,
    CriminalTransfer,
    ThresholdRule,
    ThresholdRuleSet,
)

from .conftest import make_case
from .test_transfers_builders import D, respondent
from .test_transfers_flow import letter

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def over_case(agency, **fields):
    case = make_case(
        agency,
        conduct_date=D(2025, 6, 1),
        offence=Offence.COUNTERFEIT_MARK,
        business_amount=Decimal("35000"),
        marks_count=2,
        **fields,
    )
    respondent(case, "示例商贸有限公司")
    return case


def stored_transfer(p, agency=None, status=TransferStatus.PROPOSED, **fields):
    now = timezone.now()
    return CriminalTransfer.objects.create(
        case=over_case(agency or p.amr),
        police=p.police,
        status=status,
        proposed_at=now,
        decision_due=timezone.localdate(now) + datetime.timedelta(days=3),
        **fields,
    )


@pytest.fixture
def sent(pworld):
    p = pworld
    t = transfers.propose(p.mia, over_case(p.amr), police=p.police, reason="涉嫌犯罪")
    transfers.add_document(
        p.mia, t, SimpleUploadedFile("letter.pdf", PDF, "application/pdf"), title="移送函"
    )
    transfers.approve(p.hank, t)
    return transfers.send(p.mia, t)


def status_of(login, user, url, method="get", data=None):
    client = login(user)
    response = getattr(client, method)(url, data or {})
    return response.status_code


def test_list_scope(pworld, login):
    p = pworld
    proposal = stored_transfer(p)
    culture = stored_transfer(p, p.culture, status=TransferStatus.SENT)
    url = reverse("protection:transfer_list")

    def rows(user):
        response = login(user).get(url)
        assert response.status_code == 200
        return {t.pk for t in response.context["table"].data.data}

    assert rows(p.mia) == {proposal.pk}
    assert rows(p.carl) == {culture.pk}
    assert rows(p.paul) == {culture.pk}  # a proposal is not the police's yet
    assert rows(p.pete) == {proposal.pk, culture.pk}
    assert rows(p.alice) == {proposal.pk, culture.pk}
    assert login(p.erin).get(url).status_code == 403
    # Filters of the contract.
    assert login(p.pete).get(url, {"status": "sent"}).context["table"].paginator.count == 1
    assert login(p.pete).get(url, {"agency": p.culture.pk}).context["table"].paginator.count == 1
    assert login(p.pete).get(url, {"police": p.police.pk}).context["table"].paginator.count == 2
    today = timezone.localdate().isoformat()
    assert login(p.pete).get(url, {"proposed_after": today}).context["table"].paginator.count == 2
    assert (
        login(p.pete).get(url, {"proposed_before": "2020-01-01"}).context["table"].paginator.count
        == 0
    )
    CriminalTransfer.objects.filter(pk=proposal.pk).update(decision_due=D(2020, 1, 1))
    response = login(p.pete).get(url, {"overdue": "true"})
    assert [t.pk for t in response.context["table"].data.data] == [proposal.pk]
    assert b'data-overdue="transfer_decision"' in response.content


def test_export(pworld, login, sent):
    response = login(pworld.paul).get(reverse("protection:transfer_list"), {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert sent.case.number in body
    response = login(pworld.carl).get(reverse("protection:transfer_list"), {"export": "csv"})
    assert sent.case.number not in b"".join(response.streaming_content).decode("utf-8-sig")


def test_detail_matrix(pworld, login, sent):
    p = pworld
    url = sent.get_absolute_url()
    for user in (p.mia, p.hank, p.paul, p.pete, p.alice, p.leo):
        assert status_of(login, user, url) == 200, user
    for user in (p.carl, p.ada, p.erin, p.charlie):
        assert status_of(login, user, url) == 404, user
    response = login(p.mia).get(url)
    assert b"data-document" in response.content and b'data-rule="' in response.content
    # The procuratorate sees the transfer, not the case's documents.
    response = login(p.pete).get(url)
    assert b"data-document" not in response.content
    # The police see the documents through the share, and that view is logged.
    before = CaseAccessLog.objects.count()
    response = login(p.paul).get(url)
    assert b"data-document" in response.content and b'data-action="accept"' in response.content
    assert CaseAccessLog.objects.count() == before + 1
    assert status_of(login, p.pete, reverse("protection:transfer_history", args=[sent.pk])) == 200
    assert status_of(login, p.carl, reverse("protection:transfer_history", args=[sent.pk])) == 404


def test_document_download(pworld, login, sent):
    p = pworld
    doc = sent.documents.get()
    url = reverse("protection:transfer_document_download", args=[sent.pk, doc.pk])
    response = login(p.mia).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    before = CaseAccessLog.objects.count()
    assert status_of(login, p.paul, url) == 200
    assert CaseAccessLog.objects.count() == before + 1
    assert status_of(login, p.pete, url) == 403
    assert status_of(login, p.carl, url) == 404
    assert status_of(login, p.erin, url) == 404


def test_actions_through_the_pages(pworld, login):
    p = pworld
    t = transfers.propose(p.mia, over_case(p.amr), police=p.police, reason="涉嫌犯罪")

    def act(user, action, data=None):
        url = reverse("protection:transfer_action", args=[t.pk, action])
        return login(user).post(url, data or {})

    assert act(p.mia, "approve").status_code == 403
    assert act(p.pete, "approve").status_code == 403
    assert act(p.carl, "approve").status_code == 404
    assert act(p.erin, "approve").status_code == 404
    assert act(p.paul, "approve").status_code == 404  # not sent yet: not theirs to see
    assert act(p.hank, "nonsense").status_code == 404
    assert act(p.hank, "approve").status_code == 302
    # Without a document the sending is refused with a message.
    response = act(p.mia, "send")
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.status == TransferStatus.APPROVED
    page = login(p.mia).get(t.get_absolute_url())
    assert "Attach at least the transfer letter before sending." in page.content.decode()
    letter(p.mia, t)
    assert act(p.mia, "send").status_code == 302
    t.refresh_from_db()
    assert t.status == TransferStatus.SENT
    # A bad step answers with a message, nothing changes.
    response = act(p.paul, "decline", {"reason": ""})
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.status == TransferStatus.SENT
    response = act(
        p.paul,
        "acknowledge",
        {"receipt": SimpleUploadedFile("r.pdf", PDF, "application/pdf")},
    )
    t.refresh_from_db()
    assert t.received_at and t.acceptance_due and t.documents.filter(is_receipt=True).exists()
    assert act(p.mia, "accept").status_code == 403
    assert act(p.paul, "accept", {"police_case_number": "X1"}).status_code == 302
    assert act(p.paul, "outcome", {"outcome": "case_filed"}).status_code == 302
    assert act(p.paul, "return", {"reason": "不构成犯罪"}).status_code == 302
    t.refresh_from_db()
    assert t.status == TransferStatus.RETURNED and t.outcome == "case_filed"
    # Documents: the agency may add, the procuratorate may not.
    doc_url = reverse("protection:transfer_document_add", args=[t.pk])
    upload = SimpleUploadedFile("a.pdf", PDF, "application/pdf")
    assert login(p.pete).post(doc_url, {"title": "x", "file": upload}).status_code == 403
    upload = SimpleUploadedFile("a.pdf", PDF, "application/pdf")
    assert login(p.mia).post(doc_url, {"title": "补充材料", "file": upload}).status_code == 302
    assert t.documents.filter(title="补充材料").exists()


def test_propose_page(pworld, login):
    p = pworld
    case = over_case(p.amr)
    url = reverse("protection:transfer_propose", args=[case.pk])
    response = login(p.mia).get(url)
    assert response.status_code == 200
    assert b"spc-spp-2025-5" in response.content
    for user in (p.carl, p.paul, p.pete, p.alice, p.leo):
        assert status_of(login, user, url) == 403, user
    assert status_of(login, p.erin, url) == 404
    response = login(p.mia).post(url, {"police": p.police.pk, "reason": ""})
    assert response.status_code == 400 and not case.transfers.exists()
    response = login(p.mia).post(url, {"police": p.police.pk, "reason": "涉嫌犯罪"})
    assert response.status_code == 302
    t = case.transfers.get()
    assert t.proposed_by == p.mia and t.matched_rules
    response = login(p.mia).post(url, {"police": p.police.pk, "reason": "again"})
    assert response.status_code == 400 and case.transfers.count() == 1


def test_supervision(pworld, login):
    p = pworld
    late = stored_transfer(p)
    CriminalTransfer.objects.filter(pk=late.pk).update(decision_due=D(2020, 1, 1))
    stored_transfer(p, p.culture, status=TransferStatus.ACCEPTED, outcome="prosecuted")
    stored_transfer(p, p.agri, status=TransferStatus.DECLINED)
    stored_transfer(
        p,
        p.agri,
        status=TransferStatus.SENT,
        received_at=timezone.now() - datetime.timedelta(days=6),
        acceptance_due=timezone.localdate() - datetime.timedelta(days=3),
    )
    url = reverse("protection:supervision")
    response = login(p.pete).get(url)
    assert response.status_code == 200
    cards = {c["key"]: c for c in response.context["cards"]}
    assert cards["total"]["count"] == 4
    assert cards["decision_overdue"]["count"] == 1
    assert cards["acceptance_overdue"]["count"] == 1
    assert cards["accepted"]["count"] == 1 and cards["declined"]["count"] == 1
    outcomes = {o["key"]: o["count"] for o in response.context["outcomes"]}
    assert outcomes["prosecuted"] == 1
    # Every figure opens the list of exactly what it counts.
    for card in cards.values():
        listed = login(p.pete).get(card["url"]).context["table"].paginator.count
        assert listed == card["count"], card["key"]
    for item in response.context["outcomes"]:
        assert login(p.pete).get(item["url"]).context["table"].paginator.count == item["count"]
    assert login(p.mia).get(url).context["cards"][0]["count"] == 1
    assert status_of(login, p.erin, url) == 403


def test_threshold_pages(pworld, login):
    p = pworld
    rule_set = ThresholdRuleSet.objects.get(code="spc-spp-2025-5")
    rule = rule_set.rules.first()
    list_url = reverse("protection:threshold_list")
    detail = reverse("protection:threshold_detail", args=[rule_set.pk])
    edit = reverse("protection:threshold_edit", args=[rule_set.pk])
    rule_edit = reverse("protection:threshold_rule_edit", args=[rule.pk])
    rule_add = reverse("protection:threshold_rule_add", args=[rule_set.pk])
    for user in (p.mia, p.paul, p.pete, p.alice, p.leo):
        assert status_of(login, user, list_url) == 200
        response = login(user).get(detail)
        assert response.status_code == 200 and "法释〔2025〕5号".encode() in response.content
    assert status_of(login, p.erin, list_url) == 403
    assert status_of(login, p.erin, detail) == 404
    for user in (p.mia, p.pete, p.leo):
        assert status_of(login, user, edit) == 403
        assert status_of(login, user, rule_edit) == 403
        assert status_of(login, user, rule_add) == 403
    assert status_of(login, p.erin, rule_edit) == 404
    assert status_of(login, p.alice, edit) == 200
    response = login(p.alice).post(
        rule_edit,
        {
            "offence": rule.offence,
            "condition": rule.condition,
            "measure": rule.measure,
            "value": "-1",
            "note": "",
        },
    )
    assert response.status_code == 400
    response = login(p.alice).post(
        rule_edit,
        {
            "offence": rule.offence,
            "condition": rule.condition,
            "measure": rule.measure,
            "value": "12345",
            "note": "已核对",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.value == Decimal("12345") and rule.note == "已核对"
    response = login(p.alice).post(
        rule_add,
        {
            "offence": rule.offence,
            "condition": rule.condition,
            "measure": rule.measure,
            "value": "1",
        },
    )
    assert response.status_code == 400  # the same offence, condition and measure
    delete = reverse("protection:threshold_rule_delete", args=[rule.pk])
    assert status_of(login, p.mia, delete, "post") == 403
    assert status_of(login, p.alice, delete, "post") == 302
    assert not ThresholdRule.objects.filter(pk=rule.pk).exists()


def test_menu_entries(pworld, login):
    response = login(pworld.pete).get(reverse("protection:supervision"))
    content = response.content.decode()
    assert reverse("protection:transfer_list") in content
    assert reverse("protection:threshold_list") in content


@pytest.mark.parametrize(
    "url_name", ["protection:transfer_list", "protection:supervision", "protection:threshold_list"]
)
def test_list_queries_do_not_grow(pworld, login, url_name):
    p = pworld
    client = login(p.pete)
    url = reverse(url_name)

    def count():
        client.get(url)  # warm the per-request caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        stored_transfer(p, status=TransferStatus.SENT)
    first = count()
    for i in range(10):
        stored_transfer(p, p.culture if i % 2 else p.agri, status=TransferStatus.ACCEPTED)
    assert count() == first
