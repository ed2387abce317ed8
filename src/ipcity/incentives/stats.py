"""What every yuan achieved: the figures of the incentive overview, its card and
`GET /api/incentives/stats`.

Every figure is computed from the rows the reader may view and carries the URL of the list that
holds exactly those rows: the application list (H4's filters `program`, `status`, `applicant`,
`year`), the payment list (`program`, `applicant`, `year`) and the reward list (`program`,
`kind`, `applicant`, `year`). Budget, approved and paid amounts are shown to staff only
(`is_staff_reader`); an enterprise sees the statuses of its own applications.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.urls import reverse

from ipcity.core.scope import ScopeChoices, grants_for

from .choices import ApplicationStatus, RuleKind
from .models import Application, Payment, Program, Reward
from .review import PERMS

AWARDED = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.IN_NOTICE,
    ApplicationStatus.CONFIRMED,
    ApplicationStatus.PAID,
)
ZERO = Decimal("0")


def url(name: str, **params) -> str:
    pairs = []
    for key, value in params.items():
        if value in (None, ""):
            continue
        for one in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, str(one)))
    return reverse(name) + ("?" + urlencode(pairs) if pairs else "")


def is_staff_reader(user) -> bool:
    """Reads programme money: a district-wide reader of applications (the office, leaders) or
    anyone who reviews."""
    if user.is_superuser:
        return True
    if any(grants_for(user, perm) for perm in PERMS.values()):
        return True
    return any(
        g.scope == ScopeChoices.DISTRICT for g in grants_for(user, "incentives.view_application")
    )


def visible_rewards(user):
    """Reward rows of the applications the user may view (the ledger has no scope of its own)."""
    return Reward.objects.filter(
        item__application__in=Application.objects.restrict(user, "view").values("pk")
    )


def figures(user, year: int | None = None) -> dict:
    programs = Program.objects.restrict(user, "view").select_related("organizer")
    if year:
        programs = programs.filter(year=year)
    programs = list(programs.order_by("-year", "name"))
    ids = [p.pk for p in programs]
    apps = Application.objects.restrict(user, "view").filter(program_id__in=ids)
    staff = is_staff_reader(user)
    app_list, pay_list, reward_list = (
        "incentives:application_list",
        "incentives:payment_list",
        "incentives:reward_list",
    )

    counts: dict = {}
    for row in apps.values("program_id", "status").annotate(n=Count("pk")):
        counts.setdefault(row["program_id"], {})[row["status"]] = row["n"]
    paid_rows = {
        row["application__program_id"]: row
        for row in Payment.objects.restrict(user, "view")
        .filter(application__program_id__in=ids)
        .values("application__program_id")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    }
    rewards = visible_rewards(user).filter(program_id__in=ids)
    kinds = RuleKind.__members__.values()
    labels = {k.value: k.label for k in kinds}

    program_rows = []
    for program in programs:
        by_status = counts.get(program.pk, {})
        statuses = [
            {
                "status": value,
                "label": label,
                "count": by_status.get(value, 0),
                "url": url(app_list, program=program.pk, status=value),
            }
            for value, label in ApplicationStatus.choices
            if by_status.get(value)
        ]
        awarded = sum(by_status.get(s, 0) for s in AWARDED)
        row = {
            "id": program.pk,
            "name": program.name,
            "year": program.year,
            "url": program.get_absolute_url(),
            "applications": sum(by_status.values()),
            "applications_url": url(app_list, program=program.pk),
            "awarded": awarded,
            "awarded_url": url(app_list, program=program.pk, status=list(AWARDED)),
            "statuses": statuses,
        }
        if staff:
            paid = paid_rows.get(program.pk, {})
            row.update(
                budget=program.budget,
                approved=program.committed_amount,
                paid=program.paid_amount,
                remaining=program.budget - program.committed_amount,
                payments=paid.get("n", 0),
                payments_url=url(pay_list, program=program.pk),
            )
        program_rows.append(row)

    kind_rows = [
        {
            "kind": row["item__rule__kind"],
            "label": labels.get(row["item__rule__kind"], row["item__rule__kind"]),
            "rights": row["n"],
            "amount": row["amount"] or ZERO,
            "url": url(reward_list, kind=row["item__rule__kind"], year=year),
        }
        for row in rewards.values("item__rule__kind")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("-amount")
    ]
    applicant_rows = [
        {
            "id": row["applicant_id"],
            "name": row["applicant__name"],
            "rights": row["n"],
            "amount": row["amount"] or ZERO,
            "url": url(reward_list, applicant=row["applicant_id"], year=year),
        }
        for row in rewards.values("applicant_id", "applicant__name")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("-amount", "applicant__name")[:50]
    ]
    totals = {
        "programs": len(programs),
        "applications": sum(r["applications"] for r in program_rows),
        "applications_url": url(app_list, year=year),
        "awarded": sum(r["awarded"] for r in program_rows),
        "awarded_url": url(app_list, year=year, status=list(AWARDED)),
        "rights": sum(r["rights"] for r in kind_rows),
        "rights_url": url(reward_list, year=year),
        "applicants": rewards.values("applicant_id").distinct().count(),
    }
    if staff:
        totals.update(
            budget=sum((p.budget for p in programs), ZERO),
            approved=sum((p.committed_amount for p in programs), ZERO),
            paid=sum((p.paid_amount for p in programs), ZERO),
            remaining=sum((p.budget - p.committed_amount for p in programs), ZERO),
            paid_url=url(pay_list, year=year),
        )
    return {
        "year": year,
        "staff": staff,
        "totals": totals,
        "programs": program_rows,
        "kinds": kind_rows,
        "applicants": applicant_rows,
    }


def years(user) -> list[int]:
    return list(
        Program.objects.restrict(user, "view")
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def own_statuses(user) -> list[dict]:
    """For an enterprise's card: its applications by status."""
    apps = Application.objects.restrict(user, "view").exclude(status=ApplicationStatus.DRAFT)
    labels = dict(ApplicationStatus.choices)
    return [
        {
            "label": labels.get(row["status"], row["status"]),
            "count": row["n"],
            "url": url("incentives:application_list", status=row["status"]),
        }
        for row in apps.values("status").annotate(n=Count("pk")).order_by("status")
        if row["n"]
    ]
