"""Review of incentive applications: first review → second review → approval.

    review.decide(rita, application, ReviewStage.FIRST, ReviewDecision.PASS)
    review.decide(otto, application, ReviewStage.SECOND, ReviewDecision.PASS,
                  amount={item.pk: Decimal("30000")})      # lower an item's amount
    review.decide(alice, application, ReviewStage.APPROVAL, ReviewDecision.PASS)

Who: each stage has its permission (`incentives.review_first_application`,
`review_second_application`, `approve_application`), and a grant counts for the applications of
programmes whose organizer it reaches (`organizer_q`): the office that runs a programme reviews
it, whoever applied. The same person never decides two stages of one application (four-eyes).

What: a pass moves the application to the next stage; "return" sends it back to the applicant
(RETURNED; they correct it and submit again through `applications.submit`); "reject" ends it.
Returning and rejecting need a reason, which the applicant reads. Reviewers may lower an item's
amount (never above what the rule computed); the amounts proposed are kept on the items.

Approval, in one transaction on the locked application: the eligibility checks run again
(`eligibility.refresh`: a right may have been rewarded meanwhile, or lapsed), an item that passed
review and is no longer eligible refuses the approval; the approved items are written to the
reward ledger (`Reward`, one row per reward_key across all programmes, so a right rewarded twice
fails on the unique key even for two approvals at the same moment); the total is reserved on
the programme's budget with a conditional UPDATE (`budget.reserve`). Any refusal rolls back all
of it.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.notifications import notify
from ipcity.core.scope import ScopeChoices, grants_for, has_perm

from . import budget, eligibility
from .choices import ApplicationStatus, ReviewDecision, ReviewStage
from .models import Application, ApplicationItem, Review, Reward

# The status an application waits in for each stage, and where a pass takes it.
WAITING = {
    ReviewStage.FIRST: ApplicationStatus.SUBMITTED,
    ReviewStage.SECOND: ApplicationStatus.FIRST_PASSED,
    ReviewStage.APPROVAL: ApplicationStatus.SECOND_PASSED,
}
PASSED = {
    ReviewStage.FIRST: ApplicationStatus.FIRST_PASSED,
    ReviewStage.SECOND: ApplicationStatus.SECOND_PASSED,
    ReviewStage.APPROVAL: ApplicationStatus.APPROVED,
}
STAGE_OF = {status: stage for stage, status in WAITING.items()}
PERMS = {
    ReviewStage.FIRST: "incentives.review_first_application",
    ReviewStage.SECOND: "incentives.review_second_application",
    ReviewStage.APPROVAL: "incentives.approve_application",
}
# A failed check that only warns: the right is claimed in another live application too. The
# reward ledger decides which approval gets it.
WARNING_CODES = {"claimed_elsewhere"}
COMMENT_MAX = 2000


# --- who may do what ----------------------------------------------------------------------


def organizer_q(user, perm: str, path: str = "program__organizer") -> Q | None:
    """The filter reaching rows whose programme organizer lies in the user's grants of `perm`
    (None: no grant at all). `path` leads from the queried model to the organizer."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    grants = grants_for(user, perm)
    if not grants:
        return None
    q = Q()
    matched = False
    for grant in grants:
        if grant.scope == ScopeChoices.DISTRICT:
            return Q()
        if grant.org_id is None:
            continue
        matched = True
        if grant.scope == ScopeChoices.SUBTREE:
            q |= Q(**{f"{path}__path__startswith": grant.org_path})
        else:
            q |= Q(**{f"{path}_id": grant.org_id})
    return q if matched else None


def organized_by(user, perm: str, queryset=None, path: str = "program__organizer"):
    """`queryset` (default: all applications) narrowed to the programmes whose organizer the
    user's `perm` grants reach."""
    queryset = Application.objects.all() if queryset is None else queryset
    q = organizer_q(user, perm, path)
    if q is None:
        return queryset.none()
    return queryset.filter(q) if q else queryset


