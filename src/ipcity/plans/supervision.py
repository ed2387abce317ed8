"""Supervision (督查督办): lights, due lists, reminders, the escalation list, the circular.

A light is computed, never stored, so it is always right for today:

- done: the item is completed;
- red: the deadline has passed and the item is not completed;
- yellow: the deadline is today or within `yellow_days` *working* days (Chinese calendar,
  holidays and make-up days included), so a deadline after a long holiday turns yellow later in
  calendar days than one in an ordinary week;
- green: otherwise, including items without a deadline.

Tasks and joint-conference resolutions share the same rule. Lists compute lights through a
`LightCalculator`, which asks the calendar once per distinct `yellow_days` instead of once per
row, and `light_q()` turns a light into a SQL filter for list and API filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ipcity.core.models import Notification
from ipcity.core.notifications import notify
from ipcity.core.workdays import add_workdays, count_workdays

from .choices import Light, TaskStatus, UnitRole

DEFAULT_YELLOW_DAYS = 10

# Order in which lists put the lights when sorted by urgency.
LIGHT_RANK = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2, Light.DONE: 3}

BADGE_CLASS = {
    Light.RED: "text-bg-danger",
    Light.YELLOW: "text-bg-warning",
    Light.GREEN: "text-bg-success",
    Light.DONE: "text-bg-secondary",
}


def today() -> date:
    return timezone.localdate()


def light_for(deadline: date | None, completed: bool, yellow_days: int, on: date) -> str:
    """The light of one item on day `on` (see the module docstring)."""
    if completed:
        return Light.DONE
    if deadline is None:
        return Light.GREEN
    if deadline < on:
        return Light.RED
    if count_workdays(on, deadline) <= yellow_days:
        return Light.YELLOW
    return Light.GREEN


def yellow_until(on: date, yellow_days: int) -> date:
    """The first deadline that is still green on day `on`.

    A deadline d is yellow when `count_workdays(on, d) <= yellow_days`, i.e. when it falls
    before the (yellow_days + 1)-th working day after `on`.
    """
    return add_workdays(on, yellow_days + 1)


@dataclass
class LightCalculator:
    """Lights for many items on one day, with one calendar walk per distinct `yellow_days`."""

    on: date = field(default_factory=today)
    _thresholds: dict[int, date] = field(default_factory=dict)

    def threshold(self, yellow_days: int) -> date:
        if yellow_days not in self._thresholds:
            self._thresholds[yellow_days] = yellow_until(self.on, yellow_days)
        return self._thresholds[yellow_days]

    def light(self, deadline: date | None, completed: bool, yellow_days: int) -> str:
        if completed:
            return Light.DONE
        if deadline is None:
            return Light.GREEN
        if deadline < self.on:
            return Light.RED
        if deadline < self.threshold(yellow_days):
            return Light.YELLOW
        return Light.GREEN

    def task(self, task) -> str:
        """A task's light; the task should come with its plan (select_related)."""
        return self.light(task.deadline, task.status == TaskStatus.COMPLETED, task.plan.yellow_days)

    def resolution(self, resolution, yellow_days: int = DEFAULT_YELLOW_DAYS) -> str:
        plan = getattr(resolution.meeting, "plan", None) if resolution.meeting_id else None
        days = plan.yellow_days if plan is not None else yellow_days
        return self.light(resolution.deadline, resolution.status == TaskStatus.COMPLETED, days)


def task_light(task, on: date | None = None) -> str:
    return light_for(
        task.deadline,
        task.status == TaskStatus.COMPLETED,
        task.plan.yellow_days,
        on or today(),
    )


def resolution_light(resolution, on: date | None = None) -> str:
    return LightCalculator(on or today()).resolution(resolution)


def annotate_lights(tasks, on: date | None = None) -> list:
    """The tasks as a list, each with `.light` and `.light_badge` set for templates."""
    calc = LightCalculator(on or today())
    tasks = list(tasks)
    for task in tasks:
        task.light = calc.task(task)
        task.light_badge = BADGE_CLASS[task.light]
        task.light_label = Light(task.light).label
    return tasks


def light_q(light: str, on: date | None = None, yellow_days_values=None) -> Q:
    """A filter on PlanTask rows that matches the tasks showing `light` on day `on`."""
    from .models import Plan

    on = on or today()
    completed = Q(status=TaskStatus.COMPLETED)
    if light == Light.DONE:
        return completed
    if light == Light.RED:
        return ~completed & Q(deadline__lt=on)
    if yellow_days_values is None:
        yellow_days_values = set(Plan.objects.values_list("yellow_days", flat=True))
    calc = LightCalculator(on)
    yellow = Q(pk__in=[])
    for days in sorted(yellow_days_values):
        yellow |= Q(plan__yellow_days=days, deadline__gte=on, deadline__lt=calc.threshold(days))
    if light == Light.YELLOW:
        return ~completed & yellow
    if light == Light.GREEN:
        return ~completed & ~Q(deadline__lt=on) & ~yellow
    return Q(pk__in=[])


