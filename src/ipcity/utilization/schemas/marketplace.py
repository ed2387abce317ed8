"""API shapes of the marketplace: offers, needs, matches and contact requests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.orgs.schemas import MAX_ID, OrganizationRef

from ..choices import ContactStatus, ListingStatus, TransactionKind

ObjectRef = Annotated[int, Field(ge=1, le=MAX_ID)]
MAX_AMOUNT = 1e11


class PatentRef(Schema):
    id: int
    application_number: str
    title: str


class ListingRef(Schema):
    id: int
    title: str
    owner: OrganizationRef
    status: ListingStatus


class _ListingOut(Schema):
    id: int
    title: str
    description: str
    owner: OrganizationRef
    kinds: list[TransactionKind] = Field(description="Transaction kinds offered or wanted.")
    ipc_codes: str = Field(description="IPC codes separated by ';', e.g. G06F16/00;G06N3/08.")
    keywords: str
    status: ListingStatus
    published_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SupplyListingOut(_ListingOut):
    patents: list[PatentRef]
    asking_price: float | None = Field(description="10k yuan.")

    @staticmethod
    def resolve_patents(obj) -> list[dict]:
        return [
            {"id": p.pk, "application_number": p.application_number, "title": p.title}
            for p in obj.patents.all()
        ]

    @staticmethod
    def resolve_asking_price(obj) -> float | None:
        return None if obj.asking_price is None else float(obj.asking_price)


class DemandListingOut(_ListingOut):
    budget: float | None = Field(description="10k yuan.")

    @staticmethod
    def resolve_budget(obj) -> float | None:
        return None if obj.budget is None else float(obj.budget)


class SupplyListingPage(Page[SupplyListingOut]):
    pass


class DemandListingPage(Page[DemandListingOut]):
    pass


_OWNER = "Organization id; only a district-wide user (the office) may name another than its own."


class _ListingIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    owner: ObjectRef | None = Field(default=None, description=_OWNER)
    kinds: list[TransactionKind] = Field(default_factory=list, max_length=5)
    ipc_codes: str = Field(default="", max_length=500)
    keywords: str = Field(default="", max_length=300)
    publish: bool = Field(default=False, description="Publish at once instead of a draft.")


class SupplyListingIn(_ListingIn):
    patents: list[Annotated[str, Field(max_length=30)]] = Field(
        default_factory=list,
        max_length=200,
        description="Application numbers of patents the owner holds. The IPC codes default to "
        "theirs when `ipc_codes` is empty.",
    )
    asking_price: float | None = Field(default=None, ge=0, le=MAX_AMOUNT)


class DemandListingIn(_ListingIn):
    budget: float | None = Field(default=None, ge=0, le=MAX_AMOUNT)


class _ListingPatch(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20000)
    owner: ObjectRef | None = Field(default=None, description=_OWNER)
    kinds: list[TransactionKind] | None = Field(default=None, max_length=5)
    ipc_codes: str | None = Field(default=None, max_length=500)
    keywords: str | None = Field(default=None, max_length=300)


class SupplyListingPatch(_ListingPatch):
    patents: list[Annotated[str, Field(max_length=30)]] | None = Field(
        default=None, max_length=200, description="Replaces the list when sent."
    )
    asking_price: float | None = Field(default=None, ge=0, le=MAX_AMOUNT)


class DemandListingPatch(_ListingPatch):
    budget: float | None = Field(default=None, ge=0, le=MAX_AMOUNT)


class ListingFilters(PageParams):
    q: str | None = Field(
        default=None,
        max_length=100,
        description="Words of title, description, keywords, IPC, "
        "owner and patents; all must match (Chinese is segmented into words).",
    )
    status: list[ListingStatus] | None = None
    owner: int | None = Field(default=None, ge=1, le=MAX_ID, description="Organization id.")
    ipc: str | None = Field(default=None, max_length=32, description="IPC prefix, e.g. G06F.")
    kind: TransactionKind | None = None
    contacted: bool | None = Field(default=None, description="Has at least one contact request.")
    concluded: bool | None = Field(default=None, description="Led to a transaction.")


class MatchOut(Schema):
    score: int = Field(ge=0, le=100)
    reasons: list[str]
    listing: ListingRef


class MatchList(Schema):
    results: list[MatchOut]


class MatchParams(Schema):
    top: int = Field(default=10, ge=1, le=50, description="How many of the best to return.")


class ContactRequestOut(Schema):
    id: int
    requester: OrganizationRef
    offer: ListingRef | None
    need: ListingRef | None
    addressed_to: OrganizationRef | None = Field(
        description="The owner of the listing the request is about."
    )
    message: str
    reply: str
    status: ContactStatus
    answered_at: datetime | None
    transaction: int | None = Field(description="Id of the transaction it led to.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_offer(obj):
        return obj.supply_listing

    @staticmethod
    def resolve_need(obj):
        return obj.demand_listing

    @staticmethod
    def resolve_addressed_to(obj):
        return obj.recipient

    @staticmethod
    def resolve_transaction(obj) -> int | None:
        return obj.transaction_id


class ContactRequestPage(Page[ContactRequestOut]):
    pass


class ContactRequestFilters(PageParams):
    status: list[ContactStatus] | None = None
    direction: str | None = Field(
        default=None,
        pattern="^(sent|received)$",
        description="`sent` by the caller's organization, or `received` by it.",
    )
    offer: int | None = Field(default=None, ge=1, le=MAX_ID)
    need: int | None = Field(default=None, ge=1, le=MAX_ID)


class ContactRequestIn(Schema):
    offer: ObjectRef | None = Field(default=None, description="The offer to ask about.")
    need: ObjectRef | None = Field(default=None, description="The need to answer.")
    about: ObjectRef | None = Field(
        default=None,
        description="One of the caller's own listings of the other kind, attached to the "
        "request (with `offer`: the caller's need; with `need`: the caller's offer).",
    )
    message: str = Field(min_length=1, max_length=2000)


class ReplyIn(Schema):
    reply: str = Field(default="", max_length=2000)


class ConcludeIn(Schema):
    kind: TransactionKind
    contract_date: date
    amount: float | None = Field(default=None, ge=0, le=MAX_AMOUNT, description="10k yuan.")
    start_date: date | None = None
    end_date: date | None = None
    patents: list[Annotated[str, Field(max_length=30)]] | None = Field(
        default=None,
        max_length=200,
        description="Application numbers; omitted means the offer's patents.",
    )
    registration_number: str = Field(default="", max_length=100)
    registration_date: date | None = Field(
        default=None, description="When the registry recorded it; the year it counts for."
    )
    notes: str = Field(default="", max_length=5000)
