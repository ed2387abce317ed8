"""The indicator benchmark: the platform's full recompute of a year's indicators, beside DuckDB
computing the same numbers over the same rows exported to Parquet.

- **Recompute.** `indicators.compute.compute_year(year)`, what the creation dashboard's
  Recompute button and `ipcity indicators compute` run: every active indicator definition (the
  creation indicators of patents, trademarks, geographical indications, plant varieties and
  software copyrights, and the utilization indicators the same run computes), each by district
  and by its dimensions (street, industry, holder type, top holders, criterion, kind…), stored as
  the year's snapshots in one transaction. Run `runs` times on the database as it is (on
  PostgreSQL after an ANALYZE of the tables read, see `analyze()`); the figure is the median run
  (every run is in the JSON). compute_year's progress callback gives the time of each
  indicator, hence the share of the creation indicators and where the time goes.
- **Export.** The columns those indicators read, table by table, from the database through a
  cursor in batches, written as csv and converted by DuckDB to Parquet in a temporary directory.
  Timed on its own; not part of the ratio.
- **Baseline.** DuckDB in memory (no extension: Parquet is built in) computing every value and
  numerator the recompute stores, from the Parquet files, with the SQL of this module: each kind
  of record read once from Parquet into a table joined with its street and holder, then one
  grouping-sets query per indicator (and one for its top holders or its criteria). Timed the same
  number of times, from opening the files to the last number; the median run. Small reference
  values (the year's high-value rule set, the designation terms, the indicator definitions) are
  read before the clock starts, as parameters of the SQL.
- **Comparison.** Every snapshot the recompute stored (indicator, dimension, group) against
  DuckDB's: value and numerator must be equal, and neither side may have a group the other lacks.
  Each difference is listed.
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

NULL = r"\N"  # how the csv step writes a NULL (an empty field is an empty string)
BATCH = 10_000
TOP_HOLDERS = 20
MISMATCHES_LISTED = 50

# Dimensions, as the snapshots store them (indicators.choices.Dimension).
TOTAL, STREET, INDUSTRY, HOLDER_KIND, HOLDER = (
    "total",
    "street",
    "industry",
    "holder_kind",
    "holder",
)
PATENT_TYPE, CRITERION, KIND, SOURCE, ORIGIN = (
    "patent_type",
    "criterion",
    "kind",
    "source",
    "origin",
)

Key = tuple[str, str, str]  # (indicator code, dimension, group)
Numbers = dict[Key, tuple[Decimal | None, int | None]]  # key -> (value, numerator)


@dataclass
class IndicatorFigures:
    engine: str
    year: int
    patents: int
    indicators: int  # active definitions computed
    values: int  # snapshots compared (every dimension's groups included)
    runs: int
    analyzed: bool  # PostgreSQL statistics gathered before the runs
    recompute_seconds: float  # median run
    recompute_best_seconds: float
    recompute_runs: list[float]
    creation_seconds: float  # of the median run: the creation indicators alone
    store_seconds: float  # of the median run: replacing the year's snapshots
    duckdb_seconds: float  # median run
    duckdb_runs: list[float]
    export_seconds: float
    parquet_mb: float
    export_rows: dict[str, int]
    equal: bool
    mismatch_count: int
    mismatches: list[str]
    slowest: list[tuple[str, float]]  # the indicators the median recompute spent most on

    @property
    def ratio(self) -> float | None:
        return self.recompute_seconds / self.duckdb_seconds if self.duckdb_seconds else None

    def as_dict(self) -> dict:
        def rounded(value):
            if isinstance(value, float):
                return round(value, 4)
            if isinstance(value, list | tuple):
                return [rounded(v) for v in value]
            return value

        body = {k: rounded(v) for k, v in asdict(self).items()}
        body["ratio"] = round(self.ratio, 2) if self.ratio is not None else None
        return body


# -- the year ---------------------------------------------------------------------------------


def default_year() -> int:
    """The latest full year in the data: the year of the latest filing date, unless that year
    has not ended yet (then the year before)."""
    from django.db.models import Max
    from django.utils import timezone

    from ipcity.rights.models import Patent

    last = Patent.objects.aggregate(last=Max("filing_date"))["last"]
    this_year = timezone.localdate().year
    return this_year - 1 if last is None else min(last.year, this_year - 1)


# -- the platform's recompute -----------------------------------------------------------------


def utilization_codes() -> set[str]:
    from ipcity.indicators.measures import UTILIZATION_MEASURES

    return {m.code for m in UTILIZATION_MEASURES}


@dataclass
class Recompute:
    seconds: float
    store_seconds: float
    per_indicator: list[tuple[str, float]]  # in computing order

    def creation_seconds(self, utilization: set[str], numerators: dict[str, str]) -> float:
        return sum(
            s for code, s in self.per_indicator if (numerators.get(code) or code) not in utilization
        )


def recompute(year: int) -> Recompute:
    """One full recompute of `year` through compute_year, timed indicator by indicator."""
    from ipcity.indicators.compute import compute_year
    from ipcity.indicators.models import IndicatorDefinition

    marks: list[float] = []
    start = time.perf_counter()
    compute_year(year, progress=lambda done, steps: marks.append(time.perf_counter()))
    end = time.perf_counter()
    # compute_year goes through the active definitions in their default order.
    codes = list(IndicatorDefinition.objects.filter(is_active=True).values_list("code", flat=True))
    edges = [start, *marks]
    per = [(code, edges[i + 1] - edges[i]) for i, code in enumerate(codes[: len(marks)])]
    return Recompute(end - start, end - (marks[-1] if marks else start), per)


def analyze() -> bool:
    """On PostgreSQL, fresh planner statistics of the tables the indicators read, as autovacuum
    keeps them in service: a database just bulk-loaded, or one without autovacuum, has none, and
    the planner's guesses then cost far more than the work (a correlated subquery planned as a
    hash join over every organization, per patent). SQLite keeps no statistics unless asked, and
    is left as it is. True when statistics were gathered."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return False
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, _columns in export_tables().values():
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
    return True


