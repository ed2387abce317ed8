"""The headline figures of utilization (运用) for a year, as the reader may see them.

Every figure is computed from `Model.objects.restrict(user, "view")` with the same filter as the
list it links to (the lists' parameter names are the contract: designation_list ?kind= &level=
&year= &current=, certificate_list ?valid_at_end_of= &standard_version= &transition_overdue=,
transaction_list ?year= &kind= &from_university= &from_outside=, pledge_list
?registration_year= &status=, insurancepolicy_list ?start_year=, riskalert_list ?status= &kind=;
"enterprises financed" counts pledgors, so it opens the page of those pledgors,
financed_enterprises ?year=, built from the same query), so a figure and the list behind it
cannot disagree. A model the reader may not view gives no
section at all, rather than zeros.

Each area is one or two grouped queries whatever the number of records; the whole overview,
trend included, stays within a fixed number of queries.

The figures differ on purpose from the district indicators (indicators/measures.py): those count
only parties in the district and are computed once for everyone; these count what this reader
may view, parties anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm
from ipcity.orgs.models import Organization

from . import certificates
from .choices import (
    DesignationKind,
    DesignationLevel,
    PledgeStatus,
    PoolStage,
    RiskKind,
    RiskStatus,
    StandardVersion,
    TransactionKind,
)
from .criteria import designation_valid_q
from .models import (
    Certificate,
    Designation,
    InsurancePolicy,
    Pledge,
    PoolEntry,
    RiskAlert,
    Transaction,
)

TREND_YEARS = 5
TOP_ENTERPRISES = 8
# A registration cancelled is not financing; a pledge released since was registered that year.
COUNTED_PLEDGES = (PledgeStatus.REGISTERED, PledgeStatus.CHANGED, PledgeStatus.RELEASED)
IP_KINDS = (DesignationKind.IP_ADVANTAGE, DesignationKind.IP_DEMONSTRATION)


def list_url(name: str, **params) -> str:
    """The URL of a utilization list with its filter parameters; "" while the page is missing."""
    try:
        url = reverse(f"utilization:{name}")
    except NoReverseMatch:
        return ""
    query = urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
    return f"{url}?{query}" if query else url


def enterprise_url(pk: int) -> str:
    return reverse("utilization:enterprise", args=[pk])


def today() -> date:
    return timezone.localdate()


def reference_day(year: int) -> date:
    """The day a year's standing figures are taken on: 31 December, or today in the current
    year (a year not yet over)."""
    return min(date(year, 12, 31), today())


def certificate_params(year: int, **extra) -> dict:
    """The certificate list's parameters for "valid on the reference day of `year`"."""
    on = reference_day(year)
    if on == date(year, 12, 31):
        return {"valid_at_end_of": year, **extra}
    return {"valid_on": on.isoformat(), **extra}


@dataclass
class Figure:
    key: str
    label: str
    value: int | Decimal
    url: str = ""
    unit: str = ""
    amount: bool = False  # 10k yuan, shown with two decimals

    @property
    def text(self) -> str:
        if self.amount:
            return f"{Decimal(self.value):,.2f}"
        return f"{int(self.value):,}"


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)  # [{"title", "figures": [Figure]}]
    links: list[dict] = field(default_factory=list)  # [{"label", "url"}]


# The models whose figures the overview shows; reading any of them opens the overview.
OVERVIEW_MODELS = (
    Designation,
    PoolEntry,
    Certificate,
    Transaction,
    Pledge,
    InsurancePolicy,
    RiskAlert,
)


def can_view_any(user) -> bool:
    return any(has_perm(user, model, "view") for model in OVERVIEW_MODELS)


def _amount(value) -> Decimal:
    return value if value is not None else Decimal("0")


def _can(user, model) -> bool:
    return has_perm(user, model, "view")


class _Validity:
    """The certificate rules of certificates.py with the editions read once (the public
    helpers read them at every call)."""

    def __init__(self):
        self.editions = certificates.editions()

    def valid(self, on: date) -> Q:
        return certificates._valid_q(on, "", self.editions)

    def overdue(self) -> Q:
        return certificates._overdue_q(certificates.current_date(), self.editions)


