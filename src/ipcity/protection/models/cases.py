"""Administrative enforcement cases (案件) with their rights, parties, handlers and evidence."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import (
    OPEN_CASE_STATUSES,
    CaseStatus,
    CloseReason,
    DecisionKind,
    EvidenceKind,
    Offence,
    PartyKind,
    PartyRole,
    RelationReason,
    RightType,
)
from .files import private_upload


class Case(BaseModel):
    """A case belongs to its handling agency (`agency`).

    What others see (protection/visibility.py): the agency's own users see it in full; holders of
    `protection.summary_case` (joint enforcement members, the procuratorate, leaders) see its
    summary (`SUMMARY_FIELDS`); an agency it is shared with (`CaseShare`) sees it in full, and
    every such view is logged (`CaseAccessLog`).

    The state machine follows DOMAIN.md §7. Transitions only change `status`; protection/cases.py
    checks who may call them, fills the dates and writes a `CaseEvent` in the same transaction.
    `decision_due` is `opened_on` plus the clock `penalty_decision` plus approved extensions.
    """

    history_values_private = True  # the audit-wide history hides values

    scope_org_field = "agency"

    # What holders of protection.summary_case may read of any case.
    SUMMARY_FIELDS = (
        "id",
        "agency",
        "number",
        "title",
        "right_type",
        "status",
        "opened_on",
        "decision_due",
        "decided_on",
        "decision_kind",
        "fine",
        "closed_on",
        "close_reason",
        "is_malicious",
        "is_repeat",
        "is_group",
        "is_transferred",
        "is_supervised",
    )

    agency = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="protection_cases",
        verbose_name=_("handling agency"),
    )
    number = models.CharField(_("case number"), max_length=80)
    title = models.CharField(_("title"), max_length=300)
    lead = models.OneToOneField(
        "protection.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case",
        verbose_name=_("lead"),
    )
    right_type = models.CharField(
        _("right type"), max_length=16, choices=RightType.choices, db_index=True
    )
    status = FSMField(
        _("status"),
        max_length=16,
        choices=CaseStatus.choices,
        default=CaseStatus.OPENED,
        protected=False,
        db_index=True,
    )
    status_before_transfer = models.CharField(max_length=16, blank=True, editable=False)
    # Conduct and amounts (yuan): what the transfer thresholds read.
    conduct = models.TextField(_("conduct"), blank=True)
    conduct_date = models.DateField(
        _("conduct date"),
        null=True,
        blank=True,
        help_text=_("When the conduct took place; picks the threshold rules in force then."),
    )
    offence = models.CharField(
        _("suspected offence"), max_length=24, choices=Offence.choices, blank=True, default=""
    )
    business_amount = models.DecimalField(
        _("illegal business amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    illegal_gain = models.DecimalField(
        _("illegal gain (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    sales_amount = models.DecimalField(
        _("sales amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    unsold_value = models.DecimalField(
        _("value of unsold goods (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    copies = models.PositiveIntegerField(_("copies"), null=True, blank=True)
    marks_count = models.PositiveSmallIntegerField(
        _("marks involved"), null=True, blank=True, help_text=_("Registered marks counterfeited.")
    )
    goods = models.TextField(_("goods"), blank=True)
    # Flags.
    is_malicious = models.BooleanField(_("malicious"), default=False, db_index=True)
    is_group = models.BooleanField(_("group infringement"), default=False, db_index=True)
    is_repeat = models.BooleanField(
        _("repeat infringement"),
        default=False,
        db_index=True,
        help_text=_("Set by detection (protection/repeats.py) or by hand."),
    )
    repeat_set_by_hand = models.BooleanField(default=False, editable=False)
    is_transferred = models.BooleanField(_("transferred to police"), default=False, db_index=True)
    is_supervised = models.BooleanField(_("listed for supervision"), default=False, db_index=True)
    # Clocks and milestones.
    opened_on = models.DateField(_("opened on"), db_index=True)
    decision_due = models.DateField(_("decision due"), db_index=True)
    decision_kind = models.CharField(
        _("decision"), max_length=16, choices=DecisionKind.choices, blank=True
    )
    decision_number = models.CharField(_("decision number"), max_length=80, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True, db_index=True)
    hearing_requested = models.BooleanField(_("hearing requested"), default=False)
    hearing_waived = models.BooleanField(
        _("statement and hearing waived"),
        default=False,
        help_text=_("The party waived its statement and hearing before the time ran out."),
    )
    notice_on = models.DateField(_("notice served on"), null=True, blank=True)
    fine = models.DecimalField(
        _("fine (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    confiscated_gain = models.DecimalField(
        _("confiscated illegal gain (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    confiscated_goods = models.TextField(_("confiscated goods"), blank=True)
    order_to_stop = models.BooleanField(_("ordered to stop"), default=False)
    disclosure_due = models.DateField(_("disclosure due"), null=True, blank=True)
    disclosed_on = models.DateField(_("disclosed on"), null=True, blank=True)
    disclosure_url = models.URLField(_("disclosure link"), blank=True)
    executed_on = models.DateField(_("executed on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, db_index=True)
    close_reason = models.CharField(
        _("reason for closing"), max_length=16, choices=CloseReason.choices, blank=True
    )
    campaigns = models.ManyToManyField(
        "protection.Campaign", blank=True, related_name="cases", verbose_name=_("campaigns")
    )

    history = HistoricalRecords(excluded_fields=["status_before_transfer"])

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("enforcement case")
        verbose_name_plural = _("enforcement cases")
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="unique_case_number"),
        ]
        indexes = [
            models.Index(fields=["agency", "status", "decision_due"]),
            models.Index(fields=["status", "decision_due"]),
            models.Index(fields=["right_type", "opened_on"]),
        ]
        permissions = [
            ("summary_case", _("Can see the summary of every agency's cases")),
            ("share_case", _("Can share a case's details with another agency")),
            ("approve_extension", _("Can approve an extension of a case's deadline")),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return object_url("protection:case_detail", self.pk)

    @classmethod
    def scope_public_summary(cls) -> Q:
        """Every holder of protection.summary_case reads every case's summary."""
        return Q()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES

    @classmethod
    def open_q(cls) -> Q:
        return Q(status__in=OPEN_CASE_STATUSES)

    # Transitions: state only (see the class docstring).
    @transition(field=status, source=CaseStatus.OPENED, target=CaseStatus.INVESTIGATING)
    def investigate(self):
        pass

    @transition(field=status, source=CaseStatus.INVESTIGATING, target=CaseStatus.NOTICE)
    def serve_notice(self):
        pass

    @transition(
        field=status,
        source=[CaseStatus.INVESTIGATING, CaseStatus.NOTICE],
        target=CaseStatus.DECIDED,
    )
    def decide(self):
        pass

    @transition(field=status, source=CaseStatus.DECIDED, target=CaseStatus.DISCLOSED)
    def disclose(self):
        pass

    @transition(
        field=status, source=[CaseStatus.DECIDED, CaseStatus.DISCLOSED], target=CaseStatus.EXECUTED
    )
    def execute(self):
        pass

    @transition(
        field=status,
        source=[
            CaseStatus.OPENED,
            CaseStatus.INVESTIGATING,
            CaseStatus.NOTICE,
            CaseStatus.DECIDED,
            CaseStatus.DISCLOSED,
            CaseStatus.EXECUTED,
        ],
        target=CaseStatus.TRANSFERRED,
    )
    def hand_to_police(self):
        pass

    @transition(field=status, source=CaseStatus.TRANSFERRED, target=CaseStatus.INVESTIGATING)
    def resume(self):
        pass

    @transition(
        field=status,
        source=[
            CaseStatus.OPENED,
            CaseStatus.INVESTIGATING,
            CaseStatus.NOTICE,
            CaseStatus.DECIDED,
            CaseStatus.DISCLOSED,
            CaseStatus.EXECUTED,
            CaseStatus.TRANSFERRED,
        ],
        target=CaseStatus.CLOSED,
    )
    def close(self):
        pass


