"""Loading the configured district's regions from a data file.

The file is a UTF-8 CSV with the columns `code,name,kind,parent_code,source`; `kind` is the
Chinese word used in the official code tables (区, 街道, 镇, 乡, 民族乡 …) or one of the
RegionKind values. Loading is an upsert by code, so a corrected file can be loaded again. Another
district is configured by pointing IPCITY_REGION_FILE at its file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .choices import RegionKind
from .models import Region

KIND_WORDS = {
    "省": RegionKind.PROVINCE,
    "自治区": RegionKind.PROVINCE,
    "直辖市": RegionKind.PROVINCE,
    "市": RegionKind.CITY,
    "地区": RegionKind.CITY,
    "自治州": RegionKind.CITY,
    "盟": RegionKind.CITY,
    "区": RegionKind.DISTRICT,
    "县": RegionKind.DISTRICT,
    "县级市": RegionKind.DISTRICT,
    "自治县": RegionKind.DISTRICT,
    "旗": RegionKind.DISTRICT,
    "街道": RegionKind.STREET,
    "镇": RegionKind.TOWN,
    "乡": RegionKind.TOWNSHIP,
    "民族乡": RegionKind.ETHNIC_TOWNSHIP,
    "苏木": RegionKind.TOWNSHIP,
}

REQUIRED_COLUMNS = ("code", "name", "kind")


class RegionFileError(ValueError):
    """The file cannot be loaded; the message names the row and the problem."""


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self):
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def parse_kind(word: str) -> str:
    word = word.strip()
    if word in KIND_WORDS:
        return KIND_WORDS[word]
    if word in RegionKind.values:
        return word
    raise ValueError(word)


def read_region_file(path: str | Path) -> list[dict]:
    """Rows of the file, validated; raises RegionFileError naming the first bad row."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RegionFileError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise RegionFileError(f"{path}: not a UTF-8 text file") from None
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise RegionFileError(f"{path}: missing column(s) {', '.join(missing)}")
    rows = []
    seen: set[str] = set()
    for line_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        code, name = row.get("code", ""), row.get("name", "")
        if not code and not name:
            continue
        if not code.isdigit() or len(code) not in (6, 9, 12):
            raise RegionFileError(f"{path}, row {line_no}: code {code!r} is not 6, 9 or 12 digits")
        if not name:
            raise RegionFileError(f"{path}, row {line_no}: the name is empty")
        if code in seen:
            raise RegionFileError(f"{path}, row {line_no}: code {code} appears twice")
        seen.add(code)
        try:
            kind = parse_kind(row.get("kind", ""))
        except ValueError:
            raise RegionFileError(
                f"{path}, row {line_no}: unknown kind {row.get('kind', '')!r}"
            ) from None
        rows.append(
            {
                "code": code,
                "name": name[:100],
                "kind": kind,
                "parent_code": row.get("parent_code", ""),
                "source": row.get("source", "")[:200],
            }
        )
    return rows


@transaction.atomic
def load_regions(path: str | Path) -> LoadResult:
    """Upsert every row of the file by code, then link parents that exist."""
    rows = read_region_file(path)
    result = LoadResult()
    existing = {r.code: r for r in Region.objects.filter(code__in=[row["code"] for row in rows])}
    fields = ("name", "kind", "parent_code", "source")
    for row in rows:
        region = existing.get(row["code"])
        if region is None:
            existing[row["code"]] = Region.objects.create(**row)
            result.created += 1
        elif any(getattr(region, f) != row[f] for f in fields):
            for f in fields:
                setattr(region, f, row[f])
            region.save()
            result.updated += 1
        else:
            result.unchanged += 1
    parent_codes = {row["parent_code"] for row in rows if row["parent_code"]}
    parents = {r.code: r for r in Region.objects.filter(code__in=parent_codes)}
    for row in rows:
        region = existing[row["code"]]
        parent = parents.get(row["parent_code"])
        if parent is not None and parent.pk != region.pk and region.parent_id != parent.pk:
            region.parent = parent
            region.save(update_fields=["parent", "updated_at"])
    return result