# --- areas ----------------------------------------------------------------------------------------


def cultivation(user, year: int) -> Section | None:
    """Designations made in the year by kind and level, those in force today, the pool by
    stage. Two queries."""
    if not (_can(user, Designation) or _can(user, PoolEntry)):
        return None
    section = Section("cultivation", _("Enterprise cultivation"))
    if _can(user, Designation):
        rows = (
            Designation.objects.restrict(user, "view")
            .order_by()
            .values("kind", "level")
            .annotate(
                in_year=Count("pk", filter=Q(year=year)),
                current=Count("pk", filter=designation_valid_q(today())),
            )
        )
        in_year: dict[tuple[str, str], int] = {}
        current: dict[str, int] = {}
        for r in rows:
            in_year[(r["kind"], r["level"])] = r["in_year"]
            current[r["kind"]] = current.get(r["kind"], 0) + r["current"]
        section.figures += [
            Figure(
                "designated",
                _("Designations made in %(year)d") % {"year": year},
                sum(in_year.values()),
                list_url("designation_list", year=year),
            ),
            Figure(
                "designations_current",
                _("Designations in force today"),
                sum(current.values()),
                list_url("designation_list", current="true"),
            ),
        ]
        kinds = [k for k in DesignationKind.values if k in IP_KINDS or k in current]
        levels = dict(DesignationLevel.choices)
        for kind in kinds:
            label = DesignationKind(kind).label
            figures = [
                Figure(
                    f"current_{kind}",
                    _("In force today"),
                    current.get(kind, 0),
                    list_url("designation_list", kind=kind, current="true"),
                )
            ]
            for level, level_label in levels.items():
                figures.append(
                    Figure(
                        f"designated_{kind}_{level}",
                        _("%(level)s, %(year)d") % {"level": level_label, "year": year},
                        in_year.get((kind, level), 0),
                        list_url("designation_list", kind=kind, level=level, year=year),
                    )
                )
            section.groups.append({"title": label, "figures": figures})
    if _can(user, PoolEntry):
        rows = (
            PoolEntry.objects.restrict(user, "view")
            .order_by()
            .values("stage")
            .annotate(n=Count("pk"), meets=Count("pk", filter=Q(meets_all=True)))
        )
        stages = {r["stage"]: r for r in rows}
        figures = [
            Figure(
                f"pool_{stage}",
                str(label),
                stages.get(stage, {}).get("n", 0),
                list_url("poolentry_list", stage=stage),
            )
            for stage, label in PoolStage.choices
        ]
        figures.append(
            Figure(
                "pool_ready",
                _("Candidates meeting every criterion"),
                stages.get(PoolStage.CANDIDATE, {}).get("meets", 0),
                list_url("poolentry_list", stage=PoolStage.CANDIDATE, meets_all="true"),
            )
        )
        section.groups.append({"title": _("Cultivation pool"), "figures": figures})
    return section


def certification(user, year: int) -> Section | None:
    """Certificates valid on the year's reference day, by the edition held that day, and the
    2013 certificates past their transition today. Two queries (one reads the editions)."""
    if not _can(user, Certificate):
        return None
    on = reference_day(year)
    rules = _Validity()
    valid = rules.valid(on)
    versions = list(StandardVersion.values)
    totals = (
        Certificate.objects.restrict(user, "view")
        .order_by()
        .aggregate(
            valid=Count("pk", filter=valid),
            overdue=Count("pk", filter=rules.overdue()),
            **{
                f"v{v}": Count("pk", filter=valid & certificates.edition_q(v, on)) for v in versions
            },
        )
    )
    if on == date(year, 12, 31):
        label = _("Valid on 31 Dec %(year)d") % {"year": year}
    else:
        label = _("Valid today")
    section = Section("certification", _("GB/T 29490 certification"))
    section.figures.append(
        Figure(
            "certificates_valid",
            label,
            totals["valid"],
            list_url("certificate_list", **certificate_params(year)),
        )
    )
    for v in versions:
        section.figures.append(
            Figure(
                f"certificates_{v}",
                _("of which edition %(version)s") % {"version": v},
                totals[f"v{v}"],
                list_url("certificate_list", **certificate_params(year, standard_version=v)),
            )
        )
    section.figures.append(
        Figure(
            "certificates_overdue",
            _("Past the 2013 transition, not converted"),
            totals["overdue"],
            list_url("certificate_list", transition_overdue="true"),
        )
    )
    section.links.append(
        {"label": _("Certificate statistics"), "url": list_url("certificate_stats")}
    )
    return section