class CaseEvent(models.Model):
    """One transition of a case: from, to, who, when and why. Written by protection/cases.py
    only, in the transaction that moved the case; never edited."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case")
    )
    from_status = models.CharField(_("from"), max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=CaseStatus.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self):
        return f"{self.case_id}: {self.from_status} → {self.to_status}"


class Extension(BaseModel):
    """An extension of the decision deadline, with its reason and who approved it."""

    history_values_private = True  # the audit-wide history hides values

    scope_org_field = "case__agency"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("case")
    )
    days = models.PositiveSmallIntegerField(_("days"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rejected by"),
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    decision_note = models.CharField(_("approver's note"), max_length=500, blank=True)
    # A second (or later) extension is allowed only when the agency's leadership decided it
    # collectively (rule 64 of the market regulation penalty procedure).
    collective = models.BooleanField(
        _("Decided collectively by the agency's leadership"), default=False
    )
    previous_due = models.DateField(_("previous due date"))
    new_due = models.DateField(_("new due date"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")

    def __str__(self):
        return f"+{self.days} → {self.new_due}"

    @property
    def is_pending(self) -> bool:
        return self.approved_at is None and self.rejected_at is None


class CaseRight(BaseModel):
    """A right involved in a case, linked to the registry where it is there. `check_notes`
    holds what the intake check found (lapsed, invalid, not held by the complainant)."""

    history_values_private = True  # the audit-wide history hides values

    scope_org_field = "case__agency"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="rights", verbose_name=_("case")
    )
    right_type = models.CharField(_("right type"), max_length=16, choices=RightType.choices)
    number = models.CharField(_("number"), max_length=60, db_index=True)
    patent = models.ForeignKey(
        "rights.Patent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trademark = models.ForeignKey(
        "rights.Trademark", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    geographical_indication = models.ForeignKey(
        "rights.GeographicalIndication",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    plant_variety = models.ForeignKey(
        "rights.PlantVarietyRight",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    copyright = models.ForeignKey(
        "rights.Copyright", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    check_notes = models.JSONField(_("intake check"), default=list, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("right in a case")
        verbose_name_plural = _("rights in cases")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "right_type", "number"], name="unique_case_right"
            ),
        ]
        indexes = [
            models.Index(fields=["patent"]),
            models.Index(fields=["trademark"]),
        ]

    def __str__(self):
        return self.number


class CaseParty(BaseModel):
    """A complainant, respondent or other party; organizations carry a credit code.
    `name_key` is the normalized name repeat detection matches on (protection/parties.py)."""

    history_values_private = True  # the audit-wide history hides values

    scope_org_field = "case__agency"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="parties", verbose_name=_("case")
    )
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices, db_index=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=PartyKind.choices, default=PartyKind.ORGANIZATION
    )
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    uscc = models.CharField(_("USCC"), max_length=18, blank=True, db_index=True)
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="protection_parties",
        verbose_name=_("organization"),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    representative = models.CharField(_("legal representative"), max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "pk"]
        verbose_name = _("case party")
        verbose_name_plural = _("case parties")
        indexes = [models.Index(fields=["role", "name_key"]), models.Index(fields=["role", "uscc"])]

    def __str__(self):
        return self.name


class CaseHandler(BaseModel):
    """An officer assigned to a case. The officer's certificate must be valid on `assigned_on`."""

    history_values_private = True  # the audit-wide history hides values

    scope_org_field = "case__agency"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="handlers", verbose_name=_("case")
    )
    officer = models.ForeignKey(
        "protection.Officer",
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("officer"),
    )
    is_lead = models.BooleanField(_("lead handler"), default=False)
    assigned_on = models.DateField(_("assigned on"))
    released_on = models.DateField(_("released on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_lead", "pk"]
        verbose_name = _("case handler")
        verbose_name_plural = _("case handlers")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "officer"],
                condition=Q(released_on__isnull=True),
                name="unique_active_handler",
            ),
        ]

    def __str__(self):
        return str(self.officer)


