"""Transfer and licensing (task 7): assignments and licences of rights from the registry."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel
from ipcity.core.scope import RestrictedQuerySet, ScopeChoices, grants_for, perm_name

from ..choices import TransactionKind, TransactionOrigin


class TransactionQuerySet(RestrictedQuerySet):
    """Parties see every transaction they are party to, but change and delete only those their
    own organization recorded (`recorded_by`): what the office entered, the registry's legal
    events derived or the other party recorded stays as recorded. A district-wide grant (the
    office) changes all of them."""

    EDIT_ACTIONS = ("change", "delete")

    def restrict(self, user, action: str = "view"):
        qs = super().restrict(user, action)
        if action not in self.EDIT_ACTIONS or not user.is_authenticated or user.is_superuser:
            return qs
        grants = grants_for(user, perm_name(self.model, action))
        if any(g.scope == ScopeChoices.DISTRICT for g in grants):
            return qs
        q = models.Q(pk__in=[])
        for grant in grants:
            if grant.org_id is None:
                continue
            if grant.scope == ScopeChoices.SUBTREE:
                q |= models.Q(recorded_by__path__startswith=grant.org_path)
            else:
                q |= models.Q(recorded_by_id=grant.org_id)
        return qs.filter(q)


class TransactionManager(models.Manager.from_queryset(TransactionQuerySet)):
    pass


class Transaction(BaseModel):
    """An assignment or licence of rights from the registry.

    Both parties see it (`scope_org_field` names both). `from_university` and `from_outside` are
    set from the parties when saved (utilization/deals.py): a university or research
    institute assigning or licensing to a district enterprise, and rights acquired by a district
    party from a holder outside the district. So are `has_district_party` (either party is placed
    in the district by any signal: credit code, address, region, a person's decision) and
    `district_region` (where that party stands in the district: the assignee's place when the
    assignee is in the district, else the assignor's), which the district indicators count by.
    A transaction keeps the registry's legal events it stands for (`legal_events`, through
    `TransactionEvent`): one deal covering several patents carries one event of each, and an
    event counts once (or N times when it says "转让次数 N"), so deriving twice never counts
    it twice; a hand-entered one that a later legal event matches is linked to that event
    instead of duplicated. Events the office took out of the derivation (by unlinking them or
    deleting their transaction) are kept in `DismissedEvent`.
    """

    scope_org_field = ("assignor", "assignee")

    kind = models.CharField(
        _("kind"), max_length=16, choices=TransactionKind.choices, db_index=True
    )
    assignor = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions_out",
        verbose_name=_("assignor or licensor"),
    )
    assignor_name = models.CharField(
        _("assignor or licensor as recorded"),
        max_length=300,
        blank=True,
        help_text=_("Empty when the registry does not say who held the right before."),
    )
    assignee = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions_in",
        verbose_name=_("assignee or licensee"),
    )
    assignee_name = models.CharField(_("assignee or licensee as recorded"), max_length=300)
    patents = models.ManyToManyField(
        "rights.Patent", blank=True, related_name="transactions", verbose_name=_("patents")
    )
    trademarks = models.ManyToManyField(
        "rights.Trademark", blank=True, related_name="transactions", verbose_name=_("trademarks")
    )
    amount = models.DecimalField(
        _("amount (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    contract_date = models.DateField(_("contract date"), null=True, blank=True, db_index=True)
    start_date = models.DateField(_("licence from"), null=True, blank=True)
    end_date = models.DateField(_("licence until"), null=True, blank=True)
    registration_number = models.CharField(
        _("registration or filing number"), max_length=100, blank=True, db_index=True
    )
    registration_date = models.DateField(
        _("registration date"), null=True, blank=True, db_index=True
    )
    year = models.PositiveSmallIntegerField(
        _("year"),
        db_index=True,
        help_text=_("The year it counts for: registration, else contract date."),
    )
    from_university = models.BooleanField(
        _("university or institute to district enterprise"), default=False, db_index=True
    )
    from_outside = models.BooleanField(
        _("acquired from outside the district"), default=False, db_index=True
    )
    has_district_party = models.BooleanField(
        _("a party in the district"), default=False, db_index=True, editable=False
    )
    district_region = models.ForeignKey(
        "orgs.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("street or town of the district party"),
    )
    origin = models.CharField(
        _("origin"),
        max_length=16,
        choices=TransactionOrigin.choices,
        default=TransactionOrigin.MANUAL,
        db_index=True,
    )
    legal_events = models.ManyToManyField(
        "rights.LegalEvent",
        through="TransactionEvent",
        blank=True,
        related_name="transactions",
        verbose_name=_("legal events"),
    )
    supply_listing = models.ForeignKey(
        "utilization.SupplyListing",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("offer it came from"),
    )
    demand_listing = models.ForeignKey(
        "utilization.DemandListing",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("need it answered"),
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("recorded by"),
        help_text=_(
            "The organization of the user who recorded it (empty when the platform derived it); "
            "only it and the district office may change the transaction."
        ),
    )

    history = HistoricalRecords()
    objects = TransactionManager()

    class Meta:
        ordering = ["-year", "-contract_date", "pk"]
        verbose_name = _("transfer or licence")
        verbose_name_plural = _("transfers and licences")
        indexes = [models.Index(fields=["year", "kind"])]

    def __str__(self):
        return f"{self.assignor_label} → {self.assignee_name} ({self.get_kind_display()})"

    def get_absolute_url(self):
        return object_url("utilization:transaction_detail", self.pk)

    @property
    def assignor_label(self) -> str:
        return self.assignor_name or str(_("(unknown)"))

    @property
    def counted_date(self):
        """The date the transaction counts by: registration, else contract, else licence start."""
        return self.registration_date or self.contract_date or self.start_date

    @property
    def is_licence(self) -> bool:
        return self.kind != TransactionKind.ASSIGNMENT

    def patent_numbers(self) -> str:
        """Application numbers, '; '-separated (reads prefetched patents when there are)."""
        return "; ".join(sorted(p.application_number for p in self.patents.all()))

    def trademark_numbers(self) -> str:
        return "; ".join(sorted(t.registration_number for t in self.trademarks.all()))


class TransactionEvent(models.Model):
    """A legal event of the registry that a transaction stands for.

    A transaction may stand for several events (one deal covering several patents: one event
    on each). An event stands for one transaction, or for N when it says so (an export's
    "转让次数 N" without dates): `share` numbers them 1..N and (event, share) is unique, so no
    event is counted more often than it says, even by two requests at once. Link rows carry no
    history of their own: linking and unlinking save the transaction, whose history names who
    did it.
    """

    transaction = models.ForeignKey(
        Transaction,
        on_delete=models.CASCADE,
        related_name="event_links",
        verbose_name=_("transaction"),
    )
    legal_event = models.ForeignKey(
        "rights.LegalEvent",
        on_delete=models.CASCADE,
        related_name="transaction_links",
        verbose_name=_("legal event"),
    )
    share = models.PositiveSmallIntegerField(
        _("share"),
        default=1,
        help_text=_("Which of the transactions the event stands for (1 unless it names several)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("legal event of a transaction")
        verbose_name_plural = _("legal events of transactions")
        constraints = [
            models.UniqueConstraint(
                fields=["legal_event", "share"], name="unique_transaction_event_share"
            ),
            models.UniqueConstraint(
                fields=["transaction", "legal_event"], name="unique_transaction_event"
            ),
        ]

    def __str__(self):
        return f"{self.transaction_id} ← {self.legal_event_id}/{self.share}"


class DismissedEvent(models.Model):
    """A dated transfer or licence event the office took out of the derivation: its transaction
    was deleted, or the event was unlinked from the one it had been matched to. Deriving again
    leaves it alone, so a deliberate deletion is not undone; recording it (linking it to a
    transaction) counts it again and removes this row."""

    legal_event = models.OneToOneField(
        "rights.LegalEvent",
        on_delete=models.CASCADE,
        related_name="transaction_dismissal",
        verbose_name=_("legal event"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dismissed by"),
    )
    created_at = models.DateTimeField(_("dismissed at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("dismissed legal event")
        verbose_name_plural = _("dismissed legal events")

    def __str__(self):
        return f"{self.legal_event_id}: {self.reason}"
