"""Finance list tables. Rows come from querysets with their parties selected and their rights
prefetched (views/finance.py), so a page costs the same few queries however many rows it has."""

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from ..models import FinancialProduct, Guarantee, InsurancePolicy, Pledge, RiskAlert, Valuation

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"

BADGES = {
    "registered": "success",
    "changed": "info",
    "released": "secondary",
    "cancelled": "dark",
    "open": "danger",
    "acknowledged": "warning",
    "resolved": "success",
}


def badge(label, code):
    return format_html(
        '<span class="badge text-bg-{}">{}</span>', BADGES.get(code, "secondary"), label
    )


def inclusive_badge():
    return format_html(
        '<span class="badge text-bg-light border" title="{}">{}</span>',
        _("Inclusive lending: at most 10 million yuan"),
        _("Inclusive"),
    )


def rights_cell(record, limit=3):
    """The pledged rights' numbers from the prefetched lists: no query per row."""
    numbers = [p.application_number for p in record.patents.all()]
    numbers += (
        [t.registration_number for t in record.trademarks.all()]
        if hasattr(record, "trademarks")
        else []
    )
    if not numbers:
        return "—"
    # The separator is markup of our own; the numbers are escaped by format_html_join.
    shown = format_html_join(mark_safe("<br>"), "{}", ((n,) for n in numbers[:limit]))
    if len(numbers) > limit:
        return format_html(
            '{}<br><span class="text-body-secondary small">{}</span>',
            shown,
            _("and %(n)d more") % {"n": len(numbers) - limit},
        )
    return shown


class FinancialProductTable(tables.Table):
    name = tables.Column(linkify=True)
    institution = tables.Column(order_by=("institution__name",))

    class Meta:
        model = FinancialProduct
        fields = ("name", "institution", "kind", "max_amount", "term_months", "rate", "is_active")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No products match.")


class ValuationTable(tables.Table):
    date = tables.Column(linkify=True)
    owner = tables.Column(order_by=("owner__name",))
    appraiser = tables.Column(
        empty_values=(), order_by=("appraiser__name", "appraiser_name"), verbose_name=_("Appraiser")
    )
    rights = tables.Column(
        verbose_name=_("Rights"), empty_values=(), orderable=False, accessor="pk"
    )

    class Meta:
        model = Valuation
        fields = ("date", "owner", "rights", "method", "value", "appraiser", "report_number")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No valuations match.")

    def render_appraiser(self, record):
        return record.appraiser.name if record.appraiser else (record.appraiser_name or "—")

    def render_rights(self, record):
        return rights_cell(record)


class PledgeTable(tables.Table):
    registration_number = tables.Column(
        linkify=True, empty_values=(), verbose_name=_("Registration number")
    )
    pledgor = tables.Column(order_by=("pledgor__name",))
    pledgee = tables.Column(order_by=("pledgee__name",))
    rights = tables.Column(
        verbose_name=_("Rights"), empty_values=(), orderable=False, accessor="pk"
    )
    amount = tables.Column()

    class Meta:
        model = Pledge
        fields = (
            "registration_number",
            "registration_date",
            "pledgor",
            "pledgee",
            "rights",
            "amount",
            "term_end",
            "status",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No pledges match.")

    def render_registration_number(self, value, record):
        return value or _("(not numbered) #%(pk)s") % {"pk": record.pk}

    def render_rights(self, record):
        return rights_cell(record)

    def render_amount(self, value, record):
        if record.is_inclusive:
            return format_html("{} {}", value, inclusive_badge())
        return value

    def render_status(self, value, record):
        return badge(value, record.status)


class InsurancePolicyTable(tables.Table):
    policy_number = tables.Column(linkify=True)
    insured = tables.Column(order_by=("insured__name",))
    insurer = tables.Column(order_by=("insurer__name",))

    class Meta:
        model = InsurancePolicy
        fields = (
            "policy_number",
            "insured",
            "insurer",
            "kind",
            "insured_amount",
            "premium",
            "start_date",
            "end_date",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No insurance policies match.")


class GuaranteeTable(tables.Table):
    start_date = tables.Column(linkify=True)
    guarantor = tables.Column(order_by=("guarantor__name",))
    borrower = tables.Column(order_by=("borrower__name",))
    lender = tables.Column(order_by=("lender__name",))

    class Meta:
        model = Guarantee
        fields = (
            "start_date",
            "contract_number",
            "guarantor",
            "borrower",
            "lender",
            "amount",
            "fee_rate",
            "end_date",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No guarantees match.")


class RiskAlertTable(tables.Table):
    detected_on = tables.Column(linkify=True)
    pledge = tables.Column(
        order_by=("pledge__registration_number",),
        linkify=lambda record: record.pledge.get_absolute_url(),
    )
    right = tables.Column(verbose_name=_("Right"), empty_values=(), orderable=False, accessor="pk")
    pledgor = tables.Column(
        verbose_name=_("Pledgor"),
        accessor="pledge__pledgor__name",
        order_by=("pledge__pledgor__name",),
    )
    pledgee = tables.Column(
        verbose_name=_("Pledgee"),
        accessor="pledge__pledgee__name",
        order_by=("pledge__pledgee__name",),
    )

    class Meta:
        model = RiskAlert
        fields = (
            "detected_on",
            "kind",
            "right",
            "pledge",
            "pledgor",
            "pledgee",
            "event_date",
            "status",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No risk alerts match.")

    def render_right(self, record):
        if record.patent_id:
            return record.patent.application_number
        if record.trademark_id:
            return record.trademark.registration_number
        return "—"

    def render_status(self, value, record):
        return badge(value, record.status)
