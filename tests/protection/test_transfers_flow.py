"""The transfer flow: proposal → the head's approval (clock transfer_decision) → sending (the case
is handed over and shared; the acceptance clock starts) → the police receipt → accepted or declined;
outcome; reverse transfer; the daily reminders; who may take each step."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ipcity.core.models import Notification
from ipcity.protection import clocks, transfers, visibility
from ipcity.protection.choices import CaseStatus, Offence, TransferStatus
from ipcity.protection.models import CaseShare, CriminalTransfer

from ..factories import make_user
from .conftest import make_case
from .test_transfers_builders import D, respondent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def over_case(p, agency=None, **fields):
    case = make_case(
        agency or p.amr,
        conduct_date=D(2025, 6, 1),
        offence=Offence.COUNTERFEIT_MARK,
        business_amount=Decimal("35000"),
        marks_count=2,
        **fields,
    )
    respondent(case, "示例商贸有限公司")
    return case


def pdf(name="receipt.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def letter(user, transfer, title="Transfer letter"):
    """Attach the transfer letter (plain text) so that the transfer may be sent."""
    upload = SimpleUploadedFile("letter.txt", "移送函\n".encode(), content_type="text/plain")
    return transfers.add_document(user, transfer, upload, title=title)


def test_whole_flow_with_clocks(pworld):
    p = pworld
    case = over_case(p)
    t = transfers.propose_if_over(p.mia, case)
    today = timezone.localdate()
    assert t.decision_due == today + datetime.timedelta(days=3)
    # The police do not see a proposal; the procuratorate does.
    assert not transfers.visible(p.paul).exists()
    assert transfers.visible(p.pete).get() == t
    assert transfers.available_actions(p.mia, t) == {"document"}  # withdraw: the head only
    assert transfers.available_actions(p.hank, t) == {"approve", "withdraw", "document"}
    with pytest.raises(PermissionDenied):
        transfers.approve(p.mia, t)
    with pytest.raises(ValidationError):
        transfers.send(p.mia, t)  # not approved yet
    with pytest.raises(PermissionDenied):
        transfers.send(p.carl, t)
    t = transfers.approve(p.hank, t)
    assert t.status == TransferStatus.APPROVED and t.approved_by == p.hank
    with pytest.raises(ValidationError):
        transfers.approve(p.hank, t)
    transfers.add_document(p.mia, t, pdf("letter.pdf"), title="移送函")
    with pytest.raises(PermissionDenied):
        transfers.add_document(p.mia, t, pdf(), title="回执", is_receipt=True)
    t = transfers.send(p.mia, t)
    case.refresh_from_db()
    assert t.status == TransferStatus.SENT and t.sent_at
    # The acceptance clock starts with the sending, not with the receipt.
    assert t.acceptance_due == clocks.due("police_acceptance", timezone.localdate(t.sent_at))
    assert case.status == CaseStatus.TRANSFERRED and case.is_transferred
    assert case.status_before_transfer == CaseStatus.INVESTIGATING
    assert CaseShare.objects.filter(case=case, organization=p.police).exists()
    assert visibility.access(p.paul, case) == visibility.Access.SHARED
    assert Notification.objects.filter(user=p.paul).exists()
    # The police now see it and act.
    assert transfers.visible(p.paul).get() == t
    assert transfers.available_actions(p.paul, t) == {
        "acknowledge",
        "accept",
        "decline",
        "document",
    }
    with pytest.raises(PermissionDenied):
        transfers.accept(p.mia, t)
    with pytest.raises(ValidationError, match="before the transfer was sent"):
        transfers.acknowledge(p.paul, t, received_at=t.sent_at - datetime.timedelta(hours=1))
    with pytest.raises(ValidationError, match="future"):
        transfers.acknowledge(p.paul, t, received_at=timezone.now() + datetime.timedelta(days=1))
    received = t.sent_at
    t = transfers.acknowledge(p.paul, t, received_at=received, receipt=pdf())
    assert t.received_at == received
    assert t.acceptance_due == clocks.due("police_acceptance", timezone.localdate(t.sent_at))
    assert t.documents.filter(is_receipt=True).count() == 1
    with pytest.raises(ValidationError):
        transfers.acknowledge(p.paul, t)
    t = transfers.accept(p.paul, t, police_case_number="通公经立〔2026〕12号")
    assert t.status == TransferStatus.ACCEPTED and t.police_decided_by == p.paul
    assert Notification.objects.filter(user=p.mia, title__contains="accepted").exists()
    with pytest.raises(ValidationError):
        transfers.record_outcome(p.paul, t, "")
    t = transfers.record_outcome(p.paul, t, "prosecuted")
    assert t.outcome == "prosecuted"
    # Only one transfer under way at a time.
    with pytest.raises(ValidationError):
        transfers.propose(p.mia, case, police=p.police, reason="再次移送")


def test_police_decline_resumes_the_case(pworld):
    p = pworld
    case = over_case(p)
    t = transfers.propose(p.mia, case, police=p.police, reason="涉嫌犯罪")
    transfers.approve(p.hank, t)
    letter(p.mia, t)
    transfers.send(p.hank, t)
    with pytest.raises(ValidationError):
        transfers.decline(p.paul, t, reason=" ")
    t = transfers.decline(p.paul, t, reason="证据不足，不予立案")
    case.refresh_from_db()
    assert t.status == TransferStatus.DECLINED and t.received_at and t.acceptance_due
    assert case.status == CaseStatus.INVESTIGATING and not case.is_transferred
    assert case.events.filter(by=p.paul, to_status="investigating").exists()
    # A new proposal may follow.
    assert transfers.propose(p.mia, case, police=p.police, reason="补充证据后再次移送")


def test_reverse_transfer(pworld):
    p = pworld
    case = over_case(p)
    t = transfers.propose(p.mia, case, police=p.police, reason="涉嫌犯罪")
    transfers.approve(p.hank, t)
    letter(p.mia, t)
    transfers.send(p.mia, t)
    with pytest.raises(ValidationError):
        transfers.return_to_agency(p.paul, t, reason="不构成犯罪")  # not accepted yet
    transfers.accept(p.paul, t)
    with pytest.raises(PermissionDenied):
        transfers.return_to_agency(p.mia, t, reason="x")
    t = transfers.return_to_agency(p.paul, t, reason="不构成犯罪，需行政处罚")
    case.refresh_from_db()
    assert t.status == TransferStatus.RETURNED and t.returned_at
    assert case.status == CaseStatus.INVESTIGATING and not case.is_transferred


def test_withdraw_and_bad_proposals(pworld):
    p = pworld
    case = over_case(p)
    with pytest.raises(ValidationError):
        transfers.propose(p.mia, case, police=p.amr, reason="x")  # not a police unit
    with pytest.raises(ValidationError):
        transfers.propose(p.mia, case, police=p.police, reason="")
    with pytest.raises(PermissionDenied):
        transfers.propose(p.carl, case, police=p.police, reason="x")
    with pytest.raises(PermissionDenied):
        transfers.propose(p.paul, case, police=p.police, reason="x")
    t = transfers.propose(p.mia, case, police=p.police, reason="涉嫌犯罪")
    with pytest.raises(ValidationError):
        transfers.withdraw(p.hank, t, "")
    with pytest.raises(PermissionDenied):
        transfers.withdraw(p.carl, t, "x")
    t = transfers.withdraw(p.hank, t, "未达追诉标准")
    assert t.status == TransferStatus.WITHDRAWN and t.withdrawn_by == p.hank
    with pytest.raises(ValidationError):
        transfers.send(p.mia, t)
    assert CriminalTransfer.objects.get(pk=t.pk).status == TransferStatus.WITHDRAWN


def test_send_is_all_or_nothing(pworld):
    p = pworld
    case = over_case(p)
    t = transfers.propose(p.mia, case, police=p.police, reason="涉嫌犯罪")
    transfers.approve(p.hank, t)
    letter(p.mia, t)
    case.status = CaseStatus.CLOSED
    case.save()
    with pytest.raises(ValidationError):
        transfers.send(p.mia, t)
    t.refresh_from_db()
    assert t.status == TransferStatus.APPROVED and t.sent_at is None
    assert not CaseShare.objects.filter(case=case).exists()


def test_bad_uploads_are_refused(pworld):
    p = pworld
    t = transfers.propose(p.mia, over_case(p), police=p.police, reason="涉嫌犯罪")
    fake = SimpleUploadedFile("letter.pdf", b"MZ\x90\x00\x03" + b"\x00" * 50)
    with pytest.raises(ValidationError):
        transfers.add_document(p.mia, t, fake, title="移送函")
    assert not t.documents.exists()


def test_daily_reminders_once_per_kind(pworld):
    p = pworld
    today = timezone.localdate()
    late = transfers.propose(p.mia, over_case(p), police=p.police, reason="a")
    CriminalTransfer.objects.filter(pk=late.pk).update(decision_due=today - datetime.timedelta(1))
    near = transfers.propose(p.carl, over_case(p, p.culture), police=p.police, reason="b")
    CriminalTransfer.objects.filter(pk=near.pk).update(decision_due=today + datetime.timedelta(1))
    received = transfers.propose(p.ada, over_case(p, p.agri), police=p.police, reason="c")
    CriminalTransfer.objects.filter(pk=received.pk).update(
        status=TransferStatus.SENT,
        received_at=timezone.now() - datetime.timedelta(days=5),
        acceptance_due=today - datetime.timedelta(days=2),
    )
    Notification.objects.all().delete()
    stranger_police = make_user("pat", p.culture, "police_officer")
    transfers.remind(today)

    def titles(user):
        return sorted(Notification.objects.filter(user=user).values_list("title", flat=True))

    assert titles(p.hank) == [f"Transfer decision overdue: {late.case.number}"]
    assert titles(p.paul) == [f"Police acceptance overdue: {received.case.number}"]
    assert sorted(titles(p.pete)) == sorted(
        [
            f"Transfer decision overdue: {late.case.number}",
            f"Police acceptance overdue: {received.case.number}",
        ]
    )
    assert titles(p.alice) == [] and titles(p.leo) == [] and titles(stranger_police) == []
    # near: culture has no head persona; nobody was told, so it is not remembered ...
    assert CriminalTransfer.objects.get(pk=near.pk).reminders == []
    before = Notification.objects.count()
    transfers.remind(today)
    assert Notification.objects.count() == before