def transfers(user, year: int) -> Section | None:
    """Transactions counted for the year: number, amount, from universities, from outside,
    by kind. One query."""
    if not _can(user, Transaction):
        return None
    rows = list(
        Transaction.objects.restrict(user, "view")
        .filter(year=year)
        .order_by()
        .values("kind")
        .annotate(
            n=Count("pk"),
            amount=Sum("amount"),
            university=Count("pk", filter=Q(from_university=True)),
            outside=Count("pk", filter=Q(from_outside=True)),
        )
    )
    by_kind = {r["kind"]: r for r in rows}
    section = Section("transfers", _("Transfer and licensing"))
    section.figures = [
        Figure(
            "transactions",
            _("Transactions in %(year)d") % {"year": year},
            sum(r["n"] for r in rows),
            list_url("transaction_list", year=year),
        ),
        Figure(
            "transaction_amount",
            _("Amount"),
            sum((_amount(r["amount"]) for r in rows), Decimal("0")),
            list_url("transaction_list", year=year),
            unit=_("10k yuan"),
            amount=True,
        ),
        Figure(
            "university_transactions",
            _("From universities and institutes"),
            sum(r["university"] for r in rows),
            list_url("transaction_list", year=year, from_university="true"),
        ),
        Figure(
            "transactions_from_outside",
            _("Acquired from outside the district"),
            sum(r["outside"] for r in rows),
            list_url("transaction_list", year=year, from_outside="true"),
        ),
    ]
    section.groups.append(
        {
            "title": _("By kind"),
            "figures": [
                Figure(
                    f"transactions_{kind}",
                    str(label),
                    by_kind.get(kind, {}).get("n", 0),
                    list_url("transaction_list", year=year, kind=kind),
                )
                for kind, label in TransactionKind.choices
            ],
        }
    )
    section.links.append(
        {"label": _("Transaction statistics"), "url": list_url("transaction_stats")}
    )
    return section


def pledge_params(year: int) -> dict:
    return {"registration_year": year, "status": list(COUNTED_PLEDGES)}


def counted_pledges(user, year: int):
    """The pledges of the year the finance figures count, as `user` may view them."""
    return (
        Pledge.objects.restrict(user, "view")
        .filter(registration_date__year=year, status__in=COUNTED_PLEDGES)
        .order_by()
    )


def financed_enterprises(user, year: int):
    """The pledgors of `counted_pledges`, one row each ({pledgor, pledgor__name, n, amount}),
    largest amount first: the list behind "enterprises financed"."""
    return (
        counted_pledges(user, year)
        .values("pledgor", "pledgor__name")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("-amount", "pledgor__name", "pledgor")
    )


def pledgor_pledges_url(pledgor: int, year: int) -> str:
    """The pledge list of one pledgor's counted pledges of the year."""
    return list_url("pledge_list", pledgor=pledgor, **pledge_params(year))


