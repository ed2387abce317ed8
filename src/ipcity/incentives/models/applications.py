"""Applications to an incentive programme, their items, materials and reviews."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel
from ipcity.protection.models.files import private_upload

from ..choices import ApplicationStatus, ReviewDecision, ReviewStage
from .programs import MONEY, Program, Rule


class Application(BaseModel):
    """An enterprise's application to a programme (申报).

    Its items name what is claimed (a granted patent, a certificate, a pledge loan); each item
    is pre-checked against the registry and carries the result (`eligible`, `checks`), which
    both the applicant and the reviewers see. `requested_amount` is the sum of the eligible
    items' computed amounts, `approved_amount` what the approval granted (reserved against the
    programme's budget), `paid_amount` the sum of payments. `number` is given on submission."""

    history_values_private = True  # bank account details

    scope_org_field = "applicant"

    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("program"),
    )
    applicant = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="incentive_applications",
        verbose_name=_("applicant"),
    )
    number = models.CharField(_("application number"), max_length=32, blank=True, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_phone = models.CharField(_("phone"), max_length=40)
    bank_name = models.CharField(_("bank of the account"), max_length=200, blank=True)
    bank_account = models.CharField(_("account number"), max_length=40, blank=True)
    statement = models.TextField(_("statement"), blank=True)
    requested_amount = models.DecimalField(
        _("requested (yuan)"), default=Decimal("0"), editable=False, **MONEY
    )
    approved_amount = models.DecimalField(
        _("approved (yuan)"), null=True, blank=True, editable=False, **MONEY
    )
    paid_amount = models.DecimalField(
        _("paid (yuan)"), default=Decimal("0"), editable=False, **MONEY
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    notice = models.ForeignKey(
        "incentives.PublicNotice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("public notice"),
    )
    return_reason = models.TextField(_("reason for return or rejection"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("incentive application")
        verbose_name_plural = _("incentive applications")
        permissions = [
            ("review_first_application", _("Can take the first review of applications")),
            ("review_second_application", _("Can take the second review of applications")),
            ("approve_application", _("Can approve applications")),
        ]
        constraints = [
            # One live application per applicant and programme (drafts and returned ones
            # included); a withdrawn or rejected one does not block a new one.
            models.UniqueConstraint(
                fields=["program", "applicant"],
                condition=~Q(status__in=("withdrawn", "rejected")),
                name="incentives_one_live_application",
            ),
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="incentives_application_number"
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__lte=models.F("approved_amount")) | Q(paid_amount=0),
                name="incentives_application_paid_within_approved",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status"]),
            models.Index(fields=["applicant", "-submitted_at"]),
        ]

    def __str__(self):
        return self.number or f"{self.program} – {self.applicant}"

    def get_absolute_url(self):
        return object_url("incentives:application_detail", self.pk)


class ApplicationItem(models.Model):
    """One thing claimed in an application, under one rule of the programme.

    Exactly one of the record fields is set, by the rule's kind. `reward_key` names the
    rewarded thing across programmes (e.g. `patent:<id>`, `certificate:<id>`,
    `pledge:<id>:<year>`): the reward ledger (`Reward`) holds it once, so the same right is
    never rewarded twice. `checks` lists every eligibility check with its result and its
    untranslated message, `[{"code", "ok", "msg", "params"}]` (`eligibility.shown` words them)."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("application"),
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="items", verbose_name=_("rule")
    )
    patent = models.ForeignKey(
        "rights.Patent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incentive_items",
        verbose_name=_("patent"),
    )
    trademark = models.ForeignKey(
        "rights.Trademark",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incentive_items",
        verbose_name=_("trademark"),
    )
    certificate = models.ForeignKey(
        "utilization.Certificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incentive_items",
        verbose_name=_("certificate"),
    )
    designation = models.ForeignKey(
        "utilization.Designation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incentive_items",
        verbose_name=_("designation"),
    )
    pledge = models.ForeignKey(
        "utilization.Pledge",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incentive_items",
        verbose_name=_("pledge"),
    )
    reference = models.CharField(
        _("number as entered"), max_length=100, help_text=_("The number the applicant typed.")
    )
    claimed_base = models.DecimalField(
        _("claimed base (yuan)"),
        null=True,
        blank=True,
        help_text=_("For a subsidy: the amount it is a share of, e.g. the interest paid."),
        **MONEY,
    )
    computed_amount = models.DecimalField(_("computed (yuan)"), default=Decimal("0"), **MONEY)
    eligible = models.BooleanField(_("eligible"), default=False, db_index=True)
    checks = models.JSONField(_("checks"), default=list, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    reward_key = models.CharField(max_length=64, blank=True, db_index=True)
    approved_amount = models.DecimalField(_("approved (yuan)"), null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["application", "pk"]
        verbose_name = _("application item")
        verbose_name_plural = _("application items")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reward_key"],
                condition=~Q(reward_key=""),
                name="incentives_item_once_per_application",
            )
        ]

    def __str__(self):
        return f"{self.rule}: {self.reference}"

    @property
    def failed_checks(self) -> list[dict]:
        return [c for c in self.checks if not c.get("ok")]


class Material(BaseModel):
    """A supporting document uploaded with an application (licence, certificate, loan contract,
    interest receipts). Stored under a random name, downloaded through a permission-checked
    view."""

    scope_org_field = "application__applicant"

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="materials",
        verbose_name=_("application"),
    )
    title = models.CharField(_("document"), max_length=200)
    file = models.FileField(_("file"), upload_to=private_upload("incentives/materials"))
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("application material")
        verbose_name_plural = _("application materials")

    def __str__(self):
        return self.title


class Review(models.Model):
    """One review decision on an application, at one stage, by one person. The same person
    never takes two stages of the same application (four-eyes)."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("application"),
    )
    stage = models.CharField(_("stage"), max_length=16, choices=ReviewStage.choices)
    decision = models.CharField(_("decision"), max_length=16, choices=ReviewDecision.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    amount = models.DecimalField(_("amount proposed (yuan)"), null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["application", "at", "pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [models.Index(fields=["application", "stage"])]

    def __str__(self):
        return f"{self.application}: {self.get_stage_display()} {self.get_decision_display()}"