# --- due lists and escalation -------------------------------------------------------------


@dataclass
class OverdueItem:
    """One row of the escalation list or the circular: a task or a resolution past its deadline."""

    kind: str  # "task" or "resolution"
    obj: object
    title: str
    deadline: date
    days_overdue: int
    workdays_overdue: int
    lead_units: list[str]
    url: str


def _lead_names(task) -> list[str]:
    return [
        str(unit.organization or unit.name_as_written)
        for unit in task.units.all()
        if unit.role == UnitRole.LEAD
    ]


def overdue_items(user, on: date | None = None, plan=None) -> list[OverdueItem]:
    """Everything in `user`'s view scope past its deadline and not completed, most overdue
    first: tasks (with their lead units) and resolutions (with their owner)."""
    from .models import PlanTask, Resolution

    on = on or today()
    tasks = (
        PlanTask.objects.restrict(user, "view")
        .filter(deadline__lt=on)
        .exclude(status=TaskStatus.COMPLETED)
        .select_related("plan")
        .prefetch_related("units__organization")
        .order_by("deadline", "plan_id", "number")
    )
    if plan is not None:
        tasks = tasks.filter(plan=plan)
    items = [
        OverdueItem(
            kind="task",
            obj=task,
            title=str(task),
            deadline=task.deadline,
            days_overdue=(on - task.deadline).days,
            workdays_overdue=0,
            lead_units=_lead_names(task),
            url=task.get_absolute_url(),
        )
        for task in tasks[:500]
    ]
    resolutions = (
        Resolution.objects.restrict(user, "view")
        .filter(deadline__lt=on)
        .exclude(status=TaskStatus.COMPLETED)
        .select_related("owner", "meeting")
        .order_by("deadline", "pk")
    )
    if plan is not None:
        resolutions = resolutions.filter(meeting__plan=plan)
    for resolution in resolutions[:500]:
        items.append(
            OverdueItem(
                kind="resolution",
                obj=resolution,
                title=str(resolution),
                deadline=resolution.deadline,
                days_overdue=(on - resolution.deadline).days,
                workdays_overdue=0,
                lead_units=[str(resolution.owner)],
                url=_resolution_url(resolution),
            )
        )
    items.sort(key=lambda item: (-item.days_overdue, item.title))
    # Many items share a deadline; each distinct one walks the calendar once.
    workdays: dict[date, int] = {}
    for item in items:
        if item.deadline not in workdays:
            workdays[item.deadline] = count_workdays(item.deadline, on)
        item.workdays_overdue = workdays[item.deadline]
    return items


def _resolution_url(resolution) -> str:
    try:
        return reverse("plans:meeting_detail", args=[resolution.meeting_id])
    except Exception:
        return ""


# --- reminders ----------------------------------------------------------------------------


@dataclass
class ReminderResult:
    sent: int = 0
    skipped: int = 0
    items: int = 0
    lines: list[str] = field(default_factory=list)


def _already_sent_today(user, title: str, link: str) -> bool:
    # The day of the clock, not the reminder's reference day: "once a day" is about inboxes.
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    return Notification.objects.filter(
        user=user,
        title=title[:200],
        link=link,
        created_at__gte=start,
        created_at__lt=start + timedelta(days=1),
    ).exists()


def _unit_users(org_ids) -> dict[int, list]:
    users: dict[int, list] = {}
    for user in get_user_model().objects.filter(organization_id__in=org_ids, is_active=True):
        users.setdefault(user.organization_id, []).append(user)
    return users


def _reminder_title(light: str, label: str) -> str:
    if light == Light.RED:
        return _("Overdue: %(item)s") % {"item": label}
    return _("Deadline near: %(item)s") % {"item": label}


def _reminder_body(light: str, deadline: date, on: date) -> str:
    if light == Light.RED:
        return _("The deadline %(deadline)s has passed (%(days)s days ago).") % {
            "deadline": deadline.isoformat(),
            "days": (on - deadline).days,
        }
    return _("The deadline is %(deadline)s (%(days)s working days left).") % {
        "deadline": deadline.isoformat(),
        "days": count_workdays(on, deadline),
    }


