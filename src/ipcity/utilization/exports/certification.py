"""What the certificate list exports: the columns of the import, plus the enterprise's street."""

from django.utils.translation import gettext_lazy as _

from ipcity.core.exports import ExportSpec

from ..filters.certification import CertificateFilterSet
from ..models import Certificate

CERTIFICATE_EXPORT = ExportSpec(
    model=Certificate,
    path="ipcity.utilization.exports.certification.CERTIFICATE_EXPORT",
    filterset_class=CertificateFilterSet,
    select_related=("organization", "organization__region"),
    fields=[
        "organization.name",
        "organization.uscc",
        "organization.region.name",
        "standard_version",
        "number",
        "body_name",
        "issue_date",
        "expiry_date",
        "status",
        "status_date",
        "converted_on",
        "scope_text",
    ],
    headers={
        "organization.name": _("Enterprise"),
        "organization.uscc": _("Unified social credit code"),
        "organization.region.name": _("Street or town"),
    },
    filename="gbt29490-certificates",
)