def reviewable(user, stage: str):
    """Applications waiting for `stage` that the user's grant for that stage reaches."""
    return organized_by(user, PERMS[stage]).filter(status=WAITING[stage])


def review_stages(user) -> list[str]:
    """The stages the user holds a permission for (in any scope)."""
    return [stage for stage in ReviewStage.values if _holds(user, PERMS[stage])]


def _holds(user, perm: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(grants_for(user, perm))


def four_eyes_conflict(user, application: Application, stage: str) -> str | None:
    """The stage this user already decided on the application, other than `stage`."""
    other = (
        Review.objects.filter(application=application, reviewer=user)
        .exclude(stage=stage)
        .values_list("stage", flat=True)
        .first()
    )
    return other


def may_decide(user, application: Application) -> bool:
    """True when the application waits for a stage the user may decide now."""
    stage = STAGE_OF.get(application.status)
    if stage is None:
        return False
    if not organized_by(user, PERMS[stage]).filter(pk=application.pk).exists():
        return False
    return four_eyes_conflict(user, application, stage) is None


# --- amounts ------------------------------------------------------------------------------


def rewardable(item: ApplicationItem) -> bool:
    """Eligible, or failing only on a warning (claimed in another live application too)."""
    if item.eligible:
        return True
    failed = {c.get("code") for c in item.checks or () if not c.get("ok")}
    return bool(failed) and failed <= WARNING_CODES


def current_amount(item: ApplicationItem) -> Decimal:
    """What the item stands at: the last reviewer's proposal, else what the rule computed,
    never above the computed amount."""
    computed = budget.money(item.computed_amount)
    if item.approved_amount is None:
        return computed
    return min(budget.money(item.approved_amount), computed)


def _item_amounts(items: list[ApplicationItem], amount) -> dict[int, Decimal]:
    """{item pk: amount} after the reviewer's change. `amount` is None (keep), a mapping of item
    pk to amount, or a total for the whole application (the items are lowered in proportion,
    the rounding remainder on the last one)."""
    current = {
        item.pk: (current_amount(item) if rewardable(item) else Decimal("0")) for item in items
    }
    if amount is None or amount == "":
        return current
    computed = {
        item.pk: budget.money(item.computed_amount) if rewardable(item) else Decimal("0")
        for item in items
    }
    if isinstance(amount, dict):
        result = dict(current)
        for key, value in amount.items():
            pk = int(key)
            if pk not in current:
                raise ValidationError(
                    {"amount": _("Item %(pk)s is not part of this application.") % {"pk": pk}}
                )
            value = _parse(value)
            if value > computed[pk]:
                raise ValidationError(
                    {
                        "amount": _(
                            "An item's amount cannot be raised above what its rule computed "
                            "(%(computed)s yuan)."
                        )
                        % {"computed": budget.fmt(computed[pk])}
                    }
                )
            result[pk] = value
        return result
    total = _parse(amount)
    ceiling = sum(computed.values(), Decimal("0"))
    if total > ceiling:
        raise ValidationError(
            {
                "amount": _(
                    "The amount cannot be raised above what the rules computed (%(computed)s yuan)."
                )
                % {"computed": budget.fmt(ceiling)}
            }
        )
    base = sum(current.values(), Decimal("0"))
    if total == base:
        return current
    source = current if base > 0 else computed
    source_total = base if base > 0 else ceiling
    result = {}
    keys = [pk for pk in source if source[pk] > 0]
    given = Decimal("0")
    for index, pk in enumerate(keys):
        if index == len(keys) - 1:
            share = total - given
        else:
            share = (source[pk] * total / source_total).quantize(budget.CENT, rounding=ROUND_DOWN)
        result[pk] = min(share, computed[pk])
        given += result[pk]
    for pk in source:
        result.setdefault(pk, Decimal("0"))
    return result


def _parse(value) -> Decimal:
    try:
        value = budget.money(value)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise ValidationError({"amount": _("Enter an amount in yuan.")}) from exc
    if value < 0:
        raise ValidationError({"amount": _("An amount cannot be negative.")})
    return value


# --- the decision -------------------------------------------------------------------------


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("program", "applicant")
        .get(pk=application.pk)
    )


