"""API shapes for transfers and licences."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.orgs.schemas import MAX_ID, OrganizationRef

from ..choices import TransactionKind, TransactionOrigin

AMOUNT = Field(default=None, ge=0, lt=Decimal("1e12"), description="10k yuan (万元).")


class RightRef(Schema):
    id: int
    number: str = Field(description="Application number or trademark registration number.")
    title: str


class LegalEventRef(Schema):
    id: int
    kind: str
    date: date | None
    patent: str = Field(description="Application number of the patent.")
    counterparty: str


class TransactionOut(Schema):
    id: int
    kind: TransactionKind
    assignor: OrganizationRef | None = Field(
        description="The organization, when it is one the caller may view; else null (the name "
        "as recorded is in `assignor_name`)."
    )
    assignor_name: str = Field(description="As recorded; empty when the registry does not say.")
    assignee: OrganizationRef | None = Field(
        description="The organization, when it is one the caller may view; else null."
    )
    assignee_name: str
    patents: list[RightRef]
    trademarks: list[RightRef]
    amount: float | None = Field(description="10k yuan (万元).")
    contract_date: date | None
    start_date: date | None
    end_date: date | None
    registration_number: str
    registration_date: date | None
    year: int = Field(description="The year it counts for: registration, else contract date.")
    from_university: bool = Field(
        description="A university or research institute to an enterprise in the district."
    )
    from_outside: bool = Field(
        description="Acquired by a district party from a party outside the district."
    )
    origin: TransactionOrigin
    legal_events: list[LegalEventRef] = Field(
        description="The registry's legal events the transaction stands for (one per patent "
        "of a deal; empty when none is linked)."
    )
    supply_listing: int | None = Field(description="Id of the offer it came from.")
    demand_listing: int | None = Field(description="Id of the need it answered.")
    notes: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_amount(obj) -> float | None:
        return None if obj.amount is None else float(obj.amount)

    @staticmethod
    def resolve_patents(obj) -> list[dict]:
        return [
            {"id": p.pk, "number": p.application_number, "title": p.title}
            for p in obj.patents.all()
        ]

    @staticmethod
    def resolve_trademarks(obj) -> list[dict]:
        return [
            {"id": t.pk, "number": t.registration_number, "title": t.mark}
            for t in obj.trademarks.all()
        ]

    @staticmethod
    def resolve_assignor(obj) -> dict | None:
        return _org_ref(obj, obj.assignor)

    @staticmethod
    def resolve_assignee(obj) -> dict | None:
        return _org_ref(obj, obj.assignee)

    @staticmethod
    def resolve_legal_events(obj) -> list[dict]:
        return [
            {
                "id": link.legal_event.pk,
                "kind": link.legal_event.kind,
                "date": link.legal_event.date,
                "patent": link.legal_event.patent.application_number,
                "counterparty": link.legal_event.counterparty,
            }
            for link in obj.event_links.all()
        ]

    @staticmethod
    def resolve_supply_listing(obj) -> int | None:
        return obj.supply_listing_id

    @staticmethod
    def resolve_demand_listing(obj) -> int | None:
        return obj.demand_listing_id


def _org_ref(obj, org) -> dict | None:
    """Only an organization the caller may view (the API marks `visible_org_ids` on each
    object it returns; unmarked, none is shown)."""
    if org is None or org.pk not in getattr(obj, "visible_org_ids", ()):
        return None
    return {"id": org.pk, "name": org.name}


class TransactionIn(Schema):
    kind: TransactionKind
    assignor: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Organization id, when the party is one."
    )
    assignor_name: str = Field(
        default="",
        max_length=300,
        description="The name as recorded; matched to an organization by credit code or exact "
        "name when `assignor` is not given.",
    )
    assignee: int | None = Field(default=None, ge=1, le=MAX_ID)
    assignee_name: str = Field(default="", max_length=300)
    patents: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="Application or patent numbers; each must be in the registry.",
    )
    trademarks: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="Trademark registration numbers; each must be in the registry.",
    )
    amount: Decimal | None = AMOUNT
    contract_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    registration_number: str = Field(default="", max_length=100)
    registration_date: date | None = None
    notes: str = Field(default="", max_length=5000)


class TransactionPatch(Schema):
    """Only the fields sent are changed; `patents` or `trademarks`, when sent, replace the list."""

    kind: TransactionKind | None = None
    assignor: int | None = Field(default=None, ge=1, le=MAX_ID)
    assignor_name: str | None = Field(default=None, max_length=300)
    assignee: int | None = Field(default=None, ge=1, le=MAX_ID)
    assignee_name: str | None = Field(default=None, max_length=300)
    patents: list[str] | None = Field(default=None, max_length=200)
    trademarks: list[str] | None = Field(default=None, max_length=200)
    amount: Decimal | None = AMOUNT
    contract_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    registration_number: str | None = Field(default=None, max_length=100)
    registration_date: date | None = None
    notes: str | None = Field(default=None, max_length=5000)


class TransactionFilters(PageParams):
    q: str | None = Field(default=None, max_length=100, description="Names, numbers, notes.")
    year: int | None = Field(default=None, ge=1985, le=2100)
    year_min: int | None = Field(default=None, ge=1985, le=2100)
    year_max: int | None = Field(default=None, ge=1985, le=2100)
    kind: list[TransactionKind] | None = None
    origin: list[TransactionOrigin] | None = None
    from_university: bool | None = None
    from_outside: bool | None = None
    party: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Organization id on either side."
    )
    patent: str | None = Field(default=None, max_length=30, description="Application number.")
    trademark: str | None = Field(default=None, max_length=30)


class TransactionPage(Page[TransactionOut]):
    pass


class StatsCell(Schema):
    key: str
    count: int
    amount: float = Field(description="10k yuan (万元).")
    params: dict[str, str | int] = Field(
        description="Filters of the transaction list that show exactly the rows counted."
    )


class StatsColumn(Schema):
    key: str
    group: str = Field(description="total, kind or source.")
    label: str


class StatsRow(Schema):
    year: int
    cells: list[StatsCell]


class StatsTotal(Schema):
    cells: list[StatsCell]


class TransactionStats(Schema):
    years: list[int]
    columns: list[StatsColumn]
    rows: list[StatsRow]
    total: StatsTotal


class StatsQuery(Schema):
    year: int | None = Field(
        default=None, ge=1985, le=2100, description="The last year shown (default: the latest)."
    )
    years: int = Field(default=5, ge=1, le=20, description="How many years, ending at `year`.")


class DeriveIn(Schema):
    patents: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None,
        max_length=10000,
        description="Patent ids to look at; all patents when omitted.",
    )


class DeriveOut(Schema):
    job: str = Field(description="Id of the background job.")
    status: str
    url: str = Field(description="The job's page.")
    undated: int = Field(description="Transfer and licence events without a date, not counted.")
