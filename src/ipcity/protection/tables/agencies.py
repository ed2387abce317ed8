import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import officers
from ..models import Agency, Officer

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"


def validity_badge(officer, on, until=None) -> str:
    """The certificate's validity on `on` as a badge (valid / expiring / expired / …)."""
    state = officers.validity(officer, on, until)
    return format_html(
        '<span class="badge text-bg-{}" data-validity="{}">{}</span>',
        officers.Validity.COLOURS[state],
        state,
        officers.Validity.LABELS[state],
    )


class AgencyTable(tables.Table):
    organization = tables.Column(linkify=True, order_by=("organization__name",))

    class Meta:
        model = Agency
        fields = ("organization", "kind", "is_joint_member", "case_prefix", "accepts_public_leads")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No agencies match.")

    def render_organization(self, value, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)


class OfficerTable(tables.Table):
    name = tables.Column(linkify=True)
    organization = tables.Column(order_by=("organization__name",))
    valid_until = tables.Column()

    class Meta:
        model = Officer
        fields = (
            "name",
            "certificate_number",
            "organization",
            "issued_on",
            "valid_until",
            "training_hours",
            "status",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No officers match.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = officers.current_date()
        self.until = officers.warning_until(self.on)

    def render_valid_until(self, value, record):
        return format_html("{} {}", value.isoformat(), validity_badge(record, self.on, self.until))
