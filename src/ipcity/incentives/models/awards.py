"""After approval: public notices (公示) with objections, the reward ledger and payments."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import NoticeStatus, ObjectionStatus
from .programs import MONEY, Program


class PublicNotice(BaseModel):
    """A public notice of approved applications (拟奖励名单公示) for a period of working days
    (`data/clocks.json`, `public_notice`). Objections may be lodged while it runs; when it ends,
    applications without an upheld objection are confirmed and become payable."""

    scope_org_field = "program__organizer"

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="notices", verbose_name=_("program")
    )
    title = models.CharField(_("title"), max_length=200)
    number = models.CharField(_("document number"), max_length=100, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=NoticeStatus.choices,
        default=NoticeStatus.DRAFT,
        db_index=True,
    )
    starts_on = models.DateField(_("notice from"), null=True, blank=True)
    ends_on = models.DateField(_("notice until"), null=True, blank=True, db_index=True)
    text = models.TextField(_("text"), blank=True)
    objection_contact = models.CharField(_("objections to"), max_length=200, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("incentives:notice_detail", self.pk)

    @classmethod
    def scope_public_view(cls):
        return Q(status__in=(NoticeStatus.PUBLISHED, NoticeStatus.ENDED))


class Objection(BaseModel):
    """An objection to an application in a public notice (异议), lodged by anyone, decided by
    the office: upheld (the approval is revoked and its budget released) or dismissed."""

    history_values_private = True

    scope_org_field = "notice__program__organizer"

    notice = models.ForeignKey(
        PublicNotice,
        on_delete=models.CASCADE,
        related_name="objections",
        verbose_name=_("public notice"),
    )
    application = models.ForeignKey(
        "incentives.Application",
        on_delete=models.CASCADE,
        related_name="objections",
        verbose_name=_("application"),
    )
    objector_name = models.CharField(_("objector"), max_length=200)
    objector_contact = models.CharField(_("contact"), max_length=200)
    reason = models.TextField(_("reason"))
    received_on = models.DateField(_("received on"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ObjectionStatus.choices,
        default=ObjectionStatus.OPEN,
        db_index=True,
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self):
        return f"{self.application}: {self.objector_name}"


class Reward(models.Model):
    """The ledger of rewarded things: one row per `reward_key`, written when an application is
    approved (in the same transaction as the budget reservation) and removed if the approval
    is revoked. The unique key makes a second reward of the same right impossible, in this or
    any other programme, even for two approvals at the same moment."""

    reward_key = models.CharField(max_length=64, unique=True)
    item = models.OneToOneField(
        "incentives.ApplicationItem",
        on_delete=models.CASCADE,
        related_name="reward",
        verbose_name=_("application item"),
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="rewards", verbose_name=_("program")
    )
    applicant = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="incentive_rewards",
        verbose_name=_("applicant"),
    )
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")

    def __str__(self):
        return self.reward_key


class Payment(BaseModel):
    """A payment to an applicant (拨付). The sum of an application's payments never exceeds
    its approved amount; recording one locks the application row."""

    scope_org_field = ("application__applicant", "application__program__organizer")

    application = models.ForeignKey(
        "incentives.Application",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("application"),
    )
    amount = models.DecimalField(
        _("amount (yuan)"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    paid_on = models.DateField(_("paid on"), db_index=True)
    voucher_number = models.CharField(_("voucher number"), max_length=100)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-paid_on", "-pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="incentives_payment_positive"),
            models.UniqueConstraint(
                fields=["application", "voucher_number"], name="incentives_payment_voucher_once"
            ),
        ]

    def __str__(self):
        return f"{self.application}: {self.amount}"
