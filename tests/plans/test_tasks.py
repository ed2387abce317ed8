"""Plan overview, task detail with its division of work, KPIs and history, and "my tasks"."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ipcity.plans.choices import Light, TaskStatus, UnitRole
from ipcity.plans.models import KPI, PlanTask, TaskUnit
from tests.factories import make_org, make_user

from .task_builders import make_kpi, make_plan, make_section, make_task


@pytest.fixture
def plan_world(world):
    today = timezone.localdate()
    plan = make_plan(yellow_days=5)
    creation = make_section(plan, "（一）", "建立知识产权创造机制", order=1)
    protection = make_section(plan, "（三）", "建立知识产权保护机制", order=3)
    mine = make_task(
        plan,
        1,
        title="实施专利质量提升行动",
        section=creation,
        deadline=today + timedelta(days=120),
        lead=[world.unit],
        co=[world.office],
    )
    sub = make_task(
        plan,
        2,
        title="开展高价值专利培育",
        section=creation,
        deadline=today - timedelta(days=3),
        lead=[world.subunit],
    )
    office_only = make_task(
        plan,
        9,
        title="完善知识产权保护体系",
        section=protection,
        deadline=today + timedelta(days=1),
        lead=[world.office],
    )
    return plan, mine, sub, office_only


# --- overview -----------------------------------------------------------------------------


def test_the_office_sees_every_task_grouped_by_mechanism_with_lights(world, plan_world, login):
    plan, mine, sub, office_only = plan_world
    response = login(world.alice).get(reverse("plans:overview", args=[plan.pk]))
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g["section"].title for g in groups] == ["建立知识产权创造机制", "建立知识产权保护机制"]
    assert [t.pk for t in groups[0]["tasks"]] == [mine.pk, sub.pk]
    lights = {t.pk: t.light for g in groups for t in g["tasks"]}
    assert lights == {mine.pk: Light.GREEN, sub.pk: Light.RED, office_only.pk: Light.YELLOW}
    assert 'data-light="red"' in response.content.decode()


def test_the_overview_filters_by_light(world, plan_world, login):
    plan, _mine, sub, _office_only = plan_world
    response = login(world.alice).get(reverse("plans:overview", args=[plan.pk]) + "?light=red")
    assert [t.pk for g in response.context["groups"] for t in g["tasks"]] == [sub.pk]


def test_a_unit_sees_only_the_tasks_of_its_unit_and_subordinates(world, plan_world, login):
    plan, mine, sub, _office_only = plan_world
    response = login(world.bob).get(reverse("plans:overview", args=[plan.pk]))
    shown = {t.pk for g in response.context["groups"] for t in g["tasks"]}
    assert shown == {mine.pk, sub.pk}


def test_the_leader_reads_the_overview_and_a_stranger_is_refused(world, plan_world, login):
    plan = plan_world[0]
    assert login(world.leo).get(reverse("plans:overview", args=[plan.pk])).status_code == 200
    assert login(world.charlie).get(reverse("plans:overview", args=[plan.pk])).status_code == 403


def test_an_unknown_plan_is_a_404(world, login):
    assert login(world.alice).get(reverse("plans:overview", args=[999999])).status_code == 404


def test_the_overview_runs_a_bounded_number_of_queries(
    world, plan_world, login, django_assert_max_num_queries
):
    plan = plan_world[0]
    for number in range(10, 40):
        make_task(plan, number, lead=[world.unit], co=[world.subunit, world.office])
    client = login(world.alice)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("plans:overview", args=[plan.pk]))
    assert response.context["task_count"] == 33


# --- task detail and division of work -----------------------------------------------------


def test_a_unit_reads_its_tasks_detail_with_units_and_kpis(world, plan_world, login):
    _plan, mine, _sub, _office_only = plan_world
    make_kpi(mine, baseline=100, target=200, actual=150)
    response = login(world.bob).get(reverse("plans:task_detail", args=[mine.pk]))
    assert response.status_code == 200
    assert [u.organization for u in response.context["task"].lead_units] == [world.unit]
    assert response.context["kpi_rows"][0]["percent"] == 50
    assert response.context["can_report"] is True
    assert response.context["can_edit"] is False


def test_a_task_of_another_unit_is_a_404_for_a_unit_and_the_stranger(world, plan_world, login):
    office_only = plan_world[3]
    url = reverse("plans:task_detail", args=[office_only.pk])
    assert login(world.bob).get(url).status_code == 404
    assert login(world.charlie).get(url).status_code == 404
    assert login(world.leo).get(url).status_code == 200


def test_the_office_edits_the_deadline_and_milestones_and_it_is_in_the_history(
    world, plan_world, login
):
    mine = plan_world[1]
    client = login(world.alice)
    response = client.post(
        reverse("plans:task_edit", args=[mine.pk]),
        {
            "title": mine.title,
            "deadline": "2024-12-31",
            "status": TaskStatus.IN_PROGRESS,
            "milestones": "9月底前完成调研",
            "expected_outputs": "专利导航报告",
        },
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert str(mine.deadline) == "2024-12-31"
    assert mine.history.first().history_user == world.alice
    history = client.get(reverse("plans:task_history", args=[mine.pk]))
    assert history.status_code == 200
    assert "9月底前完成调研" in history.content.decode()


def test_completing_a_task_needs_the_day_it_was_completed(world, plan_world, login):
    mine = plan_world[1]
    response = login(world.alice).post(
        reverse("plans:task_edit", args=[mine.pk]),
        {"title": mine.title, "status": TaskStatus.COMPLETED},
    )
    assert response.status_code == 400
    assert "completed" in response.content.decode()


def test_units_and_the_leader_may_not_edit_the_division_of_work(world, plan_world, login):
    mine = plan_world[1]
    url = reverse("plans:task_edit", args=[mine.pk])
    assert login(world.bob).get(url).status_code == 403
    assert login(world.leo).post(url, {"title": "x"}).status_code == 403
    assert login(world.charlie).get(url).status_code == 404


def test_the_office_assigns_and_removes_a_unit(world, plan_world, login):
    office_only = plan_world[3]
    client = login(world.alice)
    client.post(
        reverse("plans:task_unit_add", args=[office_only.pk]),
        {"unit-organization": world.unit.pk, "unit-role": UnitRole.CO},
    )
    link = TaskUnit.objects.get(task=office_only, organization=world.unit)
    assert link.role == UnitRole.CO
    assert PlanTask.objects.restrict(world.bob, "view").filter(pk=office_only.pk).exists()
    client.post(reverse("plans:task_unit_remove", args=[link.pk]))
    assert not TaskUnit.objects.filter(pk=link.pk).exists()
    assert TaskUnit.history.filter(id=link.pk, history_type="-").get().history_user == world.alice


def test_a_unit_is_not_assigned_twice(world, plan_world, login):
    mine = plan_world[1]
    response = login(world.alice).post(
        reverse("plans:task_unit_add", args=[mine.pk]),
        {"unit-organization": world.unit.pk, "unit-role": UnitRole.LEAD},
        follow=True,
    )
    assert "already assigned" in response.content.decode()
    assert TaskUnit.objects.filter(task=mine, organization=world.unit).count() == 1


def test_a_unit_may_not_assign_units(world, plan_world, login):
    mine = plan_world[1]
    response = login(world.bob).post(
        reverse("plans:task_unit_add", args=[mine.pk]),
        {"unit-organization": world.subunit.pk, "unit-role": UnitRole.CO},
    )
    assert response.status_code == 403


# --- KPIs on the task page ----------------------------------------------------------------


def test_the_office_adds_a_kpi(world, plan_world, login):
    mine = plan_world[1]
    response = login(world.alice).post(
        reverse("plans:kpi_add", args=[mine.pk]),
        {"name": "专利导航项目", "unit": "项", "baseline": "0", "target": "4", "year": "2024",
         "higher_is_better": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert KPI.objects.get(task=mine).target == 4


def test_a_unit_enters_the_actual_of_its_kpi_but_adds_none(world, plan_world, login):
    mine = plan_world[1]
    kpi = make_kpi(mine, baseline=0, target=4)
    client = login(world.bob)
    assert client.get(reverse("plans:kpi_add", args=[mine.pk])).status_code == 403
    response = client.post(reverse("plans:kpi_edit", args=[kpi.pk]), {"actual": "3"})
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert kpi.actual == 3
    assert kpi.actual_updated_at is not None
    assert kpi.completion == 0.75


def test_a_unit_cannot_type_over_an_indicator_bound_kpi(world, plan_world, login):
    kpi = make_kpi(plan_world[1], target=30, indicator_code="invention-per-10k")
    response = login(world.bob).post(reverse("plans:kpi_edit", args=[kpi.pk]), {"actual": "99"})
    assert response.status_code == 400
    kpi.refresh_from_db()
    assert kpi.actual is None


def test_the_leader_and_the_stranger_cannot_edit_kpis(world, plan_world, login):
    kpi = make_kpi(plan_world[1], target=4)
    url = reverse("plans:kpi_edit", args=[kpi.pk])
    assert login(world.leo).post(url, {"actual": "1"}).status_code == 403
    assert login(world.charlie).post(url, {"actual": "1"}).status_code == 404


# --- my tasks -----------------------------------------------------------------------------


def test_my_tasks_lists_the_units_and_subordinates_open_tasks_due_soonest_first(
    world, plan_world, login
):
    plan, mine, sub, _office_only = plan_world
    today = timezone.localdate()
    soon = make_task(
        plan, 20, title="近期任务", deadline=today + timedelta(days=10), co=[world.unit]
    )
    undated = make_task(plan, 21, title="无期限任务", lead=[world.unit])
    make_task(
        plan, 22, lead=[world.unit], deadline=today, status=TaskStatus.COMPLETED, title="已完成"
    )
    response = login(world.bob).get(reverse("plans:my_tasks"))
    assert response.status_code == 200
    tasks = response.context["tasks"]
    assert [t.pk for t in tasks] == [sub.pk, soon.pk, mine.pk, undated.pk]
    assert [t.light for t in tasks] == [Light.RED, Light.GREEN, Light.GREEN, Light.GREEN]
    assert tasks[1].my_roles == ["Cooperating unit"]


def test_my_tasks_can_include_completed_tasks(world, plan_world, login):
    plan = plan_world[0]
    done = make_task(plan, 30, lead=[world.unit], status=TaskStatus.COMPLETED)
    response = login(world.bob).get(reverse("plans:my_tasks") + "?all=1")
    assert done.pk in [t.pk for t in response.context["tasks"]]


def test_my_tasks_of_a_subordinate_unit_do_not_include_the_parents(world, plan_world, login):
    _plan, _mine, sub, _office_only = plan_world
    dora = make_user("dora", world.subunit, "unit_operator")
    response = login(dora).get(reverse("plans:my_tasks"))
    assert [t.pk for t in response.context["tasks"]] == [sub.pk]


def test_my_tasks_is_refused_to_a_stranger_and_empty_without_an_organization(
    world, plan_world, login
):
    assert login(world.charlie).get(reverse("plans:my_tasks")).status_code == 403
    loner = make_user("lone", None, "leader")
    response = login(loner).get(reverse("plans:my_tasks"))
    assert response.status_code == 200
    assert response.context["tasks"] == []


def test_my_tasks_runs_a_bounded_number_of_queries(
    world, plan_world, login, django_assert_max_num_queries
):
    plan = plan_world[0]
    other = make_org("通州区教育委员会", "government")
    for number in range(40, 80):
        make_task(plan, number, lead=[world.unit], co=[world.subunit, other])
    client = login(world.bob)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("plans:my_tasks"))
    assert len(response.context["tasks"]) == 42


def test_the_office_opens_the_task_and_kpi_forms(world, plan_world, login):
    mine = plan_world[1]
    kpi = make_kpi(mine, target=4)
    client = login(world.alice)
    assert client.get(reverse("plans:task_edit", args=[mine.pk])).status_code == 200
    assert client.get(reverse("plans:kpi_add", args=[mine.pk])).status_code == 200
    assert client.get(reverse("plans:kpi_edit", args=[kpi.pk])).status_code == 200
    detail = client.get(reverse("plans:task_detail", args=[mine.pk]))
    assert detail.context["can_edit"] is True
    assert 'name="unit-organization"' in detail.content.decode()
