"""The case list. A row the user sees only in summary (`is_full` false) shows the summary columns
and a dash with a "summary" badge in the others."""

import functools

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .. import clocks
from ..cases import DUE_SOON_DAYS, PENDING_DECISION
from ..models import Case

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"
SHOWN_NAMES = 2


@functools.cache
def _masked(language):
    return format_html(
        '<span class="text-body-secondary">—</span> '
        '<span class="badge text-bg-light border" data-testid="summary-badge">{}</span>',
        _("summary"),
    )


def masked():
    """What a summary row shows for a field it does not show (made once per language)."""
    return _masked(get_language())


def due_badge(case, today=None):
    """(css class, text) of the decision clock of a case awaiting its decision, else None."""
    if case.status not in PENDING_DECISION or case.decision_due is None:
        return None
    today = today or timezone.localdate()
    left = clocks.remaining("penalty_decision", case.decision_due, today)
    if left < 0:
        return "text-bg-danger", _("overdue by %(days)d days") % {"days": -left}
    if left <= DUE_SOON_DAYS:
        return "text-bg-warning", _("%(days)d days left") % {"days": left}
    return None


class CaseTable(tables.Table):
    number = tables.Column(linkify=True, verbose_name=_("Case number"))
    agency = tables.Column(accessor="agency__name", verbose_name=_("Handling agency"))
    decision_due = tables.Column(verbose_name=_("Decision due"))
    flags = tables.Column(verbose_name=_("Flags"), empty_values=(), orderable=False)
    respondents = tables.Column(
        verbose_name=_("Respondents"), empty_values=(), orderable=False, accessor="pk"
    )
    handlers = tables.Column(
        verbose_name=_("Handlers"), empty_values=(), orderable=False, accessor="pk"
    )
    business_amount = tables.Column(verbose_name=_("Business amount (yuan)"), empty_values=())

    class Meta:
        model = Case
        fields = (
            "number",
            "title",
            "agency",
            "right_type",
            "status",
            "opened_on",
            "decision_due",
            "decided_on",
            "fine",
            "flags",
            "respondents",
            "handlers",
            "business_amount",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No cases match.")
        row_attrs = {"data-full": lambda record: "1" if record.is_full else "0"}

    def render_number(self, value, record):
        if record.is_full:
            return value
        return format_html("{} {}", value, masked())

    def render_decision_due(self, value, record):
        badge = due_badge(record)
        if badge is None:
            return value.isoformat() if value else "—"
        return format_html(
            '{} <span class="badge {}" data-testid="due-badge">{}</span>',
            value.isoformat(),
            badge[0],
            badge[1],
        )

    def render_flags(self, record):
        badges = []
        if record.is_repeat:
            badges.append(("text-bg-danger", _("Repeat")))
        if record.is_malicious:
            badges.append(("text-bg-danger", _("Malicious")))
        if record.is_group:
            badges.append(("text-bg-warning", _("Group")))
        if record.is_transferred:
            badges.append(("text-bg-dark", _("Transferred")))
        if record.is_supervised:
            badges.append(("text-bg-info", _("Supervised")))
        if not badges:
            return ""
        return format_html_join(" ", '<span class="badge {}">{}</span>', badges)

    def render_respondents(self, record):
        if not record.is_full:
            return masked()
        # `listed_respondents` is prefetched for the rows seen in full only.
        names = [p.name for p in getattr(record, "listed_respondents", [])]
        if not names:
            return "—"
        shown = "、".join(names[:SHOWN_NAMES])
        more = len(names) - SHOWN_NAMES
        return format_html("{} +{}", shown, more) if more > 0 else shown

    def render_handlers(self, record):
        if not record.is_full:
            return masked()
        names = [h.officer.name for h in getattr(record, "listed_handlers", [])]
        return "、".join(names) or "—"

    def render_business_amount(self, value, record):
        if not record.is_full:
            return masked()
        return "—" if value is None else f"{value:,.2f}"

    def render_fine(self, value, record):
        return f"{value:,.2f}"


# What the list's table reads of a case, and no more (not the case's other thirty columns nor
# the agency's: about a millisecond of the page's 25 rows): the case's own fields among its
# columns, the agency's name and the flags.
FLAGS = ("is_repeat", "is_malicious", "is_group", "is_transferred", "is_supervised")
LIST_COLUMNS = (
    *(
        name
        for name in CaseTable._meta.fields
        if name != "agency" and name in {f.name for f in Case._meta.concrete_fields}
    ),
    "agency__name",
    *FLAGS,
)
