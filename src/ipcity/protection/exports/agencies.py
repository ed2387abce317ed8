"""What the agency and officer lists export. The officer export is headed with the import's own
labels, so an exported file re-imports as it is (updating the officers)."""

from django.utils.translation import gettext_lazy as _

from ipcity.core.exports import ExportSpec

from ..filters.agencies import AgencyFilterSet, OfficerFilterSet
from ..imports.agencies import OfficerImportFormat
from ..models import Agency, Officer

# Export column → the import column it fills.
IMPORT_COLUMNS = {
    "name": "name",
    "organization.name": "agency",
    "certificate_number": "number",
    "issued_on": "issued_on",
    "valid_until": "valid_until",
    "training_hours": "hours",
    "status": "status",
}


def _import_headers() -> dict[str, str]:
    labels = {c.key: c.label for c in OfficerImportFormat.columns}
    return {path: labels[key] for path, key in IMPORT_COLUMNS.items()}


OFFICER_EXPORT = ExportSpec(
    model=Officer,
    path="ipcity.protection.exports.agencies.OFFICER_EXPORT",
    filterset_class=OfficerFilterSet,
    select_related=("organization",),
    fields=[
        "name",
        "organization.name",
        "certificate_number",
        "issued_on",
        "valid_until",
        "training_hours",
        "status",
        "organization.uscc",
    ],
    headers={**_import_headers(), "organization.uscc": _("Agency USCC")},
    filename="enforcement-officers",
)

AGENCY_EXPORT = ExportSpec(
    model=Agency,
    path="ipcity.protection.exports.agencies.AGENCY_EXPORT",
    filterset_class=AgencyFilterSet,
    select_related=("organization",),
    fields=[
        "organization.name",
        "organization.uscc",
        "kind",
        "is_joint_member",
        "case_prefix",
        "accepts_public_leads",
    ],
    filename="enforcement-agencies",
)
