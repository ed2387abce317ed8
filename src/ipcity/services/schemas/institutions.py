"""API shapes for service institutions."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.core.api.params import MAX_ID
from ipcity.orgs.schemas import OrganizationRef

from ..choices import InstitutionKind, ServiceKind
from ..models import Institution


def _max(name: str) -> int:
    return Institution._meta.get_field(name).max_length


class QualificationOut(Schema):
    id: int
    name: str
    number: str
    issued_by: str
    valid_from: date | None
    valid_until: date | None


class InstitutionOut(Schema):
    id: int
    organization: OrganizationRef
    kind: InstitutionKind
    services: list[ServiceKind]
    description: str
    contact_name: str
    phone: str
    email: str
    website: str
    address: str
    opening_hours: str
    accepts_requests: bool
    published: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_services(obj) -> list[str]:
        return [s.kind for s in obj.services.all()]


class InstitutionDetailOut(InstitutionOut):
    qualifications: list[QualificationOut]

    @staticmethod
    def resolve_qualifications(obj) -> list:
        return list(obj.qualifications.all())


class InstitutionIn(Schema):
    organization: int = Field(ge=1, le=MAX_ID, description="Organization id.")
    kind: InstitutionKind
    services: list[ServiceKind] = Field(default_factory=list)
    description: str = Field(default="", max_length=5000)
    contact_name: str = Field(default="", max_length=_max("contact_name"))
    phone: str = Field(default="", max_length=_max("phone"))
    email: str = Field(default="", max_length=254)
    website: str = Field(default="", max_length=_max("website"))
    address: str = Field(default="", max_length=_max("address"))
    opening_hours: str = Field(default="", max_length=_max("opening_hours"))
    accepts_requests: bool = False
    published: bool = True
    is_active: bool = True


class InstitutionPatch(Schema):
    kind: InstitutionKind | None = None
    services: list[ServiceKind] | None = None
    description: str | None = Field(default=None, max_length=5000)
    contact_name: str | None = Field(default=None, max_length=_max("contact_name"))
    phone: str | None = Field(default=None, max_length=_max("phone"))
    email: str | None = Field(default=None, max_length=254)
    website: str | None = Field(default=None, max_length=_max("website"))
    address: str | None = Field(default=None, max_length=_max("address"))
    opening_hours: str | None = Field(default=None, max_length=_max("opening_hours"))
    accepts_requests: bool | None = None
    published: bool | None = None
    is_active: bool | None = None


class InstitutionFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    kind: list[InstitutionKind] | None = None
    service: ServiceKind | None = None
    accepts_requests: bool | None = None
    published: bool | None = None
    region: int | None = Field(default=None, ge=1, le=MAX_ID)


class InstitutionPage(Page[InstitutionOut]):
    pass
