"""The case's state machine, the two-certified-handlers rule, the clocks, extensions and the
daily deadline reminders (protection/cases.py)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ipcity.core.models import Notification
from ipcity.protection import cases, clocks
from ipcity.protection.choices import CaseStatus, DecisionKind
from ipcity.protection.models import CaseEvent

from .conftest import make_case, make_officer

pytestmark = pytest.mark.django_db
D = datetime.date
MARCH_2 = D(2026, 3, 2)
APRIL_1 = D(2026, 4, 1)
APRIL_15 = D(2026, 4, 15)


def _staffed(p, opened=MARCH_2, **fields):
    case = cases.open_case(
        p.mia,
        agency=p.amr,
        title="销售假冒注册商标的商品案",
        right_type="trademark",
        opened_on=opened,
        **fields,
    )
    cases.assign_handler(p.mia, case, p.mia_officer, is_lead=True, assigned_on=opened)
    cases.assign_handler(p.mia, case, p.hank_officer, assigned_on=opened)
    return case


def _penalty(p, case, notice=APRIL_1, decided=APRIL_15):
    cases.investigate(p.mia, case)
    cases.serve_notice(p.mia, case, notice_on=notice)
    return cases.decide(
        p.mia,
        case,
        decision_kind=DecisionKind.PENALTY,
        decided_on=decided,
        decision_number="京通市监处罚〔2026〕1号",
        fine="5000",
        order_to_stop=True,
    )


def test_the_whole_procedure_records_every_step(pworld):
    p = pworld
    case = _staffed(p)
    assert case.status == CaseStatus.OPENED
    # 90 calendar days from the opening (clock penalty_decision).
    assert case.decision_due == D(2026, 5, 31) == clocks.due("penalty_decision", D(2026, 3, 2))
    _penalty(p, case)
    assert case.status == CaseStatus.DECIDED and case.fine == 5000
    assert case.disclosure_due == clocks.due("disclosure", D(2026, 4, 15))
    cases.disclose(p.mia, case, disclosed_on=D(2026, 4, 20), url="https://example.org/d/1")
    cases.execute(p.hank, case, executed_on=D(2026, 5, 6))
    with pytest.raises(ValidationError) as err:
        cases.close(p.mia, case, reason="no_violation")
    assert "Penalty executed" in str(err.value)
    cases.close(p.mia, case, reason="executed", closed_on=D(2026, 5, 7))
    assert case.status == CaseStatus.CLOSED and case.close_reason == "executed"
    events = list(CaseEvent.objects.filter(case=case).order_by("at", "pk"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "opened"),
        ("opened", "investigating"),
        ("investigating", "notice"),
        ("notice", "decided"),
        ("decided", "disclosed"),
        ("disclosed", "executed"),
        ("executed", "closed"),
    ]
    assert [e.by for e in events].count(p.hank) == 1
    assert all(e.by in (p.mia, p.hank) and e.at for e in events)
    # Closed is final: no further step, no change.
    with pytest.raises(ValidationError):
        cases.update_case(p.mia, case, goods="x")
    with pytest.raises(ValidationError):
        cases.execute(p.mia, case, executed_on=D(2026, 5, 8))


def test_refused_steps(pworld):
    p = pworld
    case = _staffed(p)
    # Nothing is decided or noticed from "opened".
    with pytest.raises(ValidationError):
        cases.serve_notice(p.mia, case, notice_on=D(2026, 4, 1))
    with pytest.raises(ValidationError):
        cases.decide(
            p.mia,
            case,
            decision_kind="no_penalty",
            decided_on=D(2026, 4, 1),
            decision_number="N1",
        )
    cases.investigate(p.mia, case)
    # A penalty needs the notice first.
    with pytest.raises(ValidationError) as err:
        cases.decide(
            p.mia,
            case,
            decision_kind="penalty",
            decided_on=D(2026, 4, 1),
            decision_number="N1",
            fine=100,
        )
    assert "after the notice" in str(err.value)
    # Disclosure and execution only after a decision.
    with pytest.raises(ValidationError):
        cases.execute(p.mia, case, executed_on=D(2026, 4, 1))
    # Dates in the future or before the opening are refused.
    with pytest.raises(ValidationError):
        cases.serve_notice(p.mia, case, notice_on=D(2026, 1, 1))
    with pytest.raises(ValidationError):
        cases.serve_notice(p.mia, case, notice_on=D(2099, 1, 1))
    # Another agency's officer may not move the case.
    with pytest.raises(PermissionDenied):
        cases.investigate(p.carl, case)
    with pytest.raises(PermissionDenied):
        cases.close(p.paul, case, reason="withdrawn")
    assert case.events.count() == 2
    # No penalty: decided without notice, closed with "no_penalty" only.
    cases.decide(
        p.mia, case, decision_kind="no_penalty", decided_on=D(2026, 4, 10), decision_number="N2"
    )
    assert case.disclosure_due is None
    with pytest.raises(ValidationError):
        cases.disclose(p.mia, case, disclosed_on=D(2026, 4, 11))
    with pytest.raises(ValidationError):
        cases.execute(p.mia, case, executed_on=D(2026, 4, 11))
    cases.close(p.mia, case, reason="no_penalty", closed_on=D(2026, 4, 12))
    assert case.status == "closed"


def test_close_early_and_from_transferred(pworld):
    p = pworld
    case = cases.open_case(p.mia, agency=p.amr, title="t", right_type="patent")
    with pytest.raises(ValidationError):
        cases.close(p.mia, case, reason="executed")
    cases.close(p.mia, case, reason="withdrawn", note="投诉人撤回")
    assert case.events.last().note.endswith("投诉人撤回")
    moved = make_case(p.amr, status=CaseStatus.TRANSFERRED)
    with pytest.raises(ValidationError):
        cases.close(p.mia, moved, reason="withdrawn")
    cases.close(p.mia, moved, reason="transferred")
    assert moved.close_reason == "transferred"


def test_two_certified_handlers_are_required(pworld):
    p = pworld
    case = cases.open_case(
        p.mia, agency=p.amr, title="t", right_type="trademark", opened_on=D(2026, 3, 2)
    )
    cases.investigate(p.mia, case)
    cases.assign_handler(p.mia, case, p.mia_officer, assigned_on=D(2026, 3, 2))
    with pytest.raises(ValidationError) as err:
        cases.serve_notice(p.mia, case, notice_on=D(2026, 4, 1))
    assert "At least 2 enforcement officers" in str(err.value)
    # An officer whose certificate expires before the notice does not count, and says why.
    short = make_officer(None, p.amr, "11000099", valid_until=D(2026, 3, 31), name="周短期")
    cases.assign_handler(p.mia, case, short, assigned_on=D(2026, 3, 3))
    with pytest.raises(ValidationError) as err:
        cases.serve_notice(p.mia, case, notice_on=D(2026, 4, 1))
    assert "The enforcement certificate of 周短期 expired on 2026-03-31" in str(err.value)
    assert case.status == CaseStatus.INVESTIGATING
    # Assigning someone whose certificate is already expired is refused with the reason.
    expired = make_officer(None, p.amr, "11000098", valid_until=D(2025, 12, 31), name="吴过期")
    with pytest.raises(ValidationError) as err:
        cases.assign_handler(p.mia, case, expired, assigned_on=D(2026, 3, 3))
    assert "expired on 2025-12-31" in str(err.value)
    # An officer of another agency is refused.
    with pytest.raises(ValidationError) as err:
        cases.assign_handler(p.mia, case, p.carl_officer, assigned_on=D(2026, 3, 3))
    assert "does not work for" in str(err.value)
    # With a second valid handler the notice goes out; the decision day is checked again.
    cases.assign_handler(p.mia, case, p.hank_officer, assigned_on=D(2026, 3, 3))
    with pytest.raises(ValidationError):
        cases.assign_handler(p.mia, case, p.hank_officer, assigned_on=D(2026, 3, 4))
    cases.serve_notice(p.mia, case, notice_on=D(2026, 3, 20), hearing_requested=True)
    assert case.hearing_requested and case.notice_on == D(2026, 3, 20)
    handler = case.handlers.get(officer=p.hank_officer)
    cases.release_handler(p.mia, case, handler, released_on=D(2026, 3, 25))
    with pytest.raises(ValidationError) as err:
        cases.decide(
            p.mia,
            case,
            decision_kind="penalty",
            decided_on=D(2026, 4, 10),
            decision_number="N",
            fine=100,
        )
    assert "expired on 2026-03-31" in str(err.value)
    assert case.status == CaseStatus.NOTICE


def test_extension_adds_thirty_days_approved_by_another_head(pworld):
    p = pworld
    case = _staffed(p)
    assert case.decision_due == D(2026, 5, 31)
    with pytest.raises(ValidationError):
        cases.request_extension(p.mia, case, days=31, reason="复杂")
    with pytest.raises(ValidationError):
        cases.request_extension(p.mia, case, days=30, reason=" ")
    ext = cases.request_extension(p.mia, case, days=30, reason="需要鉴定")
    assert ext.is_pending and ext.new_due == D(2026, 6, 30)
    with pytest.raises(ValidationError):
        cases.request_extension(p.mia, case, days=10, reason="again")
    # Officers may not approve; nor may another agency; the head approves.
    with pytest.raises(PermissionDenied):
        cases.approve_extension(p.mia, ext)
    with pytest.raises(PermissionDenied):
        cases.approve_extension(p.carl, ext)
    cases.approve_extension(p.hank, ext, note="同意")
    case.refresh_from_db()
    assert (
        case.decision_due
        == D(2026, 6, 30)
        == clocks.due("penalty_decision_extension", D(2026, 5, 31))
    )
    assert ext.approved_by == p.hank and ext.previous_due == D(2026, 5, 31)
    event = case.events.order_by("pk").last()
    assert event.by == p.hank and "30 days" in event.note and event.to_status == case.status
    with pytest.raises(ValidationError):
        cases.approve_extension(p.hank, ext)
    # The head's own request needs someone else; a rejection leaves the date.
    # A second extension needs a collective decision of the leadership (rule 64).
    with pytest.raises(ValidationError) as err:
        cases.request_extension(p.hank, case, days=5, reason="再延")
    assert "collective" in err.value.message_dict
    own = cases.request_extension(p.hank, case, days=5, reason="再延", collective=True)
    with pytest.raises(PermissionDenied) as err:
        cases.approve_extension(p.hank, own)
    assert "someone other" in str(err.value)
    cases.reject_extension(_second_head(p), own, note="不同意")
    own.refresh_from_db()
    case.refresh_from_db()
    assert own.rejected_at and case.decision_due == D(2026, 6, 30)


def _second_head(p):
    from tests.factories import make_user

    return make_user("harry", p.amr, "enforcement_head")


def test_disclosure_clock_counts_working_days_across_national_day_2026():
    # Decided Friday 2026-09-25: 20 working days skip 1-7 October and count the make-up
    # working day Saturday 10 October.
    due = clocks.due("disclosure", D(2026, 9, 25))
    assert due == D(2026, 10, 29)
    assert clocks.remaining("disclosure", due, D(2026, 9, 30)) == 17
    assert clocks.remaining("disclosure", due, D(2026, 10, 7)) == 17
    # The decision clock counts calendar days straight through the holiday.
    assert clocks.due("penalty_decision", D(2026, 9, 1)) == D(2026, 11, 30)


def test_penalty_across_national_day_sets_the_disclosure_due(pworld):
    p = pworld
    case = _staffed(p, opened=D(2026, 8, 3))
    _penalty(p, case, notice=D(2026, 9, 10), decided=D(2026, 9, 25))
    assert case.disclosure_due == D(2026, 10, 29)


def test_update_case_and_repeat_by_hand(pworld, monkeypatch):
    from ipcity.protection import repeats, transfers

    p = pworld
    calls = []
    monkeypatch.setattr(transfers, "propose_if_over", lambda u, c: calls.append(("t", c.pk)))
    monkeypatch.setattr(repeats, "refresh", lambda c: calls.append(("r", c.pk)) or [])
    case = cases.open_case(p.mia, agency=p.amr, title="t", right_type="trademark")
    cases.update_case(
        p.mia,
        case,
        business_amount="60000",
        offence="counterfeit_mark",
        is_malicious=True,
        goods="假冒运动鞋 200 双",
        is_repeat=True,
    )
    assert case.business_amount == 60000 and case.is_malicious and case.offence
    assert case.is_repeat and case.repeat_set_by_hand
    assert ("t", case.pk) in calls
    calls.clear()
    cases.update_case(p.mia, case, is_repeat=None)
    case.refresh_from_db()
    assert not case.repeat_set_by_hand and ("r", case.pk) in calls
    with pytest.raises(ValidationError):
        cases.update_case(p.mia, case, status="closed")
    with pytest.raises(ValidationError):
        cases.update_case(p.mia, case, business_amount="-1")
    with pytest.raises(PermissionDenied):
        cases.update_case(p.carl, case, goods="x")
    # Parties: name key, credit code, organization link; a bad code is refused.
    party = cases.add_party(
        p.mia,
        case,
        role="respondent",
        kind="organization",
        name="北京市示例甲科技有限责任公司",
        uscc="91110112ma01abcd1x",
    )
    assert party.uscc == "91110112MA01ABCD1X" and party.organization == p.enterprise_a
    assert party.name_key == "示例甲科技有限公司"
    with pytest.raises(ValidationError):
        cases.add_party(p.mia, case, role="respondent", kind="organization", name="x", uscc="12")
    cases.remove_party(p.mia, case, party)
    assert not case.parties.exists()


def test_deadline_reminders_go_once_per_case_kind_and_date(pworld):
    p = pworld
    on = D(2026, 11, 20)
    soon = make_case(p.amr, number="S1", opened_on=D(2026, 8, 27))  # due 11-25: 5 days left
    late = make_case(p.amr, number="S2", opened_on=D(2026, 8, 1))  # due 10-30: overdue
    make_case(p.amr, number="S3", opened_on=D(2026, 11, 1))  # due 2027: nothing
    undisclosed = make_case(
        p.culture,
        number="S4",
        status=CaseStatus.DECIDED,
        decision_kind="penalty",
        decided_on=D(2026, 10, 1),
        disclosure_due=D(2026, 10, 30),
    )
    from ipcity.protection.models import CaseHandler

    CaseHandler.objects.create(case=soon, officer=p.mia_officer, assigned_on=D(2026, 9, 1))
    sent = cases.send_deadline_reminders(on)
    titles = {(n.user.username, n.title) for n in Notification.objects.all()}
    assert sent == len(titles)
    assert any(u == "mia" and "S1" in t and "5 days left" in t for u, t in titles)
    assert any(u == "hank" and "S2" in t and "was due on 2026-10-30" in t for u, t in titles)
    assert any(u == "carl" and "S4" in t and "disclosed" in t for u, t in titles)
    assert not any("S4" in t for u, t in titles if u in ("mia", "hank"))
    assert not any("S3" in t for _u, t in titles)
    assert not any(u in ("alice", "paul", "pete", "leo") for u, _t in titles)
    assert cases.send_deadline_reminders(on) == 0
    # A new due date is a new reminder.
    late.decision_due = D(2026, 11, 25)
    late.save()
    assert cases.send_deadline_reminders(on) == 2  # mia and hank
    assert undisclosed.reminders.count() == 1
    from ipcity.core.daily import duties

    assert "case-deadlines" in [d.name for d in duties()]
