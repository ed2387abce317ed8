import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from ..models import PublicNotice
from .review import ATTRS, TEMPLATE


class NoticeTable(tables.Table):
    title = tables.Column(linkify=True)
    program = tables.Column(verbose_name=_("Program"))

    class Meta:
        model = PublicNotice
        fields = ("title", "number", "program", "status", "starts_on", "ends_on")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No public notices.")
