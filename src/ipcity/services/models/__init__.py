"""The service mechanism's records (plan tasks 14-17), one module per area."""

from .institutions import Institution, InstitutionService, Qualification
from .notices import Notice
from .outreach import Attendance, Course, Event, Talent
from .requests import RequestAttachment, RequestEvent, ServiceRequest

__all__ = [
    "Attendance",
    "Course",
    "Event",
    "Institution",
    "InstitutionService",
    "Notice",
    "Qualification",
    "RequestAttachment",
    "RequestEvent",
    "ServiceRequest",
    "Talent",
]
