"""What the request list exports: the filtered requests the user may see."""

from ipcity.core.exports import ExportSpec

from ..filters.requests import ServiceRequestFilterSet
from ..models import ServiceRequest

REQUEST_EXPORT = ExportSpec(
    model=ServiceRequest,
    path="ipcity.services.exports.requests.REQUEST_EXPORT",
    filterset_class=ServiceRequestFilterSet,
    select_related=("service_point__organization", "requester", "lead"),
    fields=[
        "tracking_code",
        "submitted_on",
        "kind",
        "status",
        "subject",
        "requester_name",
        "requester.uscc",
        "contact_name",
        "contact_phone",
        "contact_email",
        "right_numbers",
        "service_point.organization.name",
        "assigned_on",
        "response_due",
        "answered_on",
        "rating",
        "rating_comment",
        "lead.tracking_code",
    ],
    headers={
        "service_point.organization.name": ServiceRequest._meta.get_field(
            "service_point"
        ).verbose_name,
        "lead.tracking_code": ServiceRequest._meta.get_field("lead").verbose_name,
    },
    filename="service-requests",
)
