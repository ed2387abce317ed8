import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from ..models import Institution

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"


class InstitutionTable(tables.Table):
    organization = tables.Column(
        verbose_name=_("Name"),
        linkify=lambda record: record.get_absolute_url(),
        order_by=("organization__name",),
    )
    services = tables.Column(verbose_name=_("Services offered"), empty_values=(), orderable=False)
    region = tables.Column(
        verbose_name=_("Region"), accessor="organization__region__name", default="—"
    )

    class Meta:
        model = Institution
        fields = (
            "organization",
            "kind",
            "services",
            "region",
            "phone",
            "accepts_requests",
            "published",
            "is_active",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No service institutions match.")

    def render_organization(self, value, record):
        return record.organization.name

    def render_services(self, record):
        return "、".join(str(s.get_kind_display()) for s in record.services.all()) or "—"
