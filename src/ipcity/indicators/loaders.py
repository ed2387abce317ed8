"""Indicator definitions and population figures as data, brought in on migrate.

Definitions missing from the database are created from data/indicators.json; existing ones are
left as staff edited them. The population figures of data/population.csv (a copy of the shared
reference file, source column kept) are loaded once: when the table is still empty and the regions
they name exist. After that, staff keep the table on the population pages.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from django.db import transaction
from django.db.models.signals import post_migrate

DATA_DIR = Path(__file__).parent / "data"
DEFINITIONS_FILE = DATA_DIR / "indicators.json"
POPULATION_FILE = DATA_DIR / "population.csv"


def load_definitions() -> list[dict]:
    return json.loads(DEFINITIONS_FILE.read_text(encoding="utf-8"))["indicators"]


def ensure_definitions() -> int:
    from .models import IndicatorDefinition

    existing = set(IndicatorDefinition.objects.values_list("code", flat=True))
    created = [
        IndicatorDefinition(
            code=d["code"],
            name=d["name"],
            name_en=d.get("name_en", ""),
            formula=d.get("formula", ""),
            unit=d.get("unit", ""),
            denominator=d.get("denominator", "none"),
            numerator_code=d.get("numerator_code", ""),
            order=d.get("order", 100),
        )
        for d in load_definitions()
        if d["code"] not in existing
    ]
    IndicatorDefinition.objects.bulk_create(created)
    return len(created)


def read_population(path: str | Path) -> list[dict]:
    """Rows of a population CSV: region_code, year, resident_population, kind, source."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        raise ValueError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a UTF-8 text file") from None
    rows = []
    for number, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            rows.append(
                {
                    "region_code": row["region_code"].strip(),
                    "year": int(row["year"]),
                    "resident_population": int(row["resident_population"]),
                    "kind": (row.get("kind") or "year-end").strip()[:60],
                    "source": (row.get("source") or "").strip()[:300],
                }
            )
        except (KeyError, ValueError, AttributeError) as exc:
            raise ValueError(f"{path}, row {number}: {exc}") from None
    return rows


def load_population(path: str | Path = POPULATION_FILE, replace: bool = False) -> dict:
    """Add the file's figures for regions that exist; an existing (region, year) is kept unless
    `replace`. Returns {"created", "updated", "skipped"} (skipped: region not configured)."""
    from ipcity.orgs.models import Region

    from .models import Population

    rows = read_population(path)
    regions = {r.code: r for r in Region.objects.filter(code__in={r["region_code"] for r in rows})}
    result = {"created": 0, "updated": 0, "skipped": 0}
    with transaction.atomic():
        for row in rows:
            region = regions.get(row["region_code"])
            if region is None:
                result["skipped"] += 1
                continue
            values = {k: row[k] for k in ("resident_population", "kind", "source")}
            figure = Population.objects.filter(region=region, year=row["year"]).first()
            if figure is None:
                Population.objects.create(region=region, year=row["year"], **values)
                result["created"] += 1
            elif replace:
                for key, value in values.items():
                    setattr(figure, key, value)
                figure.save()
                result["updated"] += 1
    return result


def ensure_population() -> None:
    """The shipped figures, the first time there is somewhere to put them."""
    from .models import Population

    if not Population.objects.exists():
        load_population()


def on_post_migrate(sender=None, **kwargs) -> None:
    if getattr(sender, "label", None) != "indicators":
        return
    ensure_definitions()
    ensure_population()


post_migrate.connect(on_post_migrate, dispatch_uid="ipcity.indicators.loaders")
