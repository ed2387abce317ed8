"""The plans API with the personas: plans, tasks with lights, reports and their review, KPIs."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ipcity.accounts.models import APIToken
from ipcity.plans.choices import ReportStatus
from ipcity.plans.models import ProgressReport

from .task_builders import make_kpi, make_plan, make_report, make_task


@pytest.fixture
def api(db):
    """`api(user)` is a client sending that user's personal token."""

    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


def _json(client, method, url, body=None):
    response = getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json"
    )
    return response.status_code, response.json()


@pytest.fixture
def tasks(world):
    today = timezone.localdate()
    plan = make_plan(yellow_days=5)
    late = make_task(
        plan, 1, title="开展专利导航", deadline=today - timedelta(days=5), lead=[world.unit]
    )
    later = make_task(
        plan, 2, title="完善保护体系", deadline=today + timedelta(days=200), lead=[world.office]
    )
    return plan, late, later


def test_every_reader_lists_the_plans_and_the_stranger_none(world, tasks, api):
    plan = tasks[0]
    assert api(world.leo).get("/api/plans/plans/").json()["results"][0]["id"] == plan.pk
    assert api(world.bob).get(f"/api/plans/plans/{plan.pk}/").json()["yellow_days"] == 5
    assert api(world.charlie).get("/api/plans/plans/").json()["count"] == 0
    assert api(world.charlie).get(f"/api/plans/plans/{plan.pk}/").status_code == 404


def test_tasks_come_with_units_and_lights_in_each_personas_scope(world, tasks, api):
    _plan, late, later = tasks
    body = api(world.alice).get("/api/plans/tasks/").json()
    assert [(t["number"], t["light"]) for t in body["results"]] == [(1, "red"), (2, "green")]
    assert body["results"][0]["units"][0]["organization"]["id"] == world.unit.pk
    assert [t["id"] for t in api(world.bob).get("/api/plans/tasks/").json()["results"]] == [late.pk]
    assert api(world.leo).get("/api/plans/tasks/").json()["count"] == 2
    assert api(world.charlie).get("/api/plans/tasks/").json()["count"] == 0
    assert api(world.bob).get(f"/api/plans/tasks/{later.pk}/").status_code == 404


def test_tasks_filter_by_light_unit_and_status(world, tasks, api):
    plan, late, later = tasks
    client = api(world.alice)
    assert [t["id"] for t in client.get("/api/plans/tasks/?light=red").json()["results"]] == [
        late.pk
    ]
    by_unit = client.get(f"/api/plans/tasks/?unit={world.office.pk}").json()["results"]
    assert [t["id"] for t in by_unit] == [later.pk]
    assert client.get("/api/plans/tasks/?status=completed").json()["count"] == 0
    assert client.get(f"/api/plans/tasks/?plan={plan.pk}&light=done").json()["count"] == 0
    assert client.get("/api/plans/tasks/?light=purple").status_code == 422


def test_a_unit_reports_through_the_api_and_the_office_accepts(world, tasks, api):
    late = tasks[1]
    bob = api(world.bob)
    status, body = _json(
        bob,
        "post",
        "/api/plans/reports/",
        {
            "task": late.pk,
            "period": "2024-Q3",
            "text": "已完成导航报告初稿。",
            "figures": {"项目": 1},
        },
    )
    assert status == 201, body
    assert body["organization"]["id"] == world.unit.pk
    assert body["status"] == "draft"
    report_id = body["id"]
    status, body = _json(bob, "post", f"/api/plans/reports/{report_id}/submit/")
    assert (status, body["status"], body["submitted_by"]) == (200, "submitted", "bob")
    status, body = _json(bob, "post", f"/api/plans/reports/{report_id}/accept/")
    assert status == 403
    status, body = _json(api(world.leo), "post", f"/api/plans/reports/{report_id}/accept/")
    assert status == 403
    status, body = _json(api(world.charlie), "post", f"/api/plans/reports/{report_id}/accept/")
    assert status == 404
    status, body = _json(
        api(world.alice), "post", f"/api/plans/reports/{report_id}/accept/", {"comment": "好"}
    )
    assert (status, body["status"], body["reviewed_by"]) == (200, "accepted", "alice")
    status, body = _json(api(world.alice), "post", f"/api/plans/reports/{report_id}/return/")
    assert status == 422
    assert "status" in body["errors"] or "comment" in body["errors"]


