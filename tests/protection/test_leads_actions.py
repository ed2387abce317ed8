"""Lead actions: creation (tracking code, clock, attachments), routing, referral, decisions with
their permissions, mediation, and the daily deadline reminders."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ipcity.core.models import Notification
from ipcity.protection import clocks, leads
from ipcity.protection.choices import LeadSource, LeadStatus
from ipcity.protection.models import Case, Lead, LeadAttachment, Mediation

from .conftest import make_lead

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def pdf(name="receipt.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


def public_fields(**overrides):
    data = {
        "complainant_name": "张三",
        "complainant_phone": "138-0000-1234",
        "complainant_email": "",
        "right_type": "trademark",
        "right_numbers": "12345678",
        "respondent_name": "某某商贸有限公司",
        "description": "在店内销售假冒注册商标的商品",
    }
    data.update(overrides)
    return data


# --- the clock across the National Day holiday ----------------------------------------------


def test_decision_due_skips_national_day(pworld):
    # Received Monday 2026-09-28. The working days after it, by the State Council's 2026
    # arrangement: Oct 1-7 off, Saturday Oct 10 a make-up working day.
    workdays_after = [
        datetime.date(2026, 9, 29),
        datetime.date(2026, 9, 30),
        datetime.date(2026, 10, 8),
        datetime.date(2026, 10, 9),
        datetime.date(2026, 10, 10),  # Saturday, worked (调休)
        datetime.date(2026, 10, 12),
        datetime.date(2026, 10, 13),
        datetime.date(2026, 10, 14),
        datetime.date(2026, 10, 15),
        datetime.date(2026, 10, 16),
        datetime.date(2026, 10, 19),
        datetime.date(2026, 10, 20),
        datetime.date(2026, 10, 21),
        datetime.date(2026, 10, 22),
        datetime.date(2026, 10, 23),
    ]
    assert len(workdays_after) == 15
    lead = leads.create_lead(
        None, source=LeadSource.PUBLIC, received_on=datetime.date(2026, 9, 28), **public_fields()
    )
    assert lead.decision_due == workdays_after[-1] == datetime.date(2026, 10, 23)
    # Working days left, as the list badge counts them, agree with the clock.
    days_left = leads.DaysLeft(datetime.date(2026, 9, 30))
    assert days_left(lead.decision_due) == 13
    assert days_left(lead.decision_due) == clocks.remaining(
        "lead_decision", lead.decision_due, datetime.date(2026, 9, 30)
    )
    assert leads.DaysLeft(datetime.date(2026, 10, 26))(lead.decision_due) == -1


# --- creation -------------------------------------------------------------------------------


def test_create_public_lead_with_code_and_files(pworld):
    lead = leads.create_lead(
        None,
        source=LeadSource.PUBLIC,
        received_on=datetime.date(2026, 3, 2),
        attachments=[pdf(), pdf("b.pdf")],
        **public_fields(),
    )
    assert len(lead.tracking_code) == leads.CODE_LENGTH
    assert set(lead.tracking_code) <= set(leads.ALPHABET)
    assert not set(lead.tracking_code) & set("01OIL")
    assert lead.status == LeadStatus.RECEIVED and lead.agency is None
    assert lead.submitted_by is None
    assert [a.name for a in lead.attachments.all()] == ["receipt.pdf", "b.pdf"]
    assert lead.attachments.first().content_type == "application/pdf"


def test_tracking_code_retried_on_collision(pworld, monkeypatch):
    make_lead(tracking_code="AAAAAAAAAA")
    codes = iter(["AAAAAAAAAA", "AAAAAAAAAA", "BBBBBBBBBB"])
    monkeypatch.setattr(leads, "new_tracking_code", lambda: next(codes))
    lead = leads.create_lead(None, source=LeadSource.PUBLIC, **public_fields())
    assert lead.tracking_code == "BBBBBBBBBB"


def test_create_refuses_bad_input_and_writes_nothing(pworld, settings):
    settings.IPCITY_ATTACHMENT_MAX_BYTES = 1000
    cases = [
        ({"complainant_phone": "", "complainant_email": ""}, [], "complainant_phone"),
        ({"complainant_email": "not-an-email"}, [], "complainant_email"),
        ({}, [pdf("big.pdf", PDF + b"x" * 2000)], "attachments"),
        ({}, [pdf("setup.pdf", EXE)], "attachments"),
        ({}, [pdf(f"{i}.pdf") for i in range(6)], "attachments"),
        ({"description": ""}, [], "description"),
    ]
    for overrides, files, field in cases:
        with pytest.raises(ValidationError) as info:
            leads.create_lead(
                None, source=LeadSource.PUBLIC, attachments=files, **public_fields(**overrides)
            )
        assert field in info.value.message_dict, (overrides, info.value.message_dict)
    assert Lead.objects.count() == 0 and LeadAttachment.objects.count() == 0


def test_staff_create_checks_agency(pworld):
    p = pworld
    lead = leads.create_lead(
        p.mia, source=LeadSource.INSPECTION, agency=p.amr, **public_fields(complainant_phone="")
    )
    assert lead.agency == p.amr and lead.submitted_by == p.mia
    with pytest.raises(PermissionDenied):
        leads.create_lead(p.mia, source=LeadSource.INSPECTION, agency=p.culture, **public_fields())
    with pytest.raises(ValidationError):
        leads.create_lead(p.mia, source=LeadSource.INSPECTION, **public_fields())
    with pytest.raises(PermissionDenied):
        leads.create_lead(p.leo, source=LeadSource.INSPECTION, agency=p.amr, **public_fields())
    assert Lead.objects.count() == 1


# --- routing, decisions and their permissions ------------------------------------------------


def test_office_routes_then_agency_decides(pworld):
    p = pworld
    lead = leads.create_lead(None, source=LeadSource.PUBLIC, **public_fields())
    # An unrouted lead is the office's: mia does not even see it.
    assert not Lead.objects.restrict(p.mia, "view").filter(pk=lead.pk).exists()
    with pytest.raises(PermissionDenied):
        leads.route(p.mia, lead, p.amr)
    leads.route(p.alice, lead, p.amr)
    assert lead.agency == p.amr and lead.status == LeadStatus.RECEIVED
    with pytest.raises(PermissionDenied):
        leads.decide_not_open(p.alice, lead, "不受理")  # routed: the agency decides
    # carl (culture) is a stranger to amr's leads; leo (leader) holds no lead permission.
    assert not Lead.objects.restrict(p.carl, "view").filter(pk=lead.pk).exists()
    for stranger in (p.carl, p.leo):
        with pytest.raises(PermissionDenied):
            leads.decide_not_open(stranger, lead, "x")
    leads.start_verification(p.mia, lead)
    assert lead.status == LeadStatus.VERIFYING
    with pytest.raises(ValidationError) as info:
        leads.decide_not_open(p.mia, lead, "  ")
    assert "reason" in info.value.message_dict
    leads.decide_not_open(p.mia, lead, "不属于知识产权侵权")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NOT_OPENED
    assert lead.decided_by == p.mia and lead.decided_at and lead.decision_reason
    with pytest.raises(ValidationError):
        leads.decide_not_open(p.mia, lead, "again")


def test_decide_open_creates_case(pworld):
    p = pworld
    lead = make_lead(p.amr)
    case = leads.decide_open(p.mia, lead, title="销售假冒商标商品案", right_type="trademark")
    assert isinstance(case, Case) and case.lead == lead and case.agency == p.amr
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CASE_OPENED and lead.decided_by == p.mia
    assert lead.decision_reason
    with pytest.raises(ValidationError):
        leads.decide_open(p.mia, lead, title="again", right_type="trademark")


def test_police_reads_but_cannot_decide(pworld):
    p = pworld
    lead = make_lead(p.police)
    assert Lead.objects.restrict(p.paul, "view").filter(pk=lead.pk).exists()
    with pytest.raises(PermissionDenied):
        leads.decide_not_open(p.paul, lead, "x")
    assert leads.available_actions(p.paul, lead) == set()


def test_referral_moves_lead_and_referrer_stops_deciding(pworld):
    p = pworld
    lead = make_lead(p.amr)
    with pytest.raises(ValidationError):
        leads.route(p.mia, lead, p.amr)
    leads.route(p.mia, lead, p.culture, "属文化市场执法")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.REFERRED
    assert lead.agency == p.culture and lead.referred_by == p.amr
    # amr still sees it, but no longer decides; culture does.
    assert Lead.objects.restrict(p.mia, "view").filter(pk=lead.pk).exists()
    with pytest.raises(PermissionDenied):
        leads.start_verification(p.mia, lead)
    assert leads.available_actions(p.mia, lead) == set()
    with pytest.raises(ValidationError):
        leads.decide_not_open(p.carl, lead, "x")  # verify it first
    leads.start_verification(p.carl, lead)
    leads.decide_not_open(p.carl, lead, "证据不足")
    assert lead.status == LeadStatus.NOT_OPENED and lead.decided_by == p.carl


def test_pass_to_mediation(pworld):
    p = pworld
    lead = make_lead(p.amr, respondent_name="某某商贸有限公司")
    mediation = leads.pass_to_mediation(p.mia, lead, mediator=p.unit, note="双方同意调解")
    assert isinstance(mediation, Mediation)
    assert mediation.lead == lead and mediation.agency == p.amr and mediation.mediator == p.unit
    assert mediation.applicant == lead.complainant_name
    assert mediation.respondent == "某某商贸有限公司" and mediation.subject == lead.description
    lead.refresh_from_db()
    assert lead.status == LeadStatus.MEDIATION and lead.decision_reason == "双方同意调解"
    nameless = make_lead(p.amr)
    with pytest.raises(ValidationError):
        leads.pass_to_mediation(p.mia, nameless, mediator=p.unit)
    assert Mediation.objects.count() == 1


def test_add_attachment_limit(pworld):
    p = pworld
    lead = make_lead(p.amr)
    for i in range(leads.MAX_ATTACHMENTS):
        leads.add_attachment(p.mia, lead, pdf(f"{i}.pdf"))
    with pytest.raises(ValidationError):
        leads.add_attachment(p.mia, lead, pdf("6.pdf"))
    with pytest.raises(PermissionDenied):
        leads.add_attachment(p.carl, lead, pdf("x.pdf"))
    assert lead.attachments.count() == leads.MAX_ATTACHMENTS


# --- the daily duty ---------------------------------------------------------------------------


def test_deadline_reminders_once_per_lead_and_kind(pworld):
    p = pworld
    received = datetime.date(2026, 9, 28)
    due = clocks.due("lead_decision", received)  # 2026-10-23
    soon = make_lead(p.amr, received_on=received, decision_due=due)
    late = make_lead(p.culture, received_on=received, decision_due=datetime.date(2026, 10, 16))
    unrouted = make_lead(None, received_on=received, decision_due=due)
    make_lead(p.amr, received_on=received, decision_due=due, status=LeadStatus.NOT_OPENED)
    on = datetime.date(2026, 10, 20)  # 3 working days before the 23rd
    leads.send_deadline_reminders(on)
    to = {(n.user.username, n.link) for n in Notification.objects.select_related("user")}
    assert ("mia", soon.get_absolute_url()) in to and ("hank", soon.get_absolute_url()) in to
    assert ("alice", soon.get_absolute_url()) not in to  # routed: the agency decides
    assert ("carl", late.get_absolute_url()) in to and ("mia", late.get_absolute_url()) not in to
    assert {u for u, link in to if link == unrouted.get_absolute_url()} == {"alice"}
    assert not {u for u, _ in to} & {"paul", "leo", "pete", "ada"}
    count = Notification.objects.count()
    leads.send_deadline_reminders(on)
    assert Notification.objects.count() == count  # nothing twice
    assert "overdue" in Notification.objects.filter(user=p.carl).first().title
    # Once overdue, the soon-due lead gets its overdue reminder too.
    leads.send_deadline_reminders(datetime.date(2026, 10, 26))
    assert Notification.objects.filter(user=p.mia, link=soon.get_absolute_url()).count() == 2
