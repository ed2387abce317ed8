import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Population


class PopulationTable(tables.Table):
    region = tables.Column(order_by=("region__code",))
    year = tables.Column(linkify=True)
    resident_population = tables.Column(attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Population
        fields = ("region", "year", "resident_population", "kind", "source")
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}
        template_name = "django_tables2/bootstrap5-responsive.html"
        empty_text = _("No population figures yet.")

    def render_resident_population(self, value):
        return f"{value:,}"
