"""Service requests (管家式服务): consultation, rights-protection assistance, mediation, policy
briefing, early-warning analysis, overseas rights protection, financing matchmaking."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel
from ipcity.protection.models.files import private_upload

from ..choices import RequestEventKind, RequestStatus, ServiceKind


class ServiceRequest(BaseModel):
    """A request for help from an enterprise or a rights holder.

    Submitted by a signed-in user for their organization (`requester`) or from the public form
    without an account (then `requester` may be empty and the requester follows it with
    `tracking_code` plus the phone or e-mail given). The office routes it to a service point
    (`service_point`, an institution that `accepts_requests`); the answer is due within the
    response time of its kind in working days (`data/response_times.json`) counted from the
    routing (`response_due`). At the end the requester rates it (1-5). A rights-protection
    request becomes a protection lead in one step (`lead`, `handed_over_at`), keeping its own
    history. Every step writes a `RequestEvent`."""

    history_values_private = True

    scope_org_field = ("requester", "service_point__organization")

    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    kind = models.CharField(_("service"), max_length=24, choices=ServiceKind.choices, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RequestStatus.choices,
        default=RequestStatus.SUBMITTED,
        db_index=True,
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("what you need"))
    right_numbers = models.CharField(
        _("right numbers"),
        max_length=500,
        blank=True,
        help_text=_("Patent, trademark or registration numbers, separated by commas."),
    )
    # Who asks.
    requester = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_requests",
        verbose_name=_("requesting organization"),
    )
    requester_name = models.CharField(_("requester"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
        help_text=_("Empty for a request from the public form."),
    )
    submitted_on = models.DateField(_("submitted on"), db_index=True)
    # Who helps.
    preferred_point = models.ForeignKey(
        "services.Institution",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("preferred service point"),
    )
    service_point = models.ForeignKey(
        "services.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("service point"),
    )
    assigned_on = models.DateField(_("assigned on"), null=True, blank=True)
    response_due = models.DateField(_("response due"), null=True, blank=True, db_index=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    response = models.TextField(_("answer"), blank=True, help_text=_("Shown to the requester."))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    # The requester's rating.
    rating = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    rating_comment = models.TextField(_("comment on the service"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    # Hand-over to protection.
    lead = models.OneToOneField(
        "protection.Lead",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_request",
        verbose_name=_("protection lead"),
    )
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)

    reminders_sent = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Reminders sent: {kind: the response_due they were about}.",
    )

    history = HistoricalRecords(excluded_fields=["reminders_sent"])

    class Meta:
        ordering = ["-submitted_on", "-pk"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        permissions = [
            ("route_servicerequest", _("Can route service requests to a service point")),
            ("handover_servicerequest", _("Can hand a service request over to enforcement")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="services_request_rating_1_5",
            )
        ]
        indexes = [
            models.Index(fields=["service_point", "status", "response_due"]),
            models.Index(fields=["status", "response_due"]),
            models.Index(fields=["requester", "-submitted_on"]),
            models.Index(fields=["kind", "submitted_on"]),
        ]

    def __str__(self):
        return f"{self.tracking_code} {self.subject}"

    def get_absolute_url(self):
        return object_url("services:request_detail", self.pk)


class RequestEvent(models.Model):
    """One step of a service request: who did what, when, with an optional note. `public`
    steps are shown to the requester on the status page."""

    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("service request"),
    )
    kind = models.CharField(_("step"), max_length=16, choices=RequestEventKind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), blank=True)
    public = models.BooleanField(_("shown to the requester"), default=True)
    point = models.ForeignKey(
        "services.Institution",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service point"),
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")
        indexes = [models.Index(fields=["request", "at"])]

    def __str__(self):
        return f"{self.request}: {self.get_kind_display()}"


class RequestAttachment(BaseModel):
    """A file sent with a request; stored under a random name, downloaded through a
    permission-checked view."""

    scope_org_field = ("request__requester", "request__service_point__organization")

    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("service request"),
    )
    file = models.FileField(_("file"), upload_to=private_upload("services/requests"))
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("request attachment")
        verbose_name_plural = _("request attachments")

    def __str__(self):
        return self.name
