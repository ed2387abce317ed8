"""The joint conference (联席会议): meetings of the member units and their resolutions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import TaskStatus


class Meeting(BaseModel):
    """A meeting of the joint conference: agenda, attending units, minutes."""

    scope_org_field = None

    plan = models.ForeignKey(
        "plans.Plan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("work plan"),
    )
    title = models.CharField(_("title"), max_length=300)
    held_on = models.DateField(_("date"), db_index=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    attendees = models.ManyToManyField(
        "orgs.Organization",
        blank=True,
        related_name="meetings_attended",
        verbose_name=_("attending units"),
    )

    history = HistoricalRecords(m2m_fields=[attendees])

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("joint conference meeting")
        verbose_name_plural = _("joint conference meetings")

    def __str__(self):
        return f"{self.held_on} {self.title}"

    def get_absolute_url(self):
        return object_url("plans:meeting_detail", self.pk)


class Resolution(BaseModel):
    """A decision of a meeting that becomes a follow-up item with an owner and a deadline,
    supervised like a task."""

    scope_org_field = "owner"

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="resolutions", verbose_name=_("meeting")
    )
    text = models.TextField(_("resolution"))
    owner = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="resolutions",
        verbose_name=_("owner unit"),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")

    def __str__(self):
        return self.text[:60]


class MeetingAttachment(models.Model):
    """A file of a meeting (slides, signed minutes, photos), stored outside the static root."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("meeting")
    )
    file = models.FileField(_("file"), upload_to="plans/meetings/%Y/")
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("meeting attachment")
        verbose_name_plural = _("meeting attachments")

    def __str__(self):
        return self.name
