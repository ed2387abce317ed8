"""`ipcity bench generate` at a tiny scale: sizes and proportions, determinism, valid numbers,
and rows that agree with what the project's own paths (the patent import, the transaction
flags, pledge amounts, risk scan, repeat detection) would produce."""

from __future__ import annotations

import csv
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from ipcity.bench.generate import Options, generate
from ipcity.bench.patents import HEADERS
from ipcity.bench.world import SCALES, proportional
from ipcity.orgs.models import Organization
from ipcity.protection.models import Case, CaseParty, CaseRelation
from ipcity.rights.imports import run_import
from ipcity.rights.models import LegalEvent, Patent, PatentHolder, Trademark
from ipcity.rights.numbers import parse_application_number
from ipcity.utilization.models import Pledge, Transaction

TINY = SCALES["tiny"]  # 2,000 patents, the other tables in the city's proportions


def run(tmp_path: Path, seed: int = 7, **kwargs):
    options = Options(scale=TINY, seed=seed, out=tmp_path / f"seed{seed}", **kwargs)
    return generate(options)


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_sizes_and_proportions(db, tmp_path):
    result = run(tmp_path)
    assert TINY.patents == 2_000
    assert Patent.objects.count() == TINY.patents
    assert Trademark.objects.count() == TINY.trademarks == 600
    assert Organization.objects.count() == TINY.organizations == 200
    assert Case.objects.count() == TINY.cases == 40
    assert Transaction.objects.count() == TINY.transactions == 100
    assert Pledge.objects.count() == TINY.pledges == 40
    assert {name for name, *_ in result.tables} >= {"patents", "trademarks", "cases"}

    types = Counter(Patent.objects.values_list("patent_type", flat=True))
    assert 0.32 < types["invention"] / TINY.patents < 0.50
    assert 0.36 < types["utility_model"] / TINY.patents < 0.54
    assert 0.08 < types["design"] / TINY.patents < 0.22
    statuses = Counter(Patent.objects.values_list("legal_status", flat=True))
    assert {"pending", "valid", "lapsed", "expired", "rejected", "withdrawn"} <= set(statuses)
    assert 0.25 < statuses["valid"] / TINY.patents < 0.6
    years = {d.year for d in Patent.objects.values_list("filing_date", flat=True)}
    assert min(years) <= 2003 and max(years) == 2025 and years <= set(range(2000, 2026))
    # Recent years file more than early ones.
    per_year = Counter(d.year for d in Patent.objects.values_list("filing_date", flat=True))
    assert per_year[2024] > 4 * per_year[2001]
    attribution = Counter(Patent.objects.values_list("attribution", flat=True))
    assert 0.15 < attribution["in_district"] / TINY.patents < 0.5
    assert 0.3 < attribution["outside"] / TINY.patents < 0.8
    assert attribution["unresolved"] > 0
    several = Patent.objects.filter(holder_names__contains=";").count()
    assert 0.04 < several / TINY.patents < 0.25
    assert PatentHolder.objects.count() > TINY.patents
    assert Patent.objects.filter(is_high_value=True).exists()
    assert Patent.objects.exclude(main_ipc="").exists()
    addresses = " ".join(Patent.objects.values_list("address", flat=True))
    for place in ("北京市通州区", "北京市海淀区", "南通市通州区", "上海市"):
        assert place in addresses, place
    # Streets and towns of the district come from the region reference data.
    assert Patent.objects.filter(region__code__startswith="110112", region__isnull=False).exists()
    assert Case.objects.filter(is_repeat=True).exists() or CaseRelation.objects.exists()


def test_application_numbers_are_valid_and_unique(tmp_path):
    result = run(tmp_path, database=False)
    rows = read_csv(result.files["csv"])
    assert rows[0] == HEADERS
    numbers = [row[0] for row in rows[1:]]
    assert len(numbers) == TINY.patents == len(set(numbers))
    eras = Counter()
    for number in numbers:
        parsed = parse_application_number(number)
        assert parsed.check_ok, number
        assert parsed.normalized == number
        eras[len(parsed.digits)] += 1
    assert eras[8] and eras[12]  # applications before and after 2003-10-01


def test_same_seed_same_bytes(tmp_path):
    first = run(tmp_path / "a", database=False, xlsx_rows=0)
    second = run(tmp_path / "b", database=False, xlsx_rows=0)
    other = run(tmp_path / "c", seed=8, database=False, xlsx_rows=0)
    data = first.files["csv"].read_bytes()
    assert data == second.files["csv"].read_bytes()
    assert data != other.files["csv"].read_bytes()
    assert first.files["manifest"].read_bytes() == second.files["manifest"].read_bytes()


class Rollback(Exception):
    pass


def snapshot() -> dict:
    """The generated rows without their primary keys (which the database assigns)."""

    def rows(model):
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if not f.primary_key and not f.attname.endswith("_id") and f.attname != "path"
        ]
        return list(model.objects.order_by("pk").values_list(*names))

    return {
        "organizations": rows(Organization),
        "patents": rows(Patent),
        "regions": list(Patent.objects.order_by("pk").values_list("region__code", flat=True)),
        "holders": list(
            PatentHolder.objects.order_by("pk").values_list(
                "patent__application_number", "organization__name", "position"
            )
        ),
        "events": rows(LegalEvent),
        "trademarks": rows(Trademark),
        "transactions": rows(Transaction),
        "pledges": rows(Pledge),
        "cases": rows(Case),
        "parties": rows(CaseParty),
    }


