"""API shapes for organizations and regions."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.core.api.params import MAX_ID

from .choices import OrganizationKind, RegionKind

# Ids arrive in URLs and filters; beyond a 64-bit key nothing can match, so say so up front.


class RegionRef(Schema):
    id: int
    code: str
    name: str


class OrganizationRef(Schema):
    id: int
    name: str


class RegionOut(Schema):
    id: int
    code: str
    name: str
    kind: RegionKind
    parent: RegionRef | None
    source: str
    created_at: datetime
    updated_at: datetime


class RegionIn(Schema):
    code: str = Field(max_length=12, description="GB/T 2260 (6 digits) or statistical code.")
    name: str = Field(max_length=100)
    kind: RegionKind
    parent: int | None = Field(default=None, ge=1, le=MAX_ID, description="Parent region id.")
    source: str = Field(default="", max_length=200)


class RegionPatch(Schema):
    code: str | None = Field(default=None, max_length=12)
    name: str | None = Field(default=None, max_length=100)
    kind: RegionKind | None = None
    parent: int | None = Field(default=None, ge=1, le=MAX_ID)
    source: str | None = Field(default=None, max_length=200)


class RegionFilters(PageParams):
    q: str | None = Field(default=None, max_length=100, description="Name or code prefix.")
    kind: list[RegionKind] | None = None
    parent: int | None = Field(default=None, ge=1, le=MAX_ID)


class RegionPage(Page[RegionOut]):
    pass


class OrganizationOut(Schema):
    id: int
    kind: OrganizationKind
    name: str
    short_name: str
    uscc: str
    uscc_warning: str = Field(
        description="Set when the USCC fails the GB 32100 check digit; the code is still kept."
    )
    region: RegionRef | None
    address: str
    industry: str
    parent: OrganizationRef | None
    phone: str
    email: str
    website: str
    notes: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class OrganizationIn(Schema):
    kind: OrganizationKind
    name: str = Field(max_length=200)
    short_name: str = Field(default="", max_length=100)
    uscc: str = Field(default="", max_length=40, description="Unified social credit code.")
    region: int | None = Field(default=None, ge=1, le=MAX_ID, description="Region id.")
    address: str = Field(default="", max_length=300)
    industry: str = Field(default="", max_length=5, description="GB/T 4754 code.")
    parent: int | None = Field(default=None, ge=1, le=MAX_ID, description="Parent unit id.")
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)
    website: str = Field(default="", max_length=200)
    notes: str = Field(default="", max_length=5000)
    is_active: bool = True


class OrganizationPatch(Schema):
    """Only the fields sent are changed; send null for region or parent to clear them."""

    kind: OrganizationKind | None = None
    name: str | None = Field(default=None, max_length=200)
    short_name: str | None = Field(default=None, max_length=100)
    uscc: str | None = Field(default=None, max_length=40)
    region: int | None = Field(default=None, ge=1, le=MAX_ID)
    address: str | None = Field(default=None, max_length=300)
    industry: str | None = Field(default=None, max_length=5)
    parent: int | None = Field(default=None, ge=1, le=MAX_ID)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    website: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=5000)
    is_active: bool | None = None


class OrganizationFilters(PageParams):
    q: str | None = Field(default=None, max_length=100, description="Name, short name or USCC.")
    kind: list[OrganizationKind] | None = None
    region: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Region id; includes its streets and towns."
    )
    uscc: str | None = Field(default=None, max_length=40)
    industry: str | None = Field(default=None, max_length=5, description="GB/T 4754 prefix.")
    parent: int | None = Field(default=None, ge=1, le=MAX_ID)
    uscc_warning: bool | None = Field(default=None, description="Only codes failing the check.")
    is_active: bool | None = None


class OrganizationPage(Page[OrganizationOut]):
    pass