class Evidence(BaseModel):
    """An evidence file: stored under a random name, its SHA-256 recorded when uploaded."""

    history_values_private = True  # the audit-wide history hides values

    scope_org_field = "case__agency"

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("case")
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=EvidenceKind.choices, default=EvidenceKind.DOCUMENT
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=private_upload("protection/evidence"))
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    collected_on = models.DateField(_("collected on"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.UniqueConstraint(fields=["case", "sha256"], name="unique_case_evidence_file"),
        ]

    def __str__(self):
        return self.title


class CaseRelation(models.Model):
    """An earlier case a case relates to, found by repeat detection (protection/repeats.py).
    Recomputed whenever a case's parties, rights or decision change."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="relations")
    earlier = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="later_relations")
    reason = models.CharField(_("reason"), max_length=20, choices=RelationReason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["-earlier__decided_on", "pk"]
        verbose_name = _("related case")
        verbose_name_plural = _("related cases")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "earlier", "reason"], name="unique_case_relation"
            ),
        ]

    def __str__(self):
        return f"{self.case_id} ← {self.earlier_id}"


class CaseReminder(models.Model):
    """A deadline reminder sent for a case (duty `case-deadlines`): one per case, kind and due
    date, so the daily run may repeat and a moved deadline is reminded of again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=24)
    due_on = models.DateField()
    sent_on = models.DateField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_on", "pk"]
        verbose_name = _("case deadline reminder")
        verbose_name_plural = _("case deadline reminders")
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "due_on"], name="unique_case_reminder"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.due_on}"
