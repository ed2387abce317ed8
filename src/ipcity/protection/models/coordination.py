"""Working together: consultations and circulars, listed supervision, campaigns, mediation."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import CampaignStatus, MediationOutcome, MeetingKind, RightType, SupervisionLevel


class Meeting(BaseModel):
    """A major-case consultation (会商) or a circular (通报): who convened it, who took part,
    the cases discussed, what was decided, and the follow-up items."""

    history_values_private = True  # the audit-wide history hides values

    scope_org_field = ("convened_by", "participants")
    scope_org_many = True

    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    held_on = models.DateField(_("date"), db_index=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    convened_by = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="convened_protection_meetings",
        verbose_name=_("convened by"),
    )
    participants = models.ManyToManyField(
        "orgs.Organization",
        blank=True,
        related_name="protection_meetings",
        verbose_name=_("participating units"),
    )
    cases = models.ManyToManyField(
        "protection.Case", blank=True, related_name="meetings", verbose_name=_("cases")
    )
    summary = models.TextField(_("discussion"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("consultation or circular")
        verbose_name_plural = _("consultations and circulars")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return object_url("protection:meeting_detail", self.pk)


class FollowUp(BaseModel):
    """A follow-up item of a meeting, assigned to a unit with a due date."""

    scope_org_field = ("meeting__convened_by", "responsible")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("meeting")
    )
    text = models.CharField(_("item"), max_length=500)
    responsible = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="protection_follow_ups",
        verbose_name=_("responsible unit"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True, db_index=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("follow-up item")
        verbose_name_plural = _("follow-up items")

    def __str__(self):
        return self.text

    def get_absolute_url(self):
        return reverse("protection:meeting_detail", args=[self.meeting_id])


class Supervision(BaseModel):
    """Listed supervision (挂牌督办) of a case by a supervising body, with its deadline."""

    history_values_private = True  # the audit-wide history hides values

    scope_org_field = ("case__agency", "supervisor")

    case = models.ForeignKey(
        "protection.Case",
        on_delete=models.CASCADE,
        related_name="supervisions",
        verbose_name=_("case"),
    )
    supervisor = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="protection_supervisions",
        verbose_name=_("supervising body"),
    )
    level = models.CharField(_("level"), max_length=12, choices=SupervisionLevel.choices)
    listed_on = models.DateField(_("listed on"))
    due_on = models.DateField(_("to be concluded by"), db_index=True)
    requirements = models.TextField(_("requirements"), blank=True)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-listed_on"]
        verbose_name = _("listed supervision")
        verbose_name_plural = _("listed supervisions")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(concluded_on__isnull=True),
                name="one_open_supervision_per_case",
            ),
        ]

    def __str__(self):
        return f"{self.case} · {self.supervisor}"

    def get_absolute_url(self):
        return object_url("protection:supervision_detail", self.pk)


class Campaign(BaseModel):
    """A special campaign (专项行动): period, targets, key industries and areas, tagged cases
    and a results summary. Reference data for everyone who reads protection pages."""

    scope_org_field = None

    name = models.CharField(_("name"), max_length=200)
    lead = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="protection_campaigns",
        verbose_name=_("lead unit"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CampaignStatus.choices,
        default=CampaignStatus.PLANNED,
        db_index=True,
    )
    targets = models.TextField(_("targets"), blank=True)
    right_types = models.JSONField(_("right types"), default=list, blank=True)
    key_industries = models.CharField(_("key industries"), max_length=300, blank=True)
    key_areas = models.ManyToManyField(
        "orgs.Region", blank=True, related_name="protection_campaigns", verbose_name=_("key areas")
    )
    results_summary = models.TextField(_("results summary"), blank=True)

    value_choices = {"right_types": RightType.choices}

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("special campaign")
        verbose_name_plural = _("special campaigns")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_url("protection:campaign_detail", self.pk)


class Mediation(BaseModel):
    """A dispute passed to mediation instead of a case (often straight from a lead)."""

    history_values_private = True  # the audit-wide history hides values

    scope_org_field = ("mediator", "agency")

    lead = models.OneToOneField(
        "protection.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediation",
        verbose_name=_("lead"),
    )
    agency = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_mediations",
        verbose_name=_("referring agency"),
    )
    mediator = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="mediations",
        verbose_name=_("mediator"),
    )
    right_type = models.CharField(_("right type"), max_length=16, choices=RightType.choices)
    applicant = models.CharField(_("applicant"), max_length=200)
    respondent = models.CharField(_("respondent"), max_length=200)
    subject = models.TextField(_("dispute"))
    started_on = models.DateField(_("started on"), db_index=True)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=MediationOutcome.choices, blank=True, default=""
    )
    agreement_amount = models.DecimalField(
        _("agreed amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = _("mediation")
        verbose_name_plural = _("mediations")

    def __str__(self):
        return f"{self.applicant} / {self.respondent}"

    def get_absolute_url(self):
        return object_url("protection:mediation_detail", self.pk)
