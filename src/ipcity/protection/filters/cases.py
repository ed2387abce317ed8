"""The case filters, shared by the list page, its export and the API.

The parameter names are a contract other pages link to (the overview's figures): agency,
status, right_type, offence, decision_kind, opened_after, opened_before, decided_after,
decided_before, closed_after, closed_before, is_repeat, is_malicious, is_group, is_transferred,
is_supervised, overdue (true = awaiting the decision and past `decision_due`), campaign, q.

The list holds rows the user sees in full (their own agency's scope) and rows seen only in
summary; a case seen through a share is a summary row here (visibility.listed_cases with
`shared_as_summary`): its details are shown, and logged, on its own page only. A filter on
something a summary does not show (the suspected offence, the parties named by `q`) matches
only the rows shown in full (`visibility.own_q`), so filtering cannot reveal what the summary
hides.
"""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter
from ipcity.orgs.models import Organization

from .. import visibility
from ..cases import PENDING_DECISION
from ..choices import CaseStatus, DecisionKind, Offence, RightType
from ..models import Campaign, Case


def _date(field, lookup, label):
    return django_filters.DateFilter(
        field_name=field,
        lookup_expr=lookup,
        label=label,
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"), max_length=100)
    agency = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.filter(agency__isnull=False).order_by("name").only("name"),
        label=_("Handling agency"),
    )
    # The case's own columns: no row can repeat, so no DISTINCT (django-filter's default for
    # multiple choices made the list sort every matching case's whole row).
    status = django_filters.MultipleChoiceFilter(
        choices=CaseStatus.choices, label=_("Status"), distinct=False
    )
    right_type = django_filters.MultipleChoiceFilter(
        choices=RightType.choices, label=_("Right type"), distinct=False
    )
    offence = django_filters.ChoiceFilter(
        choices=[c for c in Offence.choices if c[0]],
        method="with_offence",
        label=_("Suspected offence"),
    )
    opened_after = _date("opened_on", "gte", _("Opened from"))
    opened_before = _date("opened_on", "lte", _("Opened until"))
    decision_kind = django_filters.ChoiceFilter(choices=DecisionKind.choices, label=_("Decision"))
    decided_after = _date("decided_on", "gte", _("Decided from"))
    decided_before = _date("decided_on", "lte", _("Decided until"))
    closed_after = _date("closed_on", "gte", _("Closed from"))
    closed_before = _date("closed_on", "lte", _("Closed until"))
    is_repeat = BooleanFilter(label=_("Repeat infringement"))
    is_malicious = BooleanFilter(label=_("Malicious"))
    is_group = BooleanFilter(label=_("Group infringement"))
    is_transferred = BooleanFilter(label=_("Transferred to police"))
    is_supervised = BooleanFilter(label=_("Listed for supervision"))
    overdue = BooleanFilter(method="with_overdue", label=_("Decision overdue"))
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.order_by("-pk"), method="with_campaign", label=_("Campaign")
    )

    class Meta:
        model = Case
        fields = [
            "q",
            "agency",
            "status",
            "right_type",
            "offence",
            "decision_kind",
            "opened_after",
            "opened_before",
            "decided_after",
            "decided_before",
            "closed_after",
            "closed_before",
            "is_repeat",
            "is_malicious",
            "is_group",
            "is_transferred",
            "is_supervised",
            "overdue",
            "campaign",
        ]

    def _user(self):
        return getattr(self.request, "user", None)

    def _full_only(self, queryset, q: Q):
        """Rows matching `q` among those the list shows in full (own scope, not shares)."""
        user = self._user()
        full = visibility.own_q(user) if user is not None else None
        if full is None:
            return queryset.none()
        return queryset.filter(q & full) if full else queryset.filter(q)

    def with_offence(self, queryset, name, value):
        if not value:
            return queryset
        return self._full_only(queryset, Q(offence=value))

    def with_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(status__in=PENDING_DECISION, decision_due__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)

    def with_campaign(self, queryset, name, value):
        """Campaign tagging is public within joint enforcement (campaigns are reference data
        every member sees, and which cases a campaign covers is part of the joint work), so
        this filter matches summary rows too. Only the campaign list is offered, never a case
        the user could not list: the rows filtered are the user's listed rows."""
        if value is None:
            return queryset
        return queryset.filter(pk__in=Case.objects.filter(campaigns=value).values("pk"))

    def search(self, queryset, name, value):
        user = self._user()
        full = visibility.own_q(user) if user is not None else None
        for word in (value or "").split()[:10]:
            summary = Q(number__icontains=word) | Q(title__icontains=word)
            detail = Case.objects.filter(
                Q(parties__name__icontains=word)
                | Q(parties__uscc=word.upper())
                | Q(rights__number__icontains=word)
                | Q(goods__icontains=word)
            ).values("pk")
            match = summary
            if full is not None:
                match |= Q(pk__in=detail) & full if full else Q(pk__in=detail)
            queryset = queryset.filter(match)
        return queryset


def case_rows(user, *, handlers: bool = True):
    """Every case `user` may list, annotated `is_full` (own scope only: a shared case is a
    summary row), with the agency joined and, for the rows shown in full only, the respondents
    and active handlers prefetched (one query each)."""
    from django.db.models import Prefetch

    from ..choices import PartyRole
    from ..models import CaseHandler, CaseParty

    own = visibility.own_q(user)
    rows = visibility.listed_cases(
        user, Case.objects.select_related("agency"), shared_as_summary=True
    )
    if own is None:
        # No row is shown in full: there is nothing to prefetch (two queries' compiling, about
        # 2 ms of a list page).
        return rows
    full_ids = Case.objects.filter(own).values("pk")
    prefetches = [
        Prefetch(
            "parties",
            queryset=CaseParty.objects.filter(
                role=PartyRole.RESPONDENT, case__in=full_ids
            ).order_by("pk"),
            to_attr="listed_respondents",
        )
    ]
    if handlers:  # the page and the export show them; the API list does not
        prefetches.append(
            Prefetch(
                "handlers",
                queryset=CaseHandler.objects.filter(released_on__isnull=True, case__in=full_ids)
                .select_related("officer")
                .order_by("-is_lead", "pk"),
                to_attr="listed_handlers",
            )
        )
    return rows.prefetch_related(*prefetches)