def send_reminders(on: date | None = None) -> ReminderResult:
    """Remind the users of the responsible units of every task and resolution that is yellow
    (deadline near) or red (overdue).

    Idempotent per day: a user who already got the same reminder (same title and link) today
    gets nothing more, so the job may run as often as cron likes.
    """
    from .models import PlanTask, Resolution

    on = on or today()
    calc = LightCalculator(on)
    result = ReminderResult()
    horizon = add_workdays(on, 60)
    targets: list[tuple[str, str, date, str, list[int]]] = []
    tasks = (
        PlanTask.objects.exclude(status=TaskStatus.COMPLETED)
        .filter(deadline__isnull=False, deadline__lte=horizon)
        .select_related("plan")
        .prefetch_related("units")
    )
    for task in tasks:
        light = calc.task(task)
        if light not in (Light.RED, Light.YELLOW):
            continue
        org_ids = [
            u.organization_id
            for u in task.units.all()
            if u.role == UnitRole.LEAD and u.organization_id
        ]
        targets.append((light, str(task), task.deadline, task.get_absolute_url(), org_ids))
    resolutions = (
        Resolution.objects.exclude(status=TaskStatus.COMPLETED)
        .filter(deadline__isnull=False, deadline__lte=horizon)
        .select_related("meeting__plan")
    )
    for resolution in resolutions:
        light = calc.resolution(resolution)
        if light not in (Light.RED, Light.YELLOW):
            continue
        targets.append(
            (
                light,
                str(resolution),
                resolution.deadline,
                _resolution_url(resolution),
                [resolution.owner_id],
            )
        )
    users = _unit_users({org for *_, orgs in targets for org in orgs})
    # Notifications are stored text: write them in the platform's language, not the caller's.
    with translation.override(settings.LANGUAGE_CODE):
        for light, label, deadline, link, org_ids in targets:
            result.items += 1
            title = _reminder_title(light, label)
            body = _reminder_body(light, deadline, on)
            for org_id in org_ids:
                for user in users.get(org_id, []):
                    if _already_sent_today(user, title, link):
                        result.skipped += 1
                        continue
                    notify(user, title, body, link)
                    result.sent += 1
                    result.lines.append(f"{user.username}: {title}")
    return result


# --- the circular (通报) -------------------------------------------------------------------


def circular_document(
    items: list[OverdueItem],
    on: date | None = None,
    *,
    issuer: str = "",
    doc_number: str = "",
    plan=None,
):
    """A circular (通报) of overdue items in official-document layout (GB/T 9704)."""
    from ipcity.core.documents import OfficialDocument, format_date

    on = on or today()
    issuer = issuer or settings.IPCITY_REGION_NAME + "知识产权工作领导小组办公室"
    title = "关于重点工作任务逾期未完成情况的通报"
    doc = OfficialDocument(title, doc_number=doc_number or None)
    doc.addressee("各成员单位")
    basis = f"《{plan.title}》" if plan is not None else "区知识产权工作方案"
    if items:
        tasks = sum(1 for item in items if item.kind == "task")
        resolutions = len(items) - tasks
        doc.paragraph(
            f"截至{format_date(on)}，{basis}确定的重点工作任务中，共有{tasks}项任务"
            + (f"、{resolutions}项联席会议议定事项" if resolutions else "")
            + "超过完成时限仍未完成。现将有关情况通报如下。"
        )
        doc.heading("一、逾期未完成事项", level=1)
        rows = [
            [
                index,
                item.title,
                "、".join(item.lead_units) or "未明确",
                format_date(item.deadline),
                item.days_overdue,
                item.workdays_overdue,
            ]
            for index, item in enumerate(items, start=1)
        ]
        doc.table(
            ["序号", "事项", "牵头单位", "完成时限", "逾期天数", "逾期工作日"],
            rows,
            widths_mm=[12, 62, 36, 30, 16, 16],
        )
        doc.heading("二、工作要求", level=1)
        doc.paragraph(
            "请上述事项的牵头单位高度重视，认真分析逾期原因，明确整改措施和完成时间，"
            "于5个工作日内将书面说明报送领导小组办公室。配合单位要积极协同，形成工作合力。"
            "领导小组办公室将持续跟踪督办，有关情况纳入年度工作考核。"
        )
    else:
        doc.paragraph(
            f"截至{format_date(on)}，{basis}确定的重点工作任务均在完成时限内推进，"
            "暂无逾期未完成事项。请各成员单位继续按照时间节点抓好落实。"
        )
    doc.signature(issuer, on)
    return doc