def platform_numbers(year: int) -> Numbers:
    """The snapshots stored for `year`: {(code, dimension, group): (value, numerator)}."""
    from ipcity.indicators.models import IndicatorSnapshot

    rows = IndicatorSnapshot.objects.filter(year=year).values_list(
        "definition__code", "dimension", "dimension_value", "value", "numerator"
    )
    numbers: Numbers = {}
    for code, dimension, group, value, numerator in rows:
        key = (code, dimension, group)
        if key in numbers:  # two snapshots for one group: marked so the comparison says so
            key = (code, dimension, f"{group} (again)")
        numbers[key] = (value, numerator)
    return numbers


# -- the export -------------------------------------------------------------------------------


def export_tables() -> dict[str, tuple[type, list[str]]]:
    """{name: (model, columns)}: the rows the indicators read, and only the columns they use."""
    from ipcity.indicators.models import Population
    from ipcity.orgs.models import Organization, Region
    from ipcity.rights.models import (
        Copyright,
        GeographicalIndication,
        Patent,
        PatentHolder,
        PlantVarietyRight,
        Trademark,
    )
    from ipcity.utilization.models import (
        Certificate,
        Designation,
        InsurancePolicy,
        Pledge,
        StandardEdition,
        Transaction,
    )

    return {
        "region": (Region, ["id", "code", "name"]),
        "organization": (Organization, ["id", "kind", "name", "industry", "region_id"]),
        "patent": (
            Patent,
            [
                "id",
                "patent_type",
                "is_pct",
                "filing_date",
                "grant_date",
                "legal_status",
                "attribution",
                "region_id",
                "overseas_granted_family",
                "awards",
                "pledge_amount",
                "high_value_criteria",
            ],
        ),
        "patent_holder": (PatentHolder, ["id", "patent_id", "organization_id", "position"]),
        "trademark": (
            Trademark,
            [
                "id",
                "holder_id",
                "status",
                "registration_date",
                "is_madrid",
                "region_id",
                "attribution",
            ],
        ),
        "gi": (GeographicalIndication, ["id", "kind", "applicant_id", "stage", "registered_date"]),
        "plant_variety": (PlantVarietyRight, ["id", "holder_id", "status", "grant_date"]),
        "copyright": (Copyright, ["id", "kind", "holder_id", "registration_date"]),
        "pledge": (Pledge, ["id", "pledgor_id", "status", "registration_date", "amount"]),
        "insurance": (
            InsurancePolicy,
            ["id", "insured_id", "kind", "start_date", "insured_amount"],
        ),
        "deal": (
            Transaction,
            [
                "id",
                "year",
                "has_district_party",
                "district_region_id",
                "kind",
                "origin",
                "from_university",
                "from_outside",
                "amount",
            ],
        ),
        "certificate": (
            Certificate,
            [
                "id",
                "organization_id",
                "standard_version",
                "issue_date",
                "expiry_date",
                "status",
                "status_date",
                "converted_on",
            ],
        ),
        "edition": (StandardEdition, ["version", "transition_end"]),
        "designation": (
            Designation,
            ["id", "organization_id", "kind", "year", "valid_from", "valid_until"],
        ),
        "population": (Population, ["region_id", "year", "resident_population"]),
    }


