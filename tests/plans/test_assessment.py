"""Assessment arithmetic: item points, effective scores, bonus cap, veto, ties and auto KPIs."""

from decimal import Decimal as D

import pytest
from django.utils import timezone

from ipcity.plans import assessment as engine
from ipcity.plans.choices import ItemMethod, UnitRole
from ipcity.plans.models import KPI, AssessmentItem, AssessmentScheme, Plan, PlanTask, TaskUnit

M, A, B, V = ItemMethod.MANUAL, ItemMethod.AUTO_KPI, ItemMethod.BONUS, ItemMethod.VETO


def line(method, maximum, claim=None, review=None, veto=False):
    return engine.ItemLine(method, D(maximum), claim, review, veto)


def test_the_total_adds_regular_items_and_capped_bonus():
    lines = [
        line(M, 40, claim=D("35")),
        line(A, 60, claim=D("48.5")),
        line(B, 8, claim=D("8")),
        line(B, 8, claim=D("6")),
    ]
    result = engine.total_for(lines, bonus_cap=D("10"))
    assert result.regular == D("83.5")
    assert result.bonus_claimed == D("14")
    assert result.bonus == D("10")
    assert result.total == D("93.50")
    assert result.vetoed is False


def test_the_review_score_replaces_the_units_claim():
    assert line(M, 40, claim=D("40"), review=D("30")).effective == D("30")
    assert line(M, 40, claim=D("40"), review=D("0")).effective == D("0")
    assert line(M, 40, claim=D("25")).effective == D("25")
    assert line(M, 40).effective is None


def test_scores_are_clamped_to_the_items_points():
    assert line(M, 10, review=D("12")).effective == D("10")
    assert line(M, 10, review=D("-3")).effective == D("0")


def test_a_triggered_veto_makes_the_total_zero():
    lines = [line(M, 100, claim=D("99")), line(V, 0, veto=True)]
    result = engine.total_for(lines, bonus_cap=D("10"))
    assert result.total == 0
    assert result.vetoed is True


def test_an_untriggered_veto_changes_nothing():
    lines = [line(M, 100, claim=D("99")), line(V, 0, veto=False)]
    assert engine.total_for(lines, D("10")).total == D("99.00")


def test_ties_share_a_rank_and_the_next_rank_skips():
    entries = [
        engine.RankEntry("a", D("90")),
        engine.RankEntry("b", D("95")),
        engine.RankEntry("c", D("90")),
        engine.RankEntry("d", D("80")),
    ]
    ranked = {e.key: e.rank for e in engine.rank(entries)}
    assert ranked == {"b": 1, "a": 2, "c": 2, "d": 4}


def test_vetoed_units_rank_last_and_share_that_rank():
    entries = [
        engine.RankEntry("a", D("0"), vetoed=True),
        engine.RankEntry("b", D("10")),
        engine.RankEntry("c", D("0")),
        engine.RankEntry("d", D("0"), vetoed=True),
    ]
    ordered = engine.rank(entries)
    assert [e.key for e in ordered][:2] == ["b", "c"]
    ranked = {e.key: e.rank for e in ordered}
    assert ranked["b"] == 1 and ranked["c"] == 2
    assert ranked["a"] == ranked["d"] == 3


def test_kpi_completion_score_is_points_times_the_mean():
    assert engine.kpi_completion_score(D("20"), [1, D("0.5")]) == D("15.00")
    assert engine.kpi_completion_score(D("20"), [None, 1]) == D("10.00")
    assert engine.kpi_completion_score(D("20"), []) is None
    assert engine.kpi_completion_score(D("10"), [D("1") / 3]) == D("3.33")


def test_an_item_without_points_is_worth_its_weight_of_the_base(db):
    scheme = AssessmentScheme(year=2026, name="s", base_points=D("100"))
    assert engine.item_max(AssessmentItem(weight=D("0.25"), max_points=0), scheme) == D("25.00")
    assert engine.item_max(AssessmentItem(weight=D("0.25"), max_points=D("30")), scheme) == D("30")


@pytest.fixture
def kpi_world(world):
    plan = Plan.objects.create(title="方案")
    mine = PlanTask.objects.create(plan=plan, number=1, title="专利质量提升")
    other = PlanTask.objects.create(plan=plan, number=2, title="商标品牌")
    TaskUnit.objects.create(task=mine, organization=world.unit, role=UnitRole.LEAD)
    TaskUnit.objects.create(task=other, organization=world.office, role=UnitRole.LEAD)
    # 50% of the way from 100 to 200, fully met, and one not reported (counts as 0).
    KPI.objects.create(task=mine, name="发明专利", baseline=100, target=200, actual=150, year=2026)
    KPI.objects.create(task=mine, name="高价值专利", baseline=0, target=10, actual=12)
    KPI.objects.create(task=mine, name="转化项目", baseline=0, target=5, year=2026)
    # Ignored: another year, and no target.
    KPI.objects.create(task=mine, name="往年", target=10, actual=0, year=2025)
    KPI.objects.create(task=mine, name="无目标", actual=3, year=2026)
    KPI.objects.create(task=other, name="商标", target=10, actual=10, year=2026)
    scheme = AssessmentScheme.objects.create(year=2026, name="2026年度考核", plan=plan)
    return plan, mine, other, scheme


def test_auto_kpi_averages_the_units_kpis_of_the_year(world, kpi_world):
    _plan, _mine, _other, scheme = kpi_world
    item = AssessmentItem.objects.create(scheme=scheme, name="任务完成", method=A, max_points=30)
    score, note = engine.auto_score(item, world.unit, scheme)
    # mean(0.5, 1, 0) = 0.5 → 15 points
    assert score == D("15.00")
    assert "3 KPI" in note


def test_auto_kpi_with_a_task_counts_only_that_tasks_kpis(world, kpi_world):
    _plan, _mine, other, scheme = kpi_world
    item = AssessmentItem.objects.create(
        scheme=scheme, name="商标", method=A, max_points=10, task=other
    )
    assert engine.auto_score(item, world.office, scheme)[0] == D("10.00")
    # bob's unit is not assigned to that task: nothing to measure.
    assert engine.auto_score(item, world.unit, scheme)[0] is None


def test_a_kpi_with_several_units_is_counted_once(world, kpi_world):
    _plan, mine, _other, scheme = kpi_world
    TaskUnit.objects.create(task=mine, organization=world.unit, role=UnitRole.CO)
    item = AssessmentItem.objects.create(scheme=scheme, name="任务完成", method=A, max_points=30)
    assert engine.auto_score(item, world.unit, scheme)[0] == D("15.00")


def test_quantize_rounds_half_up():
    assert engine.quantize(D("2.345")) == D("2.35")
    assert engine.quantize(timezone.localdate().year) == D(str(timezone.localdate().year))
