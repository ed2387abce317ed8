"""Reference data loaded after migrate: the criminal prosecution threshold rule sets
(data/thresholds.json).

Each rule set is brought in once, by its code: a code already present (or ever present: it has a
row in the rule sets' history, which every save and deletion writes) is never created or
overwritten again, so edits made on the thresholds page stay, and a rule set staff deleted does
not come back.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models.signals import post_migrate

DATA = Path(__file__).resolve().parent / "data" / "thresholds.json"


def _date(text):
    return date.fromisoformat(text) if text else None


def ensure_thresholds(path: Path = DATA) -> int:
    """Create the rule sets of `path` whose code never existed; returns how many were created."""
    from .models import ThresholdRule, ThresholdRuleSet

    definitions = json.loads(path.read_text(encoding="utf-8"))["rule_sets"]
    codes = [item["code"] for item in definitions]
    seen = set(ThresholdRuleSet.objects.filter(code__in=codes).values_list("code", flat=True))
    seen |= set(ThresholdRuleSet.history.filter(code__in=codes).values_list("code", flat=True))
    created = 0
    for item in definitions:
        if item["code"] in seen:
            continue
        with transaction.atomic():
            rule_set = ThresholdRuleSet.objects.create(
                code=item["code"],
                name=item["name"],
                valid_from=_date(item["valid_from"]),
                valid_to=_date(item.get("valid_to")),
                source=item.get("source", ""),
                lookback_years=item.get("lookback_years"),
            )
            for rule in item.get("rules", []):
                ThresholdRule.objects.create(
                    rule_set=rule_set,
                    offence=rule["offence"],
                    condition=rule["condition"],
                    measure=rule["measure"],
                    value=Decimal(str(rule["value"])),
                    note=rule.get("note", "")[:300],
                )
        created += 1
    return created


def _on_post_migrate(sender=None, **kwargs) -> None:
    if getattr(sender, "label", None) == "protection":
        ensure_thresholds()


post_migrate.connect(_on_post_migrate, dispatch_uid="ipcity.protection.loaders")
