import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipcity.indicators import measures
from ipcity.indicators.compute import compute_year
from ipcity.indicators.models import IndicatorSnapshot, Population
from ipcity.rights.highvalue import classify_queryset
from ipcity.rights.models import HighValueRuleSet
from tests.factories import make_org

from .conftest import make_patent

pytestmark = pytest.mark.django_db


def total(code, year):
    return IndicatorSnapshot.objects.get(definition__code=code, year=year, dimension="total")


def test_valid_invention_patents_are_counted_by_hand(district):
    values = compute_year(2020)

    assert values["valid_invention_patents"] == 7
    # lapsed, utility model, granted in 2021, outside, unresolved: none counted; all types = 8
    assert values["valid_patents"] == 8


def test_per_10k_is_rounded_half_up_to_four_places(district):
    values = compute_year(2020)

    # 7 / 1,840,295 × 10,000 = 0.038037…
    assert values["valid_invention_patents_per_10k"] == Decimal("0.0380")
    snap = total("valid_invention_patents_per_10k", 2020)
    assert snap.numerator == 7
    assert snap.denominator == 1_840_295
    assert snap.population_used == district.population
    assert "census 2020-11-01" in snap.note


def test_per_10k_without_a_population_figure_is_null_with_a_note(district):
    values = compute_year(2023)

    assert values["valid_invention_patents"] == 8  # the one granted in 2021 is held by now
    assert values["valid_invention_patents_per_10k"] is None
    snap = total("valid_invention_patents_per_10k", 2023)
    assert snap.note == "No population figure for 2023."
    assert snap.population_used is None


def test_streets_industries_and_holder_types_add_up_to_the_total(district):
    compute_year(2020)

    def groups(dimension):
        return {
            s.dimension_value: int(s.value)
            for s in IndicatorSnapshot.objects.filter(
                definition__code="valid_invention_patents", year=2020, dimension=dimension
            )
        }

    assert groups("street") == {"110112001000": 4, "": 3}
    assert groups("industry") == {"M": 4, "C": 3}
    assert groups("holder_kind") == {"enterprise": 7}
    holders = groups("holder")
    assert holders == {str(district.enterprise_a.pk): 4, str(district.enterprise_b.pk): 3}


def top_holders(code, year):
    ctx = measures.make_context(year)
    measure = measures.MEASURES[code]
    return [
        (g.label, g.count)
        for g in measures.groups(measures.records(measure, ctx), measure, ctx, "holder")
    ]


def test_top_holders_rank_by_count_then_name_even_when_ties_run_past_what_is_read(district):
    # 130 holders with one patent each, made in the reverse order of their names: the cut at
    # the 20th holder ties with 128 others, more than the first read of the groups holds.
    singles = [make_org(f"单件持有人{n:03d}有限公司") for n in reversed(range(130))]
    for org in singles:
        make_patent([org])
    co_held = make_patent([district.enterprise_b, district.enterprise_a])  # one each, counted once

    got = top_holders("valid_invention_patents", 2020)

    assert got[:2] == [(district.enterprise_a.name, 5), (district.enterprise_b.name, 4)]
    assert got[2:] == [(f"单件持有人{n:03d}有限公司", 1) for n in range(18)]
    assert co_held.holder_links.count() == 2


def test_top_holders_of_fewer_holders_than_the_list_are_all_listed(district):
    got = top_holders("valid_invention_patents", 2020)

    assert got == [(district.enterprise_a.name, 4), (district.enterprise_b.name, 3)]


