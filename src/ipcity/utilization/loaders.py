"""Reference data brought in after every migrate: GB/T 29490 editions and the starting
cultivation criteria. Missing rows are created; rows staff edited are left as they are.

Each starting criterion is seeded once: a code that ever existed (it has a row in the
criteria's history table, which every save and deletion writes) is never created again, so a
starting criterion staff deleted, or renamed to another code, stays away. Deactivating it
(`is_active`) remains the way to switch one off while keeping it visible.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db.models.signals import post_migrate

DATA = Path(__file__).resolve().parent / "data"


def _date(text):
    return date.fromisoformat(text) if text else None


def ensure_editions() -> int:
    from .models import StandardEdition

    created = 0
    definitions = json.loads((DATA / "gbt29490_editions.json").read_text(encoding="utf-8"))
    for item in definitions["editions"]:
        _obj, was_created = StandardEdition.objects.get_or_create(
            version=item["version"],
            defaults={
                "title": item["title"],
                "effective_from": _date(item["effective_from"]),
                "transition_end": _date(item.get("transition_end")),
                "validity_years": item.get("validity_years", 3),
                "surveillance_months": item.get("surveillance_months", 12),
                "source": item.get("source", "")[:300],
            },
        )
        created += was_created
    return created


def ensure_criteria() -> int:
    """Create the starting criteria whose code never existed (see the module docstring)."""
    from .models import CultivationCriterion

    created = 0
    definitions = json.loads((DATA / "cultivation_criteria.json").read_text(encoding="utf-8"))
    codes = [item["code"] for item in definitions["criteria"]]
    seen = set(CultivationCriterion.objects.filter(code__in=codes).values_list("code", flat=True))
    seen |= set(CultivationCriterion.history.filter(code__in=codes).values_list("code", flat=True))
    for item in definitions["criteria"]:
        if item["code"] in seen:
            continue
        threshold = item.get("threshold")
        _obj, was_created = CultivationCriterion.objects.get_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "target_kind": item["target_kind"],
                "target_level": item.get("target_level", ""),
                "metric": item["metric"],
                "comparison": item.get("comparison", "gte"),
                "threshold": None if threshold is None else Decimal(str(threshold)),
                "parameter": item.get("parameter", ""),
                "is_required": item.get("is_required", True),
                "order": item.get("order", 100),
                "source": item.get("source", "")[:300],
            },
        )
        created += was_created
    return created


def _on_post_migrate(sender=None, **kwargs) -> None:
    if getattr(sender, "label", None) == "utilization":
        ensure_editions()
        ensure_criteria()


post_migrate.connect(_on_post_migrate, dispatch_uid="ipcity.utilization.loaders")
