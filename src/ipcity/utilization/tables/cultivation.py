import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..choices import Comparison
from ..models import (
    CultivationCriterion,
    Designation,
    EnterpriseFacts,
    PoolEntry,
    SupportRecord,
)

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"
STAGE_COLOURS = {
    "candidate": "secondary",
    "cultivated": "info",
    "designated": "success",
    "withdrawn": "light",
}


def stage_badge(value, code):
    return format_html(
        '<span class="badge text-bg-{}">{}</span>', STAGE_COLOURS.get(code, "secondary"), value
    )


def met_badge(met, total, meets_all):
    colour = "success" if meets_all else ("warning" if met else "secondary")
    return format_html('<span class="badge text-bg-{}">{}/{}</span>', colour, met, total)


class DesignationTable(tables.Table):
    organization = tables.Column(linkify=True, order_by=("organization__name",))
    kind = tables.Column(linkify=lambda record: record.get_absolute_url())
    street = tables.Column(
        verbose_name=_("Street or town"),
        accessor="organization__region__name",
        order_by=("organization__region__name",),
        default="—",
    )

    class Meta:
        model = Designation
        fields = (
            "organization",
            "kind",
            "level",
            "year",
            "valid_from",
            "valid_until",
            "certificate_number",
            "street",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No designations match.")


class CultivationCriterionTable(tables.Table):
    name = tables.Column(linkify=True)
    rule = tables.Column(verbose_name=_("Rule"), empty_values=(), orderable=False)

    class Meta:
        model = CultivationCriterion
        fields = (
            "target_kind",
            "target_level",
            "order",
            "name",
            "metric",
            "rule",
            "is_required",
            "is_active",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No criteria match.")

    def render_rule(self, record):
        if record.comparison == Comparison.TRUE:
            return record.get_comparison_display()
        threshold = "?" if record.threshold is None else record.threshold
        return f"{record.get_comparison_display()} {threshold}"

    def render_target_level(self, value):
        return value or "—"


class EnterpriseFactsTable(tables.Table):
    organization = tables.Column(linkify=True, order_by=("organization__name",))
    year = tables.Column(linkify=lambda record: record.get_absolute_url())

    class Meta:
        model = EnterpriseFacts
        fields = (
            "organization",
            "year",
            "employees",
            "rd_staff",
            "revenue",
            "rd_expense",
            "source",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No enterprise facts recorded.")


class PoolEntryTable(tables.Table):
    organization = tables.Column(
        linkify=lambda record: record.get_absolute_url(), order_by=("organization__name",)
    )
    criteria_met = tables.Column(verbose_name=_("Criteria met"), order_by=("-criteria_met",))

    class Meta:
        model = PoolEntry
        fields = (
            "organization",
            "target_kind",
            "target_level",
            "stage",
            "year",
            "criteria_met",
            "evaluated_at",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No pool entries match.")

    def render_stage(self, value, record):
        return stage_badge(value, record.stage)

    def render_criteria_met(self, record):
        return met_badge(record.criteria_met, record.criteria_total, record.meets_all)

    def render_target_level(self, value):
        return value or "—"


class SupportRecordTable(tables.Table):
    date = tables.Column(linkify=lambda record: record.get_absolute_url())
    title = tables.Column(linkify=lambda record: record.get_absolute_url())
    organization = tables.Column(linkify=True, order_by=("organization__name",))
    provider = tables.Column(order_by=("provider__name",))

    class Meta:
        model = SupportRecord
        fields = ("date", "organization", "kind", "title", "amount", "provider")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No support recorded.")
