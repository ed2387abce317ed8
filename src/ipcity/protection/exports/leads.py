"""What the lead list exports: the filtered leads the user may see, with their decision."""

from ipcity.core.exports import ExportSpec

from ..filters.leads import LeadFilterSet
from ..models import Lead

LEAD_EXPORT = ExportSpec(
    model=Lead,
    path="ipcity.protection.exports.leads.LEAD_EXPORT",
    filterset_class=LeadFilterSet,
    select_related=("agency", "referred_by"),
    fields=[
        "tracking_code",
        "received_on",
        "source",
        "status",
        "agency.name",
        "referred_by.name",
        "source_reference",
        "complainant_name",
        "complainant_phone",
        "complainant_email",
        "respondent_name",
        "respondent_uscc",
        "respondent_address",
        "right_type",
        "right_numbers",
        "description",
        "decision_due",
        "decided_at",
        "decision_reason",
        "public_reply",
    ],
    headers={
        "agency.name": Lead._meta.get_field("agency").verbose_name,
        "referred_by.name": Lead._meta.get_field("referred_by").verbose_name,
    },
)
