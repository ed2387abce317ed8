import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .choices import ReportStatus
from .models import ProgressReport

REPORT_BADGE = {
    ReportStatus.DRAFT: "text-bg-light border",
    ReportStatus.SUBMITTED: "text-bg-primary",
    ReportStatus.ACCEPTED: "text-bg-success",
    ReportStatus.RETURNED: "text-bg-warning",
}


def status_badge(report) -> str:
    return format_html(
        '<span class="badge {}">{}</span>',
        REPORT_BADGE.get(report.status, "text-bg-secondary"),
        report.get_status_display(),
    )


class ProgressReportTable(tables.Table):
    period = tables.Column(linkify=True)
    task = tables.Column(linkify=True, order_by=("task__plan_id", "task__number"))
    organization = tables.Column(order_by=("organization__name",))
    status = tables.Column()
    submitted_at = tables.DateTimeColumn(format="Y-m-d H:i")

    class Meta:
        model = ProgressReport
        fields = ("period", "task", "organization", "status", "submitted_at")
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}
        template_name = "django_tables2/bootstrap5-responsive.html"
        empty_text = _("No progress reports.")

    def render_status(self, value, record):
        return status_badge(record)
