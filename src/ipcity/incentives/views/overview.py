"""The incentive overview (what every yuan achieved) and the reward ledger list behind its
figures."""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core import menu
from ipcity.core.scope import has_perm
from ipcity.core.views import generic

from .. import stats
from ..choices import RuleKind
from ..filters.payments import applicants_for
from ..filters.review import programs_for
from ..models import Program, Reward
from ..tables.review import ATTRS, TEMPLATE


def _year(request) -> int | None:
    try:
        return int(request.GET.get("year") or 0) or None
    except ValueError:
        return None


def chart_data(figures: dict) -> dict:
    """The overview's charts (drawn by static/ipcity/bar_charts.js): each bar links to the list
    of its rows, as the figures in the tables do."""
    charts = {}
    if figures["kinds"]:
        kinds = figures["kinds"]
        charts["kinds"] = {
            "names": [str(k["label"]) for k in kinds],
            "series": [
                {
                    "name": _("Amount (yuan)"),
                    "data": [{"value": float(k["amount"]), "url": k["url"]} for k in kinds],
                },
                {
                    "name": _("Rights"),
                    "data": [{"value": k["rights"], "url": k["url"]} for k in kinds],
                    "axis": 1,
                },
            ],
        }
    programs = figures["programs"]
    if programs and figures["staff"]:
        charts["budget"] = {
            "names": [p["name"] for p in programs],
            "series": [
                {
                    "name": _("Budget (yuan)"),
                    "data": [{"value": float(p["budget"]), "url": p["url"]} for p in programs],
                },
                {
                    "name": _("Approved (yuan)"),
                    "data": [
                        {"value": float(p["approved"]), "url": p["awarded_url"]} for p in programs
                    ],
                },
                {
                    "name": _("Paid (yuan)"),
                    "data": [
                        {"value": float(p["paid"]), "url": p["payments_url"]} for p in programs
                    ],
                },
            ],
        }
    if programs:
        charts["applications"] = {
            "names": [p["name"] for p in programs],
            "series": [
                {
                    "name": _("Applications"),
                    "data": [
                        {"value": p["applications"], "url": p["applications_url"]} for p in programs
                    ],
                },
                {
                    "name": _("Awarded"),
                    "data": [{"value": p["awarded"], "url": p["awarded_url"]} for p in programs],
                },
            ],
        }
    return charts


@login_required
def overview(request):
    if not has_perm(request.user, Program, "view"):
        raise PermissionDenied
    year = _year(request)
    figures = stats.figures(request.user, year)
    return render(
        request,
        "incentives/overview.html",
        {
            "figures": figures,
            "charts": chart_data(figures),
            "years": stats.years(request.user),
            "year": year,
        },
    )


class RewardFilterSet(django_filters.FilterSet):
    program = django_filters.ModelChoiceFilter(queryset=programs_for, label=_("Program"))
    kind = django_filters.ChoiceFilter(
        field_name="item__rule__kind", choices=RuleKind.choices, label=gettext_lazy("Rewards")
    )
    applicant = django_filters.ModelChoiceFilter(
        queryset=applicants_for, label=gettext_lazy("Applicant")
    )
    year = django_filters.NumberFilter(field_name="program__year", label=gettext_lazy("Year"))

    class Meta:
        model = Reward
        fields = ["program", "kind", "applicant", "year"]


class RewardTable(tables.Table):
    reward_key = tables.Column(verbose_name=gettext_lazy("Rewarded right"))
    item = tables.Column(
        verbose_name=gettext_lazy("Application"),
        accessor="item__application",
        linkify=lambda record: record.item.application.get_absolute_url(),
    )
    kind = tables.Column(accessor="item__rule", verbose_name=gettext_lazy("Rule"), orderable=False)
    reference = tables.Column(accessor="item__reference", verbose_name=gettext_lazy("Number"))
    amount = tables.Column(attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Reward
        fields = (
            "reward_key",
            "reference",
            "kind",
            "program",
            "applicant",
            "item",
            "amount",
            "created_at",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = gettext_lazy("No rewards.")

    def render_amount(self, value):
        return f"{value:,.2f}"


class RewardListView(generic.ObjectListView):
    """The reward ledger rows behind the overview's "rights rewarded" figures."""

    queryset = Reward.objects.select_related(
        "program", "applicant", "item__rule", "item__application"
    )
    filterset_class = RewardFilterSet
    table_class = RewardTable

    def restricted(self, action: str):
        return self.queryset.filter(pk__in=stats.visible_rewards(self.request.user).values("pk"))

    def list_url(self) -> str:
        return reverse("incentives:reward_list")

    def add_url(self) -> str:
        return ""

    def extra_context(self) -> dict:
        return {"can_add": False}


menu.register(
    "service",
    gettext_lazy("Incentives overview"),
    "incentives:overview",
    "incentives.view_program",
    order=75,
    icon="graph-up",
)

urlpatterns = [
    path("overview/", overview, name="overview"),
    path("rewards/", RewardListView.as_view(), name="reward_list"),
]
