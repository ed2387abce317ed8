import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..leads import DaysLeft, deadline_state
from ..models import Lead

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"


def deadline_badge(lead, days_left) -> str:
    state = deadline_state(lead, days_left)
    if state is None:
        return ""
    kind, left = state
    if kind == "overdue":
        text = ngettext("overdue by %(n)d working day", "overdue by %(n)d working days", -left) % {
            "n": -left
        }
        return format_html(
            '<span class="badge text-bg-danger" data-deadline="overdue">{}</span>', text
        )
    text = ngettext("%(n)d working day left", "%(n)d working days left", left) % {"n": left}
    css = "text-bg-warning" if kind == "due_soon" else "text-bg-light border"
    return format_html('<span class="badge {}" data-deadline="{}">{}</span>', css, kind, text)


class LeadTable(tables.Table):
    tracking_code = tables.Column(linkify=True)
    agency = tables.Column(verbose_name=_("Handling agency"), default="—")
    decision_due = tables.Column()
    deadline = tables.Column(
        verbose_name=_("Deadline"), empty_values=(), orderable=False, accessor="pk"
    )

    class Meta:
        model = Lead
        fields = (
            "tracking_code",
            "received_on",
            "source",
            "status",
            "agency",
            "right_type",
            "complainant_name",
            "respondent_name",
            "decision_due",
            "deadline",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No leads match.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.days_left = DaysLeft()

    def render_agency(self, value, record):
        return record.agency.name if record.agency else "—"

    def render_deadline(self, record):
        return deadline_badge(record, self.days_left)
