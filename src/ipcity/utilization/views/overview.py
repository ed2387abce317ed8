"""The utilization overview (运用 → 概览) and the page of one enterprise.

The overview shows a year's headline figures (stats.py), each linking to the filtered list
behind it, with a five-year trend drawn by a static script from data embedded with json_script
(no inline script). The enterprise page gathers, for one organization, what every area records
about it; each section lists only what the reader may view, in one query per section, and its
"List" link opens the list filtered the same way. The financed-enterprises page lists the
pledgors behind the overview's "enterprises financed" figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core import menu
from ipcity.core.scope import has_perm
from ipcity.core.views.generic import paginate
from ipcity.orgs.models import Organization

from .. import stats
from ..choices import RiskStatus
from ..criteria import designation_valid_q
from ..models import (
    Certificate,
    Designation,
    InsurancePolicy,
    Pledge,
    PoolEntry,
    RiskAlert,
    SupportRecord,
    Transaction,
)

menu.register(
    "utilization",
    gettext_lazy("Overview"),
    "utilization:overview",
    "utilization.view_transaction",
    order=1,
    icon="speedometer2",
)

# The alerts the enterprise page lists: not yet resolved (its "List" link filters the same).
UNRESOLVED = (RiskStatus.OPEN, RiskStatus.ACKNOWLEDGED)
MIN_YEAR = 1985
YEARS_OFFERED = 10
SECTION_ROWS = 20


def _year(value) -> int | None:
    """A year from a parameter: this year when absent, None when not a plausible year."""
    this_year = timezone.localdate().year
    if value in (None, ""):
        return this_year
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if MIN_YEAR <= year <= this_year else None


def _require_any_view(user) -> None:
    if not stats.can_view_any(user):
        raise PermissionDenied


@login_required
def overview(request):
    _require_any_view(request.user)
    this_year = timezone.localdate().year
    year = _year(request.GET.get("year"))
    invalid_year = year is None
    if invalid_year:
        year = this_year
    sections = stats.sections(request.user, year)
    return render(
        request,
        "utilization/overview/overview.html",
        {
            "year": year,
            "years": list(range(this_year, this_year - YEARS_OFFERED, -1)),
            "invalid_year": invalid_year,
            "sections": sections,
            "enterprise_tables": stats.named_enterprises(request.user, year),
            "trend": stats.trend(request.user, year),
        },
        status=400 if invalid_year else 200,
    )


@login_required
def financed(request):
    """The enterprises financed in a year: each pledgor of the pledges the overview counts, once,
    with its number of pledges (opening the pledge list) and amount."""
    if not has_perm(request.user, Pledge, "view"):
        raise PermissionDenied
    year = _year(request.GET.get("year"))
    invalid_year = year is None
    if invalid_year:
        year = timezone.localdate().year
    page = paginate(request, stats.financed_enterprises(request.user, year))
    openable = stats.openable_enterprises(request.user, [r["pledgor"] for r in page.object_list])
    rows = [
        {
            "name": r["pledgor__name"],
            "url": stats.enterprise_url(r["pledgor"]) if r["pledgor"] in openable else "",
            "pledges": r["n"],
            "pledges_url": stats.pledgor_pledges_url(r["pledgor"], year),
            "amount": _money(r["amount"]),
        }
        for r in page.object_list
    ]
    return render(
        request,
        "utilization/overview/financed.html",
        {
            "year": year,
            "invalid_year": invalid_year,
            "rows": rows,
            "page": page,
            "pledges_url": stats.list_url("pledge_list", **stats.pledge_params(year)),
        },
        status=400 if invalid_year else 200,
    )


# --- the enterprise page ------------------------------------------------------------------------


def _money(value) -> str:
    return "" if value is None else f"{Decimal(value):,.2f}"


def _date(value) -> str:
    return value.isoformat() if value else ""


def _url(obj) -> str:
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""


@dataclass
class Part:
    """One section of the enterprise page: the rows of one model about the organization."""

    key: str
    model: type
    title: str
    headers: list
    where: object  # the organization -> Q
    row: object  # obj, org -> list of cells
    select_related: tuple = ()
    more: tuple = ("", {})  # (list URL name, params; "{pk}" stands for the organization's)
    extra: object = None  # Q narrowing the rows further
    annotate: dict | None = None


def _other(obj_a, obj_b, org):
    """The party of a two-party record that is not `org`."""
    return obj_b if getattr(obj_a, "pk", None) == org.pk else obj_a


def _parts() -> list[Part]:
    in_force = ExpressionWrapper(
        designation_valid_q(timezone.localdate()), output_field=BooleanField()
    )
    return [
        Part(
            "designations",
            Designation,
            _("Designations"),
            [_("Designation"), _("Level"), _("Year"), _("Valid until"), _("In force")],
            lambda org: Q(organization=org),
            lambda d, org: [
                d.get_kind_display(),
                d.get_level_display(),
                str(d.year),
                _date(d.valid_until),
                _("Yes") if d.in_force else _("No"),
            ],
            more=("designation_list", {"organization": "{pk}"}),
            annotate={"in_force": in_force},
        ),
        Part(
            "pool",
            PoolEntry,
            _("Cultivation pool"),
            [_("Prepares for"), _("Level"), _("Stage"), _("Criteria met"), _("Meets all")],
            lambda org: Q(organization=org),
            lambda e, org: [
                e.get_target_kind_display(),
                e.get_target_level_display(),
                e.get_stage_display(),
                f"{e.criteria_met}/{e.criteria_total}",
                _("Yes") if e.meets_all else _("No"),
            ],
            more=("poolentry_list", {"organization": "{pk}"}),
        ),
        Part(
            "support",
            SupportRecord,
            _("Support received"),
            [_("Date"), _("Kind"), _("Title"), _("Amount (10k yuan)"), _("Provided by")],
            lambda org: Q(organization=org),
            lambda s, org: [
                _date(s.date),
                s.get_kind_display(),
                s.title,
                _money(s.amount),
                s.provider.name if s.provider else "",
            ],
            select_related=("provider",),
            more=("supportrecord_list", {"organization": "{pk}"}),
        ),
        Part(
            "certificates",
            Certificate,
            _("GB/T 29490 certificates"),
            [_("Number"), _("Edition"), _("Issued"), _("Expires"), _("Status")],
            lambda org: Q(organization=org),
            lambda c, org: [
                c.number,
                c.standard_version,
                _date(c.issue_date),
                _date(c.expiry_date),
                c.get_status_display(),
            ],
            more=("certificate_list", {"organization": "{pk}"}),
        ),
        Part(
            "transactions",
            Transaction,
            _("Transfers and licences"),
            [_("Year"), _("Kind"), _("Assignor or licensor"), _("Assignee"), _("Amount")],
            lambda org: Q(assignor=org) | Q(assignee=org),
            lambda t, org: [
                str(t.year),
                t.get_kind_display(),
                t.assignor_name,
                t.assignee_name,
                _money(t.amount),
            ],
            more=("transaction_list", {"party": "{pk}"}),
        ),
        Part(
            "pledges",
            Pledge,
            _("Pledges"),
            [_("Registered"), _("Number"), _("Other party"), _("Amount"), _("Status")],
            lambda org: Q(pledgor=org) | Q(pledgee=org),
            lambda p, org: [
                _date(p.registration_date),
                p.registration_number,
                _other(p.pledgor, p.pledgee, org).name,
                _money(p.amount),
                p.get_status_display(),
            ],
            select_related=("pledgor", "pledgee"),
            more=("pledge_list", {"party": "{pk}"}),
        ),
        Part(
            "insurance",
            InsurancePolicy,
            _("Insurance policies"),
            [_("Policy"), _("Kind"), _("Other party"), _("Insured amount"), _("From")],
            lambda org: Q(insured=org) | Q(insurer=org),
            lambda p, org: [
                p.policy_number,
                p.get_kind_display(),
                _other(p.insured, p.insurer, org).name,
                _money(p.insured_amount),
                _date(p.start_date),
            ],
            select_related=("insured", "insurer"),
            more=("insurancepolicy_list", {"party": "{pk}"}),
        ),
        Part(
            "alerts",
            RiskAlert,
            _("Unresolved risk alerts"),
            [_("Detected"), _("Risk"), _("Pledge"), _("Detail"), _("Status")],
            lambda org: Q(pledge__pledgor=org) | Q(pledge__pledgee=org),
            lambda a, org: [
                _date(a.detected_on),
                a.get_kind_display(),
                str(a.pledge),
                a.detail,
                a.get_status_display(),
            ],
            select_related=("pledge__pledgor", "pledge__pledgee"),
            more=("riskalert_list", {"party": "{pk}", "status": list(UNRESOLVED)}),
            extra=Q(status__in=UNRESOLVED),
        ),
    ]


def _more_url(part: Part, org) -> str:
    name, params = part.more
    values = {k: (str(org.pk) if v == "{pk}" else v) for k, v in params.items()}
    return stats.list_url(name, **values)


@login_required
def enterprise(request, pk: int):
    _require_any_view(request.user)
    org = get_object_or_404(
        Organization.objects.restrict(request.user, "view").select_related("region"), pk=pk
    )
    sections = []
    for part in _parts():
        if not has_perm(request.user, part.model, "view"):
            continue
        qs = part.model.objects.restrict(request.user, "view").filter(part.where(org))
        if part.extra is not None:
            qs = qs.filter(part.extra)
        if part.select_related:
            qs = qs.select_related(*part.select_related)
        if part.annotate:
            qs = qs.annotate(**part.annotate)
        objects = list(qs[: SECTION_ROWS + 1])
        rows = [{"url": _url(o), "cells": part.row(o, org)} for o in objects[:SECTION_ROWS]]
        sections.append(
            {
                "key": part.key,
                "title": part.title,
                "headers": part.headers,
                "rows": rows,
                "more": len(objects) > SECTION_ROWS,
                # an empty section links nowhere: some lists offer only the organizations
                # they hold as a filter choice
                "list_url": _more_url(part, org) if rows else "",
            }
        )
    return render(
        request, "utilization/overview/enterprise.html", {"org": org, "sections": sections}
    )


urlpatterns = [
    path("", overview, name="overview"),
    path("enterprises/<int:pk>/", enterprise, name="enterprise"),
    path("enterprises/financed/", financed, name="financed_enterprises"),
]
