"""The staff list of notices: title, kind, publisher, publication date and state."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .. import notices
from ..models import Notice

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"

STATE_BADGES = {
    "draft": ("text-bg-secondary", _("Draft")),
    "scheduled": ("text-bg-warning", _("Scheduled")),
    "published": ("text-bg-success", pgettext_lazy("notice state", "Published")),
}


def state_badge(notice) -> str:
    css, label = STATE_BADGES[notices.state(notice)]
    return format_html(
        '<span class="badge {}" data-state="{}">{}</span>', css, notices.state(notice), label
    )


class NoticeTable(tables.Table):
    title = tables.Column(linkify=True)
    publisher = tables.Column(accessor="publisher__name", verbose_name=_("Publisher"))
    state = tables.Column(
        verbose_name=pgettext_lazy("notice", "State"),
        empty_values=(),
        orderable=False,
        accessor="pk",
    )

    class Meta:
        model = Notice
        fields = ("title", "kind", "document_number", "publisher", "published_on", "pinned")
        sequence = ("title", "kind", "document_number", "publisher", "published_on", "state")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No notices match.")

    def render_state(self, record):
        return state_badge(record)
