import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import (
    Copyright,
    GeographicalIndication,
    Patent,
    PlantVarietyRight,
    SoftwareLegalizationCheck,
    Trademark,
)
from .models.patents import holders_of

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"

STATUS_COLOURS = {
    "valid": "success",
    "registered": "success",
    "granted": "success",
    "pending": "info",
    "filed": "info",
    "reserve": "secondary",
    "candidate": "light",
}


def status_badge(value, code):
    return format_html(
        '<span class="badge text-bg-{}">{}</span>', STATUS_COLOURS.get(code, "secondary"), value
    )


class PatentTable(tables.Table):
    application_number = tables.Column(linkify=True, verbose_name=_("Application number"))
    title = tables.Column(linkify=True)
    first_holder = tables.Column(
        verbose_name=_("First holder"), empty_values=(), orderable=False, accessor="pk"
    )
    region = tables.Column(order_by=("region__name",))
    is_high_value = tables.Column(verbose_name=_("High-value"))

    class Meta:
        model = Patent
        fields = (
            "application_number",
            "title",
            "patent_type",
            "legal_status",
            "filing_date",
            "first_holder",
            "region",
            "is_high_value",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No patents match.")

    def render_application_number(self, value, record):
        if not record.number_check_ok:
            return format_html(
                '{} <span class="badge text-bg-warning" title="{}">'
                '<i class="bi bi-exclamation-triangle"></i></span>',
                value,
                _("The check character does not match"),
            )
        return value

    def render_legal_status(self, value, record):
        return status_badge(value, record.legal_status)

    def render_first_holder(self, record):
        # Reads the prefetched links: no query per row.
        links = holders_of(record)
        if not links:
            return record.holder_names.split(";")[0] if record.holder_names else "—"
        return links[0].organization.name

    def render_is_high_value(self, value):
        if value:
            return format_html(
                '<span class="badge text-bg-warning"><i class="bi bi-star-fill"></i> {}</span>',
                _("High-value"),
            )
        return ""


class TrademarkTable(tables.Table):
    registration_number = tables.Column(linkify=True)
    mark = tables.Column(linkify=True)
    holder = tables.Column(order_by=("holder__name",))
    flags = tables.Column(verbose_name=_("Marks"), empty_values=(), orderable=False)

    class Meta:
        model = Trademark
        fields = (
            "registration_number",
            "mark",
            "nice_classes",
            "holder",
            "status",
            "registration_date",
            "expiry_date",
            "flags",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No trademarks match.")

    def render_status(self, value, record):
        return status_badge(value, record.status)

    def render_flags(self, record):
        badges = []
        if record.is_well_known:
            badges.append(
                format_html('<span class="badge text-bg-primary">{}</span>', _("Well-known"))
            )
        if record.is_madrid:
            badges.append(format_html('<span class="badge text-bg-info">{}</span>', _("Madrid")))
        return format_html(" ".join(["{}"] * len(badges)), *badges) if badges else ""


class GeographicalIndicationTable(tables.Table):
    name = tables.Column(linkify=True)
    applicant = tables.Column(order_by=("applicant__name",))

    class Meta:
        model = GeographicalIndication
        fields = ("name", "kind", "product", "area", "applicant", "stage", "registered_date")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No geographical indications match.")

    def render_stage(self, value, record):
        return status_badge(value, record.stage)


class PlantVarietyRightTable(tables.Table):
    right_number = tables.Column(linkify=True)
    variety = tables.Column(linkify=True)
    holder = tables.Column(order_by=("holder__name",))

    class Meta:
        model = PlantVarietyRight
        fields = ("right_number", "variety", "species", "holder", "status", "grant_date")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No plant variety rights match.")

    def render_status(self, value, record):
        return status_badge(value, record.status)


class CopyrightTable(tables.Table):
    registration_number = tables.Column(linkify=True)
    title = tables.Column(linkify=True)
    holder = tables.Column(order_by=("holder__name",))

    class Meta:
        model = Copyright
        fields = ("registration_number", "title", "kind", "category", "holder", "registration_date")
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No copyrights match.")


class SoftwareLegalizationCheckTable(tables.Table):
    check_date = tables.Column(linkify=True)
    organization = tables.Column(order_by=("organization__name",))
    unlicensed = tables.Column(
        verbose_name=_("Unlicensed"), empty_values=(), orderable=False, accessor="pk"
    )

    class Meta:
        model = SoftwareLegalizationCheck
        fields = (
            "check_date",
            "organization",
            "checked_by",
            "installed_count",
            "licensed_count",
            "unlicensed",
            "rectified_on",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No checks recorded.")

    def render_unlicensed(self, record):
        count = record.unlicensed_count
        if count:
            return format_html('<span class="badge text-bg-danger">{}</span>', count)
        return "0"
