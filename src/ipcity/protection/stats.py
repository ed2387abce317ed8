"""The protection figures of a year (and optionally one agency), as the reader may see them.

Cases are counted over `visibility.listed_cases(user)` and read only summary fields
(`Case.SUMMARY_FIELDS`), so every holder of `protection.summary_case` gets the same case figures
whatever agency they belong to. Transfers are counted over `transfers.visible(user)` (the rows
the transfer list shows: a police unit sees a transfer only once it is sent), leads over
`Lead.objects.restrict`: those figures are the reader's own and are left out (not zeroed) for a
reader who may not view transfers or leads.

Every figure carries the URL of the list behind it, built with the list's contract parameters
(the case list: agency, status, right_type, opened_after/_before, decided_after/_before,
closed_after/_before, is_repeat, is_malicious, is_group, is_transferred, overdue = awaiting the
decision (cases.PENDING_DECISION) and past decision_due; the transfer list: status, agency,
proposed_after/_before; the lead list: agency, received_after/_before, overdue), with bounds
inclusive. The list then shows exactly the counted rows, except where a figure says
`exact = False` (no list parameter selects those rows yet; the link opens the nearest list:
leads decided within their clock, and penalty decisions while the case list has no
`decision_kind` parameter).

The whole set is a fixed number of queries whatever the number of records: one aggregate of the
headline, one grouped query by agency and right type, two grouped by month, one for the
decision times, one for transfers and one for leads.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractMonth
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm

from . import clocks, visibility
from .cases import PENDING_DECISION
from .choices import OPEN_CASE_STATUSES, DecisionKind, RightType, TransferStatus
from .leads import PENDING_STATUSES
from .models import Case, CriminalTransfer, Lead

MIN_YEAR = 2000
WAN = Decimal("10000")


def today() -> date:
    return timezone.localdate()


def can_view(user) -> bool:
    """Who sees the protection figures: holders of protection.summary_case."""
    return has_perm(user, Case, "summary")


def list_url(name: str, **params) -> str:
    """A protection list's URL with its filter parameters; "" while the page is missing."""
    try:
        url = reverse(f"protection:{name}")
    except NoReverseMatch:
        return ""
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    query = urlencode(clean, doseq=True)
    return f"{url}?{query}" if query else url


def case_filter_has(name: str) -> bool:
    """Whether the case list takes the parameter `name` (penalty decisions need decision_kind)."""
    try:
        from .filters.cases import CaseFilterSet
    except ImportError:
        return False
    return name in CaseFilterSet.base_filters


def _money(value) -> str:
    return f"{Decimal(value or 0):,.2f}"


@dataclass
class Figure:
    key: str
    label: str
    value: int | Decimal
    url: str = ""
    params: dict = field(default_factory=dict)  # the list parameters behind `url`
    list_name: str = ""  # the list's URL name (case_list, transfer_list, lead_list)
    unit: str = ""
    kind: str = "count"  # count | yuan | days
    exact: bool = True  # False: no list parameter selects exactly these rows

    @property
    def text(self) -> str:
        if self.kind == "yuan":
            return _money(self.value)
        if self.kind == "days":
            return "—" if self.value is None else f"{Decimal(self.value):,.1f}"
        return f"{int(self.value or 0):,}"

    @property
    def wan(self) -> str:
        """An amount in 10k yuan (万元), two decimals."""
        if self.kind != "yuan":
            return ""
        return f"{(Decimal(self.value or 0) / WAN).quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": str(self.label),
            "value": self.value,
            "text": self.text,
            "unit": str(self.unit),
            "wan": self.wan,
            "url": self.url,
            "exact": self.exact,
        }


@dataclass
class Stats:
    year: int
    agency: int | None
    figures: list[Figure] = field(default_factory=list)  # the headline
    by_right_type: list[dict] = field(default_factory=list)  # {key, label, opened, closed}
    # {agency, name, opened, closed, fines, cells: [{right_type, opened, closed}]}: the table
    by_agency: list[dict] = field(default_factory=list)
    right_types: list[tuple[str, str]] = field(default_factory=list)
    months: dict = field(default_factory=dict)
    transfers: list[Figure] = field(default_factory=list)
    leads: list[Figure] = field(default_factory=list)

    def all_figures(self) -> list[Figure]:
        found = [*self.figures, *self.transfers, *self.leads]
        for row in [*self.by_right_type, *self.by_agency]:
            found += [row[k] for k in ("opened", "closed", "fines") if k in row]
        for row in self.by_agency:
            for cell in row["cells"]:
                found += [cell["opened"], cell["closed"]]
        for series in ("opened", "closed"):
            found += self.months.get(series, [])
        return found

    def by_key(self) -> dict[str, Figure]:
        return {f.key: f for f in self.all_figures()}


