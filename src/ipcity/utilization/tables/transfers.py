import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ..models import Transaction

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"
SHOWN_RIGHTS = 3


class TransactionTable(tables.Table):
    year = tables.Column(linkify=True)
    assignor_name = tables.Column(verbose_name=_("Assignor or licensor"))
    assignee_name = tables.Column(verbose_name=_("Assignee or licensee"))
    rights = tables.Column(
        verbose_name=_("Rights"), empty_values=(), orderable=False, accessor="pk"
    )
    flags = tables.Column(verbose_name=_("Source"), empty_values=(), orderable=False)

    class Meta:
        model = Transaction
        fields = (
            "year",
            "kind",
            "assignor_name",
            "assignee_name",
            "rights",
            "amount",
            "registration_date",
            "origin",
            "flags",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No transactions match.")

    def render_assignor_name(self, value, record):
        return value or format_html('<span class="text-body-secondary">{}</span>', _("(unknown)"))

    def render_rights(self, record):
        # Reads the prefetched rights: no query per row.
        numbers = [p.application_number for p in record.patents.all()]
        numbers += [t.registration_number for t in record.trademarks.all()]
        if not numbers:
            return "—"
        shown = ", ".join(numbers[:SHOWN_RIGHTS])
        more = len(numbers) - SHOWN_RIGHTS
        if more > 0:
            return format_html('{} <span class="text-body-secondary">+{}</span>', shown, more)
        return shown

    def render_origin(self, value, record):
        icon = "link-45deg" if getattr(record, "has_events", False) else ""
        if icon:
            return format_html(
                '{} <i class="bi bi-{}" title="{}"></i>', value, icon, _("Linked to a legal event")
            )
        return value

    def render_flags(self, record):
        badges = []
        if record.from_university:
            badges.append(("text-bg-success", _("University → district enterprise")))
        if record.from_outside:
            badges.append(("text-bg-info", _("From outside the district")))
        if not badges:
            return ""
        return format_html_join(
            " ", '<span class="badge {}">{}</span>', ((cls, label) for cls, label in badges)
        )
