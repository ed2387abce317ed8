"""Cultivation criteria evaluated against the registry, the certificates, the designations and
the facts enterprises report: every measure, every comparison, optional criteria, missing data,
and a bounded number of queries however many enterprises are evaluated."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipcity.utilization import criteria
from ipcity.utilization.models import CultivationCriterion, Designation

from ..factories import make_org
from ..rights.registry_builders import make_copyright, make_patent, make_trademark
from .test_cultivation_builders import (
    make_certificate,
    make_criterion,
    make_designation,
    make_facts,
)

TODAY = datetime.date(2026, 3, 1)


def evaluate_one(org, criterion, today=TODAY):
    result = criteria.evaluate([org.pk], [criterion], today)[org.pk]
    assert len(result.items) == 1
    return result.items[0]


def values(orgs, criterion, today=TODAY):
    result = criteria.evaluate([o.pk for o in orgs], [criterion], today)
    return [(result[o.pk].items[0]["value"], result[o.pk].items[0]["met"]) for o in orgs]


@pytest.fixture
def patents(world):
    """Enterprise A: 2 valid inventions (one high-value, one shared with B), a lapsed
    invention, a valid utility model and an invention filed in 2021 still pending."""
    a, b = world.enterprise_a, world.enterprise_b
    make_patent("甲发明一", [a], is_high_value=True, filing_date=datetime.date(2024, 5, 1))
    make_patent("甲乙共有发明", [a, b], filing_date=datetime.date(2019, 5, 1))
    make_patent("甲失效发明", [a], legal_status="lapsed", filing_date=datetime.date(2023, 6, 1))
    make_patent("甲实用新型", [a], patent_type="utility_model", application_number=None)
    make_patent("甲审中发明", [a], legal_status="pending", filing_date=datetime.date(2022, 1, 5))
    return a, b


def test_valid_inventions_count_each_patent_once_per_holder(world, patents):
    a, b = patents
    criterion = make_criterion("valid_inventions", "gte", 2)
    assert values([a, b], criterion) == [(2, True), (1, False)]


def test_valid_patents_count_every_type(world, patents):
    a, b = patents
    assert values([a, b], make_criterion("valid_patents", "gte", 3)) == [(3, True), (1, False)]


def test_high_value_inventions(world, patents):
    a, b = patents
    assert values([a, b], make_criterion("high_value_inventions", "gte", 1)) == [
        (1, True),
        (0, False),
    ]


def test_invention_filings_of_the_last_three_years_whatever_their_status(world, patents):
    a, b = patents
    # 2024-05-01 (valid), 2023-06-01 (lapsed) count; 2022-01-05 is more than 3 years before
    # 2026-03-01, 2019 too; the utility model is not an invention.
    assert values([a, b], make_criterion("invention_filings_3y", "gte", 2)) == [
        (2, True),
        (0, False),
    ]
    assert values(
        [a], make_criterion("invention_filings_3y", "gte", 3), today=datetime.date(2025, 1, 1)
    ) == [(3, True)]


def test_registered_trademarks_and_software_copyrights(world):
    a = world.enterprise_a
    make_trademark("甲标一", holder=a, status="registered")
    make_trademark("甲标二", holder=a, status="registered")
    make_trademark("甲标申请中", holder=a, status="pending")
    make_copyright("甲管理软件V1.0", holder=a)
    make_copyright("甲作品", holder=a, kind="work", registration_number="国作登字-2021-F-001")
    assert values([a], make_criterion("registered_trademarks", "gte", 2)) == [(2, True)]
    assert values([a], make_criterion("software_copyrights", "gte", 2)) == [(1, False)]


def test_gbt29490_certificate_valid_today_and_the_2013_transition(world):
    a, b = world.enterprise_a, world.enterprise_b
    c = make_org("示例丙科技有限公司")
    make_certificate(a, number="CERT-A")
    # A 2013 certificate not converted: no longer valid after 2025-12-31.
    make_certificate(b, standard_version="2013", number="CERT-B")
    make_certificate(c, expiry_date=datetime.date(2025, 1, 1), number="CERT-C")
    criterion = make_criterion("valid_gbt29490", "true")
    assert values([a, b, c], criterion) == [(True, True), (False, False), (False, False)]
    item = evaluate_one(a, criterion)
    assert item["detail"].startswith("CERT-A") and item["ref"]
    # Before the transition ended, B's 2013 certificate still counted.
    assert values([b], criterion, today=datetime.date(2025, 6, 1)) == [(True, True)]


def test_facts_come_from_the_latest_year_that_gives_them_and_missing_facts_never_meet(world):
    a, b = world.enterprise_a, world.enterprise_b
    make_facts(a, 2023, employees=100, rd_staff=20, revenue=1000, rd_expense=50)
    newest = make_facts(a, 2024, employees=200, revenue=2000, rd_expense=300)
    staff = make_criterion("rd_staff", "gte", 10)
    share = make_criterion("rd_staff_share", "gte", 10)
    expense = make_criterion("rd_expense_share", "gte", 10)
    assert values([a, b], staff) == [(20, True), (None, False)]
    assert values([a, b], share) == [(20.0, True), (None, False)]
    assert values([a, b], expense) == [(15.0, True), (None, False)]
    assert evaluate_one(a, expense)["detail"] == "2024"
    assert evaluate_one(a, expense)["ref"] == newest.pk
    assert evaluate_one(a, staff)["detail"] == "2023"


def test_holds_a_valid_designation_of_a_kind_and_level(world):
    a, b = world.enterprise_a, world.enterprise_b
    make_designation(a, "ip_advantage", "district", 2024, valid_until=datetime.date(2027, 1, 1))
    make_designation(b, "ip_advantage", "district", 2021, valid_until=datetime.date(2024, 1, 1))
    any_level = make_criterion("has_designation", "true", parameter="ip_advantage")
    municipal = make_criterion("has_designation", "true", parameter="ip_advantage:municipal")
    assert values([a, b], any_level) == [(True, True), (False, False)]
    assert values([a], municipal) == [(False, False)]


def test_registered_in_the_district(uworld):
    nowhere = make_org("示例无地址有限公司")
    criterion = make_criterion("in_district", "true")
    assert values([uworld.enterprise_a, uworld.outside, nowhere], criterion) == [
        (True, True),
        (False, False),
        (None, False),
    ]


@pytest.mark.parametrize(
    ("comparison", "threshold", "met"),
    [
        ("gte", 2, True),
        ("gte", 3, False),
        ("gt", 1, True),
        ("gt", 2, False),
        ("lte", 2, True),
        ("lte", 1, False),
        ("eq", 2, True),
        ("eq", 1, False),
        ("true", None, True),
        ("gte", None, False),  # no threshold set: never met
    ],
)
def test_comparisons(world, patents, comparison, threshold, met):
    a, _b = patents
    item = evaluate_one(a, make_criterion("valid_inventions", comparison, threshold))
    assert (item["value"], item["met"]) == (2, met)


def test_a_zero_count_is_not_true(world):
    assert evaluate_one(world.enterprise_b, make_criterion("valid_patents", "true"))["met"] is False


def test_meets_all_needs_every_required_criterion_but_no_optional_one(world, patents):
    a, b = patents
    required = make_criterion("valid_inventions", "gte", 1)
    optional = make_criterion("rd_staff", "gte", 10, is_required=False)
    result = criteria.evaluate([a.pk, b.pk], [required, optional], TODAY)
    assert (result[a.pk].met, result[a.pk].total, result[a.pk].meets_all) == (1, 2, True)
    items = {i["code"]: i for i in result[a.pk].items}
    assert items[optional.code]["required"] is False and items[optional.code]["value"] is None
    missed = make_criterion("high_value_inventions", "gte", 1)
    result = criteria.evaluate([b.pk], [required, optional, missed], TODAY)
    assert (result[b.pk].met, result[b.pk].total, result[b.pk].meets_all) == (1, 3, False)
    assert criteria.evaluate([a.pk], [], TODAY)[a.pk].meets_all is False


def test_a_track_takes_its_level_and_level_free_criteria_only_when_active(world):
    make_criterion("valid_patents", "gte", 1, target_kind="benchmark", target_level="")
    make_criterion("valid_patents", "gte", 1, target_kind="benchmark", target_level="district")
    make_criterion("valid_patents", "gte", 1, target_kind="benchmark", target_level="national")
    make_criterion("valid_patents", "gte", 1, target_kind="benchmark", is_active=False)
    assert len(criteria.criteria_for("benchmark", "district")) == 2
    assert len(criteria.criteria_for("benchmark", "national")) == 2
    assert len(criteria.criteria_for("benchmark", "")) == 1


def test_the_starting_criteria_are_data(db):
    codes = set(CultivationCriterion.objects.values_list("code", flat=True))
    assert {"adv-inventions", "adv-gbt29490", "demo-rd-share"} <= codes
    track = criteria.criteria_for("ip_demonstration", "district")
    assert {c.code for c in track if not c.is_required} == {"demo-rd-share"}


def every_metric_criteria():
    rows = []
    for metric in criteria.COUNT_METRICS + criteria.FACT_METRICS:
        rows.append(make_criterion(metric, "gte", 1))
    rows.append(make_criterion("valid_gbt29490", "true"))
    rows.append(make_criterion("has_designation", "true", parameter="high_tech"))
    rows.append(make_criterion("has_designation", "true", parameter="ip_advantage"))
    rows.append(make_criterion("in_district", "true"))
    return rows


def build_enterprises(world, n):
    orgs = []
    for i in range(n):
        org = make_org(region=world.street)
        make_patent(f"发明{i}", [org], is_high_value=True, filing_date=datetime.date(2025, 1, 1))
        make_trademark(f"标{i}", holder=org, status="registered")
        make_copyright(f"软件{i}V1.0", holder=org)
        make_facts(org, 2024, employees=50, rd_staff=10, revenue=100, rd_expense=10)
        make_designation(org, "high_tech", "national", 2024)
        make_certificate(org)
        orgs.append(org)
    return orgs


def test_evaluation_queries_do_not_grow_with_enterprises(world):
    rules = every_metric_criteria()
    few = build_enterprises(world, 2)
    many = few + build_enterprises(world, 12)
    with CaptureQueriesContext(connection) as small:
        result = criteria.evaluate([o.pk for o in few], rules, TODAY)
    with CaptureQueriesContext(connection) as large:
        result = criteria.evaluate([o.pk for o in many], rules, TODAY)
    assert len(large) == len(small) <= 14
    sample = result[many[-1].pk]
    assert sample.total == len(rules)
    assert sample.met == len(rules) - 1  # everything but the ip_advantage designation


# -- registered in the district, in bulk ---------------------------------------------------------


def unplaced_and_outside(uworld, n):
    """n enterprises nothing in their record places (no credit code, address or region: the
    review list decides) and n registered in a region outside the district."""
    orgs = []
    for _ in range(n):
        orgs.append(make_org(region=None))
        orgs.append(make_org(region=uworld.outside_region))
    return orgs


def test_in_district_queries_do_not_grow_with_enterprises(uworld):
    rule = [make_criterion("in_district", "true")]
    few = unplaced_and_outside(uworld, 1)
    many = few + unplaced_and_outside(uworld, 10)
    with CaptureQueriesContext(connection) as small:
        criteria.evaluate([o.pk for o in few], rule, TODAY)
    with CaptureQueriesContext(connection) as large:
        result = criteria.evaluate([o.pk for o in many], rule, TODAY)
    assert len(large) == len(small) <= 5
    values = {result[o.pk].items[0]["value"] for o in many}
    assert values == {None, False}


def test_in_district_in_bulk_reads_the_review_list_like_one_by_one(uworld):
    from ipcity.rights.models import HolderAttribution
    from ipcity.utilization import parties

    placed_in, placed_out, unknown = make_org(), make_org(), make_org()
    HolderAttribution.objects.create(organization=placed_in, attribution="in_district")
    HolderAttribution.objects.create(organization=placed_out, attribution="outside")
    orgs = [uworld.enterprise_a, uworld.outside, placed_in, placed_out, unknown]
    bulk = parties.locate_many(parties.organizations_to_locate([o.pk for o in orgs]))
    assert {o.pk: bulk[o.pk] for o in orgs} == {o.pk: parties.locate(o) for o in orgs}
    assert [bulk[o.pk].inside for o in orgs] == [True, False, True, False, None]
    assert parties.in_district(placed_in) is True and parties.in_district(None) is None


# -- how long a designation is in force ----------------------------------------------------------


def test_a_designation_without_an_end_is_never_valid_forever(world):
    a, b, c, d = world.enterprise_a, world.enterprise_b, make_org(), make_org()
    # Benchmark designations have no default term: without an end, validity is unknown.
    no_term = make_designation(a, "benchmark", "district", 2026)
    # High-tech enterprises: 3 years. From the year (through 2027-12-31), or from the start.
    by_year = make_designation(b, "high_tech", "national", 2025)
    old = make_designation(c, "high_tech", "national", 2022)
    by_start = make_designation(
        d, "high_tech", "national", 2023, valid_from=datetime.date(2023, 3, 2)
    )
    today = datetime.date(2026, 3, 1)
    current = set(
        Designation.objects.filter(criteria.designation_valid_q(today)).values_list("pk", flat=True)
    )
    assert current == {by_year.pk, by_start.pk}
    for designation in (no_term, by_year, old, by_start):
        assert criteria.designation_is_current(designation, today) == (designation.pk in current)
    assert criteria.designation_end(no_term) is None
    assert criteria.designation_end(by_year) == datetime.date(2027, 12, 31)
    assert criteria.designation_end(by_start) == datetime.date(2026, 3, 1)
    assert not criteria.designation_is_current(by_start, datetime.date(2026, 3, 2))
    benchmark = make_criterion("has_designation", "true", parameter="benchmark")
    high_tech = make_criterion("has_designation", "true", parameter="high_tech")
    assert values([a], benchmark, today) == [(False, False)]
    assert values([b, c, d], high_tech, today) == [(True, True), (False, False), (True, True)]


def test_the_designation_found_stores_the_level_code_and_shows_it_translated(world):
    a = world.enterprise_a
    designation = make_designation(
        a, "ip_advantage", "district", 2024, valid_until=datetime.date(2027, 1, 1)
    )
    item = evaluate_one(a, make_criterion("has_designation", "true", parameter="ip_advantage"))
    assert (item["detail"], item["ref"]) == ("2024 district", designation.pk)
    text, link = criteria.source_of(item, a.pk)
    # The label of the reader's language, read when shown ("District"), not the stored code.
    assert text == "Designation of 2024 District" and link.endswith(f"/{designation.pk}/")


# -- starting criteria are seeded once -----------------------------------------------------------


def test_a_deleted_starting_criterion_stays_deleted(db):
    from ipcity.utilization.loaders import ensure_criteria

    CultivationCriterion.objects.get(code="adv-rd-staff").delete()
    renamed = CultivationCriterion.objects.get(code="adv-in-district")
    renamed.code = "adv-registered-here"
    renamed.save()
    assert ensure_criteria() == 0
    codes = set(CultivationCriterion.objects.values_list("code", flat=True))
    assert "adv-rd-staff" not in codes and "adv-in-district" not in codes
    # A new database (no history of the code) gets it.
    CultivationCriterion.history.filter(code="adv-rd-staff").delete()
    assert ensure_criteria() == 1
    assert CultivationCriterion.objects.filter(code="adv-rd-staff").exists()
