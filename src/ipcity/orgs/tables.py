import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Organization, Region


class OrganizationTable(tables.Table):
    name = tables.Column(linkify=True)
    uscc = tables.Column(verbose_name=_("USCC"))
    region = tables.Column(order_by=("region__code",))
    parent = tables.Column(linkify=True, order_by=("parent__name",))

    class Meta:
        model = Organization
        fields = ("name", "short_name", "kind", "uscc", "region", "industry", "parent")
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}
        template_name = "django_tables2/bootstrap5-responsive.html"
        empty_text = _("No organizations.")

    def render_uscc(self, value, record):
        if record.uscc_warning:
            return format_html(
                '{} <span class="badge text-bg-warning" title="{}">'
                '<i class="bi bi-exclamation-triangle"></i> {}</span>',
                value,
                record.uscc_warning,
                _("check digit"),
            )
        return value


class RegionTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    parent = tables.Column(linkify=True, order_by=("parent__code",))

    class Meta:
        model = Region
        fields = ("code", "name", "kind", "parent")
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}
        template_name = "django_tables2/bootstrap5-responsive.html"