def _duckdb_type(field) -> str:
    kind = field.get_internal_type()
    if kind == "DateField":
        return "DATE"
    if kind == "BooleanField":
        return "BOOLEAN"
    if kind == "DecimalField":
        return f"DECIMAL({field.max_digits},{field.decimal_places})"
    if kind.endswith(("AutoField", "IntegerField")) or kind == "ForeignKey":
        return "BIGINT"
    return "VARCHAR"  # char, text and JSON (as its text)


@dataclass
class Export:
    directory: Path
    seconds: float
    rows: dict[str, int]
    megabytes: float


def export_parquet(directory: Path) -> Export:
    """Write each table of `export_tables()` to `<directory>/<name>.parquet`."""
    import duckdb
    from django.db import connection

    start = time.perf_counter()
    quote = connection.ops.quote_name
    duck = duckdb.connect()
    counts: dict[str, int] = {}
    try:
        for name, (model, columns) in export_tables().items():
            fields = [model._meta.get_field(c) for c in columns]
            selected = []
            for f in fields:
                column = quote(f.column)
                if f.get_internal_type() == "JSONField" and connection.vendor == "postgresql":
                    column = f"CAST({column} AS text)"
                selected.append(column)
            sql = f"SELECT {', '.join(selected)} FROM {quote(model._meta.db_table)}"
            csv_path = directory / f"{name}.csv"
            counts[name] = _write_csv(connection, sql, columns, csv_path)
            types = ", ".join(
                f"'{c}': '{_duckdb_type(f)}'" for c, f in zip(columns, fields, strict=True)
            )
            duck.execute(
                f"COPY (SELECT * FROM read_csv('{csv_path}', header = true, delim = ',', "
                f"quote = '\"', escape = '\"', nullstr = '{NULL}', columns = {{{types}}})) "
                f"TO '{directory / f'{name}.parquet'}' (FORMAT parquet)"
            )
            csv_path.unlink()
    finally:
        duck.close()
    size = sum(p.stat().st_size for p in directory.glob("*.parquet"))
    return Export(directory, time.perf_counter() - start, counts, size / 2**20)


def _write_csv(connection, sql: str, columns: list[str], path: Path) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql)
            while rows := cursor.fetchmany(BATCH):
                writer.writerows([NULL if v is None else v for v in row] for row in rows)
                count += len(rows)
    return count