def _check(user, application: Application, stage: str) -> None:
    if stage not in WAITING:
        raise ValidationError({"stage": _("Unknown review stage.")})
    if not organized_by(user, PERMS[stage]).filter(pk=application.pk).exists():
        raise PermissionDenied(
            _("You may not take the %(stage)s of this application.")
            % {"stage": ReviewStage(stage).label.lower()}
        )
    if application.status != WAITING[stage]:
        waiting = STAGE_OF.get(application.status)
        if waiting is None:
            message = _("An application that is %(status)s is not reviewed.") % {
                "status": application.get_status_display().lower()
            }
        else:
            message = _("This application waits for the %(stage)s.") % {
                "stage": ReviewStage(waiting).label.lower()
            }
        raise ValidationError(message)
    other = four_eyes_conflict(user, application, stage)
    if other is not None:
        raise PermissionDenied(
            _(
                "You took the %(stage)s of this application; another person decides this stage "
                "(four-eyes principle)."
            )
            % {"stage": ReviewStage(other).label.lower()}
        )


def decide(
    user, application: Application, stage: str, decision: str, comment: str = "", amount=None
) -> Review:
    """Record one stage's decision (see the module's docstring). Returns the Review."""
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": _("Unknown decision.")})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": _("At most %(n)d characters.") % {"n": COMMENT_MAX}})
    if decision in (ReviewDecision.RETURN, ReviewDecision.REJECT) and not comment:
        raise ValidationError({"comment": _("Give the reason: the applicant reads it.")})
    with transaction.atomic():
        locked = _locked(application)
        _check(user, locked, stage)
        items = list(locked.items.select_related("rule").order_by("pk"))
        review = Review(
            application=locked, stage=stage, decision=decision, reviewer=user, comment=comment
        )
        if decision == ReviewDecision.PASS:
            if stage == ReviewStage.APPROVAL:
                total = _approve(user, locked, items, amount)
            else:
                amounts = _item_amounts(items, amount)
                for item in items:
                    item.approved_amount = amounts[item.pk]
                ApplicationItem.objects.bulk_update(items, ["approved_amount"])
                total = sum(amounts.values(), Decimal("0"))
                if total <= 0:
                    raise ValidationError(
                        {"amount": _("Nothing is left to reward: return or reject instead.")}
                    )
            review.amount = total
            locked.status = PASSED[stage]
        elif decision == ReviewDecision.RETURN:
            locked.status = ApplicationStatus.RETURNED
            locked.return_reason = comment
        else:
            locked.status = ApplicationStatus.REJECTED
            locked.return_reason = comment
            locked.decided_at = timezone.now()
        review.save()
        locked._history_user = user
        locked.save()
        _notify(locked, stage, decision, comment)
    _copy(application, locked)
    return review


def _approve(user, application: Application, items: list, amount) -> Decimal:
    """Refresh eligibility, write the reward ledger and reserve the budget. Returns the total."""
    from . import eligibility

    before = {item.pk: rewardable(item) and current_amount(item) > 0 for item in items}
    eligibility.refresh(application)
    items[:] = list(application.items.select_related("rule").order_by("pk"))
    lost = [item for item in items if before.get(item.pk) and not rewardable(item)]
    if lost:
        raise ValidationError(
            _("No longer eligible, so the application cannot be approved as it is: %(items)s")
            % {"items": "; ".join(_failure(item) for item in lost)}
        )
    amounts = _item_amounts(items, amount)
    total = sum(amounts.values(), Decimal("0"))
    if total <= 0:
        raise ValidationError({"amount": _("Nothing is left to reward: return or reject instead.")})
    for item in items:
        item.approved_amount = amounts[item.pk]
    ApplicationItem.objects.bulk_update(items, ["approved_amount"])
    for item in items:
        if amounts[item.pk] <= 0:
            continue
        if not item.reward_key:
            raise ValidationError(
                _("%(item)s has no reward key; check its eligibility again.") % {"item": item}
            )
        try:
            with transaction.atomic():
                Reward.objects.create(
                    reward_key=item.reward_key,
                    item=item,
                    program=application.program,
                    applicant=application.applicant,
                    amount=amounts[item.pk],
                )
        except IntegrityError as exc:
            raise ValidationError(
                _("%(item)s has already been rewarded (%(key)s); remove it before approving.")
                % {"item": item, "key": item.reward_key}
            ) from exc
    budget.reserve(application.program, total)
    application.approved_amount = total
    application.decided_at = timezone.now()
    return total


