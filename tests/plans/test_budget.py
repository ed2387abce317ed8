"""Funding: budget lines, expenditures with vouchers, execution rate and the overspend check."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from ipcity.plans import budgeting
from ipcity.plans.choices import UnitRole
from ipcity.plans.models import BudgetLine, Expenditure, Plan, PlanTask, TaskUnit


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def task(world):
    plan = Plan.objects.create(title="通州区知识产权试点工作方案")
    task = PlanTask.objects.create(plan=plan, number=1, title="实施专利质量提升行动")
    TaskUnit.objects.create(task=task, organization=world.unit, role=UnitRole.LEAD)
    return task


@pytest.fixture
def line(task):
    return BudgetLine.objects.create(task=task, year=2026, amount=Decimal("10000"), warn_at=0.9)


def spend(client, line, amount, **extra):
    data = {
        "spent_on": "2026-03-01",
        "amount": amount,
        "description": "专利导航项目",
        "voucher_number": "记-001",
        **extra,
    }
    return client.post(reverse("plans:budget_expenditure_create", args=[line.pk]), data)


def test_execution_rate_is_spent_over_budget(world, line):
    Expenditure.objects.create(
        budget_line=line, spent_on=datetime.date(2026, 1, 1), amount=2500, description="a"
    )
    annotated = budgeting.with_spent(BudgetLine.objects.filter(pk=line.pk)).get()
    assert annotated.spent == Decimal("2500")
    assert budgeting.rate(annotated.spent, annotated.amount) == Decimal("0.2500")
    assert budgeting.rate(Decimal("5"), Decimal("0")) is None


def test_an_expenditure_below_the_warning_share_is_saved_at_once(world, login, line):
    response = spend(login(world.alice), line, "8000")
    assert response.status_code == 302
    assert line.expenditures.count() == 1


def test_passing_the_warning_share_asks_for_confirmation_first(world, login, line):
    client = login(world.alice)
    spend(client, line, "8000")
    response = spend(client, line, "1500")
    assert response.status_code == 200
    assert "Save anyway?" in response.content.decode()
    assert line.expenditures.count() == 1
    response = spend(client, line, "1500", confirm_warning="1")
    assert response.status_code == 302
    assert line.expenditures.count() == 2


def test_exceeding_the_budget_is_refused_without_explicit_confirmation(world, login, line):
    client = login(world.alice)
    spend(client, line, "9000", confirm_warning="1")
    response = spend(client, line, "2000", confirm_warning="1")
    assert response.status_code == 200
    assert "beyond the budget" in response.content.decode()
    assert line.expenditures.count() == 1
    response = spend(client, line, "2000", confirm_overspend="1")
    assert response.status_code == 302
    exp = line.expenditures.get(amount=2000)
    assert "Overspend confirmed" in exp.history.first().history_change_reason


def test_only_the_office_may_confirm_an_overspend(world, line):
    from django.core.exceptions import PermissionDenied

    assert not budgeting.can_confirm_overspend(world.bob, line)
    assert not budgeting.can_confirm_overspend(world.leo, line)
    assert budgeting.can_confirm_overspend(world.alice, line)
    data = {"spent_on": datetime.date(2026, 1, 1), "amount": "20000", "description": "x"}
    with pytest.raises(budgeting.NeedsConfirmation):
        budgeting.record_expenditure(world.alice, line, data)
    with pytest.raises(PermissionDenied):
        budgeting.record_expenditure(world.bob, line, data, confirm_overspend=True)


def test_check_spend_levels(world, line):
    assert budgeting.check_spend(line, Decimal("9000")).level == budgeting.OK
    assert budgeting.check_spend(line, Decimal("9000.01")).level == budgeting.WARN
    assert budgeting.check_spend(line, Decimal("10000")).level == budgeting.WARN
    assert budgeting.check_spend(line, Decimal("10000.01")).level == budgeting.OVER


def test_a_voucher_is_stored_and_downloaded_by_those_who_see_the_line(world, login, line):
    client = login(world.alice)
    voucher = SimpleUploadedFile("发票.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    spend(client, line, "100", voucher=voucher)
    exp = line.expenditures.get()
    url = reverse("plans:budget_voucher", args=[exp.pk])
    for user in (world.alice, world.bob, world.leo):
        response = login(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert login(world.charlie).get(url).status_code == 404


def test_a_voucher_of_the_wrong_type_or_too_large_is_refused(world, login, line, settings):
    client = login(world.alice)
    bad = SimpleUploadedFile("run.exe", b"MZ")
    response = spend(client, line, "100", voucher=bad)
    assert response.status_code == 400
    settings.IPCITY_ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("big.pdf", b"x" * 11)
    response = spend(client, line, "100", voucher=big)
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not line.expenditures.exists()


def test_a_negative_amount_gives_a_clear_error(world, login, line):
    response = spend(login(world.alice), line, "-5")
    assert response.status_code == 400
    assert "above zero" in response.content.decode()


def test_budget_pages_for_the_personas(world, login, line):
    for user in (world.alice, world.bob, world.leo):
        client = login(user)
        assert client.get(reverse("plans:budget_list")).status_code == 200
        assert client.get(reverse("plans:budget_detail", args=[line.pk])).status_code == 200
        assert client.get(reverse("plans:budget_summary") + "?year=2026").status_code == 200
    charlie = login(world.charlie)
    assert charlie.get(reverse("plans:budget_list")).status_code == 403
    assert charlie.get(reverse("plans:budget_detail", args=[line.pk])).status_code == 404


def test_bob_and_leo_may_not_record_or_edit(world, login, line):
    for user in (world.bob, world.leo):
        client = login(user)
        assert spend(client, line, "1").status_code == 403
        assert client.get(reverse("plans:budget_edit", args=[line.pk])).status_code == 403
        assert client.get(reverse("plans:budget_create")).status_code == 403
    assert not line.expenditures.exists()


def test_a_unit_does_not_see_budgets_of_tasks_it_has_no_part_in(world, login, task):
    other = PlanTask.objects.create(plan=task.plan, number=2, title="其他任务")
    hidden = BudgetLine.objects.create(task=other, year=2026, amount=100)
    client = login(world.bob)
    assert client.get(reverse("plans:budget_detail", args=[hidden.pk])).status_code == 404


def test_office_creates_a_budget_line_once_per_task_and_year(world, login, task):
    client = login(world.alice)
    data = {"task": task.pk, "year": 2026, "amount": "5000", "source": "区财政", "warn_at": "0.8"}
    assert client.post(reverse("plans:budget_create"), data).status_code == 302
    response = client.post(reverse("plans:budget_create"), data)
    assert response.status_code == 400
    assert BudgetLine.objects.count() == 1


def test_year_summary_exports_to_excel(world, login, line):
    Expenditure.objects.create(
        budget_line=line, spent_on=datetime.date(2026, 2, 1), amount=4000, description="x"
    )
    response = login(world.alice).get(reverse("plans:budget_summary") + "?year=2026&export=xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:2] == (1, "实施专利质量提升行动")
    assert rows[1][3:7] == (10000, 4000, 6000, 0.4)
    assert rows[-1][1] == "Total"


def test_budget_list_runs_a_bounded_number_of_queries(
    world, login, task, django_assert_max_num_queries
):
    for n in range(2, 20):
        t = PlanTask.objects.create(plan=task.plan, number=n, title=f"任务{n}")
        TaskUnit.objects.create(task=t, organization=world.unit, role=UnitRole.LEAD)
        bl = BudgetLine.objects.create(task=t, year=2026, amount=1000)
        Expenditure.objects.create(
            budget_line=bl, spent_on=datetime.date(2026, 1, 1), amount=10, description="x"
        )
    client = login(world.bob)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("plans:budget_list")).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(reverse("plans:budget_summary") + "?year=2026").status_code == 200