# --- the filters, each with the list parameters that select the same rows ----------------------


class _Year:
    """The case filters of one year (and agency) with their list parameters."""

    def __init__(self, year: int, agency: int | None):
        self.year = year
        self.agency = agency
        self.first, self.last = date(year, 1, 1), date(year, 12, 31)

    def base(self) -> dict:
        return {"agency": self.agency} if self.agency else {}

    def span(self, what: str, first: date | None = None, last: date | None = None):
        first, last = first or self.first, last or self.last
        q = Q(**{f"{what}_on__gte": first, f"{what}_on__lte": last})
        params = {f"{what}_after": first.isoformat(), f"{what}_before": last.isoformat()}
        return q, params

    def figure(self, key, label, value, params, name="case_list", **kw) -> Figure:
        params = {**self.base(), **params}
        return Figure(key, label, value, list_url(name, **params), params, name, **kw)


def _cases(user, agency: int | None):
    qs = visibility.listed_cases(user).order_by()
    return qs.filter(agency_id=agency) if agency else qs


def compute(user, year: int, agency: int | None = None) -> Stats:
    """Every figure of the overview for `year` (optionally one agency's, by organization pk)."""
    y = _Year(year, agency)
    on = today()
    cases = _cases(user, agency)
    opened_q, opened_p = y.span("opened")
    closed_q, closed_p = y.span("closed")
    decided_q, decided_p = y.span("decided")
    open_q = Q(status__in=OPEN_CASE_STATUSES)
    overdue_q = Q(status__in=PENDING_DECISION, decision_due__lt=on)
    penalty_q = decided_q & Q(decision_kind=DecisionKind.PENALTY)
    totals = cases.aggregate(
        opened=Count("pk", filter=opened_q),
        closed=Count("pk", filter=closed_q),
        open_now=Count("pk", filter=open_q),
        overdue=Count("pk", filter=overdue_q),
        decided=Count("pk", filter=decided_q),
        penalty=Count("pk", filter=penalty_q),
        fines=Sum("fine", filter=decided_q),
        transferred=Count("pk", filter=opened_q & Q(is_transferred=True)),
        repeat=Count("pk", filter=opened_q & Q(is_repeat=True)),
        malicious=Count("pk", filter=opened_q & Q(is_malicious=True)),
        group=Count("pk", filter=opened_q & Q(is_group=True)),
    )
    days = [
        (decided - opened).days
        for opened, decided in cases.filter(decided_q).values_list("opened_on", "decided_on")
    ]
    stats = Stats(year=year, agency=agency)
    open_p = {"status": [str(s) for s in OPEN_CASE_STATUSES]}
    yuan = _("yuan")
    day_unit = _("days")
    stats.figures = [
        y.figure("opened", _("Cases opened"), totals["opened"], opened_p),
        y.figure("closed", _("Cases closed"), totals["closed"], closed_p),
        y.figure("open_now", _("Open now"), totals["open_now"], open_p),
        y.figure("overdue_now", _("Overdue now"), totals["overdue"], {"overdue": "true"}),
        y.figure("decided", _("Decisions"), totals["decided"], decided_p),
        y.figure(
            "penalty_decisions",
            _("Decisions with a penalty"),
            totals["penalty"],
            {**decided_p, "decision_kind": DecisionKind.PENALTY.value},
            exact=case_filter_has("decision_kind"),
        ),
        y.figure(
            "fines",
            _("Fines"),
            totals["fines"] or Decimal("0"),
            decided_p,
            unit=yuan,
            kind="yuan",
        ),
        y.figure(
            "transferred",
            _("Opened and transferred to police"),
            totals["transferred"],
            {**opened_p, "is_transferred": "true"},
        ),
        y.figure(
            "repeat",
            _("Repeat infringement"),
            totals["repeat"],
            {**opened_p, "is_repeat": "true"},
        ),
        y.figure(
            "malicious",
            _("Malicious infringement"),
            totals["malicious"],
            {**opened_p, "is_malicious": "true"},
        ),
        y.figure(
            "group", _("Group infringement"), totals["group"], {**opened_p, "is_group": "true"}
        ),
        y.figure(
            "decision_days_median",
            _("Days to decision (median)"),
            _round(statistics.median(days)) if days else None,
            decided_p,
            unit=day_unit,
            kind="days",
        ),
        y.figure(
            "decision_days_mean",
            _("Days to decision (mean)"),
            _round(statistics.fmean(days)) if days else None,
            decided_p,
            unit=day_unit,
            kind="days",
        ),
    ]
    _grouped(stats, y, cases, opened_q, opened_p, closed_q, closed_p, decided_q, decided_p)
    stats.months = _months(y, cases)
    stats.transfers = _transfers(user, y)
    stats.leads = _leads(user, y)
    return stats