# -- the same numbers in DuckDB ---------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What the SQL depends on besides the rows: read from the database and the project's
    reference data before the clock starts."""

    year: int
    district: str
    # [(code, per_population, numerator code)] of the active definitions
    definitions: list[tuple[str, bool, str]]
    criteria: list[str] | None  # the year's high-value criteria; None: no rule set
    rule_code: str
    pledge_threshold: Decimal | None
    maintained_years: int
    designation_terms: dict[str, int]

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, 12, 31)


def make_context(year: int) -> Context:
    from django.conf import settings

    from ipcity.indicators.loaders import ensure_definitions
    from ipcity.indicators.models import IndicatorDefinition
    from ipcity.rights.highvalue import rule_set_for
    from ipcity.utilization.criteria import designation_terms

    ensure_definitions()
    definitions = [
        (d.code, d.per_population, d.numerator_code)
        for d in IndicatorDefinition.objects.filter(is_active=True)
    ]
    rules = rule_set_for(year)
    return Context(
        year=year,
        district=settings.IPCITY_REGION_CODE,
        definitions=definitions,
        criteria=list(rules.criteria) if rules else None,
        rule_code=rules.code if rules else "",
        pledge_threshold=rules.pledge_threshold if rules else None,
        maintained_years=rules.maintained_years if rules else 10,
        designation_terms=designation_terms(),
    )


def _lit(value) -> str:
    """A SQL literal of a string, a date, a number or None."""
    if value is None:
        return "NULL"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Spec:
    """How DuckDB computes one indicator: its records (a view and a condition; None when the
    value is undefined for the year) and how they are split."""

    code: str
    view: str
    where: str | None
    groups: tuple[str, ...] = ()  # STREET, INDUSTRY, HOLDER_KIND or a dimension of `fields`
    fields: dict[str, str] = field(default_factory=dict)  # dimension -> column
    # dimension -> ({group: condition}, list empty groups too)
    cases: dict[str, tuple[dict[str, str], bool]] = field(default_factory=dict)
    holders: str = ""  # "links": every holder of a patent; "own": the record's holder_id
    sums: str = ""  # the column whose sum is the figure; "": the number of records


def _load(directory: Path) -> list[str]:
    """The statements that read the Parquet files: views of the files, and tables of each kind
    of record with the code and name of its street and its holder's type and industry section."""
    from ipcity.indicators.choices import INDUSTRY_SECTIONS

    tables = [
        f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{directory / f'{name}.parquet'}')"
        for name in export_tables()
    ]
    letters = ", ".join(_lit(letter) for letter in INDUSTRY_SECTIONS)
    divisions = " ".join(
        f"WHEN TRY_CAST(p AS INTEGER) BETWEEN {r.start} AND {r.stop - 1} THEN {_lit(letter)}"
        for letter, (_label, r) in INDUSTRY_SECTIONS.items()
    )
    # The GB/T 4754 section of an industry code's first two characters.
    section = [
        f"""CREATE MACRO section_of(p) AS CASE
            WHEN p IS NULL OR p = '' THEN ''
            WHEN regexp_full_match(p[1], '[A-Z]') THEN
                CASE WHEN p[1] IN ({letters}) THEN p[1] ELSE '' END
            WHEN regexp_full_match(p, '[0-9]+') THEN CASE {divisions} ELSE '' END
            ELSE '' END""",
        "CREATE MACRO section(code) AS section_of(upper(trim(substr(code, 1, 2))))",
    ]
    owned = """SELECT t.*, r.code AS street_code, r.name AS street_name, h.kind AS holder_kind,
            section(h.industry) AS industry_section, h.name AS holder_name
        FROM {table} t LEFT JOIN organization h ON h.id = t.{holder}
        LEFT JOIN region r ON r.id = {region}"""
    return [
        *tables,
        *section,
        """CREATE VIEW first_holder AS SELECT patent_id, organization_id FROM patent_holder
        QUALIFY row_number() OVER (PARTITION BY patent_id ORDER BY position, id) = 1""",
        """CREATE TABLE patent_r AS SELECT p.*, r.code AS street_code, r.name AS street_name,
            h.kind AS holder_kind, section(h.industry) AS industry_section
        FROM patent p LEFT JOIN region r ON r.id = p.region_id
        LEFT JOIN first_holder f ON f.patent_id = p.id
        LEFT JOIN organization h ON h.id = f.organization_id""",
        "CREATE TABLE trademark_r AS "
        + owned.format(table="trademark", holder="holder_id", region="t.region_id"),
        "CREATE TABLE gi_r AS "
        + owned.format(table="gi", holder="applicant_id", region="h.region_id"),
        "CREATE TABLE plant_variety_r AS "
        + owned.format(table="plant_variety", holder="holder_id", region="h.region_id"),
        "CREATE TABLE copyright_r AS "
        + owned.format(table="copyright", holder="holder_id", region="h.region_id"),
        "CREATE TABLE pledge_r AS "
        + owned.format(table="pledge", holder="pledgor_id", region="h.region_id"),
        "CREATE TABLE insurance_r AS "
        + owned.format(table="insurance", holder="insured_id", region="h.region_id"),
        "CREATE TABLE certificate_r AS "
        + owned.format(table="certificate", holder="organization_id", region="h.region_id"),
        """CREATE TABLE deal_r AS SELECT d.*, r.code AS street_code, r.name AS street_name
        FROM deal d LEFT JOIN region r ON r.id = d.district_region_id""",
        """CREATE TABLE organization_r AS SELECT o.*, r.code AS street_code, r.name AS street_name
        FROM organization o LEFT JOIN region r ON r.id = o.region_id""",
    ]


