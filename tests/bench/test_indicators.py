"""The indicator benchmark on a small generated data set: the recompute and DuckDB give the same
numbers, every kind of dimension included, and a row changed on one side only is reported."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO

import duckdb
import pytest
from django.core.management import call_command

from ipcity.bench import report
from ipcity.bench.generate import Options, generate
from ipcity.bench.indicators import (
    compare,
    default_year,
    duckdb_numbers,
    export_parquet,
    make_context,
    platform_numbers,
    recompute,
    run_indicators_bench,
)
from ipcity.bench.world import proportional
from ipcity.indicators.models import IndicatorDefinition, Population
from ipcity.orgs.models import Region
from ipcity.rights.models import (
    Copyright,
    GeographicalIndication,
    HighValueRuleSet,
    Patent,
    PlantVarietyRight,
)
from ipcity.utilization.loaders import ensure_editions
from ipcity.utilization.models import Certificate, Designation, InsurancePolicy, Pledge

from ..factories import make_org

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = 2025


def counted_patents():
    """Valid invention patents of the district at the end of the year, as the indicator has it."""
    return Patent.objects.filter(
        attribution="in_district",
        legal_status="valid",
        patent_type="invention",
        grant_date__lte=D(YEAR, 12, 31),
    ).order_by("pk")


@pytest.fixture
def data():
    """300 generated patents (and the rest in proportion), plus a few rows of the tables the
    generator leaves empty, population figures for the year and a pledge threshold, so that every
    indicator and every kind of dimension has something to count."""
    generate(Options(scale=proportional("indicators", 300), seed=11, files=False))
    district = Region.objects.get(code="110112")
    street = Region.objects.filter(code__startswith="110112", kind="street").order_by("code")[0]
    Population.objects.create(region=district, year=YEAR, resident_population=1_850_000)
    Population.objects.create(region=street, year=YEAR, resident_population=123_457)
    HighValueRuleSet.objects.filter(code="cnipa-2021").update(pledge_threshold=Decimal("100"))
    first, second = counted_patents()[:2]
    Patent.objects.filter(pk=first.pk).update(pledge_amount=Decimal("250.00"))
    Patent.objects.filter(pk=second.pk).update(awards="中国专利优秀奖")

    a = make_org("基准测试甲科技有限公司", region=street, industry="6513")
    b = make_org("基准测试乙农业有限公司", region=district, industry="A01")
    insurer = make_org("基准测试财产保险有限公司", kind="financial")
    GeographicalIndication.objects.create(
        name="示例大樱桃",
        kind="product",
        stage="registered",
        applicant=a,
        registered_date=D(2020, 1, 1),
    )
    GeographicalIndication.objects.create(name="示例小米", kind="mark", stage="filed", applicant=b)
    PlantVarietyRight.objects.create(
        right_number="CNA20201234567",
        variety="示例一号",
        holder=b,
        grant_date=D(2021, 3, 1),
        status="granted",
    )
    for n, (holder, day) in enumerate([(a, D(YEAR, 4, 1)), (a, D(YEAR, 5, 1)), (b, D(2024, 1, 1))]):
        Copyright.objects.create(
            kind="software",
            registration_number=f"{day.year}SR{n:06d}",
            title=f"示例软件{n}",
            holder=holder,
            registration_date=day,
        )
    for n, (insured, kind, amount) in enumerate(
        [(a, "enforcement", "200"), (b, "liability", "50.25")]
    ):
        InsurancePolicy.objects.create(
            insured=insured,
            insurer=insurer,
            kind=kind,
            policy_number=f"P{n}",
            insured_amount=Decimal(amount),
            start_date=D(YEAR, 3, 1),
        )
    ensure_editions()
    for n, (org, version, issued, converted) in enumerate(
        [
            (a, "2023", D(2024, 1, 10), None),
            (b, "2013", D(2024, 3, 1), D(YEAR, 6, 1)),  # converted to 2023: valid in 2026
            (a, "2013", D(YEAR, 1, 1), None),  # valid in 2025, not after the transition ended
        ]
    ):
        Certificate.objects.create(
            organization=org,
            standard_version=version,
            number=f"C{n}",
            body_name="示例认证有限公司",
            issue_date=issued,
            expiry_date=issued.replace(year=issued.year + 3),
            status="valid",
            converted_on=converted,
        )
    for n, (status, amount) in enumerate([("registered", "300.50"), ("cancelled", "99")]):
        Pledge.objects.create(
            pledgor=a,
            pledgee=insurer,
            amount=Decimal(amount),
            registration_date=D(YEAR, 8, 1),
            registration_number=f"Y{n}",
            status=status,
        )
    Designation.objects.create(organization=a, kind="ip_advantage", level="district", year=2024)
    Designation.objects.create(
        organization=b,
        kind="ip_demonstration",
        level="municipal",
        year=YEAR,
        valid_from=D(YEAR, 2, 1),
        valid_until=D(2028, 1, 31),
    )
    return street


def test_the_recompute_and_duckdb_give_the_same_numbers(data):
    assert default_year() == YEAR  # the generated patents are filed up to 2025

    figures = run_indicators_bench(runs=1)
    result = figures.as_dict()
    assert result["equal"], result["mismatches"]
    assert result["mismatch_count"] == 0 and result["year"] == YEAR and result["patents"] == 300
    assert result["indicators"] == IndicatorDefinition.objects.filter(is_active=True).count()
    assert result["recompute_seconds"] > 0 and result["duckdb_seconds"] > 0 and result["ratio"]
    assert 0 < result["creation_seconds"] < result["recompute_seconds"]
    assert result["export_rows"]["patent"] == 300 and result["parquet_mb"] > 0
    json.dumps(result)

    # The comparison covered every kind of group, and the added rows were counted.
    numbers = platform_numbers(YEAR)
    assert result["values"] == len(numbers) > 100
    assert {dimension for _code, dimension, _group in numbers} == {
        "total",
        "street",
        "industry",
        "holder_kind",
        "holder",
        "patent_type",
        "criterion",
        "kind",
        "source",
        "origin",
    }
    totals = {code: v for (code, dimension, _g), (v, _n) in numbers.items() if dimension == "total"}
    assert totals["hv_pledge"] >= 1 and totals["hv_award"] >= 1
    assert totals["valid_invention_patents_per_10k"] > 0
    assert ("valid_invention_patents_per_10k", "street", data.code) in numbers
    assert totals["geographical_indications"] == 1 and totals["plant_variety_rights"] == 1
    assert totals["software_copyrights"] == 2 and totals["insured_amount"] == Decimal("250.25")
    assert totals["valid_gbt29490_certificates"] == 3
    assert totals["ip_advantage_enterprises"] == totals["ip_demonstration_enterprises"] == 1
    assert totals["pledge_registration_amount"] >= Decimal("300.50")
    assert totals["pledges_registered"] >= 1 and totals["transactions"] > 0


def test_the_numbers_agree_in_the_next_rule_set_and_after_the_transition(data):
    """2026: the four-criterion rule set, and 2013-edition certificates no longer valid unless
    converted."""
    result = run_indicators_bench(year=YEAR + 1, runs=1).as_dict()
    assert result["equal"], result["mismatches"]
    numbers = platform_numbers(YEAR + 1)
    totals = {code: v for (code, dimension, _g), (v, _n) in numbers.items() if dimension == "total"}
    assert totals["hv_pledge"] is None and totals["valid_gbt29490_certificates"] == 2


def test_a_row_changed_on_one_side_is_reported(data, tmp_path):
    ctx = make_context(YEAR)
    recompute(YEAR)
    platform = platform_numbers(YEAR)
    target = counted_patents()[0]

    # A Parquet row changed after the export: that patent lapsed in DuckDB's copy only.
    export_parquet(tmp_path)
    con = duckdb.connect()
    patents = tmp_path / "patent.parquet"
    con.execute(f"CREATE TABLE p AS SELECT * FROM read_parquet('{patents}')")
    con.execute(f"UPDATE p SET legal_status = 'lapsed' WHERE id = {target.pk}")
    con.execute(f"COPY p TO '{patents}' (FORMAT parquet)")
    con.close()
    lines = compare(platform, duckdb_numbers(tmp_path, ctx))
    total = platform[("valid_invention_patents", "total", "")]
    assert f"valid_invention_patents total: recompute {total[0]} ({total[1]}), DuckDB " in (
        " ".join(lines)
    )
    assert any(line.startswith("valid_patents total:") for line in lines)
    assert compare(platform, platform) == []

    # A database row changed after the recompute: the export, hence DuckDB, sees the change.
    Patent.objects.filter(pk=target.pk).update(attribution="outside")
    for path in tmp_path.glob("*.parquet"):
        path.unlink()
    export_parquet(tmp_path)
    lines = compare(platform, duckdb_numbers(tmp_path, ctx))
    assert any(line.startswith("valid_invention_patents total:") for line in lines)


def test_the_command_prints_the_rows_and_writes_json(data, tmp_path):
    out = StringIO()
    args = ["run", "--only", "indicators", "--runs", "1", "--out", str(tmp_path / "out")]
    call_command("bench", *args, stdout=out)
    text = out.getvalue()
    assert f"indicator recompute, {YEAR}" in text and "<= 5 s: met" in text
    assert "DuckDB over Parquet" in text and "equal: met" in text
    (written,) = (tmp_path / "out").glob("*.json")
    assert json.loads(written.read_text())["indicators"]["equal"] is True


def test_a_mismatch_fails_its_row():
    figures = {
        "year": YEAR,
        "patents": 1_000_000,
        "indicators": 27,
        "values": 900,
        "recompute_seconds": 7.5,
        "recompute_best_seconds": 7.0,
        "creation_seconds": 6.0,
        "duckdb_seconds": 0.5,
        "ratio": 15.0,
        "export_seconds": 20.0,
        "equal": False,
        "mismatch_count": 2,
    }
    rows = report.indicator_rows(figures)
    text = report.table(rows)
    assert "<= 5 s: MISSED" in text and "equal: MISSED" in text and "15.0" in text
    assert "2 of 900 differ" in text
