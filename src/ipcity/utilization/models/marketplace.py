"""The technology marketplace (task 7): offers, needs and contact requests that lead to
transactions."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import ContactStatus, ListingStatus, TransactionKind
from .transfers import Transaction

# What offers and needs share for display, set in both class bodies (a mixin class would be
# recorded among the models' bases by migrations).


def _kinds_display(self) -> str:
    labels = dict(TransactionKind.choices)
    return "、".join(str(labels.get(k, k)) for k in self.kinds or [])


def _ipc_list(self) -> list[str]:
    return [c.strip() for c in (self.ipc_codes or "").split(";") if c.strip()]


def _is_status(status):
    return property(lambda self: self.status == status)


class SupplyListing(BaseModel):
    """An offer on the marketplace: rights from the registry offered for assignment or licence.
    Published and closed offers are seen by everyone who may use the marketplace; drafts by
    their owner."""

    scope_org_field = "owner"

    owner = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="supply_listings",
        verbose_name=_("offered by"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    patents = models.ManyToManyField(
        "rights.Patent", blank=True, related_name="supply_listings", verbose_name=_("patents")
    )
    kinds = models.JSONField(
        _("offered as"), default=list, blank=True, help_text=_("Transaction kinds accepted.")
    )
    ipc_codes = models.CharField(
        _("IPC codes"),
        max_length=500,
        blank=True,
        help_text=_("Separated by ';'; filled from the patents when left empty."),
    )
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    asking_price = models.DecimalField(
        _("asking price (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ListingStatus.choices,
        default=ListingStatus.DRAFT,
        db_index=True,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    search_text = models.TextField(editable=False, blank=True)

    history = HistoricalRecords(excluded_fields=["search_text"])

    # History shows the kinds of these JSON lists by their labels (core history display).
    value_choices = {"kinds": TransactionKind.choices}

    @classmethod
    def scope_public_view(cls):
        # Closed listings stay readable: the other party of their requests and deals (and
        # anyone following a link) still sees what was offered. Matching ignores them.
        return Q(status__in=(ListingStatus.PUBLISHED, ListingStatus.CLOSED))

    kinds_display = _kinds_display
    ipc_list = _ipc_list
    is_draft = _is_status(ListingStatus.DRAFT)
    is_published = _is_status(ListingStatus.PUBLISHED)
    is_closed = _is_status(ListingStatus.CLOSED)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("technology offer")
        verbose_name_plural = _("technology offers")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("utilization:supplylisting_detail", self.pk)

    def patent_numbers(self) -> str:
        """The offered patents' application numbers (reads prefetched patents when there)."""
        return ";".join(p.application_number for p in self.patents.all())


class DemandListing(BaseModel):
    """A technology need an enterprise posts; matched against published offers."""

    scope_org_field = "owner"

    owner = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="demand_listings",
        verbose_name=_("posted by"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    ipc_codes = models.CharField(
        _("IPC codes"), max_length=500, blank=True, help_text=_("Separated by ';'.")
    )
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    kinds = models.JSONField(_("wanted as"), default=list, blank=True)
    budget = models.DecimalField(
        _("budget (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ListingStatus.choices,
        default=ListingStatus.DRAFT,
        db_index=True,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    search_text = models.TextField(editable=False, blank=True)

    history = HistoricalRecords(excluded_fields=["search_text"])

    # History shows the kinds of these JSON lists by their labels (core history display).
    value_choices = {"kinds": TransactionKind.choices}

    @classmethod
    def scope_public_view(cls):
        # Closed listings stay readable: the other party of their requests and deals (and
        # anyone following a link) still sees what was offered. Matching ignores them.
        return Q(status__in=(ListingStatus.PUBLISHED, ListingStatus.CLOSED))

    kinds_display = _kinds_display
    ipc_list = _ipc_list
    is_draft = _is_status(ListingStatus.DRAFT)
    is_published = _is_status(ListingStatus.PUBLISHED)
    is_closed = _is_status(ListingStatus.CLOSED)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("technology need")
        verbose_name_plural = _("technology needs")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("utilization:demandlisting_detail", self.pk)


class ContactRequest(BaseModel):
    """A party asks the owner of a listing to talk; tracked until it is answered, declined or
    leads to a transaction."""

    scope_org_field = ("requester", "supply_listing__owner", "demand_listing__owner")

    requester = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="contact_requests",
        verbose_name=_("requested by"),
    )
    supply_listing = models.ForeignKey(
        SupplyListing,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_requests",
        verbose_name=_("offer"),
    )
    demand_listing = models.ForeignKey(
        DemandListing,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_requests",
        verbose_name=_("need"),
    )
    message = models.TextField(_("message"))
    reply = models.TextField(_("reply"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ContactStatus.choices,
        default=ContactStatus.SENT,
        db_index=True,
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    transaction = models.ForeignKey(
        Transaction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_requests",
        verbose_name=_("transaction"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contact request")
        verbose_name_plural = _("contact requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(supply_listing__isnull=False) | Q(demand_listing__isnull=False),
                name="contact_request_has_listing",
            )
        ]

    def __str__(self):
        return f"{self.requester} · {self.supply_listing or self.demand_listing}"

    def get_absolute_url(self):
        return object_url("utilization:contactrequest_detail", self.pk)

    @property
    def listing(self):
        """The listing the request was sent about: the one its requester does not own. The
        other one, when set, is the requester's own listing attached to the request."""
        if self.supply_listing_id and self.supply_listing.owner_id != self.requester_id:
            return self.supply_listing
        return self.demand_listing or self.supply_listing

    @property
    def recipient(self):
        """The organization asked: the owner of the listing the request is about."""
        listing = self.listing
        return listing.owner if listing is not None else None

    @property
    def is_open(self) -> bool:
        return self.status in (ContactStatus.SENT, ContactStatus.ANSWERED)