def _failure(item: ApplicationItem) -> str:
    messages = [c["message"] for c in eligibility.shown(item.failed_checks)]
    return f"{item}（{'，'.join(messages)}）" if messages else str(item)


def _copy(target: Application, source: Application) -> None:
    for field in Application._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def applicant_users(application: Application):
    from ipcity.accounts.models import User

    return User.objects.filter(organization_id=application.applicant_id, is_active=True)


def application_link(application: Application) -> str:
    try:
        return application.get_absolute_url()
    except NoReverseMatch:
        return ""


def _notify(application: Application, stage: str, decision: str, comment: str) -> None:
    """The applicant's users hear of a return, a rejection and the approval."""
    if decision == ReviewDecision.PASS and stage != ReviewStage.APPROVAL:
        return
    if decision == ReviewDecision.RETURN:
        title = _("Application %(number)s was returned for correction")
    elif decision == ReviewDecision.REJECT:
        title = _("Application %(number)s was rejected")
    else:
        title = _("Application %(number)s was approved: %(amount)s yuan")
    title = title % {
        "number": application.number or application.pk,
        "amount": budget.fmt(application.approved_amount),
    }
    body = comment
    if decision == ReviewDecision.PASS:
        body = _("It will be published for public notice before payment.")
    link = application_link(application)
    for person in applicant_users(application):
        notify(person, title, body, link)


# --- the panel on the application page ----------------------------------------------------


def panel_context(user, application: Application) -> dict:
    """Context of `incentives/review/_panel.html` on the application page: the review history
    (for those who may read reviews) and, for a user who may decide the stage the application
    waits for, that stage's form."""
    from .forms.review import ReviewForm

    stage = STAGE_OF.get(application.status)
    history = []
    if has_perm(user, Review, "view"):
        history = list(application.reviews.select_related("reviewer").order_by("at", "pk"))
    form = None
    blocked = ""
    if stage is not None and organized_by(user, PERMS[stage]).filter(pk=application.pk).exists():
        other = four_eyes_conflict(user, application, stage)
        if other is None:
            items = list(application.items.select_related("rule").order_by("pk"))
            form = ReviewForm(items=items, stage=stage)
        else:
            blocked = _(
                "You took the %(stage)s of this application; another person decides this stage."
            ) % {"stage": ReviewStage(other).label.lower()}
    from . import payments
    from .models import Payment

    paid = []
    if application.status in (ApplicationStatus.CONFIRMED, ApplicationStatus.PAID) and has_perm(
        user, Payment, "view"
    ):
        paid = list(
            Payment.objects.restrict(user, "view")
            .filter(application=application)
            .order_by("paid_on", "pk")
        )
    pay_url = ""
    if application.status == ApplicationStatus.CONFIRMED and payments.may_pay(user, application):
        pay_url = reverse("incentives:payment_add", args=[application.pk])
    return {
        "review_payments": paid,
        "review_pay_url": pay_url,
        "review_stage": stage,
        "review_stage_label": ReviewStage(stage).label if stage else "",
        "review_history": history,
        "review_form": form,
        "review_blocked": blocked,
        "review_application": application,
    }
