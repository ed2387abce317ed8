"""Progress reports a unit submits on a task, accepted or returned by the lead unit or office."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from ipcity.core.links import object_url
from ipcity.core.models import BaseModel

from ..choices import ReportStatus


class ProgressReport(BaseModel):
    """One unit's report on one task for one period: text, figures and attachments."""

    scope_org_field = "organization"

    task = models.ForeignKey(
        "plans.PlanTask", on_delete=models.CASCADE, related_name="reports", verbose_name=_("task")
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="progress_reports",
        verbose_name=_("reporting unit"),
    )
    period = models.CharField(_("period"), max_length=20, help_text=_("For example 2024-Q2."))
    period_end = models.DateField(_("period end"), null=True, blank=True)
    text = models.TextField(_("progress"))
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    status = FSMField(
        _("status"),
        max_length=16,
        choices=ReportStatus.choices,
        default=ReportStatus.DRAFT,
        protected=False,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField(_("review comment"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-period", "task"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "organization", "period"], name="unique_report_per_period"
            ),
        ]
        indexes = [models.Index(fields=["status", "task"])]

    def __str__(self):
        return f"{self.task} · {self.organization} · {self.period}"

    def get_absolute_url(self):
        return object_url("plans:report_detail", self.pk)

    # Transitions only change the state; actions.py checks who may call them, stamps who and
    # when, and saves inside a transaction.
    @transition(
        field=status,
        source=[ReportStatus.DRAFT, ReportStatus.RETURNED],
        target=ReportStatus.SUBMITTED,
    )
    def submit(self):
        pass

    @transition(field=status, source=ReportStatus.SUBMITTED, target=ReportStatus.ACCEPTED)
    def accept(self):
        pass

    @transition(field=status, source=ReportStatus.SUBMITTED, target=ReportStatus.RETURNED)
    def return_for_revision(self):
        pass


class ReportAttachment(models.Model):
    """A file attached to a progress report, stored outside the static root."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("progress report"),
    )
    file = models.FileField(_("file"), upload_to="plans/reports/%Y/")
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    def __str__(self):
        return self.name
