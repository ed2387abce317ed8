"""Traffic lights on the Chinese working-day calendar, reminders, escalation and the circular."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document

from ipcity.core.jobs import submit
from ipcity.core.models import Job, Notification
from ipcity.plans import supervision
from ipcity.plans.choices import Light, TaskStatus
from ipcity.plans.models import Meeting, PlanTask, Resolution
from tests.factories import make_user

from .task_builders import make_plan, make_task

# The calendar reads administrators' holiday entries from the database.
pytestmark = pytest.mark.django_db

# The 2024 National Day holiday runs 10-01..10-07 with make-up working days on Sunday 09-29
# and Saturday 10-12: from Friday 09-27 to Thursday 10-10 there are 13 calendar days but only
# five working days (09-29, 09-30, 10-08, 10-09, 10-10).
FRIDAY_BEFORE_HOLIDAY = date(2024, 9, 27)
AFTER_HOLIDAY = date(2024, 10, 10)


def test_a_deadline_after_the_national_day_holiday_is_yellow_within_five_working_days():
    assert supervision.light_for(AFTER_HOLIDAY, False, 5, FRIDAY_BEFORE_HOLIDAY) == Light.YELLOW


def test_the_same_deadline_is_still_green_with_four_yellow_days():
    assert supervision.light_for(AFTER_HOLIDAY, False, 4, FRIDAY_BEFORE_HOLIDAY) == Light.GREEN


def test_calendar_days_alone_would_have_called_it_green():
    assert (AFTER_HOLIDAY - FRIDAY_BEFORE_HOLIDAY).days == 13


def test_a_passed_deadline_is_red_and_a_completed_item_is_done_whatever_its_deadline():
    assert supervision.light_for(date(2024, 9, 26), False, 5, FRIDAY_BEFORE_HOLIDAY) == Light.RED
    assert supervision.light_for(date(2024, 9, 26), True, 5, FRIDAY_BEFORE_HOLIDAY) == Light.DONE


def test_a_deadline_today_is_yellow_and_no_deadline_is_green():
    assert supervision.light_for(FRIDAY_BEFORE_HOLIDAY, False, 0, FRIDAY_BEFORE_HOLIDAY) == (
        Light.YELLOW
    )
    assert supervision.light_for(None, False, 5, FRIDAY_BEFORE_HOLIDAY) == Light.GREEN


def test_a_deadline_on_a_holiday_counts_the_working_days_before_it():
    # 09-28 (Saturday, off), 09-29 and 09-30 (working), 10-01..10-03 off: two working days.
    assert supervision.light_for(date(2024, 10, 3), False, 2, FRIDAY_BEFORE_HOLIDAY) == (
        Light.YELLOW
    )
    assert supervision.light_for(date(2024, 10, 3), False, 1, FRIDAY_BEFORE_HOLIDAY) == (
        Light.GREEN
    )


@pytest.mark.parametrize("yellow_days", [0, 1, 2, 5, 10])
def test_the_list_calculator_agrees_with_the_single_item_rule(yellow_days):
    calc = supervision.LightCalculator(FRIDAY_BEFORE_HOLIDAY)
    for offset in range(-3, 40):
        deadline = FRIDAY_BEFORE_HOLIDAY + timedelta(days=offset)
        assert calc.light(deadline, False, yellow_days) == supervision.light_for(
            deadline, False, yellow_days, FRIDAY_BEFORE_HOLIDAY
        ), deadline


def test_the_light_filter_selects_the_same_tasks_the_pages_show():
    plan = make_plan(yellow_days=5)
    other = make_plan("另一方案", yellow_days=2)
    deadlines = [date(2024, 9, 20), AFTER_HOLIDAY, date(2024, 10, 3), date(2024, 11, 30), None]
    for deadline in deadlines:
        make_task(plan, deadline=deadline)
        make_task(other, deadline=deadline)
    make_task(plan, deadline=date(2024, 9, 1), status=TaskStatus.COMPLETED)
    tasks = supervision.annotate_lights(
        PlanTask.objects.select_related("plan"), on=FRIDAY_BEFORE_HOLIDAY
    )
    for light in Light.values:
        expected = {t.pk for t in tasks if t.light == light}
        found = set(
            PlanTask.objects.filter(supervision.light_q(light, FRIDAY_BEFORE_HOLIDAY)).values_list(
                "pk", flat=True
            )
        )
        assert found == expected, light


def test_a_resolution_is_lit_by_the_same_rule(world):
    plan = make_plan(yellow_days=5)
    meeting = Meeting.objects.create(plan=plan, title="第一次联席会议", held_on=date(2024, 9, 1))
    resolution = Resolution.objects.create(
        meeting=meeting, text="完善专利导航工作机制", owner=world.unit, deadline=AFTER_HOLIDAY
    )
    assert supervision.resolution_light(resolution, FRIDAY_BEFORE_HOLIDAY) == Light.YELLOW
    resolution.status = TaskStatus.COMPLETED
    assert supervision.resolution_light(resolution, FRIDAY_BEFORE_HOLIDAY) == Light.DONE


# --- reminders ----------------------------------------------------------------------------


@pytest.fixture
def due_tasks(world):
    plan = make_plan(yellow_days=5)
    near = make_task(
        plan, 1, title="开展专利导航", deadline=AFTER_HOLIDAY, lead=[world.unit], co=[world.office]
    )
    late = make_task(plan, 2, title="建设保护中心", deadline=date(2024, 9, 2), lead=[world.unit])
    make_task(plan, 3, title="远期任务", deadline=date(2024, 12, 31), lead=[world.unit])
    make_task(
        plan,
        4,
        title="已完成任务",
        deadline=date(2024, 9, 2),
        lead=[world.unit],
        status=TaskStatus.COMPLETED,
    )
    return near, late


def test_reminders_go_to_the_users_of_the_lead_unit_before_and_after_the_deadline(world, due_tasks):
    near, late = due_tasks
    result = supervision.send_reminders(FRIDAY_BEFORE_HOLIDAY)
    titles = set(Notification.objects.filter(user=world.bob).values_list("title", "link"))
    assert titles == {
        (f"Deadline near: {near}", near.get_absolute_url()),
        (f"Overdue: {late}", late.get_absolute_url()),
    }
    assert result.sent == 2
    # The office is only a cooperating unit of the near task: its users are not chased.
    assert not Notification.objects.filter(user__in=[world.alice, world.leo]).exists()


def test_reminders_are_not_repeated_the_same_day(world, due_tasks):
    supervision.send_reminders(FRIDAY_BEFORE_HOLIDAY)
    again = supervision.send_reminders(FRIDAY_BEFORE_HOLIDAY)
    assert again.sent == 0
    assert again.skipped == 2
    assert Notification.objects.filter(user=world.bob).count() == 2


def test_reminders_are_sent_again_the_next_day(world, due_tasks):
    supervision.send_reminders(FRIDAY_BEFORE_HOLIDAY)
    Notification.objects.update(created_at=timezone.now() - timedelta(days=1))
    assert supervision.send_reminders(FRIDAY_BEFORE_HOLIDAY).sent == 2


def test_a_resolution_owner_is_reminded_too(world):
    meeting = Meeting.objects.create(title="联席会议", held_on=date(2024, 9, 1))
    Resolution.objects.create(
        meeting=meeting, text="报送年度工作总结", owner=world.unit, deadline=date(2024, 9, 20)
    )
    supervision.send_reminders(FRIDAY_BEFORE_HOLIDAY)
    assert Notification.objects.get(user=world.bob).title == "Overdue: 报送年度工作总结"


def test_the_supervise_command_sends_the_reminders_once(world, due_tasks):
    out = io.StringIO()
    call_command("supervise", "--date", "2024-09-27", stdout=out)
    call_command("supervise", "--date", "2024-09-27", stdout=out)
    assert "2 reminders sent" in out.getvalue()
    assert "0 reminders sent, 2 already sent today" in out.getvalue()


def test_the_supervise_command_rejects_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("supervise", "--date", "27.09.2024")


def test_the_reminder_job_runs_and_reports_its_counts(
    world, due_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = submit("plans.send_reminders", "Reminders", world.alice, {"date": "2024-09-27"})
    job = Job.objects.get(pk=job.pk)
    assert job.status == "succeeded", job.log
    assert job.result["sent"] == 2


# --- escalation and circular --------------------------------------------------------------


@pytest.fixture
def overdue(world):
    plan = make_plan()
    today = timezone.localdate()
    old = make_task(
        plan, 1, title="最久逾期", deadline=today - timedelta(days=30), lead=[world.unit]
    )
    recent = make_task(
        plan, 2, title="刚刚逾期", deadline=today - timedelta(days=2), lead=[world.office]
    )
    make_task(plan, 3, title="未到期", deadline=today + timedelta(days=60), lead=[world.unit])
    return plan, old, recent


def test_the_escalation_list_puts_the_most_overdue_first_with_its_lead_unit(world, overdue, login):
    _plan, old, recent = overdue
    response = login(world.alice).get(reverse("plans:escalation"))
    assert response.status_code == 200
    items = response.context["items"]
    assert [item.obj for item in items] == [old, recent]
    assert items[0].lead_units == [world.unit.name]
    assert items[0].days_overdue == 30


def test_a_unit_sees_only_its_own_overdue_tasks(world, overdue, login):
    _plan, old, _recent = overdue
    response = login(world.bob).get(reverse("plans:escalation"))
    assert [item.obj for item in response.context["items"]] == [old]


def test_the_leader_reads_the_escalation_list_and_a_stranger_is_refused(world, overdue, login):
    assert login(world.leo).get(reverse("plans:escalation")).status_code == 200
    assert login(world.charlie).get(reverse("plans:escalation")).status_code == 403


def test_the_circular_is_a_word_document_listing_the_overdue_tasks(world, overdue, login):
    plan, old, _recent = overdue
    response = login(world.alice).get(reverse("plans:circular") + f"?plan={plan.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(cell.text for table in document.tables for cell in table._cells)
    assert "关于重点工作任务逾期未完成情况的通报" in text
    assert "共有2项任务" in text
    assert str(old) in cells and world.unit.name in cells
    assert "未到期" not in cells


def test_the_circular_says_so_when_nothing_is_overdue(world, login):
    make_plan()
    response = login(world.alice).get(reverse("plans:circular"))
    document = Document(io.BytesIO(response.content))
    assert "暂无逾期未完成事项" in "\n".join(p.text for p in document.paragraphs)


def test_a_stranger_gets_no_circular(world, overdue, login):
    assert login(world.charlie).get(reverse("plans:circular")).status_code == 403


def test_users_of_a_subordinate_unit_are_not_reminded_for_the_parent_units_task(world, due_tasks):
    other_user = make_user("dora", world.subunit, "unit_operator")
    supervision.send_reminders(FRIDAY_BEFORE_HOLIDAY)
    assert not Notification.objects.filter(user=other_user).exists()