def finance(user, year: int) -> Section | None:
    """Pledges registered in the year (not cancelled): amount, number, enterprises financed;
    insurance starting in the year; open risk alerts by kind. Three queries."""
    can_pledge, can_insure, can_alert = (
        _can(user, Pledge),
        _can(user, InsurancePolicy),
        _can(user, RiskAlert),
    )
    if not (can_pledge or can_insure or can_alert):
        return None
    section = Section("finance", _("IP finance"))
    if can_pledge:
        pledges = counted_pledges(user, year).aggregate(
            n=Count("pk"), amount=Sum("amount"), financed=Count("pledgor", distinct=True)
        )
        url = list_url("pledge_list", **pledge_params(year))
        section.figures += [
            Figure(
                "pledge_amount",
                _("Pledge registration amount, %(year)d") % {"year": year},
                _amount(pledges["amount"]),
                url,
                unit=_("10k yuan"),
                amount=True,
            ),
            Figure("pledges", _("Pledges registered"), pledges["n"], url),
            Figure(
                "enterprises_financed",
                _("Enterprises financed"),
                pledges["financed"],
                list_url("financed_enterprises", year=year),
            ),
        ]
    if can_insure:
        insured = (
            InsurancePolicy.objects.restrict(user, "view")
            .filter(start_date__year=year)
            .order_by()
            .aggregate(n=Count("pk"), amount=Sum("insured_amount"))
        )
        url = list_url("insurancepolicy_list", start_year=year)
        section.figures += [
            Figure(
                "insured_amount",
                _("Insured amount, %(year)d") % {"year": year},
                _amount(insured["amount"]),
                url,
                unit=_("10k yuan"),
                amount=True,
            ),
            Figure("policies", _("Insurance policies"), insured["n"], url),
        ]
    if can_alert:
        rows = (
            RiskAlert.objects.restrict(user, "view")
            .filter(status=RiskStatus.OPEN)
            .order_by()
            .values("kind")
            .annotate(n=Count("pk"))
        )
        by_kind = {r["kind"]: r["n"] for r in rows}
        section.figures.append(
            Figure(
                "open_alerts",
                _("Open risk alerts"),
                sum(by_kind.values()),
                list_url("riskalert_list", status=RiskStatus.OPEN),
            )
        )
        section.groups.append(
            {
                "title": _("Open risk alerts by kind"),
                "figures": [
                    Figure(
                        f"alerts_{kind}",
                        str(label),
                        by_kind.get(kind, 0),
                        list_url("riskalert_list", status=RiskStatus.OPEN, kind=kind),
                    )
                    for kind, label in RiskKind.choices
                ],
            }
        )
    return section


def sections(user, year: int) -> list[Section]:
    found = [cultivation(user, year), certification(user, year), transfers(user, year)]
    found.append(finance(user, year))
    return [s for s in found if s is not None]


def figures_by_key(found: list[Section]) -> dict[str, Figure]:
    """Every figure of the sections by its key (for the card and the tests)."""
    result = {}
    for section in found:
        for figure in section.figures:
            result[figure.key] = figure
        for group in section.groups:
            for figure in group["figures"]:
                result[figure.key] = figure
    return result


# --- enterprises named on the overview ------------------------------------------------------------


def named_enterprises(user, year: int) -> list[dict]:
    """Short tables of the enterprises behind the figures: the largest pledgors of the year and
    the enterprises designated in it, each linking to its enterprise page when the reader may
    open it. Three queries."""
    tables = []
    org_ids: set[int] = set()
    if _can(user, Pledge):
        rows = list(financed_enterprises(user, year)[:TOP_ENTERPRISES])
        org_ids |= {r["pledgor"] for r in rows}
        tables.append(
            {
                "key": "pledgors",
                "title": _("Largest pledgors, %(year)d") % {"year": year},
                "headers": [_("Enterprise"), _("Pledges"), _("Amount (10k yuan)")],
                "rows": [
                    {
                        "org": r["pledgor"],
                        "name": r["pledgor__name"],
                        "cells": [
                            {"text": str(r["n"]), "url": pledgor_pledges_url(r["pledgor"], year)},
                            {"text": f"{_amount(r['amount']):,.2f}"},
                        ],
                    }
                    for r in rows
                ],
            }
        )
    if _can(user, Designation):
        designations = list(
            Designation.objects.restrict(user, "view")
            .filter(year=year)
            .select_related("organization")
            .order_by("kind", "level", "organization__name")[: TOP_ENTERPRISES * 2]
        )
        org_ids |= {d.organization_id for d in designations}
        tables.append(
            {
                "key": "designated",
                "title": _("Designated in %(year)d") % {"year": year},
                "headers": [_("Enterprise"), _("Designation"), _("Level")],
                "rows": [
                    {
                        "org": d.organization_id,
                        "name": d.organization.name,
                        "cells": [
                            {"text": d.get_kind_display(), "url": _detail_url(d)},
                            {"text": d.get_level_display()},
                        ],
                    }
                    for d in designations
                ],
            }
        )
    openable = openable_enterprises(user, org_ids)
    for table in tables:
        for row in table["rows"]:
            row["url"] = enterprise_url(row["org"]) if row["org"] in openable else ""
    return tables