def specs(ctx: Context) -> list[Spec]:
    """Every indicator as DuckDB computes it (indicators/measures.py says the same in the ORM)."""
    from ipcity.rights.choices import HighValueCriterion as C
    from ipcity.utilization.choices import StandardVersion

    year, end, d = ctx.year, _lit(ctx.end), _lit(ctx.district + "%")
    in_district = f"street_code LIKE {d}"  # the holder's (or record's) region in the district
    held = f"attribution = 'in_district' AND legal_status = 'valid' AND grant_date <= {end}"
    inventions = f"{held} AND patent_type = 'invention'"
    criteria: dict[str, str] = {}
    if ctx.criteria is not None:
        cutoff = _lit(dt.date(year - ctx.maintained_years, 12, 31))
        known = {
            C.SEI: "contains(lower(high_value_criteria), '\"sei\"')",
            C.OVERSEAS_FAMILY: "overseas_granted_family",
            C.MAINTAINED_10Y: f"filing_date < {cutoff}",
            C.PLEDGE: "FALSE"
            if ctx.pledge_threshold is None
            else f"pledge_amount >= {_lit(ctx.pledge_threshold)}",
            C.AWARD: "awards <> ''",
        }
        criteria = {str(c): known[c] for c in ctx.criteria if c in known}
    high_value = None
    if ctx.criteria is not None:
        met = " OR ".join(f"({c})" for c in criteria.values()) or "FALSE"
        high_value = f"{inventions} AND ({met})"

    patent_dims = (STREET, INDUSTRY, HOLDER_KIND)
    other = (STREET, INDUSTRY, HOLDER_KIND)
    rows = [
        Spec("valid_invention_patents", "patent_r", inventions, patent_dims, holders="links"),
        Spec(
            "high_value_invention_patents",
            "patent_r",
            high_value,
            patent_dims,
            cases={CRITERION: (criteria, True)},
            holders="links",
        ),
        *[
            Spec(
                f"hv_{c}",
                "patent_r",
                f"{inventions} AND ({criteria[c]})" if c in criteria else None,
                (STREET,),
            )
            for c in C.values
        ],
        Spec(
            "valid_patents",
            "patent_r",
            held,
            (*other, PATENT_TYPE),
            fields={PATENT_TYPE: "patent_type"},
        ),
        Spec(
            "pct_applications",
            "patent_r",
            f"attribution = 'in_district' AND is_pct AND year(filing_date) = {year}",
            (*other, PATENT_TYPE),
            fields={PATENT_TYPE: "patent_type"},
        ),
    ]
    registered = (
        f"attribution = 'in_district' AND status = 'registered' AND registration_date <= {end}"
    )
    rows += [
        Spec("valid_trademarks", "trademark_r", registered, other, holders="own"),
        Spec("madrid_registrations", "trademark_r", f"{registered} AND is_madrid", other),
        Spec(
            "geographical_indications",
            "gi_r",
            f"stage = 'registered' AND registered_date <= {end} AND {in_district}",
            (*other, KIND),
            fields={KIND: "kind"},
        ),
        Spec(
            "plant_variety_rights",
            "plant_variety_r",
            f"status = 'granted' AND grant_date <= {end} AND {in_district}",
            other,
        ),
        Spec(
            "software_copyrights",
            "copyright_r",
            f"kind = 'software' AND year(registration_date) = {year} AND {in_district}",
            other,
            holders="own",
        ),
    ]
    # Utilization, computed by the same recompute.
    pledged = f"year(registration_date) = {year} AND status <> 'cancelled' AND {in_district}"
    deals = f"year = {year} AND has_district_party"
    sources = {
        "university": "from_university",
        "outside": "NOT from_university AND from_outside",
        "other": "NOT from_university AND NOT from_outside",
    }
    valid_certificate = f"""(status = 'valid' OR status_date > {end})
        AND issue_date <= {end} AND expiry_date >= {end}
        AND NOT EXISTS (SELECT 1 FROM edition e WHERE e.transition_end < {end} AND (
            (e.version = certificate_r.standard_version AND certificate_r.converted_on IS NULL)
            OR coalesce(certificate_r.converted_on > {end}, FALSE)))
        AND {in_district}"""
    editions = {}
    for version in StandardVersion.values:
        if version == StandardVersion.V2013:
            editions[version] = (
                f"standard_version = '{version}' OR (standard_version = "
                f"'{StandardVersion.V2023}' AND converted_on > {end})"
            )
        elif version == StandardVersion.V2023:
            editions[version] = (
                f"standard_version = '{version}' "
                f"AND (converted_on IS NULL OR converted_on <= {end})"
            )
        else:
            editions[version] = f"standard_version = {_lit(version)}"
    rows += [
        Spec("pledge_registration_amount", "pledge_r", pledged, (STREET,), sums="amount"),
        Spec("pledges_registered", "pledge_r", pledged, (STREET,)),
        Spec(
            "enterprises_financed",
            "organization_r",
            f"id IN (SELECT pledgor_id FROM pledge_r WHERE {pledged})",
            (STREET,),
        ),
        Spec(
            "insured_amount",
            "insurance_r",
            f"year(start_date) = {year} AND {in_district}",
            (STREET, KIND),
            fields={KIND: "kind"},
            sums="insured_amount",
        ),
        *[
            Spec(
                code,
                "deal_r",
                deals,
                (STREET, KIND, ORIGIN),
                fields={KIND: "kind", ORIGIN: "origin"},
                cases={SOURCE: (sources, False)},
                sums=sums,
            )
            for code, sums in (("transactions", ""), ("transaction_amount", "amount"))
        ],
        Spec(
            "university_transactions",
            "deal_r",
            f"{deals} AND from_university",
            (STREET, KIND),
            fields={KIND: "kind"},
        ),
        Spec(
            "transactions_from_outside",
            "deal_r",
            f"{deals} AND from_outside",
            (STREET, KIND),
            fields={KIND: "kind"},
        ),
        Spec(
            "valid_gbt29490_certificates",
            "certificate_r",
            valid_certificate,
            (STREET,),
            cases={KIND: (editions, False)},
        ),
        *[
            Spec(
                f"{kind}_enterprises",
                "organization_r",
                f"id IN (SELECT organization_id FROM designation WHERE {_designated(ctx, kind)}) "
                f"AND {in_district}",
                (STREET,),
            )
            for kind in ("ip_advantage", "ip_demonstration")
        ],
    ]
    return rows


