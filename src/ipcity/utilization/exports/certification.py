"""What the certificate list exports: the columns of the import, headed with the import's own
labels (so an export re-imports as it is, updating the certificates), plus the enterprise's
street and the status details the import does not read."""

from django.utils.translation import gettext_lazy as _

from ipcity.core.exports import ExportSpec

from ..filters.certification import CertificateFilterSet
from ..imports.certification import CertificateImportFormat
from ..models import Certificate

# Export column → the import column it fills.
IMPORT_COLUMNS = {
    "organization.name": "org_name",
    "organization.uscc": "uscc",
    "standard_version": "version",
    "number": "number",
    "body_name": "body_name",
    "issue_date": "issue_date",
    "expiry_date": "expiry_date",
    "status": "status",
}


def import_headers(import_format, columns: dict[str, str]) -> dict[str, str]:
    """The import's column labels (file data, not translated) for the export columns."""
    labels = {c.key: c.label for c in import_format.columns}
    return {path: labels[key] for path, key in columns.items()}


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
        **import_headers(CertificateImportFormat, IMPORT_COLUMNS),
        "organization.region.name": _("Street or town"),
    },
    filename="gbt29490-certificates",
)
