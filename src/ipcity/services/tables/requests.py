import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import ServiceRequest
from ..requests import is_overdue

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"


def overdue_badge(request, today=None) -> str:
    if not is_overdue(request, today):
        return ""
    return format_html(
        '<span class="badge text-bg-danger" data-deadline="overdue">{}</span>',
        pgettext_lazy("service request deadline", "Overdue"),
    )


class ServiceRequestTable(tables.Table):
    tracking_code = tables.Column(linkify=True)
    service_point = tables.Column(verbose_name=_("Service point"), default="—")
    response_due = tables.Column()
    deadline = tables.Column(
        verbose_name=_("Deadline"), empty_values=(), orderable=False, accessor="pk"
    )

    class Meta:
        model = ServiceRequest
        fields = (
            "tracking_code",
            "submitted_on",
            "kind",
            "subject",
            "requester_name",
            "status",
            "service_point",
            "response_due",
            "deadline",
            "rating",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No service requests match.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()

    def render_service_point(self, value, record):
        return record.service_point.organization.name if record.service_point else "—"

    def render_deadline(self, record):
        return overdue_badge(record, self.today)
