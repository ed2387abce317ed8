import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from ..models import Program

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"


class ProgramTable(tables.Table):
    name = tables.Column(linkify=True)

    class Meta:
        model = Program
        fields = ("code", "name", "year", "organizer", "call_opens", "call_closes", "status")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No programmes match.")
