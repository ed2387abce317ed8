"""Patents, their holders and their legal events."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import Attribution, AttributionSignal, LegalEventKind, PatentStatus, PatentType


class Patent(BaseModel):
    """A Chinese patent application or patent, as CNIPA publishes it.

    Identified by its application number (normalized `201710117081.7`); re-importing an export
    updates the record with that number. Patent data is public, so every user who may read
    patents reads all of them (`scope_org_field = None`); holders link to organizations.

    `attribution` says whether the patent counts for the district, and `attribution_signal` which
    signal decided (DOMAIN.md §3). `high_value_criteria` lists the criteria met under
    `high_value_rule` (see rights.highvalue), so every classification can be explained.
    """

    scope_org_field = None

    application_number = models.CharField(_("application number"), max_length=16, unique=True)
    number_check_ok = models.BooleanField(_("check digit correct"), default=True)
    patent_type = models.CharField(
        _("patent type"), max_length=16, choices=PatentType.choices, db_index=True
    )
    is_pct = models.BooleanField(_("PCT national phase"), default=False)
    filing_date = models.DateField(_("filing date"), null=True, blank=True, db_index=True)
    publication_number = models.CharField(_("publication number"), max_length=20, blank=True)
    publication_date = models.DateField(_("publication date"), null=True, blank=True)
    grant_date = models.DateField(_("grant date"), null=True, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=500)
    abstract = models.TextField(_("abstract"), blank=True)
    main_ipc = models.CharField(_("main IPC"), max_length=32, blank=True, db_index=True)
    ipc_codes = models.TextField(_("IPC codes"), blank=True, help_text=_("Separated by ';'."))
    inventors = models.TextField(_("inventors"), blank=True)
    holder_names = models.TextField(
        _("holders as recorded"), blank=True, help_text=_("Separated by ';', in export order.")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    legal_status = models.CharField(
        _("legal status"),
        max_length=16,
        choices=PatentStatus.choices,
        default=PatentStatus.UNKNOWN,
        db_index=True,
    )
    lapse_date = models.DateField(_("lapse date"), null=True, blank=True)
    family_countries = models.CharField(_("family countries"), max_length=300, blank=True)
    overseas_granted_family = models.BooleanField(
        _("granted overseas family member"), default=False
    )
    citations = models.PositiveIntegerField(_("citations"), default=0)
    cited_by = models.PositiveIntegerField(_("cited by"), default=0)
    awards = models.CharField(_("awards"), max_length=300, blank=True)
    pledge_amount = models.DecimalField(
        _("pledge-financing amount (10k yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    region = models.ForeignKey(
        "orgs.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patents",
        verbose_name=_("street or town"),
    )
    attribution = models.CharField(
        _("attribution"),
        max_length=16,
        choices=Attribution.choices,
        default=Attribution.UNRESOLVED,
        db_index=True,
    )
    attribution_signal = models.CharField(
        _("decided by"),
        max_length=16,
        choices=AttributionSignal.choices,
        default=AttributionSignal.NONE,
    )
    attribution_detail = models.CharField(_("attribution detail"), max_length=300, blank=True)
    is_high_value = models.BooleanField(_("high-value"), default=False, db_index=True)
    high_value_criteria = models.JSONField(_("high-value criteria met"), default=list, blank=True)
    high_value_rule = models.ForeignKey(
        "rights.HighValueRuleSet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("high-value rule set"),
    )
    search_text = models.TextField(editable=False, blank=True)
    source = models.CharField(_("source"), max_length=32, blank=True)
    holders = models.ManyToManyField(
        "orgs.Organization",
        through="PatentHolder",
        related_name="patents",
        verbose_name=_("holders"),
    )

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        ordering = ["-filing_date", "application_number"]
        verbose_name = _("patent")
        verbose_name_plural = _("patents")
        # A filter with the filing date: a list filtered by one of these is read newest first
        # straight from the index, without sorting every matching row.
        indexes = [
            models.Index(fields=["attribution", "patent_type", "legal_status"]),
            models.Index(fields=["patent_type", "filing_date"]),
            models.Index(fields=["legal_status", "filing_date"]),
            models.Index(fields=["attribution", "filing_date"]),
            models.Index(fields=["is_high_value", "filing_date"]),
            models.Index(fields=["region", "filing_date"]),
            models.Index(fields=["region", "patent_type"]),
            # The patents held in the district at a year's end (in the district, valid, granted
            # by then), with every field the creation indicators count or group them by, and the
            # key (PostgreSQL's indexes lack it): their breakdowns read this index alone, not
            # the wide rows (indicators.measures).
            models.Index(
                fields=[
                    "attribution",
                    "legal_status",
                    "patent_type",
                    "grant_date",
                    "region",
                    "filing_date",
                    "overseas_granted_family",
                    "high_value_criteria",
                    "awards",
                    "id",
                ],
                name="rights_patent_held_idx",
            ),
        ]

    def __str__(self):
        return f"{self.application_number} {self.title}"

    def get_absolute_url(self):
        return object_url("rights:patent_detail", self.pk)

    @property
    def patent_number(self) -> str:
        return f"ZL{self.application_number}"

    @property
    def is_valid(self) -> bool:
        return self.legal_status == PatentStatus.VALID


class PatentHolder(models.Model):
    """One holder of a patent, in the order the export lists them."""

    patent = models.ForeignKey(
        Patent, on_delete=models.CASCADE, related_name="holder_links", verbose_name=_("patent")
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="patent_links",
        verbose_name=_("organization"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    name_as_recorded = models.CharField(_("name as recorded"), max_length=200, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["patent", "organization"], name="unique_patent_holder")
        ]
        indexes = [
            models.Index(fields=["organization", "patent"]),
            # A patent's first-listed holder (the indicators' holder type and industry) read
            # from the index alone, without sorting the links: the year's largest breakdown on
            # 1,000,000 patents, 1.9 → 1.3 s on PostgreSQL.
            models.Index(
                fields=["patent", "position", "id", "organization"],
                name="rights_holder_first_idx",
            ),
        ]

    def __str__(self):
        return self.name_as_recorded or str(self.organization)


# Where a list of patents keeps each one's holders (`listed_holders`): a plain list. Prefetched
# into `holder_links` with a queryset of its own, Django makes a queryset per patent to hold
# them, a fifth of a list page's time.
LISTED_HOLDERS = "listed_holders"


def holder_rows():
    """Holder links with their organization's name, and no more of it."""
    return PatentHolder.objects.select_related("organization").only(
        "id",
        "patent_id",
        "position",
        "name_as_recorded",
        "organization__id",
        "organization__name",
    )


def holders_prefetch():
    """The holders of each patent listed, in order, into `listed_holders`."""
    return models.Prefetch("holder_links", queryset=holder_rows(), to_attr=LISTED_HOLDERS)


def holders_of(patent) -> list:
    """The patent's holder links, in order: those prefetched, else read."""
    listed = getattr(patent, LISTED_HOLDERS, None)
    return listed if listed is not None else list(patent.holder_links.all())


class LegalEvent(BaseModel):
    """A legal event on a patent: grant, transfer, licence, pledge and release, invalidation,
    lapse for unpaid fees, expiry. Transfers and pledges name the other party."""

    scope_org_field = None

    patent = models.ForeignKey(
        Patent, on_delete=models.CASCADE, related_name="legal_events", verbose_name=_("patent")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LegalEventKind.choices)
    date = models.DateField(_("date"), null=True, blank=True, db_index=True)
    counterparty = models.CharField(_("counterparty"), max_length=300, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("legal event")
        verbose_name_plural = _("legal events")
        indexes = [models.Index(fields=["kind", "date"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date or ''}"
