"""Marketplace pages: the marketplace overview (conversion figures, search, newest listings),
offers and needs (list, detail with matches and contact, create/edit, publish, close, delete
drafts, history) and contact requests (list, detail, answer, decline, conclude)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipcity.core import menu
from ipcity.core.scope import has_perm
from ipcity.core.templatetags.ipcity import field_rows
from ipcity.core.views import generic
from ipcity.rights.search import search_filter

from .. import listings, matching
from ..choices import ListingStatus
from ..exports.marketplace import (
    CONTACT_REQUEST_EXPORT,
    DEMAND_LISTING_EXPORT,
    SUPPLY_LISTING_EXPORT,
)
from ..filters.marketplace import (
    ContactRequestFilterSet,
    DemandListingFilterSet,
    SupplyListingFilterSet,
)
from ..forms.marketplace import (
    ConcludeForm,
    ContactForm,
    DemandListingForm,
    ReplyForm,
    SupplyListingForm,
)
from ..imports import marketplace as _imports  # noqa: F401  (registers the offer import)
from ..models import ContactRequest, DemandListing, SupplyListing, Transaction
from ..tables.marketplace import (
    CONTACT_BADGE,
    LISTING_BADGE,
    ContactRequestTable,
    DemandListingTable,
    SupplyListingTable,
)

SUPPLY_QUERYSET = SupplyListing.objects.select_related("owner").annotate(
    patent_count=Count("patents")
)
DEMAND_QUERYSET = DemandListing.objects.select_related("owner")
CONTACT_QUERYSET = ContactRequest.objects.select_related(
    "requester", "supply_listing__owner", "demand_listing__owner", "transaction"
)
NEWEST = 8


def _url(name: str, *args) -> str:
    """The url, or "" while the page is not there (another area's page)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _list_url(model, **params) -> str:
    url = reverse(f"utilization:{model._meta.model_name}_list")
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


# -- the marketplace overview ----------------------------------------------------------------


@login_required
def marketplace(request):
    user = request.user
    if not (has_perm(user, SupplyListing, "view") or has_perm(user, DemandListing, "view")):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()[:100]
    figures = listings.conversion(user)
    listed = [ListingStatus.PUBLISHED, ListingStatus.CLOSED]
    sections = []
    for key, model, title, newest_title, found_title in (
        (
            "offers",
            SupplyListing,
            _("Technology offers"),
            _("Newest offers"),
            _("Offers matching the search"),
        ),
        (
            "needs",
            DemandListing,
            _("Technology needs"),
            _("Newest needs"),
            _("Needs matching the search"),
        ),
    ):
        row = figures[key]
        newest = search_filter(
            model.objects.restrict(user, "view")
            .filter(status=ListingStatus.PUBLISHED)
            .select_related("owner"),
            q,
        )
        search_params = {"status": ListingStatus.PUBLISHED, **({"q": q} if q else {})}
        sections.append(
            {
                "key": key,
                "title": title,
                "list_title": found_title if q else newest_title,
                "newest": list(newest.order_by("-published_at", "-pk")[:NEWEST]),
                "all_url": _list_url(model, **search_params),
                "add_url": reverse(f"utilization:{model._meta.model_name}_add")
                if has_perm(user, model, "add")
                else "",
                "figures": [
                    {
                        "key": "published",
                        "label": _("Published now"),
                        "value": row["published"],
                        "url": _list_url(model, status=ListingStatus.PUBLISHED),
                    },
                    {
                        "key": "listed",
                        "label": _("Listed (published or closed)"),
                        "value": row["listed"],
                        "url": _list_url(model, status=listed),
                    },
                    {
                        "key": "contacted",
                        "label": _("With at least one contact"),
                        "value": row["contacted"],
                        "url": _list_url(model, status=listed, contacted="true"),
                    },
                    {
                        "key": "concluded",
                        "label": _("With a transaction"),
                        "value": row["concluded"],
                        "url": _list_url(model, status=listed, concluded="true"),
                    },
                ],
                "rate": row["rate"],
            }
        )
    return render(
        request,
        "utilization/marketplace/overview.html",
        {
            "sections": sections,
            "q": q,
            "contacts_url": reverse("utilization:contactrequest_list"),
            "can_view_contacts": has_perm(user, ContactRequest, "view"),
        },
    )


# -- offers and needs ------------------------------------------------------------------------


class ListingListView(generic.ObjectListView):
    template_name = "utilization/marketplace/listing_list.html"

    def extra_context(self) -> dict:
        return {"marketplace_url": reverse("utilization:marketplace")}


class SupplyListView(ListingListView):
    queryset = SUPPLY_QUERYSET
    filterset_class = SupplyListingFilterSet
    table_class = SupplyListingTable
    export_spec = SUPPLY_LISTING_EXPORT
    import_url = reverse_lazy("core:import_upload", args=["utilization.supplylisting"])


class DemandListView(ListingListView):
    queryset = DEMAND_QUERYSET
    filterset_class = DemandListingFilterSet
    table_class = DemandListingTable
    import_url = reverse_lazy("core:import_upload", args=["utilization.demandlisting"])
    export_spec = DEMAND_LISTING_EXPORT


class ListingDetailView(generic.ObjectDetailView):
    template_name = "utilization/marketplace/listing_detail.html"
    fields: tuple[str, ...] = ()
    fk = ""

    def extra_context(self, obj):
        user = self.request.user
        can_change = self.restricted("change").filter(pk=obj.pk).exists()
        org_id = getattr(user, "organization_id", None)
        contacts = list(
            ContactRequest.objects.restrict(user, "view")
            .filter(**{self.fk: obj})
            .select_related("requester", "supply_listing", "demand_listing")
            .order_by("-created_at")[:50]
        )
        own_open = next(
            (c for c in contacts if c.requester_id == org_id and c.is_open and org_id), None
        )
        can_contact = (
            obj.is_published
            and org_id is not None
            and obj.owner_id != org_id
            and has_perm(user, ContactRequest, "add")
            and own_open is None
        )
        deals = list(
            Transaction.objects.restrict(user, "view")
            .filter(**{self.fk: obj})
            .order_by("-year", "-pk")[:20]
        )
        for deal in deals:
            deal.url = _url("utilization:transaction_detail", deal.pk)
        return {
            "rows": field_rows(obj, *self.fields),
            "is_offer": isinstance(obj, SupplyListing),
            "badge": LISTING_BADGE.get(obj.status, "secondary"),
            "matches": matching.matches(obj, user),
            "match_model": DemandListing if isinstance(obj, SupplyListing) else SupplyListing,
            "can_publish": can_change and not obj.is_published,
            "can_close": can_change and obj.is_published,
            "can_delete": obj.is_draft
            and self.restricted("delete").filter(pk=obj.pk).exists()
            and not listings.has_requests_or_deals(obj),
            "contact_form": ContactForm(listing=obj, user=user) if can_contact else None,
            "own_open": own_open,
            "contacts": contacts,
            "deals": deals,
        }


class SupplyDetailView(ListingDetailView):
    queryset = SUPPLY_QUERYSET
    fk = "supply_listing"
    fields = ("owner", "kinds", "ipc_codes", "keywords", "asking_price", "published_at")

    def extra_context(self, obj):
        context = super().extra_context(obj)
        context["patents"] = obj.patents.order_by("application_number")
        context["rows"] = [
            (label, obj.kinds_display() or "—") if name == "kinds" else (label, value)
            for name, (label, value) in zip(self.fields, context["rows"], strict=True)
        ]
        return context


class DemandDetailView(ListingDetailView):
    queryset = DEMAND_QUERYSET
    fk = "demand_listing"
    fields = ("owner", "kinds", "ipc_codes", "keywords", "budget", "published_at")

    def extra_context(self, obj):
        context = super().extra_context(obj)
        context["rows"] = [
            (label, obj.kinds_display() or "—") if name == "kinds" else (label, value)
            for name, (label, value) in zip(self.fields, context["rows"], strict=True)
        ]
        return context


class ListingEditView(generic.ObjectEditView):
    template_name = "utilization/marketplace/listing_form.html"

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def save(self, form):
        with transaction.atomic():
            listing = listings.save_listing(self.request.user, form)
            if self.request.POST.get("publish") and not listing.is_published:
                listings.publish(self.request.user, listing)
        return listing


class SupplyEditView(ListingEditView):
    queryset = SUPPLY_QUERYSET
    form_class = SupplyListingForm


class DemandEditView(ListingEditView):
    queryset = DEMAND_QUERYSET
    form_class = DemandListingForm


class ListingDeleteView(generic.ObjectDeleteView):
    def get(self, request, *args, **kwargs):
        obj = self.get_object("delete")
        if not obj.is_draft:
            messages.error(request, _("Only drafts can be deleted; close a published listing."))
            return redirect(obj)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        obj = self.get_object("delete")
        name = str(obj)
        try:
            listings.delete_listing(request.user, obj)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(obj)
        messages.success(
            request,
            _("“%(name)s” deleted. It can be restored from the recycle bin.") % {"name": name},
        )
        return redirect(self.list_url())


class SupplyDeleteView(ListingDeleteView):
    queryset = SUPPLY_QUERYSET


class DemandDeleteView(ListingDeleteView):
    queryset = DEMAND_QUERYSET


class SupplyHistoryView(generic.ObjectHistoryView):
    queryset = SUPPLY_QUERYSET


class DemandHistoryView(generic.ObjectHistoryView):
    queryset = DEMAND_QUERYSET


def _get(request, model, pk, action="view"):
    """The object in the view scope (else 404), then in the `action` scope (else 403)."""
    obj = get_object_or_404(model.objects.restrict(request.user, "view"), pk=pk)
    if action != "view" and not model.objects.restrict(request.user, action).filter(pk=pk).exists():
        raise PermissionDenied
    return obj


def _run(request, func, obj, success: str, *args, **kwargs):
    try:
        result = func(request.user, obj, *args, **kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None
    messages.success(request, success)
    return result


def _transition(model, func, success):
    @login_required
    @require_POST
    def view(request, pk):
        listing = _get(request, model, pk, "change")
        _run(request, func, listing, str(success))
        return redirect(listing)

    return view


def _contact_view(model):
    @login_required
    @require_POST
    def view(request, pk):
        listing = _get(request, model, pk)
        form = ContactForm(request.POST, listing=listing, user=request.user)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return redirect(listing)
        sent = _run(
            request,
            listings.contact,
            listing,
            _("Contact request sent to %(owner)s.") % {"owner": listing.owner},
            form.cleaned_data["message"],
            form.cleaned_data.get("about"),
        )
        return redirect(sent or listing)

    return view


# -- contact requests --------------------------------------------------------------------------


class ContactListView(generic.ObjectListView):
    queryset = CONTACT_QUERYSET
    filterset_class = ContactRequestFilterSet
    table_class = ContactRequestTable
    export_spec = CONTACT_REQUEST_EXPORT
    template_name = "utilization/marketplace/listing_list.html"

    def extra_context(self) -> dict:
        return {"marketplace_url": reverse("utilization:marketplace")}


def _get_contact(request, pk, action="view") -> ContactRequest:
    contact = get_object_or_404(CONTACT_QUERYSET.restrict(request.user, "view"), pk=pk)
    if action != "view" and not listings.may_change(request.user, contact):
        raise PermissionDenied
    return contact


@login_required
def contact_detail(request, pk):
    contact = _get_contact(request, pk)
    user = request.user
    deal = contact.transaction
    assignor, assignee = listings.parties(contact)
    attached = (
        contact.demand_listing
        if contact.listing is contact.supply_listing
        else contact.supply_listing
    )
    org_id = getattr(user, "organization_id", None)
    return render(
        request,
        "utilization/marketplace/contact_detail.html",
        {
            "object": contact,
            "contact": contact,
            "badge": CONTACT_BADGE.get(contact.status, "secondary"),
            "listing": contact.listing,
            "attached": attached,
            "attached_is_mine": attached is not None
            and org_id is not None
            and attached.owner_id == org_id,
            "assignor": assignor,
            "assignee": assignee,
            "can_reply": contact.is_open and listings.may_reply(user, contact),
            "can_conclude": listings.may_conclude(user, contact),
            "reply_form": ReplyForm(),
            "deal": deal,
            "deal_url": _url("utilization:transaction_detail", deal.pk) if deal else "",
            "history_url": reverse("utilization:contactrequest_history", args=[contact.pk]),
        },
    )


class ContactHistoryView(generic.ObjectHistoryView):
    queryset = CONTACT_QUERYSET


def _reply_view(func, success):
    @login_required
    @require_POST
    def view(request, pk):
        contact = _get_contact(request, pk, "change")
        form = ReplyForm(request.POST)
        reply = form.cleaned_data["reply"] if form.is_valid() else ""
        _run(request, func, contact, str(success), reply)
        return redirect(contact)

    return view


@login_required
def contact_conclude(request, pk):
    """Record the transaction the request led to; the rights are prefilled from the offer."""
    contact = _get_contact(request, pk, "change")
    try:
        listings.check_conclude(request.user, contact)  # PermissionDenied: 403
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(contact)
    assignor, assignee = listings.parties(contact)
    form = ConcludeForm(request.POST or None, contact=contact, user=request.user, assignor=assignor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            listings.conclude(
                request.user,
                contact,
                kind=data["kind"],
                amount=data["amount"],
                contract_date=data["contract_date"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                patents=data["patents"],
                registration_number=data["registration_number"],
                registration_date=data["registration_date"],
                notes=data["notes"],
                any_holder=bool(data.get("any_holder")),
            )
        except ValidationError as exc:
            generic._add_errors(form, exc)
        else:
            messages.success(request, _("Transaction recorded from the marketplace."))
            return redirect(contact)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "utilization/marketplace/contact_conclude.html",
        {
            "form": form,
            "contact": contact,
            "assignor": assignor,
            "assignee": assignee,
            "listing": contact.listing,
        },
        status=400 if form.errors else 200,
    )


menu.register(
    "utilization",
    gettext_lazy("Technology marketplace"),
    "utilization:marketplace",
    "utilization.view_supplylisting",
    order=40,
    icon="shop",
)
menu.register(
    "utilization",
    gettext_lazy("Technology offers"),
    "utilization:supplylisting_list",
    "utilization.view_supplylisting",
    order=41,
    icon="box-seam",
)
menu.register(
    "utilization",
    gettext_lazy("Technology needs"),
    "utilization:demandlisting_list",
    "utilization.view_demandlisting",
    order=42,
    icon="search",
)
menu.register(
    "utilization",
    gettext_lazy("Contact requests"),
    "utilization:contactrequest_list",
    "utilization.view_contactrequest",
    order=43,
    icon="chat-left-text",
)


def _listing_urls(prefix: str, model, list_view, detail, edit, delete, history):
    name = model._meta.model_name
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/add/", edit.as_view(), name=f"{name}_add"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}_edit"),
        path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{name}_delete"),
        path(f"{prefix}/<int:pk>/history/", history.as_view(), name=f"{name}_history"),
        path(
            f"{prefix}/<int:pk>/publish/",
            _transition(model, listings.publish, gettext_lazy("Published on the marketplace.")),
            name=f"{name}_publish",
        ),
        path(
            f"{prefix}/<int:pk>/close/",
            _transition(model, listings.close, gettext_lazy("Closed.")),
            name=f"{name}_close",
        ),
        path(f"{prefix}/<int:pk>/contact/", _contact_view(model), name=f"{name}_contact"),
    ]


urlpatterns = [
    path("marketplace/", marketplace, name="marketplace"),
    *_listing_urls(
        "marketplace/offers",
        SupplyListing,
        SupplyListView,
        SupplyDetailView,
        SupplyEditView,
        SupplyDeleteView,
        SupplyHistoryView,
    ),
    *_listing_urls(
        "marketplace/needs",
        DemandListing,
        DemandListView,
        DemandDetailView,
        DemandEditView,
        DemandDeleteView,
        DemandHistoryView,
    ),
    path("marketplace/contacts/", ContactListView.as_view(), name="contactrequest_list"),
    path("marketplace/contacts/<int:pk>/", contact_detail, name="contactrequest_detail"),
    path(
        "marketplace/contacts/<int:pk>/history/",
        ContactHistoryView.as_view(),
        name="contactrequest_history",
    ),
    path(
        "marketplace/contacts/<int:pk>/answer/",
        _reply_view(listings.answer, gettext_lazy("Answer sent.")),
        name="contactrequest_answer",
    ),
    path(
        "marketplace/contacts/<int:pk>/decline/",
        _reply_view(listings.decline, gettext_lazy("Request declined.")),
        name="contactrequest_decline",
    ),
    path(
        "marketplace/contacts/<int:pk>/conclude/",
        contact_conclude,
        name="contactrequest_conclude",
    ),
]
