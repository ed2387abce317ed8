"""State changes of the annual assessment, shared by the pages and any API.

Who does what:

- the office (whoever may change the year's scheme) edits schemes and items, opens the
  assessments for the units, reviews, finalizes and reopens;
- a unit (whoever may change the unit's assessment in their data scope) enters its
  self-assessment while it is a draft and submits it;
- everyone else with view permission reads.

Each function checks scope first (outside the view scope → `Http404`-like `DoesNotExist` is the
view's business; here a missing right raises `PermissionDenied`), runs in one transaction and
names the user in the history.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import assessment as engine
from .choices import AssessmentStatus, ItemMethod
from .models import AssessmentItem, AssessmentScheme, ItemScore, UnitAssessment


def is_office(user, scheme: AssessmentScheme) -> bool:
    return AssessmentScheme.objects.restrict(user, "change").filter(pk=scheme.pk).exists()


def require_office(user, scheme: AssessmentScheme) -> None:
    if not is_office(user, scheme):
        raise PermissionDenied(_("Only the office may do this."))


def can_self_assess(user, ua: UnitAssessment) -> bool:
    return (
        ua.status == AssessmentStatus.DRAFT
        and UnitAssessment.objects.restrict(user, "change").filter(pk=ua.pk).exists()
    )


# --- schemes ------------------------------------------------------------------------------


@transaction.atomic
def copy_scheme(user, source: AssessmentScheme, year: int) -> AssessmentScheme:
    """A new year's scheme with the items of `source`; assessments are not copied."""
    require_office(user, source)
    if AssessmentScheme.objects.filter(year=year).exists():
        raise ValidationError(
            {"year": [_("A scheme for %(year)s already exists.") % {"year": year}]}
        )
    name = source.name.replace(str(source.year), str(year))
    if name == source.name:
        name = f"{source.name} ({year})"
    scheme = AssessmentScheme(
        plan=source.plan,
        year=year,
        name=name,
        base_points=source.base_points,
        bonus_cap=source.bonus_cap,
        is_published=False,
    )
    scheme._history_user = user
    scheme.save()
    for item in source.items.all():
        AssessmentItem.objects.create(
            scheme=scheme,
            name=item.name,
            method=item.method,
            weight=item.weight,
            max_points=item.max_points,
            task=item.task,
            description=item.description,
            order=item.order,
        )
    return scheme


@transaction.atomic
def open_assessments(user, scheme: AssessmentScheme, organizations) -> int:
    """Create a draft assessment, with one score row per item, for each unit not yet in."""
    require_office(user, scheme)
    existing = set(scheme.unit_assessments.values_list("organization_id", flat=True))
    items = list(scheme.items.all())
    created = 0
    for org in organizations:
        if org.pk in existing:
            continue
        ua = UnitAssessment(scheme=scheme, organization=org)
        ua._history_user = user
        ua.save()
        ItemScore.objects.bulk_create([ItemScore(assessment=ua, item=i) for i in items])
        created += 1
    return created


def _ensure_scores(ua: UnitAssessment) -> None:
    """Items added to the scheme after the assessment was opened get their rows too."""
    have = set(ua.scores.values_list("item_id", flat=True))
    missing = [i for i in ua.scheme.items.all() if i.pk not in have]
    if missing:
        ItemScore.objects.bulk_create([ItemScore(assessment=ua, item=i) for i in missing])


def refresh_auto_scores(ua: UnitAssessment) -> None:
    """Write the computed score of each automatic item as the unit's claim."""
    _ensure_scores(ua)
    for score in ua.scores.select_related("item").filter(item__method=ItemMethod.AUTO_KPI):
        value, note = engine.auto_score(score.item, ua.organization, ua.scheme)
        if score.self_score != value or score.evidence != note:
            score.self_score = value
            score.evidence = note
            score.save(update_fields=["self_score", "evidence"])


# --- scores -------------------------------------------------------------------------------


def _parse_score(raw, item, scheme, label) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {label: [_("“%(value)s” is not a number.") % {"value": raw}]}
        ) from None
    maximum = engine.item_max(item, scheme)
    if value < 0 or (maximum and value > maximum):
        raise ValidationError(
            {label: [_("Enter a score between 0 and %(max)s.") % {"max": maximum}]}
        )
    return value


@transaction.atomic
def save_self_assessment(user, ua: UnitAssessment, entries: dict, comment: str) -> None:
    """`entries` maps item id → {"score": str, "evidence": str}. Automatic items are computed,
    veto items are the office's call: a unit enters manual and bonus items only."""
    if not can_self_assess(user, ua):
        raise PermissionDenied(_("This self-assessment cannot be changed now."))
    _ensure_scores(ua)
    for score in ua.scores.select_related("item"):
        if score.item.method not in (ItemMethod.MANUAL, ItemMethod.BONUS):
            continue
        entry = entries.get(score.item_id) or {}
        score.self_score = _parse_score(
            entry.get("score"), score.item, ua.scheme, f"score_{score.item_id}"
        )
        score.evidence = (entry.get("evidence") or "").strip()
        score.save(update_fields=["self_score", "evidence"])
    ua.self_comment = comment.strip()
    ua._history_user = user
    ua.save(update_fields=["self_comment", "updated_at"])


@transaction.atomic
def submit_self_assessment(user, ua: UnitAssessment) -> None:
    if not can_self_assess(user, ua):
        raise PermissionDenied(_("This self-assessment cannot be submitted now."))
    refresh_auto_scores(ua)
    _store_total(ua)
    ua.submit_self()
    ua._history_user = user
    ua.save()


@transaction.atomic
def save_review(user, ua: UnitAssessment, entries: dict, comment: str) -> None:
    """`entries` maps item id → {"score": str, "veto": bool, "note": str}."""
    require_office(user, ua.scheme)
    if ua.status not in (AssessmentStatus.SELF_SUBMITTED, AssessmentStatus.REVIEWED):
        raise PermissionDenied(_("Only a submitted self-assessment can be reviewed."))
    _ensure_scores(ua)
    for score in ua.scores.select_related("item"):
        entry = entries.get(score.item_id) or {}
        if score.item.method == ItemMethod.VETO:
            score.veto_triggered = bool(entry.get("veto"))
            score.review_score = None
        else:
            score.review_score = _parse_score(
                entry.get("score"), score.item, ua.scheme, f"score_{score.item_id}"
            )
        score.note = (entry.get("note") or "").strip()
        score.save(update_fields=["review_score", "veto_triggered", "note"])
    ua.review_comment = comment.strip()
    _store_total(ua)
    ua._history_user = user
    ua.save()


def _store_total(ua: UnitAssessment) -> engine.Total:
    result = engine.compute_total(ua)
    ua.total = result.total
    ua.vetoed = result.vetoed
    return result


@transaction.atomic
def transition(user, ua: UnitAssessment, name: str) -> None:
    """The office's steps: review (mark reviewed), finalize (fix the total, rank), reopen."""
    require_office(user, ua.scheme)
    if name not in ("review", "finalize", "reopen"):
        raise PermissionDenied
    method = getattr(ua, name)
    from django_fsm import can_proceed

    if not can_proceed(method):
        raise ValidationError(_("This step is not possible in the current state."))
    was_final = ua.status == AssessmentStatus.FINAL
    method()
    if name == "reopen":
        ua.rank = None
    else:
        _store_total(ua)
    ua._history_user = user
    ua.save()
    if name == "finalize" or was_final:
        engine.rank_scheme(ua.scheme)
