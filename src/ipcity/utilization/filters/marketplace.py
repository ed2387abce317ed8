"""Marketplace filters, one definition for the HTML lists, their exports and the API.

The parameter names are a contract other pages link to: `status`, `owner` (an organization id),
`ipc` (a code prefix), `q` (words, Chinese segmented); the conversion figures link with
`contacted` and `concluded`, which use the figures' own definitions (listings.contacted_exists
and concluded_exists): only requests and transactions the user may see count.
"""

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter
from ipcity.rights.search import search_filter

from ..choices import ContactStatus, ListingStatus, TransactionKind
from ..listings import concluded_exists, contacted_exists
from ..matching import ipc_prefix_q
from ..models import ContactRequest, DemandListing, SupplyListing


class _ListingFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(choices=ListingStatus.choices, label=_("Status"))
    owner = django_filters.NumberFilter(
        field_name="owner",
        min_value=1,
        label=_("Owner (organization id)"),
        widget=forms.NumberInput(attrs={"min": 1}),
    )
    ipc = django_filters.CharFilter(method="ipc_prefix", label=_("IPC prefix"))
    kind = django_filters.ChoiceFilter(
        choices=TransactionKind.choices, method="by_kind", label=_("Kind")
    )
    contacted = BooleanFilter(method="by_contacted", label=_("Contacted"))
    concluded = BooleanFilter(method="by_concluded", label=_("Led to a transaction"))

    def _user(self):
        return getattr(self.request, "user", None) or AnonymousUser()

    def search(self, queryset, name, value):
        return search_filter(queryset, value)

    def ipc_prefix(self, queryset, name, value):
        if not "".join((value or "").split()):
            return queryset
        return queryset.filter(ipc_prefix_q(value))

    def by_kind(self, queryset, name, value):
        # The JSON list's text holds each kind in quotes, on SQLite and PostgreSQL alike.
        return queryset.filter(kinds__icontains=f'"{value}"') if value else queryset

    def by_contacted(self, queryset, name, value):
        if value is None:
            return queryset
        exists = contacted_exists(queryset.model, self._user())
        return queryset.filter(exists if value else ~exists)

    def by_concluded(self, queryset, name, value):
        if value is None:
            return queryset
        exists = concluded_exists(queryset.model, self._user())
        return queryset.filter(exists if value else ~exists)


class SupplyListingFilterSet(_ListingFilterSet):
    class Meta:
        model = SupplyListing
        fields = ["q", "status", "owner", "ipc", "kind", "contacted", "concluded"]


class DemandListingFilterSet(_ListingFilterSet):
    class Meta:
        model = DemandListing
        fields = ["q", "status", "owner", "ipc", "kind", "contacted", "concluded"]


class Direction:
    SENT = "sent"
    RECEIVED = "received"
    CHOICES = [(SENT, _("Sent by my organization")), (RECEIVED, _("Received"))]


class ContactRequestFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ContactStatus.choices, label=_("Status"))
    direction = django_filters.ChoiceFilter(
        choices=Direction.CHOICES, method="by_direction", label=_("Direction")
    )
    offer = django_filters.NumberFilter(
        field_name="supply_listing", min_value=1, label=_("Offer (id)")
    )
    need = django_filters.NumberFilter(
        field_name="demand_listing", min_value=1, label=_("Need (id)")
    )

    class Meta:
        model = ContactRequest
        fields = ["status", "direction", "offer", "need"]

    def by_direction(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        org_id = getattr(user, "organization_id", None)
        if not value or org_id is None:
            return queryset if not value else queryset.none()
        if value == Direction.SENT:
            return queryset.filter(requester_id=org_id)
        # Received: about a listing of the organization, not sent by it.
        return queryset.exclude(requester_id=org_id).filter(
            Q(supply_listing__owner_id=org_id) | Q(demand_listing__owner_id=org_id)
        )