def test_high_value_follows_the_rule_set_of_the_year(district):
    old = make_patent([district.enterprise_a], filing_date=datetime.date(2010, 5, 1))
    pledged = make_patent([district.enterprise_a], pledge_amount=Decimal("800"))
    make_patent([district.enterprise_a], awards="中国专利优秀奖")
    make_patent([district.enterprise_b], overseas_granted_family=True)
    make_patent([district.enterprise_b], main_ipc="G06N 3/08", ipc_codes="G06N 3/08")
    classify_queryset()
    Population.objects.create(
        region=district.district, year=2025, resident_population=2_000_000, kind="year-end"
    )

    values = compute_year(2025)
    # no pledge threshold yet: the pledged patent does not count
    assert values["high_value_invention_patents"] == 4
    assert values["hv_pledge"] == 0
    assert "No pledge threshold" in total("hv_pledge", 2025).note
    assert values["high_value_per_10k"] == Decimal("0.0200")  # 4 / 2,000,000 × 10,000
    assert total("high_value_per_10k", 2025).rule_version == "cnipa-2021"

    HighValueRuleSet.objects.filter(code="cnipa-2021").update(pledge_threshold=Decimal("500"))
    values = compute_year(2025)
    assert values["high_value_invention_patents"] == 5
    assert values["hv_pledge"] == 1

    values_2026 = compute_year(2026)
    assert values_2026["hv_pledge"] is None  # not a criterion from 2026
    assert values_2026["high_value_invention_patents"] == 4
    assert total("high_value_invention_patents", 2026).rule_version == "cnipa-2026"
    # maintained more than 10 years at the end of 2025 already: filed 2010
    assert values["hv_maintained_10y"] == 1
    assert pledged.pk and old.pk


def test_years_without_a_rule_set_have_no_high_value_figure(district):
    values = compute_year(2020)

    assert values["high_value_invention_patents"] is None
    assert total("high_value_invention_patents", 2020).note == (
        "No high-value rule set covers 2020."
    )
    assert values["high_value_per_10k"] is None


def test_other_rights_are_counted(district):
    from ipcity.rights.models import Copyright, GeographicalIndication, Trademark

    Trademark.objects.create(
        registration_number="1000001",
        mark="示例",
        holder=district.enterprise_a,
        attribution="in_district",
        registration_date=datetime.date(2019, 1, 1),
        is_madrid=True,
    )
    Trademark.objects.create(
        registration_number="1000002",
        mark="示例二",
        holder=district.enterprise_a,
        attribution="outside",
        registration_date=datetime.date(2019, 1, 1),
    )
    GeographicalIndication.objects.create(
        name="示例大樱桃",
        kind="product",
        stage="registered",
        applicant=district.enterprise_a,
        registered_date=datetime.date(2018, 1, 1),
    )
    GeographicalIndication.objects.create(
        name="示例小米", kind="mark", stage="reserve", applicant=district.enterprise_a
    )
    Copyright.objects.create(
        kind="software",
        registration_number="2020SR000001",
        title="示例软件",
        holder=district.enterprise_a,
        registration_date=datetime.date(2020, 4, 1),
    )

    values = compute_year(2020)

    assert values["valid_trademarks"] == 1
    assert values["madrid_registrations"] == 1
    assert values["geographical_indications"] == 1
    assert values["software_copyrights"] == 1
    assert values["plant_variety_rights"] == 0
    kinds = IndicatorSnapshot.objects.filter(
        definition__code="geographical_indications", year=2020, dimension="kind"
    )
    assert {(s.dimension_value, int(s.value)) for s in kinds} == {("product", 1)}


def test_the_number_of_queries_does_not_grow_with_the_records(district):
    with CaptureQueriesContext(connection) as few:
        compute_year(2020)
    for _ in range(20):
        make_patent([district.enterprise_a], region=district.street)
    with CaptureQueriesContext(connection) as many:
        compute_year(2020)

    assert len(many) == len(few)


def test_recomputing_replaces_the_year(district):
    compute_year(2020)
    first = IndicatorSnapshot.objects.filter(year=2020).count()
    compute_year(2020)

    assert IndicatorSnapshot.objects.filter(year=2020).count() == first


def test_the_cli_prints_the_district_totals_as_json(district):
    out = StringIO()
    call_command("indicators", "compute", "--year", "2020", "--json", stdout=out)

    values = json.loads(out.getvalue())
    assert values["valid_invention_patents"] == 7
    assert values["valid_invention_patents_per_10k"] == 0.038
    assert values["high_value_invention_patents"] is None
    assert values["high_value_per_10k"] is None


def test_the_cli_refuses_a_future_year(district):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("indicators", "compute", "--year", "2999", "--json")


def test_the_shipped_population_is_loaded_once_the_district_exists(world):
    compute_year(2020)

    figure = Population.objects.get(region=world.district, year=2020)
    assert figure.resident_population == 1_840_295
    assert figure.source == "Beijing 7th population census bulletin No. 2"
