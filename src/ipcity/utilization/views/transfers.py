"""Transfer and licensing pages: the transaction list (filters, export, import), detail with
the source flags explained, create/edit/delete, history, the statistics page, the derivation
from the registry's legal events and the review of undated events."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu
from ipcity.core.jobs import job_url
from ipcity.core.scope import has_perm
from ipcity.core.views import generic
from ipcity.orgs.models import Organization
from ipcity.rights.models import LegalEvent, Patent, Trademark

from .. import deals
from ..choices import TransactionOrigin
from ..exports.transfers import TRANSACTION_EXPORT
from ..filters.transfers import TransactionFilterSet
from ..forms.transfers import TransactionForm
from ..imports import transfers as _imports  # noqa: F401  (registers the import format)
from ..listings import acts_for_any
from ..models import DemandListing, SupplyListing, Transaction
from ..models.transfers import TransactionEvent
from ..tables.transfers import TransactionTable

STATS_YEARS = 5

LIST_QUERYSET = Transaction.objects.annotate(
    has_events=Exists(TransactionEvent.objects.filter(transaction=OuterRef("pk")))
).prefetch_related(
    Prefetch("patents", queryset=Patent.objects.only("id", "application_number")),
    Prefetch("trademarks", queryset=Trademark.objects.only("id", "registration_number")),
)
DETAIL_QUERYSET = Transaction.objects.select_related(
    "assignor", "assignee", "supply_listing", "demand_listing"
)


def list_url(**params) -> str:
    """The transaction list filtered by `params` (the filter names are a contract)."""
    url = reverse("utilization:transaction_list")
    return f"{url}?{urlencode(params)}" if params else url


class TransactionListView(generic.ObjectListView):
    queryset = LIST_QUERYSET
    filterset_class = TransactionFilterSet
    table_class = TransactionTable
    export_spec = TRANSACTION_EXPORT
    import_url = reverse_lazy("core:import_upload", args=["utilization.transaction"])
    template_name = "utilization/transfers/transaction_list.html"

    def extra_context(self) -> dict:
        office = deals.may_derive(self.request.user)
        return {
            "may_derive": office,
            "undated_count": deals.undated_events().count() if office else 0,
        }


class TransactionDetailView(generic.ObjectDetailView):
    queryset = DETAIL_QUERYSET
    template_name = "utilization/transfers/transaction_detail.html"

    def extra_context(self, deal) -> dict:
        user = self.request.user
        party_ids = [pk for pk in (deal.assignor_id, deal.assignee_id) if pk]
        visible = set(
            Organization.objects.restrict(user, "view")
            .filter(pk__in=party_ids)
            .values_list("pk", flat=True)
        )
        return {
            "assignor_visible": deal.assignor_id in visible,
            "assignee_visible": deal.assignee_id in visible,
            "patents": deal.patents.order_by("application_number"),
            "trademarks": deal.trademarks.order_by("registration_number"),
            "flags": deals.flag_reasons(deal),
            "listings": _listing_links(deal, user),
            "event_links": deal.event_links.select_related("legal_event__patent").order_by(
                "legal_event__date", "legal_event__patent__application_number", "pk"
            ),
            "may_link": deals.may_derive(user),
        }


def _listing_links(deal, user) -> list[dict]:
    """The marketplace listings the transaction came from: each the viewer may open is named and
    linked; one they may not is only said to exist."""
    links = []
    for model, pk, label in (
        (SupplyListing, deal.supply_listing_id, gettext_lazy("Offer it came from")),
        (DemandListing, deal.demand_listing_id, gettext_lazy("Need it answered")),
    ):
        if pk is None:
            continue
        obj = model.objects.restrict(user, "view").filter(pk=pk).first()
        links.append({"label": label, "object": obj, "url": obj.get_absolute_url() if obj else ""})
    return links


class TransactionHistoryView(generic.ObjectHistoryView):
    queryset = DETAIL_QUERYSET


class TransactionEditView(generic.ObjectEditView):
    queryset = DETAIL_QUERYSET
    form_class = TransactionForm
    template_name = "utilization/transfers/transaction_form.html"

    def get_form_kwargs(self) -> dict:
        kwargs = {"user": self.request.user}
        if self.request.method == "GET" and "pk" not in self.kwargs:
            kwargs["initial"] = self._initial_from_event()
        return kwargs

    def _initial_from_event(self) -> dict:
        """?legal_event=<id> prefills the form (for the office only) from a transfer or licence
        event that still stands for a transaction not recorded."""
        event = form_event(self.request, Transaction())
        if event is None:
            return {}
        initial = {
            "legal_event": event.pk,
            "patent_numbers": event.patent.application_number,
            "assignee_name": event.counterparty,
            "registration_date": event.date,
            "notes": event.detail,
        }
        if event.kind == "transfer":
            initial["kind"] = "assignment"
        else:
            initial["kind"] = deals.licence_kind(event.detail) or ""
        return initial

    def save(self, form):
        user = self.request.user
        fields = form.transaction_fields()
        try:
            if form.instance.pk:
                return deals.update_transaction(user, form.instance, **fields)
            return deals.record_transaction(user, origin=TransactionOrigin.MANUAL, **fields)
        except PermissionDenied:
            raise ValidationError(
                _("Your organization must be a party to the transaction you record.")
            ) from None
        except deals.DuplicateTransaction as exc:
            raise ValidationError(duplicate_message(exc)) from None
        except ValidationError as exc:
            # The event link is a hidden field: say its problems above the form.
            if hasattr(exc, "error_dict") and "legal_event" in exc.error_dict:
                errors = dict(exc.error_dict)
                errors.setdefault("__all__", []).extend(errors.pop("legal_event"))
                raise ValidationError(errors) from None
            raise

    def extra_context(self, obj) -> dict:
        user = self.request.user
        # Outside the office a user records only what the own organization is party to: the
        # page says so up front instead of refusing after the form was filled in.
        own_party = None
        if not obj.pk and not acts_for_any(user, Transaction):
            own_party = getattr(user, "organization", None)
        return {"event": form_event(self.request, obj), "own_party": own_party}


def duplicate_message(exc) -> str:
    """The refusal of a repeated transaction, with a link to the recorded one when the user may
    open it."""
    if not exc.visible:
        return exc.messages[0]
    deal = exc.existing
    return format_html(
        '{} <a href="{}" data-testid="duplicate-link">{}</a>',
        _(
            "This transaction is already recorded (the same patent, kind and assignee within "
            "%(days)d days). Complete that one instead of recording it again:"
        )
        % {"days": deals.MATCH_WINDOW.days},
        deal.get_absolute_url(),
        str(deal),
    )


def form_event(request, obj):
    """The legal event a new transaction is recorded from (?legal_event=, the office only), if it
    still stands for a transaction not recorded."""
    if obj.pk or not deals.may_derive(request.user):
        return None
    try:
        pk = int(request.GET.get("legal_event") or request.POST.get("legal_event") or 0)
    except ValueError:
        return None
    event = (
        LegalEvent.objects.filter(pk=pk, kind__in=deals.EVENT_KINDS)
        .select_related("patent")
        .first()
    )
    if event is None or not deals.shares_left(event):
        return None
    return event


class TransactionDeleteView(generic.ObjectDeleteView):
    """Deleting goes through deals.delete_transaction: the dated legal events the transaction
    stood for are recorded as dismissed, so deriving again does not bring it back."""

    queryset = DETAIL_QUERYSET
    template_name = "utilization/transfers/transaction_delete.html"

    def get(self, request, *args, **kwargs):
        obj = self.get_object("delete")
        return render(
            request,
            self.template_name,
            {
                **self.base_context(),
                "object": obj,
                "dismissed": deals.dismissed_on_delete(obj),
            },
        )

    def post(self, request, *args, **kwargs):
        obj = self.get_object("delete")
        name = str(obj)
        deals.delete_transaction(request.user, obj)
        messages.success(
            request,
            _("“%(name)s” deleted. It can be restored from the recycle bin.") % {"name": name},
        )
        return redirect(self.list_url())


@login_required
@require_POST
def transaction_unlink_event(request, pk, event_pk):
    """The office takes a legal event off a transaction (and out of the derivation)."""
    deal = get_object_or_404(Transaction.objects.restrict(request.user, "view"), pk=pk)
    if not deals.may_derive(request.user):
        raise PermissionDenied
    event = get_object_or_404(LegalEvent.objects.select_related("patent"), pk=event_pk)
    try:
        deals.unlink_event(request.user, deal, event)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            format_html(
                '{} <a href="{}?legal_event={}">{}</a>',
                _(
                    "The legal event of patent %(number)s no longer counts for this transaction, "
                    "and deriving will not count it again."
                )
                % {"number": event.patent.application_number},
                reverse("utilization:transaction_add"),
                event.pk,
                _("Record it as a transaction of its own"),
            ),
        )
    return redirect(deal.get_absolute_url())


@login_required
@require_POST
def transaction_link_event(request):
    """The office lets a recorded transaction stand for a legal event (from the review page)."""
    if not deals.may_derive(request.user):
        raise PermissionDenied
    try:
        deal_pk = int(request.POST.get("transaction", ""))
        event_pk = int(request.POST.get("legal_event", ""))
    except ValueError:
        messages.error(request, _("Pick a transaction and a legal event."))
        return redirect("utilization:transaction_undated")
    deal = get_object_or_404(Transaction.objects.restrict(request.user, "view"), pk=deal_pk)
    event = get_object_or_404(LegalEvent.objects.select_related("patent"), pk=event_pk)
    try:
        deals.link_event(request.user, deal, event)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("“%(deal)s” now stands for the event of patent %(number)s.")
            % {"deal": deal, "number": event.patent.application_number},
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("utilization:transaction_undated")
    return redirect(back)


# -- statistics --------------------------------------------------------------------------------


def _year_param(request, user) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    if not 1985 + STATS_YEARS <= year <= 2100:
        year = deals.default_stats_year(user)
    return year


@login_required
def transaction_stats(request):
    user = request.user
    if not has_perm(user, Transaction, "view"):
        raise PermissionDenied
    year = _year_param(request, user)
    this_year = timezone.localdate().year
    years = list(range(year - STATS_YEARS + 1, year + 1))
    data = deals.stats(years, user)
    columns = {c["key"]: c for c in data["columns"]}

    def table(group_keys):
        heads = [columns[k] for k in group_keys]
        rows = []
        for row in [*data["rows"], {"year": None, **data["total"]}]:
            cells = [
                {**cell, "url": list_url(**cell["params"])}
                for cell in row["cells"]
                if cell["key"] in group_keys
            ]
            cells.sort(key=lambda c: group_keys.index(c["key"]))
            rows.append({"year": row["year"], "cells": cells})
        return {"heads": heads, "rows": rows}

    keys = [c["key"] for c in data["columns"]]
    context = {
        "year": year,
        "years": sorted({*range(this_year, this_year - 15, -1), year}, reverse=True),
        "first_year": years[0],
        "totals": table(["all"]),
        "by_kind": table([k for k in keys if columns[k]["group"] == "kind"]),
        "by_source": table([k for k in keys if columns[k]["group"] == "source"]),
    }
    return render(request, "utilization/transfers/stats.html", context)


# -- derivation and review ---------------------------------------------------------------------


@login_required
@require_POST
def transaction_derive(request):
    if not deals.may_derive(request.user):
        raise PermissionDenied
    with transaction.atomic():
        job = deals.request_derive(request.user)
    return redirect(job_url(job))


@login_required
def transaction_undated(request):
    """Transfer and licence events without a date: not counted until a person records them."""
    user = request.user
    # A read-only list for everyone who reads transactions; recording and linking from it
    # stay the office's.
    if not has_perm(user, Transaction, "view"):
        raise PermissionDenied
    office = deals.may_derive(user)
    events = deals.undated_events().annotate(recorded=Count("transaction_links"))
    page = generic.paginate(request, events)
    likely = deals.likely_transactions(page.object_list)
    if not office:
        # Only the transactions the reader may open are named.
        candidates = {deal.pk for deals_ in likely.values() for deal in deals_}
        visible = set(
            Transaction.objects.restrict(user, "view")
            .filter(pk__in=candidates)
            .values_list("pk", flat=True)
        )
        likely = {pk: [d for d in found if d.pk in visible] for pk, found in likely.items()}
    rows = []
    for event in page.object_list:
        stands_for = deals.event_count(event)
        rows.append(
            {
                "event": event,
                "stands_for": stands_for,
                "recorded": event.recorded,
                "left": stands_for - event.recorded,
                "likely": likely.get(event.pk, [])[:5],
            }
        )
    return render(
        request,
        "utilization/transfers/undated.html",
        {"page": page, "rows": rows, "count": page.paginator.count, "may_record": office},
    )


menu.register(
    "utilization",
    gettext_lazy("Transfers and licences"),
    "utilization:transaction_list",
    "utilization.view_transaction",
    order=30,
    icon="arrow-left-right",
)
menu.register(
    "utilization",
    gettext_lazy("Transaction statistics"),
    "utilization:transaction_stats",
    "utilization.view_transaction",
    order=31,
    icon="bar-chart",
)

urlpatterns = [
    path("transactions/", TransactionListView.as_view(), name="transaction_list"),
    path("transactions/add/", TransactionEditView.as_view(), name="transaction_add"),
    path("transactions/stats/", transaction_stats, name="transaction_stats"),
    path("transactions/derive/", transaction_derive, name="transaction_derive"),
    path("transactions/undated/", transaction_undated, name="transaction_undated"),
    path("transactions/link-event/", transaction_link_event, name="transaction_link_event"),
    path(
        "transactions/<int:pk>/unlink-event/<int:event_pk>/",
        transaction_unlink_event,
        name="transaction_unlink_event",
    ),
    path("transactions/<int:pk>/", TransactionDetailView.as_view(), name="transaction_detail"),
    path("transactions/<int:pk>/edit/", TransactionEditView.as_view(), name="transaction_edit"),
    path(
        "transactions/<int:pk>/delete/",
        TransactionDeleteView.as_view(),
        name="transaction_delete",
    ),
    path(
        "transactions/<int:pk>/history/",
        TransactionHistoryView.as_view(),
        name="transaction_history",
    ),
]