def openable_enterprises(user, org_ids) -> set[int]:
    """Those of `org_ids` whose enterprise page `user` may open (one query)."""
    return set(
        Organization.objects.restrict(user, "view")
        .filter(pk__in=org_ids)
        .values_list("pk", flat=True)
    )


def _detail_url(obj) -> str:
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""


# --- trend ----------------------------------------------------------------------------------------


def trend(user, year: int) -> dict:
    """Five years up to `year`: counts (transactions, pledges, valid certificates) and amounts
    (transactions, pledges, insurance), for the chart. One query per area, and one for the
    editions the certificates' validity rule reads."""
    years = list(range(year - TREND_YEARS + 1, year + 1))
    first, last = years[0], years[-1]
    series: list[dict] = []

    def add(key, name, values: dict, amount=False):
        series.append(
            {
                "key": key,
                "name": str(name),
                "amount": amount,
                "values": [
                    float(_amount(values.get(y))) if amount else int(values.get(y) or 0)
                    for y in years
                ],
            }
        )

    if _can(user, Transaction):
        rows = (
            Transaction.objects.restrict(user, "view")
            .filter(year__gte=first, year__lte=last)
            .order_by()
            .values("year")
            .annotate(n=Count("pk"), amount=Sum("amount"))
        )
        rows = list(rows)
        add("transactions", _("Transactions"), {r["year"]: r["n"] for r in rows})
        add(
            "transaction_amount",
            _("Transaction amount"),
            {r["year"]: r["amount"] for r in rows},
            amount=True,
        )
    if _can(user, Pledge):
        rows = list(
            Pledge.objects.restrict(user, "view")
            .filter(
                registration_date__year__gte=first,
                registration_date__year__lte=last,
                status__in=COUNTED_PLEDGES,
            )
            .annotate(y=ExtractYear("registration_date"))
            .order_by()
            .values("y")
            .annotate(n=Count("pk"), amount=Sum("amount"))
        )
        add("pledges", _("Pledges registered"), {r["y"]: r["n"] for r in rows})
        add(
            "pledge_amount",
            _("Pledge registration amount"),
            {r["y"]: r["amount"] for r in rows},
            amount=True,
        )
    if _can(user, InsurancePolicy):
        rows = list(
            InsurancePolicy.objects.restrict(user, "view")
            .filter(start_date__year__gte=first, start_date__year__lte=last)
            .annotate(y=ExtractYear("start_date"))
            .order_by()
            .values("y")
            .annotate(amount=Sum("insured_amount"))
        )
        add("insured_amount", _("Insured amount"), {r["y"]: r["amount"] for r in rows}, True)
    if _can(user, Certificate):
        rules = _Validity()
        totals = (
            Certificate.objects.restrict(user, "view")
            .order_by()
            .aggregate(
                **{f"y{y}": Count("pk", filter=rules.valid(reference_day(y))) for y in years}
            )
        )
        add("certificates", _("Valid certificates"), {y: totals[f"y{y}"] for y in years})
    return {"years": years, "series": series, "amount_unit": str(_("10k yuan"))}


# --- the dashboard card's headline ----------------------------------------------------------------


def headline(user, year: int) -> list[Figure]:
    """Five or six figures for the home dashboard: designations and certificates in force,
    transactions, pledge amount, insured amount, open alerts."""
    found = [
        cultivation(user, year) if _can(user, Designation) else None,
        certification(user, year),
        transfers(user, year),
        finance(user, year),
    ]
    figures = figures_by_key([s for s in found if s is not None])
    keys = [
        "designations_current",
        "certificates_valid",
        "transactions",
        "pledge_amount",
        "insured_amount",
        "open_alerts",
    ]
    return [figures[k] for k in keys if k in figures]
