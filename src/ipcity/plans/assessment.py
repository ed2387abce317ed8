"""Scoring engine of the annual assessment (年度考核): item points, totals, veto and ranking.

The rules, in the order they apply:

**Item maximum.** An item is worth `item.max_points`; an item with no maximum set is worth its
`weight` × `scheme.base_points` (weights are shares of the base points: 0.2 = 20 of 100).

**Automatic items (auto_kpi).** The score is

    max_points × mean(completion(k) for k in K)

rounded half-up to two decimals, where K are the KPIs that measure the unit's work:

- if `item.task` is set, the KPIs of that task, provided the unit is assigned to the task (as
  lead or cooperating unit); a unit not assigned to the task has no KPIs for the item;
- if `item.task` is empty, the KPIs of every task the unit is assigned to (within the scheme's
  plan when the scheme has one);
- only KPIs of the scheme's year (or with no year) that have a target count: a KPI without a
  target measures nothing;
- completion(k) is `KPI.completion` (share of the way from baseline to target, capped to
  [0, 1]); a KPI with a target but no actual value reported counts as 0, because work nobody
  reported cannot be credited.

When K is empty the item has no automatic score (None, "not applicable"); the office may enter
one in its review, otherwise the item contributes nothing.

**Effective score of an item.** The office's review score when entered, else the unit's claim
(for automatic items the claim is the computed score), else nothing. The result is clamped to
[0, item maximum].

**Total.** The sum of the effective scores of automatic and manual items, plus the sum of the
bonus items capped at `scheme.bonus_cap`. If any veto item is triggered the total is 0 and the
assessment is marked vetoed.

**Ranking** (of the final assessments of a scheme): by total, highest first; equal totals share
a rank and the next rank skips ("1, 2, 2, 4"); vetoed units come after every other unit and
share the last rank among themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .choices import AssessmentStatus, ItemMethod

ZERO = Decimal("0")
CENT = Decimal("0.01")


def quantize(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def item_max(item, scheme=None) -> Decimal:
    """The points an item is worth (see the module docstring)."""
    if item.max_points:
        return Decimal(item.max_points)
    scheme = scheme or item.scheme
    return quantize(Decimal(item.weight or 0) * Decimal(scheme.base_points or 0))


def kpi_completion_score(max_points, completions: Iterable) -> Decimal | None:
    """max_points × mean completion; None when there is nothing to measure."""
    values = [ZERO if c is None else Decimal(str(c)) for c in completions]
    if not values:
        return None
    mean = sum(values, ZERO) / len(values)
    return quantize(Decimal(max_points) * mean)


def effective_score(review, claim, maximum) -> Decimal | None:
    value = review if review is not None else claim
    if value is None:
        return None
    return max(ZERO, min(Decimal(value), Decimal(maximum)))


@dataclass
class ItemLine:
    """One item of one unit's assessment, reduced to what the arithmetic needs."""

    method: str
    maximum: Decimal
    claim: Decimal | None = None
    review: Decimal | None = None
    veto: bool = False

    @property
    def effective(self) -> Decimal | None:
        return effective_score(self.review, self.claim, self.maximum)


@dataclass
class Total:
    total: Decimal
    vetoed: bool
    regular: Decimal = ZERO
    bonus: Decimal = ZERO
    bonus_claimed: Decimal = ZERO


def total_for(lines: Iterable[ItemLine], bonus_cap) -> Total:
    """The total of one unit's assessment (see the module docstring)."""
    regular = bonus = ZERO
    vetoed = False
    for line in lines:
        if line.method == ItemMethod.VETO:
            vetoed = vetoed or line.veto
            continue
        value = line.effective or ZERO
        if line.method == ItemMethod.BONUS:
            bonus += value
        else:
            regular += value
    capped = min(bonus, Decimal(bonus_cap or 0))
    if vetoed:
        return Total(ZERO, True, regular, capped, bonus)
    return Total(quantize(regular + capped), False, regular, capped, bonus)


@dataclass(order=True)
class RankEntry:
    key: object
    total: Decimal = field(compare=False)
    vetoed: bool = field(compare=False, default=False)
    rank: int | None = field(compare=False, default=None)


def rank(entries: list[RankEntry]) -> list[RankEntry]:
    """Assign competition ranks in place and return the entries in rank order."""
    ordered = sorted(entries, key=lambda e: (e.vetoed, -(e.total or ZERO)))
    previous = None
    for position, entry in enumerate(ordered, start=1):
        marker = (entry.vetoed, entry.total if not entry.vetoed else None)
        if marker != previous:
            entry.rank = position
            previous = marker
        else:
            entry.rank = ordered[position - 2].rank
    return ordered


# --- database side ------------------------------------------------------------------------


def unit_kpis(item, organization, scheme=None):
    """The KPI set K of an automatic item for one unit (see the module docstring)."""
    from django.db.models import Q

    from .models import KPI

    scheme = scheme or item.scheme
    kpis = KPI.objects.filter(task__units__organization=organization, target__isnull=False).filter(
        Q(year=scheme.year) | Q(year__isnull=True)
    )
    if item.task_id:
        kpis = kpis.filter(task_id=item.task_id)
    elif scheme.plan_id:
        kpis = kpis.filter(task__plan_id=scheme.plan_id)
    return kpis.distinct()


def auto_score(item, organization, scheme=None) -> tuple[Decimal | None, str]:
    """The automatic score of an item for a unit and a note saying how it was reached."""
    scheme = scheme or item.scheme
    kpis = list(unit_kpis(item, organization, scheme))
    maximum = item_max(item, scheme)
    score = kpi_completion_score(maximum, (k.completion for k in kpis))
    if score is None:
        return None, "no KPI with a target for this unit"
    mean = sum((Decimal(str(k.completion or 0)) for k in kpis), ZERO) / len(kpis)
    return score, f"{len(kpis)} KPI(s), mean completion {mean:.2%}"


def lines_for(assessment) -> list[ItemLine]:
    scheme = assessment.scheme
    lines = []
    for score in assessment.scores.all():
        lines.append(
            ItemLine(
                method=score.item.method,
                maximum=item_max(score.item, scheme),
                claim=score.self_score,
                review=score.review_score,
                veto=score.veto_triggered,
            )
        )
    return lines


def compute_total(assessment) -> Total:
    return total_for(lines_for(assessment), assessment.scheme.bonus_cap)


def rank_scheme(scheme) -> None:
    """Rank the final assessments of a scheme; the others carry no rank."""
    from .models import UnitAssessment

    assessments = list(UnitAssessment.objects.filter(scheme=scheme))
    entries = [
        RankEntry(key=a.pk, total=a.total or ZERO, vetoed=a.vetoed)
        for a in assessments
        if a.status == AssessmentStatus.FINAL
    ]
    ranks = {e.key: e.rank for e in rank(entries)}
    changed = []
    for a in assessments:
        new = ranks.get(a.pk)
        if a.rank != new:
            a.rank = new
            changed.append(a)
    if changed:
        UnitAssessment.objects.bulk_update(changed, ["rank"])