def _round(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _grouped(stats, y, cases, opened_q, opened_p, closed_q, closed_p, decided_q, decided_p):
    """By right type, by agency and the agency × right type table: one grouped query."""
    rows = list(
        cases.filter(opened_q | closed_q | decided_q)
        .values("agency", "agency__name", "right_type")
        .annotate(
            opened=Count("pk", filter=opened_q),
            closed=Count("pk", filter=closed_q),
            fines=Sum("fine", filter=decided_q),
        )
        .order_by("agency__name", "agency")
    )
    types = list(RightType.choices)
    stats.right_types = [(v, str(label)) for v, label in types]
    per_type: dict[str, dict] = {v: {"opened": 0, "closed": 0} for v, _l in types}
    agencies: dict[int, dict] = {}
    for r in rows:
        t = per_type.setdefault(r["right_type"], {"opened": 0, "closed": 0})
        t["opened"] += r["opened"]
        t["closed"] += r["closed"]
        a = agencies.setdefault(
            r["agency"],
            {"name": r["agency__name"], "opened": 0, "closed": 0, "fines": Decimal(0), "by": {}},
        )
        a["opened"] += r["opened"]
        a["closed"] += r["closed"]
        a["fines"] += r["fines"] or Decimal(0)
        a["by"][r["right_type"]] = r
    for value, label in types:
        stats.by_right_type.append(
            {
                "key": value,
                "label": str(label),
                "opened": y.figure(
                    f"opened_rt_{value}",
                    label,
                    per_type[value]["opened"],
                    {**opened_p, "right_type": value},
                ),
                "closed": y.figure(
                    f"closed_rt_{value}",
                    label,
                    per_type[value]["closed"],
                    {**closed_p, "right_type": value},
                ),
            }
        )
    for pk, a in agencies.items():
        # Each agency's own figures name it explicitly, whatever agency the page is narrowed to.
        ap = {"agency": pk}
        cells = []
        for value, label in types:
            r = a["by"].get(value, {})
            name = f"{a['name']} · {label}"
            cells.append(
                {
                    "right_type": value,
                    "opened": y.figure(
                        f"opened_{pk}_{value}",
                        name,
                        r.get("opened", 0),
                        {**opened_p, **ap, "right_type": value},
                    ),
                    "closed": y.figure(
                        f"closed_{pk}_{value}",
                        name,
                        r.get("closed", 0),
                        {**closed_p, **ap, "right_type": value},
                    ),
                }
            )
        stats.by_agency.append(
            {
                "agency": pk,
                "name": a["name"],
                "cells": cells,
                "opened": y.figure(
                    f"opened_agency_{pk}", a["name"], a["opened"], {**opened_p, **ap}
                ),
                "closed": y.figure(
                    f"closed_agency_{pk}", a["name"], a["closed"], {**closed_p, **ap}
                ),
                "fines": y.figure(
                    f"fines_agency_{pk}",
                    a["name"],
                    a["fines"],
                    {**decided_p, **ap},
                    unit=_("yuan"),
                    kind="yuan",
                ),
            }
        )


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def _months(y: _Year, cases) -> dict:
    """Cases opened and closed per month of the year: two grouped queries."""
    result = {}
    for what in ("opened", "closed"):
        q, _p = y.span(what)
        counts = {
            r["m"]: r["n"]
            for r in cases.filter(q)
            .annotate(m=ExtractMonth(f"{what}_on"))
            .values("m")
            .annotate(n=Count("pk"))
            .order_by()
        }
        figures = []
        for month in range(1, 13):
            first, last = date(y.year, month, 1), _month_end(y.year, month)
            _q, params = y.span(what, first, last)
            figures.append(
                y.figure(
                    f"{what}_m{month:02d}", f"{y.year}-{month:02d}", counts.get(month, 0), params
                )
            )
        result[what] = figures
    return result


def _transfers(user, y: _Year) -> list[Figure]:
    """Transfers proposed in the year by their status now (accepted, declined). One query."""
    if not has_perm(user, CriminalTransfer, "view"):
        return []
    from . import transfers

    qs = transfers.visible(user, CriminalTransfer.objects.all()).filter(
        proposed_at__date__gte=y.first, proposed_at__date__lte=y.last
    )
    if y.agency:
        qs = qs.filter(case__agency_id=y.agency)
    totals = qs.order_by().aggregate(
        proposed=Count("pk"),
        accepted=Count("pk", filter=Q(status=TransferStatus.ACCEPTED)),
        declined=Count("pk", filter=Q(status=TransferStatus.DECLINED)),
    )
    span = {"proposed_after": y.first.isoformat(), "proposed_before": y.last.isoformat()}
    return [
        y.figure(
            "transfers_proposed", _("Transfers proposed"), totals["proposed"], span, "transfer_list"
        ),
        y.figure(
            "transfers_accepted",
            _("Accepted by the police"),
            totals["accepted"],
            {**span, "status": TransferStatus.ACCEPTED.value},
            "transfer_list",
        ),
        y.figure(
            "transfers_declined",
            _("Not accepted by the police"),
            totals["declined"],
            {**span, "status": TransferStatus.DECLINED.value},
            "transfer_list",
        ),
    ]


def _leads(user, y: _Year) -> list[Figure]:
    """Leads received in the year, those decided within their clock (`decided_at` on or before
    `decision_due`, which the clock `lead_decision` set), and those waiting past their due date
    now (the lead list's `overdue`). One query."""
    if not has_perm(user, Lead, "view"):
        return []
    qs = Lead.objects.restrict(user, "view")
    if y.agency:
        qs = qs.filter(agency_id=y.agency)
    received_q = Q(received_on__gte=y.first, received_on__lte=y.last)
    totals = qs.order_by().aggregate(
        received=Count("pk", filter=received_q),
        overdue=Count("pk", filter=Q(status__in=PENDING_STATUSES, decision_due__lt=today())),
        in_time=Count(
            "pk",
            filter=received_q
            & Q(decided_at__isnull=False, decided_at__date__lte=F("decision_due")),
        ),
    )
    span = {"received_after": y.first.isoformat(), "received_before": y.last.isoformat()}
    clock = clocks.get("lead_decision")
    unit = _("working days") if clock.unit == "workdays" else _("days")
    return [
        y.figure("leads_received", _("Leads received"), totals["received"], span, "lead_list"),
        y.figure(
            "leads_in_time",
            _("Decided within %(n)d %(unit)s") % {"n": clock.amount, "unit": unit},
            totals["in_time"],
            span,
            "lead_list",
            exact=False,
        ),
        y.figure(
            "leads_overdue",
            _("Leads waiting past their due date"),
            totals["overdue"],
            {"overdue": "true"},
            "lead_list",
        ),
    ]


# --- the dashboard card's headline: one query ---------------------------------------------------


def headline(user, year: int) -> list[Figure]:
    """Cases opened and closed in the year, open and overdue now, fines: one aggregate query."""
    y = _Year(year, None)
    cases = _cases(user, None)
    opened_q, opened_p = y.span("opened")
    closed_q, closed_p = y.span("closed")
    decided_q, decided_p = y.span("decided")
    open_q = Q(status__in=OPEN_CASE_STATUSES)
    totals = cases.aggregate(
        opened=Count("pk", filter=opened_q),
        closed=Count("pk", filter=closed_q),
        open_now=Count("pk", filter=open_q),
        overdue=Count("pk", filter=Q(status__in=PENDING_DECISION, decision_due__lt=today())),
        transferred=Count("pk", filter=opened_q & Q(is_transferred=True)),
        fines=Sum("fine", filter=decided_q),
    )
    return [
        y.figure("opened", _("Cases opened"), totals["opened"], opened_p),
        y.figure("closed", _("Cases closed"), totals["closed"], closed_p),
        y.figure(
            "open_now",
            _("Open now"),
            totals["open_now"],
            {"status": [str(s) for s in OPEN_CASE_STATUSES]},
        ),
        y.figure("overdue_now", _("Overdue now"), totals["overdue"], {"overdue": "true"}),
        y.figure(
            "transferred",
            _("Opened and transferred to police"),
            totals["transferred"],
            {**opened_p, "is_transferred": "true"},
        ),
        y.figure(
            "fines",
            _("Fines"),
            totals["fines"] or Decimal("0"),
            decided_p,
            unit=_("yuan"),
            kind="yuan",
        ),
    ]
