"""What the institution directory exports: the filtered entries the user may see."""

from ipcity.core.exports import ExportSpec

from ..filters.institutions import InstitutionFilterSet
from ..models import Institution

INSTITUTION_EXPORT = ExportSpec(
    model=Institution,
    path="ipcity.services.exports.institutions.INSTITUTION_EXPORT",
    filterset_class=InstitutionFilterSet,
    select_related=("organization", "organization__region"),
    fields=[
        "organization.name",
        "organization.uscc",
        "kind",
        "organization.region.name",
        "contact_name",
        "phone",
        "email",
        "website",
        "address",
        "opening_hours",
        "accepts_requests",
        "published",
        "is_active",
        "description",
    ],
    filename="service-institutions",
)