def _designated(ctx: Context, kind: str) -> str:
    """Designations of `kind` in force on 31 December and designated by the year: started (or
    no start recorded) and ending then or later, the end recorded or implied by the kind's
    default term."""
    end = ctx.end
    ends = [f"valid_until >= {_lit(end)}"]
    for term_kind, years in sorted(ctx.designation_terms.items()):
        ends.append(
            f"(valid_until IS NULL AND kind = {_lit(term_kind)} AND ("
            f"valid_from > {_lit(_years_before(end, years))} OR "
            f"(valid_from IS NULL AND year >= {end.year - years + 1})))"
        )
    return (
        f"kind = {_lit(kind)} AND year <= {ctx.year} "
        f"AND (valid_from IS NULL OR valid_from <= {_lit(end)}) AND ({' OR '.join(ends)})"
    )


def _figure(spec: Spec, n: int, s) -> Decimal:
    if not spec.sums:
        return Decimal(n)
    return Decimal(s) if s is not None else Decimal(0)


def _per_10k(count: int, population: int) -> Decimal:
    """count ÷ population × 10,000, rounded half-up to 4 places, in integers."""
    scaled = (2 * count * 10**8 + population) // (2 * population)
    return Decimal(scaled).scaleb(-4)


def duckdb_numbers(directory: Path, ctx: Context) -> Numbers:
    """Every snapshot number of the year, computed by DuckDB from the Parquet files."""
    import duckdb

    con = duckdb.connect()
    try:
        for statement in _load(directory):
            con.execute(statement)
        return _compute(con, ctx)
    finally:
        con.close()


