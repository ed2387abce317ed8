"""Builders for the task, report and supervision tests: a plan with mechanisms and tasks."""

import itertools

from ipcity.plans.choices import SectionKind, UnitRole
from ipcity.plans.models import KPI, Plan, PlanSection, PlanTask, ProgressReport, TaskUnit

_numbers = itertools.count(1)


def make_plan(title="北京市通州区知识产权试点工作方案", **fields) -> Plan:
    fields.setdefault("target_year", 2024)
    fields.setdefault("yellow_days", 5)
    fields.setdefault("status", "active")
    return Plan.objects.create(title=title, **fields)


def make_section(plan, number="（一）", title="建立知识产权创造机制", order=None) -> PlanSection:
    return PlanSection.objects.create(
        plan=plan,
        kind=SectionKind.MECHANISM,
        number=number,
        title=title,
        order=order if order is not None else next(_numbers),
    )


def make_task(plan, number=None, *, lead=(), co=(), section=None, **fields) -> PlanTask:
    task = PlanTask.objects.create(
        plan=plan,
        section=section,
        number=number if number is not None else next(_numbers),
        title=fields.pop("title", "实施专利质量提升行动"),
        **fields,
    )
    for order, org in enumerate(lead):
        TaskUnit.objects.create(task=task, organization=org, role=UnitRole.LEAD, order=order)
    for order, org in enumerate(co):
        TaskUnit.objects.create(task=task, organization=org, role=UnitRole.CO, order=order)
    return task


def make_report(task, organization, period="2024-Q2", **fields) -> ProgressReport:
    fields.setdefault("text", "本季度完成专利导航项目一项。")
    return ProgressReport.objects.create(
        task=task, organization=organization, period=period, **fields
    )


def make_kpi(task, **fields) -> KPI:
    fields.setdefault("name", "发明专利授权量")
    return KPI.objects.create(task=task, **fields)
