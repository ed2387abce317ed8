"""The review queue's table."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from ..models import Application
from ..review import STAGE_OF

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"


class ReviewQueueTable(tables.Table):
    number = tables.Column(linkify=lambda record: record.get_absolute_url(), empty_values=())
    program = tables.Column(verbose_name=_("Program"))
    applicant = tables.Column(verbose_name=_("Applicant"))
    stage = tables.Column(
        verbose_name=_("Stage"), empty_values=(), orderable=False, accessor="status"
    )
    requested_amount = tables.Column(attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Application
        fields = ("number", "program", "applicant", "stage", "submitted_at", "requested_amount")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("Nothing waits for your review.")

    def render_number(self, value, record):
        return value or f"#{record.pk}"

    def render_stage(self, value, record):
        stage = STAGE_OF.get(record.status)
        return stage.label if stage else record.get_status_display()

    def render_requested_amount(self, value):
        return f"{value:,.2f}"