def _compute(con, ctx: Context) -> Numbers:
    numbers: Numbers = {}
    # code -> (figure, n, {street code: n}) of the indicators computed so far
    computed: dict[str, tuple[Decimal | None, int | None, dict[str, int]]] = {}
    by_code = {s.code: s for s in specs(ctx)}

    def compute(code: str):
        if code in computed:
            return computed[code]
        spec = by_code.get(code)
        if spec is None or spec.where is None:
            computed[code] = (None, None, {})
            return computed[code]
        streets: dict[str, int] = {}
        for key, value, n in _measure(con, spec):
            numbers[(code, *key)] = (value, n)
            if key[0] == STREET:
                streets[key[1]] = n
        value, n = numbers[(code, TOTAL, "")]
        computed[code] = (value, n, streets)
        return computed[code]

    populations = dict(
        con.execute(
            "SELECT r.code, p.resident_population FROM population p "
            "JOIN region r ON r.id = p.region_id WHERE p.year = ?",
            [ctx.year],
        ).fetchall()
    )
    for code, per_population, numerator in ctx.definitions:
        if not per_population:
            compute(code)
            if (code, TOTAL, "") not in numbers:
                numbers[(code, TOTAL, "")] = (None, None)
            continue
        figure, _n, streets = compute(numerator)
        if figure is None:
            numbers[(code, TOTAL, "")] = (None, None)
            continue
        total = int(figure)
        district = populations.get(ctx.district)
        value = _per_10k(total, district) if district else None
        numbers[(code, TOTAL, "")] = (value, total)
        for street, n in streets.items():
            if street and street != ctx.district and street in populations:
                numbers[(code, STREET, street)] = (_per_10k(n, populations[street]), n)
    # Indicators computed only as a numerator are stored under their own code only when
    # defined themselves; drop what no active definition names.
    active = {code for code, _p, _n in ctx.definitions}
    return {key: v for key, v in numbers.items() if key[0] in active}


def _measure(con, spec: Spec):
    """(dimension, group), value, numerator for the total and every group of one indicator."""
    amount = f"sum({spec.sums})" if spec.sums else "NULL"
    columns = {
        STREET: "street_code",
        INDUSTRY: "industry_section",
        HOLDER_KIND: "holder_kind",
        **spec.fields,
    }
    grouped = [columns[g] for g in spec.groups]
    sets = ", ".join(["()", *(f"({c})" for c in grouped)])
    flags = "".join(f", GROUPING({c})" for c in grouped)
    keys = "".join(f", {c}" for c in grouped)
    rows = con.execute(
        f"SELECT count(*), {amount}{flags}{keys} FROM {spec.view} WHERE {spec.where} "
        f"GROUP BY GROUPING SETS ({sets})"
    ).fetchall()
    width = len(grouped)
    total_seen = False
    for row in rows:
        n, s, flags_, keys_ = row[0], row[1], row[2 : 2 + width], row[2 + width :]
        at = [i for i, f in enumerate(flags_) if f == 0]
        if not at:
            total_seen = True
            yield (TOTAL, ""), _figure(spec, n, s), n
        else:
            i = at[0]
            yield (spec.groups[i], keys_[i] or ""), _figure(spec, n, s), n
    if not total_seen:
        yield (TOTAL, ""), _figure(spec, 0, None), 0
    for dimension, (cases, keep_empty) in spec.cases.items():
        if not cases:
            continue
        aggregates = ", ".join(
            f"count(*) FILTER (WHERE {c}), "
            + (f"sum({spec.sums}) FILTER (WHERE {c})" if spec.sums else "NULL")
            for c in cases.values()
        )
        row = con.execute(f"SELECT {aggregates} FROM {spec.view} WHERE {spec.where}").fetchone()
        for i, group in enumerate(cases):
            n, s = row[2 * i], row[2 * i + 1]
            if n or keep_empty:
                yield (dimension, group), _figure(spec, n, s), n
    if spec.holders:
        yield from _top_holders(con, spec)


