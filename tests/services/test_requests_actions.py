"""Service request actions: submission (signed-in and public), routing to matching points only,
response time in working days across National Day, the point's steps, rating rules,
withdrawal, the one-step hand-over to protection, overdue reminders once, and the public
look-up."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ipcity.core.models import Notification
from ipcity.protection.choices import LeadSource, LeadStatus
from ipcity.protection.models import Lead, LeadAttachment
from ipcity.services import requests as actions
from ipcity.services.choices import RequestEventKind, RequestStatus, ServiceKind
from ipcity.services.institutions import points_for
from ipcity.services.models import RequestAttachment, RequestEvent, ServiceRequest

from .builders_requests import EMAIL, PHONE, ask, exe, make_enforcement_agency, make_request, pdf

pytestmark = pytest.mark.django_db


def kinds(req):
    return list(req.events.order_by("at", "pk").values_list("kind", flat=True))


def test_points_for_lists_active_points_offering_the_kind(sworld):
    s = sworld
    assert set(points_for(ServiceKind.CONSULTATION)) == {s.center, s.hall}
    assert set(points_for(ServiceKind.FINANCING)) == {s.center, s.bank}
    assert list(points_for(ServiceKind.AGENCY)) == [s.center]  # the agency is no point
    s.hall.is_active = False
    s.hall.save()
    assert set(points_for(ServiceKind.CONSULTATION)) == {s.center}


def test_submit_by_enterprise_waits_for_routing(sworld):
    s = sworld
    req = ask(s.erin, contact_phone=PHONE, attachments=[pdf()])
    assert req.requester == s.enterprise_a and req.submitted_by == s.erin
    assert req.status == RequestStatus.SUBMITTED and req.service_point is None
    assert len(req.tracking_code) == actions.CODE_LENGTH
    assert req.attachments.count() == 1
    assert kinds(req) == [RequestEventKind.SUBMITTED]
    # The office is told there is something to route.
    assert Notification.objects.filter(user=s.alice, title__contains=req.tracking_code).exists()


def test_preferred_point_offering_the_kind_takes_it_at_once(sworld):
    s = sworld
    req = ask(s.erin, preferred_point=s.hall)
    assert req.status == RequestStatus.ASSIGNED and req.service_point == s.hall
    assert req.response_due == actions.due_from(timezone.localdate(), ServiceKind.CONSULTATION)
    assert kinds(req) == [RequestEventKind.SUBMITTED, RequestEventKind.ASSIGNED]
    assert Notification.objects.filter(user=s.hal, title__contains=req.tracking_code).exists()
    # The hall does not do financing: the preference is kept, the office routes.
    other = ask(s.erin, kind=ServiceKind.FINANCING, preferred_point=s.hall)
    assert other.status == RequestStatus.SUBMITTED and other.service_point is None
    assert other.preferred_point == s.hall


def test_public_request_needs_a_contact_and_good_files(sworld):
    before = ServiceRequest.objects.count()
    with pytest.raises(ValidationError) as exc:
        ask(None, contact_phone="", contact_email="")
    assert "contact_phone" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ask(None, attachments=[pdf(), exe()])
    assert "attachments" in exc.value.message_dict
    with pytest.raises(ValidationError):
        ask(None, attachments=[pdf(f"{n}.pdf") for n in range(6)])
    with pytest.raises(ValidationError):
        ask(None, contact_phone="12")
    with pytest.raises(ValidationError):
        ask(None, kind="nonsense")
    assert ServiceRequest.objects.count() == before
    assert RequestAttachment.objects.count() == 0
    req = ask(None, contact_phone="", contact_email=EMAIL)
    assert req.requester is None and req.submitted_by is None


def test_charlie_cannot_ask_for_enterprise_a(sworld):
    s = sworld
    with pytest.raises(PermissionDenied):
        ask(s.charlie, requester=s.enterprise_a)
    with pytest.raises(PermissionDenied):
        ask(s.leo)  # the leader reads only
    assert not ServiceRequest.objects.exists()


def test_routing_only_to_points_offering_the_kind(sworld):
    s = sworld
    req = ask(s.erin, kind=ServiceKind.FINANCING)
    with pytest.raises(ValidationError):
        actions.assign(s.alice, req, s.hall)  # no financing at the hall
    with pytest.raises(ValidationError):
        actions.assign(s.alice, req, s.agency)  # not a service point
    with pytest.raises(PermissionDenied):
        actions.assign(s.erin, req, s.bank)  # the requester does not route
    with pytest.raises(PermissionDenied):
        actions.assign(s.leo, req, s.bank)
    actions.assign(s.alice, req, s.bank)
    req.refresh_from_db()
    assert req.status == RequestStatus.ASSIGNED and req.service_point == s.bank
    assert req.assigned_on == timezone.localdate()
    assert req.response_due == actions.due_from(req.assigned_on, ServiceKind.FINANCING)
    with pytest.raises(ValidationError):
        actions.assign(s.alice, req, s.bank)  # already there
    actions.assign(s.alice, req, s.center, "银行暂无对口产品")
    req.refresh_from_db()
    assert req.service_point == s.center
    assert kinds(req)[-2:] == [RequestEventKind.REASSIGNED, RequestEventKind.NOTE]
    # The office's note stays internal: the requester sees the step, never the note.
    step, note = req.events.order_by("-at", "-pk")[:2][::-1]
    assert step.public and step.note == ""
    assert not note.public and note.note == "银行暂无对口产品"


def test_response_days_come_from_the_data_file():
    assert actions.response_days(ServiceKind.CONSULTATION) == 3
    assert actions.response_days(ServiceKind.POLICY_BRIEFING) == 5
    assert actions.response_days(ServiceKind.RIGHTS_PROTECTION) == 5
    assert actions.response_days(ServiceKind.MEDIATION) == 10
    assert actions.response_days(ServiceKind.EARLY_WARNING) == 15
    assert actions.response_days(ServiceKind.OVERSEAS) == 10
    assert actions.response_days(ServiceKind.FINANCING) == 5
    assert "not statutory" in actions.response_note()


def test_response_time_skips_national_day_and_counts_the_make_up_day(db):
    # Routed on Wednesday 30 September 2026: 1-7 October are holidays, Saturday 10 October is
    # a make-up working day (国办发明电〔2025〕7号).
    start = datetime.date(2026, 9, 30)
    assert actions.due_from(start, ServiceKind.CONSULTATION) == datetime.date(2026, 10, 10)
    assert actions.due_from(start, ServiceKind.POLICY_BRIEFING) == datetime.date(2026, 10, 13)


def test_point_starts_notes_and_answers(sworld):
    s = sworld
    req = ask(s.erin, preferred_point=s.hall)
    with pytest.raises(PermissionDenied):
        actions.start(s.sam, req)  # the centre is not its point
    with pytest.raises(PermissionDenied):
        actions.answer(s.alice, req, "office answers?")  # the office routes, points answer
    actions.start(s.hal, req)
    assert req.status == RequestStatus.IN_PROGRESS and req.handler == s.hal
    actions.add_note(s.hal, req, "内部：已电话联系", public=False)
    actions.add_note(s.hal, req, "已收到材料", public=True)
    with pytest.raises(ValidationError):
        actions.answer(s.hal, req, "  ")
    actions.answer(s.hal, req, "请准备技术交底书。")
    req.refresh_from_db()
    assert req.status == RequestStatus.ANSWERED and req.response == "请准备技术交底书。"
    assert req.answered_on == timezone.localdate()
    assert RequestEvent.objects.filter(request=req, kind="note", public=False).count() == 1
    with pytest.raises(ValidationError):
        actions.answer(s.hal, req, "again")
    assert Notification.objects.filter(user=s.erin, title__contains=req.tracking_code).exists()


def test_decline_goes_back_to_the_office(sworld):
    s = sworld
    req = ask(s.erin, preferred_point=s.hall)
    with pytest.raises(ValidationError):
        actions.decline(s.hal, req, "")
    actions.decline(s.hal, req, "不属于本站服务范围")
    assert req.status == RequestStatus.DECLINED
    actions.assign(s.alice, req, s.center)
    assert req.status == RequestStatus.ASSIGNED and req.service_point == s.center


def test_rating_rules(sworld):
    s = sworld
    req = ask(s.erin, preferred_point=s.hall)
    with pytest.raises(ValidationError):
        actions.rate(s.erin, req, 5)  # not answered yet
    actions.answer(s.hal, req, "答复")
    for bad in (0, 6, "x", None):
        with pytest.raises(ValidationError):
            actions.rate(s.erin, req, bad)
    with pytest.raises(PermissionDenied):
        actions.rate(s.charlie, req, 5)
    with pytest.raises(PermissionDenied):
        actions.rate(s.hal, req, 5)  # the point does not rate itself
    with pytest.raises(PermissionDenied):
        actions.rate(s.alice, req, 5)  # nor the office
    actions.rate(s.erin, req, 4, "不错")
    req.refresh_from_db()
    assert req.rating == 4 and req.status == RequestStatus.CLOSED and req.closed_at
    with pytest.raises(ValidationError):
        actions.rate(s.erin, req, 5)  # once
    req.refresh_from_db()
    assert req.rating == 4
    assert kinds(req)[-1] == RequestEventKind.RATED


def test_withdraw_before_the_answer_only(sworld):
    s = sworld
    req = ask(s.erin, preferred_point=s.hall)
    with pytest.raises(PermissionDenied):
        actions.withdraw(s.charlie, req)
    actions.withdraw(s.erin, req)
    assert req.status == RequestStatus.WITHDRAWN
    answered = ask(s.erin, preferred_point=s.hall)
    actions.answer(s.hal, answered, "答复")
    with pytest.raises(ValidationError):
        actions.withdraw(s.erin, answered)


def test_office_closes(sworld):
    s = sworld
    req = ask(s.erin, preferred_point=s.hall)
    actions.answer(s.hal, req, "答复")
    with pytest.raises(PermissionDenied):
        actions.close(s.hal, req)
    actions.close(s.alice, req, "企业未评价")
    assert req.status == RequestStatus.CLOSED
    with pytest.raises(ValidationError):
        actions.close(s.alice, req)


def test_hand_over_makes_a_lead_in_one_step(sworld, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    s = sworld
    amr = make_enforcement_agency(s.unit)
    req = ask(
        s.erin,
        kind=ServiceKind.RIGHTS_PROTECTION,
        subject="商标被仿冒",
        description="某店铺销售仿冒我司注册商标的产品。",
        right_numbers="12345678",
        contact_phone=PHONE,
        contact_email=EMAIL,
        attachments=[pdf("photo.pdf")],
    )
    lead = actions.hand_over(s.alice, req, amr)
    req.refresh_from_db()
    assert req.status == RequestStatus.HANDED_OVER and req.lead == lead and req.handed_over_at
    assert lead.source == LeadSource.SERVICE_REQUEST
    assert lead.source_reference == req.tracking_code
    assert lead.agency == s.unit and lead.status == LeadStatus.RECEIVED
    assert lead.complainant_name == s.enterprise_a.name
    assert lead.complainant_organization == s.enterprise_a
    assert lead.complainant_uscc == s.enterprise_a.uscc
    assert lead.complainant_phone == PHONE and lead.complainant_email == EMAIL
    assert lead.right_numbers == "12345678" and lead.right_type == "trademark"
    assert "某店铺销售仿冒" in lead.description and "商标被仿冒" in lead.description
    copied = LeadAttachment.objects.get(lead=lead)
    original = req.attachments.get()
    assert copied.name == "photo.pdf" and copied.sha256 == original.sha256
    assert copied.file.name != original.file.name
    with copied.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF")
    event = req.events.get(kind=RequestEventKind.HANDED_OVER)
    assert lead.tracking_code in event.note and event.user == s.alice
    # The request's own history records the hand-over as alice's change from the state before.
    newest, before = list(req.history.order_by("-history_id")[:2])
    assert newest.status == RequestStatus.HANDED_OVER and newest.history_user == s.alice
    assert before.status == RequestStatus.SUBMITTED
    # Never twice.
    with pytest.raises(ValidationError):
        actions.hand_over(s.alice, req, amr)
    assert Lead.objects.count() == 1


def test_hand_over_refused_for_the_wrong_kind_or_persona(sworld):
    s = sworld
    consult = ask(s.erin, preferred_point=s.center)
    with pytest.raises(ValidationError):
        actions.hand_over(s.alice, consult)
    rights = ask(s.erin, kind=ServiceKind.RIGHTS_PROTECTION, preferred_point=s.center)
    with pytest.raises(PermissionDenied):
        actions.hand_over(s.sam, rights)  # the point's service_user lacks the permission
    with pytest.raises(PermissionDenied):
        actions.hand_over(s.erin, rights)
    with pytest.raises(PermissionDenied):
        actions.hand_over(s.leo, rights)
    assert not Lead.objects.exists()
    rights.refresh_from_db()
    assert rights.status == RequestStatus.ASSIGNED and rights.lead is None
    # Without an agency the office's lead waits for routing on the protection side.
    lead = actions.hand_over(s.alice, rights)
    assert lead.agency is None and lead.source_reference == rights.tracking_code
    assert "hand_over" not in actions.available_actions(s.alice, rights)


def test_overdue_and_reminders_once(sworld):
    s = sworld
    today = timezone.localdate()
    late = make_request(
        s.enterprise_a, point=s.hall, assigned_on=today - datetime.timedelta(days=30)
    )
    fresh = make_request(s.enterprise_a, point=s.hall)
    answered = make_request(
        s.enterprise_a,
        point=s.hall,
        assigned_on=today - datetime.timedelta(days=30),
        status=RequestStatus.ANSWERED,
    )
    assert actions.is_overdue(late) and not actions.is_overdue(fresh)
    assert not actions.is_overdue(answered)
    assert set(ServiceRequest.objects.filter(actions.overdue_q())) == {late}
    sent = actions.send_deadline_reminders(today)
    assert sent >= 2
    hal_notes = Notification.objects.filter(user=s.hal, title__contains=late.tracking_code)
    assert hal_notes.count() == 1
    assert (
        Notification.objects.filter(user=s.alice, title__contains=late.tracking_code).count() == 1
    )
    assert not Notification.objects.filter(user=s.sam).exists()  # not the centre's request
    assert not Notification.objects.filter(title__contains=answered.tracking_code).exists()
    late.refresh_from_db()
    assert late.reminders_sent["overdue"] == late.response_due.isoformat()
    # Once per request and due date.
    assert actions.send_deadline_reminders(today) == 0
    assert hal_notes.count() == 1
    # Routed again: a new due date (a new reminder when it passes).
    ServiceRequest.objects.filter(pk=late.pk).update(
        response_due=today - datetime.timedelta(days=1)
    )
    actions.send_deadline_reminders(today)
    assert hal_notes.count() == 2


def test_find_public_needs_code_and_contact(sworld):
    req = ask(None, contact_phone="138-1234-5678", contact_email=EMAIL)
    assert actions.find_public(req.tracking_code, "13812345678") == req
    assert actions.find_public(req.tracking_code.lower(), EMAIL.upper()) == req
    assert actions.find_public(req.tracking_code, "13900000000") is None
    assert actions.find_public(req.tracking_code, "") is None
    assert actions.find_public("ABCDEFGHJK", "13812345678") is None


def test_public_requester_rates_and_withdraws_without_account(sworld):
    s = sworld
    req = ask(None, preferred_point=s.hall)
    actions.answer(s.hal, req, "答复")
    actions.rate(None, req, 5)
    assert req.status == RequestStatus.CLOSED and req.rating == 5


def test_figures_match_the_list_filters(sworld):
    s = sworld
    today = timezone.localdate()
    make_request(s.enterprise_a, point=s.hall, assigned_on=today - datetime.timedelta(days=30))
    make_request(s.enterprise_a, point=s.hall, status=RequestStatus.CLOSED, rating=5)
    make_request(s.enterprise_b)
    f = actions.figures(s.alice, today.year)
    assert f["total"] == 3 and f["overdue"] == 1 and f["rated"] == 1
    assert f["average_rating"] == 5
    assert actions.figures(s.erin, today.year)["total"] == 2
    assert actions.figures(s.stan, today.year)["total"] == 0


def test_hand_over_puts_the_request_history_into_the_lead(sworld):
    """The agency deciding on the lead reads what the service points already did: every step
    with its point and note, in order, and the answer given."""
    from ipcity.services.models import InstitutionService

    s = sworld
    InstitutionService.objects.create(institution=s.hall, kind=ServiceKind.RIGHTS_PROTECTION)
    req = ask(s.erin, kind=ServiceKind.RIGHTS_PROTECTION, subject="专利被侵权")
    actions.assign(s.alice, req, s.hall)
    actions.decline(s.hal, req, "本站无法处理专利侵权纠纷")
    actions.assign(s.alice, req, s.center)
    actions.start(s.sam, req)
    actions.add_note(s.sam, req, "已电话联系企业核实情况", public=True)
    actions.answer(s.sam, req, "建议向执法部门投诉，已协助准备材料。")
    lead = actions.hand_over(s.alice, req)
    text = lead.description
    assert text.startswith("专利被侵权")
    assert "History of service request" in text and req.tracking_code in text
    declined = text.index("本站无法处理专利侵权纠纷")
    called = text.index("已电话联系企业核实情况")
    answer = text.index("建议向执法部门投诉")
    assert declined < called < answer
    assert s.hall.organization.name in text and s.center.organization.name in text
    assert "Answer given to the requester:" in text