def test_a_report_on_someone_elses_task_is_refused(world, tasks, api):
    later = tasks[2]
    status, _body = _json(
        api(world.bob), "post", "/api/plans/reports/", {"task": later.pk, "text": "越权"}
    )
    assert status == 404
    status, _body = _json(
        api(world.leo), "post", "/api/plans/reports/", {"task": later.pk, "text": "只读"}
    )
    assert status == 403
    assert not ProgressReport.objects.exists()


def test_a_bad_period_is_a_field_error(world, tasks, api):
    status, body = _json(
        api(world.bob),
        "post",
        "/api/plans/reports/",
        {"task": tasks[1].pk, "period": "next spring", "text": "x"},
    )
    assert status == 422
    assert "period" in body["errors"]


def test_reports_are_listed_in_scope(world, tasks, api):
    _plan, late, later = tasks
    mine = make_report(late, world.unit, status=ReportStatus.SUBMITTED)
    make_report(later, world.office)
    assert [r["id"] for r in api(world.bob).get("/api/plans/reports/").json()["results"]] == [
        mine.pk
    ]
    assert api(world.alice).get("/api/plans/reports/?status=submitted").json()["count"] == 1
    assert api(world.charlie).get(f"/api/plans/reports/{mine.pk}/").status_code == 404
    assert api(world.leo).get(f"/api/plans/reports/{mine.pk}/").status_code == 200


def test_a_unit_enters_a_kpi_actual_but_nothing_else(world, tasks, api):
    kpi = make_kpi(tasks[1], baseline=0, target=4)
    bob = api(world.bob)
    status, body = _json(bob, "patch", f"/api/plans/kpis/{kpi.pk}/", {"actual": 3})
    assert (status, body["actual"], body["completion"]) == (200, 3.0, 0.75)
    status, _body = _json(bob, "patch", f"/api/plans/kpis/{kpi.pk}/", {"target": 1})
    assert status == 403
    status, _body = _json(api(world.leo), "patch", f"/api/plans/kpis/{kpi.pk}/", {"actual": 1})
    assert status == 403
    status, _body = _json(api(world.charlie), "patch", f"/api/plans/kpis/{kpi.pk}/", {"actual": 1})
    assert status == 404


def test_the_office_changes_a_kpi_and_binds_it_to_an_indicator(world, tasks, api):
    kpi = make_kpi(tasks[1], baseline=0, target=4, actual=2)
    status, body = _json(
        api(world.alice),
        "patch",
        f"/api/plans/kpis/{kpi.pk}/",
        {"target": 8, "indicator_code": "no-such-indicator"},
    )
    assert status == 200, body
    assert body["target"] == 8.0
    assert body["actual"] is None
    assert "no-such-indicator" in body["note"]


def test_kpis_are_listed_in_scope(world, tasks, api):
    mine = make_kpi(tasks[1])
    make_kpi(tasks[2])
    assert [k["id"] for k in api(world.bob).get("/api/plans/kpis/").json()["results"]] == [mine.pk]
    assert api(world.alice).get("/api/plans/kpis/?bound=false").json()["count"] == 2
    assert api(world.charlie).get(f"/api/plans/kpis/{mine.pk}/").status_code == 404


def test_the_task_list_runs_a_bounded_number_of_queries(
    world, tasks, api, django_assert_max_num_queries
):
    plan = tasks[0]
    for number in range(10, 60):
        make_task(plan, number, lead=[world.unit], co=[world.office, world.subunit])
    client = api(world.alice)
    with django_assert_max_num_queries(15):
        body = client.get("/api/plans/tasks/?limit=100").json()
    assert body["count"] == 52


def test_a_filter_value_does_not_reveal_an_organization_outside_the_scope(world, api):
    hidden = api(world.bob).get(f"/api/plans/reports/?organization={world.enterprise_b.pk}")
    missing = api(world.bob).get("/api/plans/reports/?organization=999999")
    assert hidden.status_code == missing.status_code == 422
    unit = api(world.bob).get(f"/api/plans/tasks/?unit={world.enterprise_b.pk}")
    assert unit.status_code == 422