def test_same_seed_same_rows(db, tmp_path):
    snapshots = []
    for name in ("a", "b"):
        with pytest.raises(Rollback), transaction.atomic():
            run(tmp_path / name, files=False)
            snapshots.append(snapshot())
            raise Rollback
    assert Patent.objects.count() == 0
    assert snapshots[0] == snapshots[1]


def test_the_csv_imports_through_the_real_path(db, tmp_path):
    result = run(tmp_path, database=False, xlsx_rows=0)
    summary, warnings, ok = run_import(result.files["csv"])
    assert ok
    assert summary["errors"] == []
    assert warnings == []
    assert summary["rows"] == summary["created"] == TINY.patents
    assert sum(summary["attribution"].values()) == TINY.patents


def test_the_xlsx_has_the_same_rows_and_imports(db, tmp_path):
    from openpyxl import load_workbook

    result = run(tmp_path, database=False, xlsx_rows=300)
    book = load_workbook(result.files["xlsx"], read_only=True)
    sheet = book.worksheets[0].iter_rows(values_only=True)
    sheet_rows = [["" if cell is None else cell for cell in row] for row in sheet]
    book.close()
    assert sheet_rows == read_csv(result.files["csv"])[:301]  # an empty cell holds nothing
    summary, warnings, ok = run_import(result.files["xlsx"])
    assert ok and summary["errors"] == [] and warnings == []
    assert summary["created"] == 300


def test_generated_rows_are_what_the_import_writes(db, tmp_path):
    """Importing the generated csv into the generated database changes nothing: the patents'
    fields, attribution, holders and legal events are exactly the import's, and so are the
    search text and the high-value classification it recomputes."""
    result = run(tmp_path, xlsx_rows=0)
    alone = run(tmp_path / "alone", database=False, xlsx_rows=0)
    assert alone.files["csv"].read_bytes() == result.files["csv"].read_bytes()

    def derived():
        return {
            number: rest
            for number, *rest in Patent.objects.values_list(
                "application_number",
                "search_text",
                "is_high_value",
                "high_value_criteria",
                "high_value_rule",
                "pledge_amount",
            )
        }

    before = derived()
    links = set(PatentHolder.objects.values_list("pk", "patent", "organization", "position"))
    counts = (Organization.objects.count(), LegalEvent.objects.count())
    summary, warnings, ok = run_import(result.files["csv"])
    assert ok and summary["errors"] == [] and warnings == []
    assert (summary["created"], summary["updated"]) == (0, 0)
    assert derived() == before
    assert set(PatentHolder.objects.values_list("pk", "patent", "organization", "position")) == (
        links
    )
    assert (Organization.objects.count(), LegalEvent.objects.count()) == counts


def test_deals_pledges_and_cases_agree_with_the_project_rules(db, tmp_path):
    from ipcity.protection import repeats
    from ipcity.utilization import deals, pledges, risks

    run(tmp_path, files=False)
    for deal in Transaction.objects.select_related("assignor", "assignee"):
        stored = (deal.year, deal.from_university, deal.from_outside, deal.has_district_party)
        stored += (deal.district_region_id,)
        deals.set_flags(deal)
        assert stored == (
            deal.year,
            deal.from_university,
            deal.from_outside,
            deal.has_district_party,
            deal.district_region_id,
        )
    # Every planned transfer and licence event is linked; the rest wait for the office.
    assert deals.undated_events().filter(transaction_links__isnull=False).count() == 0
    patent_ids = list(Pledge.patents.through.objects.values_list("patent_id", flat=True))
    assert patent_ids
    assert pledges.sync_patents(patent_ids) == 0  # amounts already the sum of the shares
    assert risks.scan() == 0  # active pledges pledge valid patents their pledgor holds
    for case in Case.objects.all():
        found = {(other.pk, str(reason)) for other, reason in repeats.find(case)}
        stored = set(CaseRelation.objects.filter(case=case).values_list("earlier", "reason"))
        assert found == stored, case.number
        assert case.is_repeat == any(r in repeats.REPEAT_REASONS for _pk, r in found)


def test_refuses_a_database_with_patents(db, tmp_path):
    run(tmp_path, xlsx_rows=0)
    with pytest.raises(CommandError, match=r"already holds 2,000 patents.*--force"):
        call_command("bench", "generate", "--scale", "district", "--out", str(tmp_path / "x"))
    # Files alone never touch the database.
    out = StringIO()
    call_command(
        "bench",
        "generate",
        "--scale",
        "tiny",
        "--patents",
        "300",
        "--files-only",
        "--xlsx-rows",
        "0",
        "--out",
        str(tmp_path / "files"),
        stdout=out,
    )
    assert "patents" in out.getvalue() and "total" in out.getvalue()
    assert len(read_csv(tmp_path / "files" / "patents-incopat.csv")) == 301
    assert Patent.objects.count() == TINY.patents


def test_patents_override_scales_the_rest():
    scale = proportional("district", 10_000)
    assert (scale.trademarks, scale.organizations, scale.cases) == (3_000, 1_000, 200)
    assert (scale.transactions, scale.pledges) == (500, 200)
    assert SCALES["district"].patents == 50_000
    assert SCALES["city"].patents == 1_000_000
