"""KPI completion arithmetic and KPIs bound to computed indicators."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ipcity.plans import kpis

from .task_builders import make_kpi, make_plan, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(world):
    return make_task(make_plan(target_year=2024), 1, lead=[world.unit])


@pytest.mark.parametrize(
    ("baseline", "target", "actual", "completion"),
    [
        (100, 200, 150, Decimal("0.5")),  # half way from baseline to target
        (100, 200, 260, 1),  # beyond the target counts as done, not more
        (100, 200, 80, 0),  # below the baseline counts as nothing
        (None, 4, 3, Decimal("0.75")),  # no baseline: from zero
        (10, 5, 7, Decimal("0.6")),  # lower is better: the span runs downwards
        (5, 5, 5, 1),  # target equal to the baseline: met or not
        (5, 5, 4, 0),
    ],
)
def test_completion_is_the_share_of_the_way_from_baseline_to_target(
    task, baseline, target, actual, completion
):
    kpi = make_kpi(task, baseline=baseline, target=target, actual=actual)
    kpi.refresh_from_db()
    assert kpi.completion == completion


def test_completion_is_undefined_without_an_actual_or_a_target(task):
    assert make_kpi(task, target=4).completion is None
    assert make_kpi(task, name="无目标", actual=4).completion is None
    assert kpis.completion_percent(make_kpi(task, name="比例", target=4, actual=1)) == 25


def _indicator(code="invention-per-10k", year=2024, value="31.2500", computed_ago=0):
    from ipcity.indicators.models import IndicatorDefinition, IndicatorSnapshot

    definition, _ = IndicatorDefinition.objects.get_or_create(
        code=code, defaults={"name": "每万人口发明专利拥有量"}
    )
    return IndicatorSnapshot.objects.create(
        definition=definition,
        year=year,
        dimension="total",
        value=Decimal(value) if value is not None else None,
        computed_at=timezone.now() - timedelta(hours=computed_ago),
    )


def test_a_bound_kpi_takes_the_latest_district_total_of_its_year(task):
    _indicator(value="30.0000", computed_ago=5)
    _indicator(value="31.2500", computed_ago=1)
    _indicator(year=2023, value="25.0000")
    kpi = make_kpi(task, target=35, baseline=25, indicator_code="invention-per-10k")
    found = kpis.refresh_kpi(kpi)
    kpi.refresh_from_db()
    assert kpi.actual == Decimal("31.25")
    assert found.note == ""
    assert kpi.actual_updated_at is not None
    assert kpi.completion == Decimal("0.625")


def test_a_bound_kpi_without_a_year_reads_the_plans_target_year(task):
    _indicator(year=2024, value="12")
    kpi = make_kpi(task, indicator_code="invention-per-10k")
    kpis.refresh_kpi(kpi)
    assert kpi.actual == 12


def test_a_street_value_is_not_taken_for_the_district_total(task):
    from ipcity.indicators.models import IndicatorSnapshot

    snapshot = _indicator(value="99")
    IndicatorSnapshot.objects.filter(pk=snapshot.pk).update(dimension="street")
    kpi = make_kpi(task, indicator_code="invention-per-10k", year=2024)
    kpis.refresh_kpi(kpi)
    assert kpi.actual is None


def test_an_indicator_not_computed_yet_leaves_the_actual_empty_with_a_note(task):
    _indicator(year=2023)
    kpi = make_kpi(task, indicator_code="invention-per-10k", year=2024)
    found = kpis.refresh_kpi(kpi)
    assert kpi.actual is None
    assert "has not been computed for 2024" in found.note
    assert "has not been computed for 2024" in kpis.binding_note(kpi)


def test_an_unknown_indicator_code_is_named_in_the_note(task):
    kpi = make_kpi(task, indicator_code="no-such-indicator", year=2024)
    assert "no-such-indicator" in kpis.refresh_kpi(kpi).note
    assert kpi.actual is None


def test_a_kpi_reported_by_hand_is_left_alone(task):
    kpi = make_kpi(task, actual=3)
    assert kpis.refresh_kpi(kpi) is None
    assert kpi.actual == 3


def test_refreshing_all_kpis_counts_the_changed_ones(task):
    _indicator(value="20")
    make_kpi(task, name="绑定", indicator_code="invention-per-10k", year=2024)
    make_kpi(task, name="手工", actual=1)
    assert kpis.refresh_all() == 1
    assert kpis.refresh_all() == 0
