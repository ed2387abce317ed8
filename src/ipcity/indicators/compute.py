"""Computing a year's indicator snapshots: counts and sums in SQL, per-10k values from the
population table.

The number of queries depends on the number of indicators and dimensions, never on the number of
records. A year's snapshots are replaced as a whole, in one transaction.

A snapshot's `value` is the indicator's figure: a count, a sum (the amount of the pledges
registered, in 10k yuan; 0 when there are none) or a per-10k ratio; `numerator` is always the
number of records behind it.

Rounding: per-10k values are stored rounded half-up to 4 decimal places (7 patents ÷ 1,840,295
people × 10,000 = 0.0380); dashboards show 2. Counts are whole numbers; sums keep the cents of the
amounts they add.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.orgs.models import Region

from . import measures
from .choices import Dimension
from .loaders import ensure_definitions, ensure_population
from .models import IndicatorDefinition, IndicatorSnapshot, Population

PER_10K_PLACES = Decimal("0.0001")


def district_region() -> Region | None:
    return Region.objects.filter(code=settings.IPCITY_REGION_CODE).first()


def per_10k(count: int, population: int) -> Decimal:
    return (Decimal(count) * 10000 / Decimal(population)).quantize(
        PER_10K_PLACES, rounding=ROUND_HALF_UP
    )


def population_note(figure: Population) -> str:
    if figure.kind.strip().lower() == "year-end":
        return ""
    return _("Population: %(kind)s figure, %(n)s (%(source)s).") % {
        "kind": figure.kind,
        "n": f"{figure.resident_population:,}",
        "source": figure.source or "—",
    }


def no_population_note(year: int) -> str:
    return _("No population figure for %(year)d.") % {"year": year}


def compute_year(
    year: int, user=None, progress: Callable[[int, int], None] | None = None
) -> dict[str, Decimal | None]:
    """Compute and store every active indicator for `year`; returns {code: district total}."""
    ensure_definitions()
    ensure_population()
    ctx = measures.make_context(year)
    district = district_region()
    now = timezone.now()
    definitions = list(IndicatorDefinition.objects.filter(is_active=True))
    populations = {
        p.region_id: p for p in Population.objects.filter(year=year).select_related("region")
    }
    district_population = populations.get(district.pk) if district else None

    # code -> (figure, records, note, {dimension: [Group]}); figure None = undefined
    counted: dict[str, tuple[Decimal | None, int | None, str, dict]] = {}
    snapshots: list[IndicatorSnapshot] = []

    def snap(definition, **fields) -> IndicatorSnapshot:
        fields.setdefault("region", district)
        return IndicatorSnapshot(
            definition=definition,
            year=year,
            rule_version=ctx.rule_version if _uses_rules(definition) else "",
            computed_at=now,
            computed_by=user,
            **fields,
        )

    def count(code: str):
        if code in counted:
            return counted[code]
        measure = measures.MEASURES.get(code)
        if measure is None:
            counted[code] = (
                None,
                None,
                _("No computation is defined for %(code)s.") % {"code": code},
                {},
            )
            return counted[code]
        qs = measures.records(measure, ctx)
        if qs is None:
            counted[code] = (None, None, measure.where(ctx), {})
            return counted[code]
        note = measure.note(ctx) if measure.note else ""
        n, figure, per_dim = measures.breakdown(qs, measure, ctx)
        counted[code] = (Decimal(figure), n, note, per_dim)
        return counted[code]

    steps = len(definitions)
    for done, definition in enumerate(definitions, start=1):
        if definition.per_population:
            snapshots += _per_population(definition, count, snap, year, district_population)
            snapshots += _per_population_streets(definition, count, snap, populations)
        else:
            total, n, note, per_dim = count(definition.code)
            snapshots.append(snap(definition, value=total, numerator=n, note=note[:300]))
            regions = measures.regions_by_code(g.value for g in per_dim.get(Dimension.STREET, []))
            for dim, rows in per_dim.items():
                for group in rows:
                    snapshots.append(
                        snap(
                            definition,
                            dimension=dim,
                            dimension_value=group.value or "",
                            label=str(group.label)[:200],
                            value=Decimal(group.figure),
                            numerator=group.count,
                            region=(
                                regions.get(group.value) if dim == Dimension.STREET else district
                            ),
                        )
                    )
        if progress:
            progress(done, steps)

    with transaction.atomic():
        IndicatorSnapshot.objects.filter(year=year).delete()
        IndicatorSnapshot.objects.bulk_create(snapshots, batch_size=500)
    return {s.definition.code: s.value for s in snapshots if s.dimension == Dimension.TOTAL}


def _uses_rules(definition) -> bool:
    code = definition.numerator_code or definition.code
    measure = measures.MEASURES.get(code)
    return bool(measure and measure.uses_rules)


def _per_population(definition, count, snap, year, figure) -> list[IndicatorSnapshot]:
    counted, _n, note, _dims = count(definition.numerator_code)
    if counted is None:
        return [snap(definition, value=None, note=note[:300])]
    total = int(counted)  # a per-10k indicator divides a count
    if figure is None:
        return [snap(definition, value=None, numerator=total, note=no_population_note(year))]
    return [
        snap(
            definition,
            value=per_10k(total, figure.resident_population),
            numerator=total,
            denominator=figure.resident_population,
            population_used=figure,
            note=" ".join(n for n in (note, population_note(figure)) if n)[:300],
        )
    ]


def _per_population_streets(definition, count, snap, populations) -> list[IndicatorSnapshot]:
    """Per-10k for the streets and towns that have a population figure of their own."""
    total, _n, _note, per_dim = count(definition.numerator_code)
    if total is None or not per_dim:
        return []
    by_code = {p.region.code: p for p in populations.values()}
    rows = []
    for value, label, n, _figure in per_dim.get(Dimension.STREET, []):
        figure = by_code.get(value)
        if figure is None or value == settings.IPCITY_REGION_CODE:
            continue
        rows.append(
            snap(
                definition,
                dimension=Dimension.STREET,
                dimension_value=value,
                label=str(label)[:200],
                region=figure.region,
                value=per_10k(n, figure.resident_population),
                numerator=n,
                denominator=figure.resident_population,
                population_used=figure,
                note=population_note(figure)[:300],
            )
        )
    return rows


def as_json_value(value: Decimal | None, definition: IndicatorDefinition | None = None):
    """A JSON number: an int for a count, a float for a ratio, None when undefined."""
    if value is None:
        return None
    if value == value.to_integral_value() and not (definition and definition.per_population):
        return int(value)
    return float(value)


def totals_json(totals: dict[str, Decimal | None]) -> dict:
    definitions = {d.code: d for d in IndicatorDefinition.objects.filter(code__in=list(totals))}
    return {code: as_json_value(value, definitions.get(code)) for code, value in totals.items()}
