import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .. import certificates
from ..choices import CertificateStatus
from ..models import Certificate

ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}
TEMPLATE = "django_tables2/bootstrap5-responsive.html"

STATUS_COLOURS = {
    CertificateStatus.VALID: "success",
    CertificateStatus.SUSPENDED: "warning",
    CertificateStatus.WITHDRAWN: "danger",
    CertificateStatus.EXPIRED: "secondary",
}


def status_badge(certificate, on, eds=None) -> str:
    """The status as it stands on `on`: a certificate still marked valid is shown expired once
    its expiry has passed, and transition-overdue (not valid) once its edition's transition has
    ended without a conversion."""
    label, colour = certificate.get_status_display(), STATUS_COLOURS.get(certificate.status)
    key = certificate.status
    if certificate.status == CertificateStatus.VALID and certificate.expiry_date < on:
        label, colour, key = _("Expired (date passed)"), "secondary", "expired-date"
    elif certificates.is_transition_overdue(
        certificate, on, certificates.editions() if eds is None else eds
    ):
        label, colour, key = _("Transition overdue (not valid)"), "warning", "transition-overdue"
    return format_html(
        '<span class="badge text-bg-{}" data-status="{}">{}</span>',
        colour or "secondary",
        key,
        label,
    )


def flags(certificate, on, eds) -> str:
    """The overdue and converted badges shown next to the edition."""
    badges = []
    if certificates.is_transition_overdue(certificate, on, eds):
        badges.append(
            (
                "danger",
                _("Transition overdue"),
                _("Not converted to the 2023 edition before the transition ended"),
                "transition-overdue",
            )
        )
    if certificate.converted_on:
        badges.append(
            (
                "info",
                _("Converted"),
                _("Converted on %(date)s") % {"date": certificate.converted_on.isoformat()},
                "converted",
            )
        )
    return format_html_join(
        " ",
        '<span class="badge text-bg-{}" title="{}" data-flag="{}">{}</span>',
        ((colour, title, key, label) for colour, label, title, key in badges),
    )


class CertificateTable(tables.Table):
    number = tables.Column(linkify=True)
    organization = tables.Column(order_by=("organization__name",))
    standard_version = tables.Column(verbose_name=_("Edition"))
    next_audit = tables.Column(
        verbose_name=_("Next surveillance audit"), accessor="next_audit", orderable=True
    )

    class Meta:
        model = Certificate
        fields = (
            "number",
            "organization",
            "standard_version",
            "body_name",
            "issue_date",
            "expiry_date",
            "next_audit",
            "status",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No certificates match.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = certificates.current_date()
        self._editions = None

    @property
    def editions(self):
        if self._editions is None:
            self._editions = certificates.editions()
        return self._editions

    def render_standard_version(self, value, record):
        badges = flags(record, self.on, self.editions)
        label = f"GB/T 29490-{record.standard_version}"
        return format_html("{} {}", label, badges) if badges else label

    def render_next_audit(self, value, record):
        if value < self.on:
            return format_html(
                '{} <span class="badge text-bg-warning">{}</span>', value.isoformat(), _("Overdue")
            )
        return value.isoformat()

    def render_status(self, value, record):
        return status_badge(record, self.on, self.editions)
