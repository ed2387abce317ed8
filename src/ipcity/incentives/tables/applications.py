import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .. import rules
from ..models import Application

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"


class ApplicationTable(tables.Table):
    number = tables.Column(
        linkify=True, verbose_name=_("Application"), empty_values=(), order_by=("number", "pk")
    )
    requested_amount = tables.Column(attrs={"td": {"class": "text-end"}})
    approved_amount = tables.Column(attrs={"td": {"class": "text-end"}}, default="—")
    paid_amount = tables.Column(attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Application
        fields = (
            "number",
            "program",
            "applicant",
            "status",
            "submitted_at",
            "requested_amount",
            "approved_amount",
            "paid_amount",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No applications match.")

    def render_number(self, value, record):
        return value or _("Draft (no number yet)")

    def render_requested_amount(self, value):
        return rules.yuan_display(value)

    def render_approved_amount(self, value):
        return rules.yuan_display(value)

    def render_paid_amount(self, value):
        return rules.yuan_display(value)
