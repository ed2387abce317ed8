"""Repeat infringement detection (DOMAIN.md §7). Owned by the transfers-and-repeats area.

`refresh(case)` recomputes the `CaseRelation` rows of `case` and its `is_repeat` flag (unless
set by hand) and must be called whenever a case's respondents, rights or decision change;
`refresh_later(case)` does the same for the open cases of the same respondents opened later,
once `case` is decided; `refresh_after_party_change(case)` does both when a party of a case
(decided or not) changes.

A party of another case is the same party (across agencies) when the credit codes are equal, or,
when one of the two has no credit code, when the normalized names (`parties.name_key`) are equal.
Two parties with different credit codes are different parties whatever their names.

Relations found, each against an earlier case with a decision taken before this case's conduct
date (else its opening date):
- SAME_RIGHT: an effective decision (penalty or order to stop) against the same respondent over
  the same right (the same registry patent or trademark, or the same right type and number):
  CNIPA guiding case 6 (2022) for patents, and the same rule for every right;
- TRADEMARK_5Y: this is a trademark case and the same respondent was penalized for trademark
  infringement within the 5 years before (Trademark Law art. 60);
- PRIOR_PENALTY_2Y: the same respondent was penalized for IP infringement within the 2 years
  before (lowers the criminal thresholds, 法释〔2025〕5号; informational).
`is_repeat` follows SAME_RIGHT and TRADEMARK_5Y.

Queries are bounded: the case's respondents and rights (two), one query for every earlier case
that may relate (with the same-right test as a subquery), then the replace.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from .choices import DecisionKind, PartyRole, RelationReason, RightType
from .parties import clean_uscc

# Look-back periods fixed by law (not clocks of the procedure): Trademark Law art. 60 (5 years);
# 法释〔2025〕5号 (2 years, also the rule set's lookback_years).
TRADEMARK_YEARS = 5
PRIOR_PENALTY_YEARS = 2
EFFECTIVE_DECISIONS = (DecisionKind.PENALTY, DecisionKind.ORDER_ONLY)


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def reference_day(case) -> datetime.date:
    return case.conduct_date or case.opened_on


def respondent_q(case, prefix: str = "") -> Q | None:
    """A filter on CaseParty (or on a path to it, `prefix`) matching the respondents of `case`
    in any case; None when the case names no respondent."""
    from .models import CaseParty

    respondents = list(
        CaseParty.objects.filter(case=case, role=PartyRole.RESPONDENT).values_list(
            "uscc", "name_key"
        )
    )
    return match_q(respondents, prefix)


def match_q(respondents, prefix: str = "") -> Q | None:
    """The filter for parties equal to any of `respondents` ((uscc, name_key) pairs)."""
    codes = {clean_uscc(uscc) for uscc, _key in respondents} - {""}
    all_keys = {key for _uscc, key in respondents if key}
    keys_without_code = {key for uscc, key in respondents if key and not clean_uscc(uscc)}
    q = Q()
    matched = False
    if codes:
        q |= Q(**{f"{prefix}uscc__in": codes})
        matched = True
    if keys_without_code:
        q |= Q(**{f"{prefix}name_key__in": keys_without_code})
        matched = True
    if all_keys:
        q |= Q(**{f"{prefix}uscc": "", f"{prefix}name_key__in": all_keys})
        matched = True
    if not matched:
        return None
    return Q(**{f"{prefix}role": PartyRole.RESPONDENT}) & q


def _same_party_exists(party_q: Q) -> Exists:
    from .models import CaseParty

    return Exists(CaseParty.objects.filter(case=OuterRef("pk")).filter(party_q))


def _rights_q(case) -> Q | None:
    from .models import CaseRight

    q = Q()
    found = False
    for right in CaseRight.objects.filter(case=case).only(
        "right_type", "number", "patent_id", "trademark_id"
    ):
        if right.patent_id:
            q |= Q(patent_id=right.patent_id)
        if right.trademark_id:
            q |= Q(trademark_id=right.trademark_id)
        number = (right.number or "").strip()
        if number:
            q |= Q(right_type=right.right_type, number__iexact=number)
        found = True
    return q if found else None


def _detail(earlier) -> str:
    decided = earlier.decided_on.isoformat() if earlier.decided_on else ""
    return f"{earlier.number} · {earlier.get_decision_kind_display()} · {decided}"[:300]


def find(case) -> list[tuple[object, str]]:
    """(earlier case, reason) pairs for `case`, computed, not stored."""
    from .models import Case, CaseRight

    day = reference_day(case)
    party_q = respondent_q(case)
    if party_q is None or day is None:
        return []
    earliest = years_before(day, max(TRADEMARK_YEARS, PRIOR_PENALTY_YEARS))
    rights_q = _rights_q(case)
    earlier = (
        Case.objects.exclude(pk=case.pk)
        .filter(_same_party_exists(party_q), decided_on__lt=day)
        .filter(decision_kind__in=EFFECTIVE_DECISIONS)
    )
    if rights_q is not None:
        earlier = earlier.annotate(
            same_right=Exists(CaseRight.objects.filter(case=OuterRef("pk")).filter(rights_q))
        ).filter(Q(same_right=True) | Q(decided_on__gte=earliest))
    else:
        earlier = earlier.filter(decided_on__gte=earliest)
    trademark_from = years_before(day, TRADEMARK_YEARS)
    penalty_from = years_before(day, PRIOR_PENALTY_YEARS)
    found = []
    for other in earlier.order_by("-decided_on", "pk"):
        if getattr(other, "same_right", False):
            found.append((other, RelationReason.SAME_RIGHT_AFTER_DECISION))
        if other.decision_kind != DecisionKind.PENALTY:
            continue
        if (
            case.right_type == RightType.TRADEMARK
            and other.right_type == RightType.TRADEMARK
            and other.decided_on >= trademark_from
        ):
            found.append((other, RelationReason.TRADEMARK_WITHIN_5Y))
        if other.decided_on >= penalty_from:
            found.append((other, RelationReason.PRIOR_PENALTY_2Y))
    return found


REPEAT_REASONS = (RelationReason.SAME_RIGHT_AFTER_DECISION, RelationReason.TRADEMARK_WITHIN_5Y)


def refresh(case) -> list:
    """Replace the relations of `case` with what detection finds now; set `is_repeat` from them
    unless it was set by hand. Returns the new CaseRelation rows."""
    from .models import Case, CaseRelation

    with transaction.atomic():
        found = find(case)
        CaseRelation.objects.filter(case=case).delete()
        rows = CaseRelation.objects.bulk_create(
            [
                CaseRelation(case=case, earlier=other, reason=reason, detail=_detail(other))
                for other, reason in found
            ]
        )
        repeat = any(reason in REPEAT_REASONS for _other, reason in found)
        if not case.repeat_set_by_hand and case.is_repeat != repeat:
            Case.objects.filter(pk=case.pk, repeat_set_by_hand=False).update(is_repeat=repeat)
            case.is_repeat = repeat
    return rows


def refresh_later(case) -> list:
    """After `case` is decided: refresh the open cases of the same respondents opened on or after
    it (their relations may now include `case`). Returns the cases refreshed."""
    from .models import Case

    party_q = respondent_q(case)
    if party_q is None:
        return []
    later = list(
        Case.objects.filter(Case.open_q())
        .exclude(pk=case.pk)
        .filter(_same_party_exists(party_q), opened_on__gte=case.opened_on)
        .order_by("pk")
    )
    for other in later:
        refresh(other)
    return later


def refresh_after_party_change(case) -> list:
    """After a party of `case` was added, changed or removed: refresh `case` itself and, when it is
    already decided with an effective decision, the later open cases of its respondents (their
    relations may now include `case`). Returns the cases refreshed (`case` first)."""
    refresh(case)
    refreshed = [case]
    if case.decided_on and case.decision_kind in EFFECTIVE_DECISIONS:
        refreshed += refresh_later(case)
    return refreshed
