import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import CriminalTransfer, ThresholdRuleSet

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"


def overdue_badge(record, today=None) -> str:
    from ..transfers import is_overdue

    clock = is_overdue(record, today or timezone.localdate())
    if not clock:
        return ""
    label = _("Decision overdue") if clock == "transfer_decision" else _("Acceptance overdue")
    return format_html(
        ' <span class="badge text-bg-danger" data-overdue="{}">{}</span>', clock, label
    )


class TransferTable(tables.Table):
    case = tables.Column(
        verbose_name=_("Case"), accessor="case__number", order_by=("case__number",), linkify=False
    )
    agency = tables.Column(verbose_name=_("Agency"), accessor="case__agency__name")
    police = tables.Column(verbose_name=_("Police unit"), accessor="police__name")
    status = tables.Column(verbose_name=_("Status"))
    proposed_at = tables.DateColumn(format="Y-m-d")
    decision_due = tables.DateColumn(format="Y-m-d")
    acceptance_due = tables.DateColumn(format="Y-m-d")
    outcome = tables.Column()

    class Meta:
        model = CriminalTransfer
        fields = (
            "case",
            "agency",
            "police",
            "status",
            "proposed_at",
            "decision_due",
            "acceptance_due",
            "outcome",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No transfers match.")
        row_attrs = {"data-transfer": lambda record: record.pk}

    def render_case(self, value, record):
        return format_html(
            '<a href="{}">{}</a><div class="small text-body-secondary">{}</div>',
            record.get_absolute_url(),
            value,
            record.case.title,
        )

    def render_status(self, value, record):
        return format_html("{}{}", value, overdue_badge(record))


class RuleSetTable(tables.Table):
    name = tables.Column(linkify=True)
    rules = tables.Column(verbose_name=_("Rules"), accessor="rule_count", orderable=False)

    class Meta:
        model = ThresholdRuleSet
        fields = ("code", "name", "valid_from", "valid_to", "lookback_years", "rules")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No rule sets.")
