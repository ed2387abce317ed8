"""Criminal transfer thresholds as dated data. Owned by the transfers-and-repeats area.

`evaluate(case)` returns the rule set in force on the case's conduct date (else its opening
date) and the rules the case meets, each with the value found.

Conditions of a rule (choices.ThresholdCondition):
- `one_mark`: the case names no number of marks, or one;
- `two_or_more_marks`: it names two or more;
- `any`: always;
- `prior_penalty`: the rule set has a look-back period and a respondent of the case (the same
  party across agencies: repeats.match_q) was given an administrative penalty for IP
  infringement in another case within that many years before the day.
A rule is met when the case's measure is at least the rule's value.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Q

from .choices import DecisionKind, ThresholdCondition, ThresholdMeasure


def rule_set_on(day: datetime.date):
    """The rule set in force on `day` (the latest that started, when two overlap)."""
    from .models import ThresholdRuleSet

    return (
        ThresholdRuleSet.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from", "-pk")
        .first()
    )


def prior_penalties(case, day: datetime.date, years: int):
    """Other cases in which a respondent of `case` was penalized within `years` before `day`."""
    from .models import Case, CaseParty
    from .repeats import respondent_q, years_before

    party_q = respondent_q(case)
    if party_q is None:
        return Case.objects.none()
    return (
        Case.objects.exclude(pk=case.pk)
        .filter(
            decision_kind=DecisionKind.PENALTY,
            decided_on__lt=day,
            decided_on__gte=years_before(day, years),
        )
        .filter(pk__in=CaseParty.objects.filter(party_q).values("case_id"))
        .order_by("-decided_on", "pk")
    )


def _fmt(measure: str, value) -> str:
    """Copies as a whole number, amounts in yuan with two decimals, whatever the source."""
    if measure == ThresholdMeasure.COPIES:
        return str(int(value))
    return f"{Decimal(str(value)):.2f}"


def _applies(condition: str, case, prior) -> bool:
    if condition == ThresholdCondition.ANY:
        return True
    if condition == ThresholdCondition.ONE_MARK:
        return case.marks_count in (None, 0, 1)
    if condition == ThresholdCondition.TWO_OR_MORE_MARKS:
        return case.marks_count is not None and case.marks_count >= 2
    if condition == ThresholdCondition.PRIOR_PENALTY:
        return bool(prior)
    return False


def evaluate(case):
    """(rule set in force or None, [matched rule as a dict]); nothing is matched for a case with
    no suspected offence or no date."""
    day = case.conduct_date or case.opened_on
    if day is None:
        return None, []
    rule_set = rule_set_on(day)
    if rule_set is None or not case.offence:
        return rule_set, []
    rules = list(rule_set.rules.filter(offence=case.offence).order_by("condition", "measure", "pk"))
    prior = []
    if rule_set.lookback_years and any(
        r.condition == ThresholdCondition.PRIOR_PENALTY for r in rules
    ):
        prior = list(
            prior_penalties(case, day, rule_set.lookback_years).values_list("number", flat=True)[
                :10
            ]
        )
    matched = []
    for rule in rules:
        if not _applies(rule.condition, case, prior):
            continue
        found = getattr(case, rule.measure, None)
        if found is None or found < rule.value:
            continue
        item = {
            "rule": rule.pk,
            "offence": rule.offence,
            "condition": rule.condition,
            "measure": rule.measure,
            "threshold": _fmt(rule.measure, rule.value),
            "value": _fmt(rule.measure, found),
            "rule_set": rule_set.code,
            "note": rule.note,
        }
        if rule.condition == ThresholdCondition.PRIOR_PENALTY:
            item["prior_cases"] = prior
        matched.append(item)
    return rule_set, matched


def describe(item: dict) -> dict:
    """A matched rule with labels for display (choices of offence, condition and measure)."""
    from .choices import Offence

    return {
        **item,
        "offence_label": dict(Offence.choices).get(item.get("offence"), item.get("offence")),
        "condition_label": dict(ThresholdCondition.choices).get(
            item.get("condition"), item.get("condition")
        ),
        "measure_label": dict(ThresholdMeasure.choices).get(
            item.get("measure"), item.get("measure")
        ),
    }