def _top_holders(con, spec: Spec):
    if spec.holders == "links":
        # Every holder of a patent, each patent once per holder.
        sql = f"""SELECT l.organization_id, h.name, count(DISTINCT p.id) AS n, NULL AS s
            FROM (SELECT * FROM {spec.view} WHERE {spec.where}) p
            JOIN patent_holder l ON l.patent_id = p.id
            JOIN organization h ON h.id = l.organization_id
            GROUP BY l.organization_id, h.name"""
    else:
        amount = f"sum({spec.sums})" if spec.sums else "NULL"
        sql = f"""SELECT holder_id, holder_name, count(*) AS n, {amount} AS s FROM {spec.view}
            WHERE ({spec.where}) AND holder_id IS NOT NULL GROUP BY holder_id, holder_name"""
    order = "s DESC" if spec.sums else "n DESC"
    rows = con.execute(f"{sql} ORDER BY {order}, 2 LIMIT {TOP_HOLDERS}").fetchall()
    for holder, _name, n, s in rows:
        yield (HOLDER, str(holder)), _figure(spec, n, s), n


# -- comparison -------------------------------------------------------------------------------


def compare(platform: Numbers, duck: Numbers) -> list[str]:
    """The differences between the two sets of numbers, one line each."""

    def same(a, b) -> bool:
        if a is None or b is None:
            return a is None and b is None
        return Decimal(a) == Decimal(b)

    lines = []
    for key in sorted(set(platform) | set(duck)):
        where = " ".join(part for part in key if part)
        if key not in duck:
            lines.append(f"{where}: only in the recompute {platform[key]}")
        elif key not in platform:
            lines.append(f"{where}: only in DuckDB {duck[key]}")
        else:
            (value, n), (value2, n2) = platform[key], duck[key]
            if not (same(value, value2) and same(n, n2)):
                lines.append(f"{where}: recompute {value} ({n}), DuckDB {value2} ({n2})")
    return lines


# -- the benchmark ----------------------------------------------------------------------------


def _timed(fn: Callable) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_indicators_bench(
    year: int | None = None,
    runs: int = 3,
    write: Callable[[str], None] | None = None,
) -> IndicatorFigures:
    """Time the recompute and DuckDB `runs` times each on the data in this database (the
    recompute replaces the year's snapshots), and compare their numbers."""
    from django.db import connection

    from ipcity.rights.models import Patent

    say = write or (lambda line: None)
    runs = max(1, runs)
    year = year or default_year()
    ctx = make_context(year)
    numerators = {code: numerator for code, _p, numerator in ctx.definitions}
    utilization = utilization_codes()

    analyzed = analyze()
    if analyzed:
        say("  ANALYZE of the tables read (PostgreSQL planner statistics)")
    recomputes = []
    for i in range(runs):
        recomputes.append(recompute(year))
        say(f"  recompute {year}, run {i + 1}: {recomputes[-1].seconds:.2f} s")
    platform = platform_numbers(year)
    median = sorted(recomputes, key=lambda r: r.seconds)[(runs - 1) // 2]

    with tempfile.TemporaryDirectory(prefix="ipcity-bench-indicators-") as tmp:
        export = export_parquet(Path(tmp))
        say(f"  exported {sum(export.rows.values()):,} rows to Parquet: {export.seconds:.1f} s")
        duck_runs, duck = [], {}
        for i in range(runs):
            seconds, duck = _timed(lambda: duckdb_numbers(export.directory, ctx))
            duck_runs.append(seconds)
            say(f"  DuckDB, run {i + 1}: {seconds:.2f} s")
    mismatches = compare(platform, duck)
    slowest = sorted(median.per_indicator, key=lambda item: -item[1])[:5]
    return IndicatorFigures(
        engine=connection.vendor,
        year=year,
        patents=Patent.objects.count(),
        indicators=len(ctx.definitions),
        values=len(platform),
        runs=runs,
        analyzed=analyzed,
        recompute_seconds=statistics.median(r.seconds for r in recomputes),
        recompute_best_seconds=min(r.seconds for r in recomputes),
        recompute_runs=[r.seconds for r in recomputes],
        creation_seconds=median.creation_seconds(utilization, numerators),
        store_seconds=median.store_seconds,
        duckdb_seconds=statistics.median(duck_runs),
        duckdb_runs=duck_runs,
        export_seconds=export.seconds,
        parquet_mb=export.megabytes,
        export_rows=export.rows,
        equal=not mismatches,
        mismatch_count=len(mismatches),
        mismatches=mismatches[:MISMATCHES_LISTED],
        slowest=slowest,
    )
