import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import ContactRequest, DemandListing, SupplyListing

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"

LISTING_BADGE = {"draft": "secondary", "published": "success", "closed": "light"}
CONTACT_BADGE = {
    "sent": "info",
    "answered": "primary",
    "declined": "secondary",
    "concluded": "success",
}


def badge(value, colour):
    return format_html('<span class="badge text-bg-{}">{}</span>', colour, value)


class _ListingTable(tables.Table):
    title = tables.Column(linkify=True)
    owner = tables.Column(order_by=("owner__name",))
    kinds = tables.Column(orderable=False)
    ipc_codes = tables.Column(orderable=False)

    def render_status(self, value, record):
        return badge(value, LISTING_BADGE.get(record.status, "secondary"))

    def render_kinds(self, record):
        return record.kinds_display() or "—"

    def render_ipc_codes(self, record):
        codes = record.ipc_list()
        return "; ".join(codes[:3]) + (" …" if len(codes) > 3 else "")


class SupplyListingTable(_ListingTable):
    patent_count = tables.Column(verbose_name=_("Patents"), orderable=True)

    class Meta:
        model = SupplyListing
        fields = (
            "title",
            "owner",
            "patent_count",
            "kinds",
            "ipc_codes",
            "asking_price",
            "status",
            "published_at",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No offers match.")


class DemandListingTable(_ListingTable):
    class Meta:
        model = DemandListing
        fields = (
            "title",
            "owner",
            "kinds",
            "ipc_codes",
            "budget",
            "status",
            "published_at",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No needs match.")


class ContactRequestTable(tables.Table):
    created_at = tables.DateTimeColumn(format="Y-m-d H:i", linkify=True, verbose_name=_("Sent at"))
    listing = tables.Column(
        verbose_name=_("Listing"), empty_values=(), orderable=False, accessor="pk"
    )
    requester = tables.Column(order_by=("requester__name",))
    recipient = tables.Column(
        verbose_name=_("Addressed to"), empty_values=(), orderable=False, accessor="pk"
    )
    transaction = tables.Column(orderable=False)

    class Meta:
        model = ContactRequest
        fields = ("created_at", "listing", "requester", "recipient", "status", "transaction")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No contact requests.")

    def render_listing(self, record):
        listing = record.listing
        kind = _("Offer") if listing is record.supply_listing else _("Need")
        return format_html(
            '<span class="badge text-bg-light">{}</span> <a href="{}">{}</a>',
            kind,
            listing.get_absolute_url(),
            listing.title,
        )

    def render_recipient(self, record):
        return record.recipient

    def render_status(self, value, record):
        return badge(value, CONTACT_BADGE.get(record.status, "secondary"))

    def render_transaction(self, record):
        return format_html('<i class="bi bi-check2-circle text-success"></i> {}', _("Recorded"))
