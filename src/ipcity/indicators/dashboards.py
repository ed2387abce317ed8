"""The creation dashboard's figures, tables and chart data, read from stored snapshots only.

A year's dashboard costs a fixed number of queries (the year's snapshots, the trend), whatever
the number of records behind them. Every figure carries the URL of its drill-down.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import measures
from .choices import Dimension
from .models import IndicatorSnapshot

HEADLINE = [
    "valid_invention_patents",
    "valid_invention_patents_per_10k",
    "high_value_invention_patents",
    "high_value_per_10k",
]
TILES = [
    *HEADLINE,
    "pct_applications",
    "valid_trademarks",
    "madrid_registrations",
    "geographical_indications",
    "plant_variety_rights",
    "software_copyrights",
]
# Utilization (运用) indicators, shown as a second row of tiles.
UTILIZATION_TILES = [
    "pledge_registration_amount",
    "pledges_registered",
    "enterprises_financed",
    "insured_amount",
    "transactions",
    "transaction_amount",
    "university_transactions",
    "transactions_from_outside",
    "valid_gbt29490_certificates",
    "ip_advantage_enterprises",
    "ip_demonstration_enterprises",
]
TREND = HEADLINE
TABLES = (
    "indicators",
    "streets",
    "holders",
    "composition",
    "industry",
    "holder_kind",
    "criteria",
    "transaction_sources",
    "transaction_origins",
)
# The transaction indicators shown side by side in the by-source and by-origin tables.
TRANSACTION_CODES = ("transactions", "transaction_amount")


def records_url(code: str, year: int, dimension: str = Dimension.TOTAL, value: str = "") -> str:
    params = {"indicator": code, "year": year}
    if dimension != Dimension.TOTAL:
        params.update({"dimension": dimension, "value": value})
    return f"{reverse('indicators:records')}?{urlencode(params)}"


def is_sum(code: str) -> bool:
    """True for a value measure (an amount in 10k yuan), shown with two decimals."""
    measure = measures.MEASURES.get(code)
    return bool(measure and measure.is_sum)


def display(value: Decimal | None, per_population: bool = False, amount: bool = False) -> str:
    if value is None:
        return "—"
    if per_population:
        return f"{value:.2f}"
    if amount:
        return f"{value:,.2f}"
    return f"{int(value):,}"


def plain(value: Decimal | None, per_population: bool = False, amount: bool = False):
    """A value for a spreadsheet cell or a chart: int for counts, float for ratios and sums."""
    if value is None:
        return None
    return float(value) if per_population or amount else int(value)


def years_with_snapshots() -> list[int]:
    return list(
        IndicatorSnapshot.objects.order_by("-year").values_list("year", flat=True).distinct()
    )


def latest_year() -> int | None:
    return IndicatorSnapshot.objects.aggregate(y=Max("year"))["y"]


def default_year() -> int:
    """The latest computed year, else last year (year-end figures need a finished year)."""
    return latest_year() or timezone.localdate().year - 1


class YearSnapshots:
    """One year's snapshots, fetched once and indexed by indicator and dimension."""

    def __init__(self, year: int):
        self.year = year
        self.rows = list(
            IndicatorSnapshot.objects.filter(year=year)
            .select_related("definition", "population_used", "computed_by")
            .order_by("definition__order", "dimension", "dimension_value")
        )
        self.totals = {s.definition.code: s for s in self.rows if s.dimension == Dimension.TOTAL}
        self.by_dim: dict[tuple[str, str], list[IndicatorSnapshot]] = {}
        for s in self.rows:
            if s.dimension != Dimension.TOTAL:
                self.by_dim.setdefault((s.definition.code, s.dimension), []).append(s)

    @property
    def computed_at(self):
        return max((s.computed_at for s in self.rows), default=None)

    @property
    def computed_by(self):
        return self.rows[0].computed_by if self.rows else None

    def group(self, code: str, dimension: str) -> list[IndicatorSnapshot]:
        return self.by_dim.get((code, dimension), [])

    @property
    def utilization_tiles(self) -> list[dict]:
        return self.tiles(UTILIZATION_TILES)

    def tiles(self, codes=TILES) -> list[dict]:
        tiles = []
        for code in codes:
            snap = self.totals.get(code)
            if snap is None:
                continue
            per = snap.definition.per_population
            tiles.append(
                {
                    "code": code,
                    "label": snap.definition.label,
                    "unit": snap.definition.unit,
                    "value": display(snap.value, per, is_sum(code)),
                    "is_null": snap.value is None,
                    "note": snap.note,
                    "url": records_url(code, self.year),
                    "formula": snap.definition.formula,
                }
            )
        return tiles

    def table(self, name: str) -> dict:
        builder = {
            "indicators": self._indicators_table,
            "streets": self._streets_table,
            "holders": lambda: self._group_table(
                "valid_invention_patents", Dimension.HOLDER, _("Top holders"), _("Holder")
            ),
            "composition": lambda: self._group_table(
                "valid_patents", Dimension.PATENT_TYPE, _("Valid patents by type"), _("Type")
            ),
            "industry": lambda: self._group_table(
                "valid_invention_patents",
                Dimension.INDUSTRY,
                _("Valid invention patents by industry"),
                _("Industry"),
            ),
            "holder_kind": lambda: self._group_table(
                "valid_invention_patents",
                Dimension.HOLDER_KIND,
                _("Valid invention patents by holder type"),
                _("Holder type"),
            ),
            "criteria": lambda: self._group_table(
                "high_value_invention_patents",
                Dimension.CRITERION,
                _("High-value invention patents by criterion"),
                _("Criterion"),
            ),
            "transaction_sources": lambda: self._merged_table(
                TRANSACTION_CODES,
                Dimension.SOURCE,
                _("Transfers and licences by source"),
                _("Source"),
            ),
            "transaction_origins": lambda: self._merged_table(
                TRANSACTION_CODES,
                Dimension.ORIGIN,
                _("Transfers and licences by how they were recorded"),
                _("Recorded"),
            ),
        }[name]
        table = builder()
        table["name"] = name
        table["export_url"] = (
            f"{reverse('indicators:dashboard_export', args=[name])}?year={self.year}"
        )
        return table

    def _indicators_table(self) -> dict:
        rows = []
        for code, snap in self.totals.items():
            per = snap.definition.per_population
            amount = is_sum(code)
            rows.append(
                {
                    "label": snap.definition.label,
                    "cells": [
                        {
                            "text": display(snap.value, per, amount),
                            "value": plain(snap.value, per, amount),
                            "url": records_url(code, self.year),
                        },
                        {"text": snap.definition.unit, "value": snap.definition.unit},
                        {
                            "text": display(snap.numerator) if snap.numerator is not None else "—",
                            "value": snap.numerator,
                        },
                        {
                            "text": f"{snap.denominator:,}" if snap.denominator else "—",
                            "value": snap.denominator,
                        },
                        {"text": snap.rule_version or "—", "value": snap.rule_version},
                        {"text": snap.note, "value": snap.note},
                    ],
                }
            )
        return {
            "title": _("All indicators, %(year)d") % {"year": self.year},
            "headers": [
                _("Indicator"),
                _("Value"),
                _("Unit"),
                _("Numerator"),
                _("Population used"),
                _("High-value rule version"),
                _("Note"),
            ],
            "rows": rows,
        }

    def _streets_table(self) -> dict:
        return self._merged_table(
            ("valid_invention_patents", "high_value_invention_patents"),
            Dimension.STREET,
            _("By street or town"),
            _("Street or town"),
        )

    def _merged_table(self, codes, dimension: str, title: str, header: str) -> dict:
        """The groups of one dimension as rows, one column per indicator, largest first."""
        merged: dict[str, dict] = {}
        for i, code in enumerate(codes):
            amount = is_sum(code)
            empty = {"text": display(Decimal(0), amount=amount), "value": plain(Decimal(0))}
            for s in self.group(code, dimension):
                row = merged.setdefault(
                    s.dimension_value,
                    {
                        "label": s.label or s.dimension_value or _("Unknown"),
                        "cells": [dict(empty) for _c in codes],
                    },
                )
                row["cells"][i] = {
                    "text": display(s.value, amount=amount),
                    "value": plain(s.value, amount=amount),
                    "url": records_url(code, self.year, dimension, s.dimension_value),
                }
        rows = sorted(merged.values(), key=lambda r: -(r["cells"][0]["value"] or 0))
        return {
            "title": title,
            "headers": [
                header,
                *(self.totals[c].definition.label if c in self.totals else c for c in codes),
            ],
            "rows": rows,
        }

    def _group_table(self, code: str, dimension: str, title: str, header: str) -> dict:
        snap = self.totals.get(code)
        amount = is_sum(code)
        rows = [
            {
                "label": s.label or s.dimension_value or _("Unknown"),
                "cells": [
                    {
                        "text": display(s.value, amount=amount),
                        "value": plain(s.value, amount=amount),
                        "url": records_url(code, self.year, dimension, s.dimension_value),
                    }
                ],
            }
            for s in sorted(
                self.group(code, dimension), key=lambda s: (-(s.value or 0), s.dimension_value)
            )
        ]
        return {
            "title": title,
            "headers": [header, snap.definition.label if snap else code],
            "rows": rows,
        }

    def chart_data(self) -> dict:
        composition = self.table("composition")["rows"]
        holders = self.table("holders")["rows"][:10]
        streets = self.table("streets")
        return {
            "year": self.year,
            "trend": trend(),
            "composition": [
                {"name": r["label"], "value": r["cells"][0]["value"]} for r in composition
            ],
            "holders": {
                "names": [r["label"] for r in reversed(holders)],
                "values": [r["cells"][0]["value"] for r in reversed(holders)],
            },
            "streets": {
                "names": [r["label"] for r in streets["rows"]],
                "series": [
                    {"name": str(h), "values": [r["cells"][i]["value"] for r in streets["rows"]]}
                    for i, h in enumerate(streets["headers"][1:])
                ],
            },
        }


def trend() -> dict:
    """The headline indicators' district totals across every computed year (one query)."""
    rows = (
        IndicatorSnapshot.objects.filter(dimension=Dimension.TOTAL, definition__code__in=TREND)
        .values_list(
            "year",
            "definition__code",
            "definition__name",
            "definition__name_en",
            "definition__denominator",
            "value",
        )
        .order_by("year")
    )
    years: list[int] = []
    series: dict[str, dict] = {}
    english = (get_language() or "").startswith("en")
    for year, code, name, name_en, denominator, value in rows:
        if year not in years:
            years.append(year)
        entry = series.setdefault(
            code,
            {
                "code": code,
                "name": (name_en if english and name_en else name),
                "per_10k": denominator == "population",
                "values": {},
            },
        )
        entry["values"][year] = plain(value, entry["per_10k"])
    return {
        "years": years,
        "series": [
            {**s, "values": [s["values"].get(y) for y in years]}
            for code in TREND
            if (s := series.get(code))
        ],
    }
