"""API shapes for cases.

One output shape serves both kinds of row: `is_full` says whether the caller sees the case in
full; when it is false, only the summary fields are filled and every detail field is null."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.core.api.params import MAX_ID
from ipcity.orgs.schemas import OrganizationRef

from ..choices import (
    CaseStatus,
    CloseReason,
    DecisionKind,
    Offence,
    PartyKind,
    PartyRole,
    RightType,
)

AMOUNT = Field(default=None, ge=0, lt=Decimal("1e12"), description="Yuan.")
DETAIL = "Null when the caller sees only the case's summary."


class CaseOut(Schema):
    id: int
    is_full: bool = Field(description="True when the caller sees the case in full.")
    agency: OrganizationRef
    number: str
    title: str
    right_type: RightType
    status: CaseStatus
    opened_on: date
    decision_due: date
    decided_on: date | None
    decision_kind: str = Field(description="penalty, no_penalty, order_only or empty.")
    fine: float | None = Field(description="Yuan.")
    closed_on: date | None
    close_reason: str
    is_malicious: bool
    is_repeat: bool
    is_group: bool
    is_transferred: bool
    is_supervised: bool
    # Detail fields: null for summary rows.
    offence: str | None = Field(default=None, description=DETAIL)
    conduct: str | None = Field(default=None, description=DETAIL)
    conduct_date: date | None = None
    business_amount: float | None = None
    illegal_gain: float | None = None
    sales_amount: float | None = None
    unsold_value: float | None = None
    copies: int | None = None
    marks_count: int | None = None
    goods: str | None = None
    notice_on: date | None = None
    hearing_requested: bool | None = None
    hearing_waived: bool | None = None
    decision_number: str | None = None
    confiscated_gain: float | None = None
    confiscated_goods: str | None = None
    order_to_stop: bool | None = None
    disclosure_due: date | None = None
    disclosed_on: date | None = None
    disclosure_url: str | None = None
    executed_on: date | None = None
    repeat_set_by_hand: bool | None = None
    respondents: list[str] | None = Field(default=None, description=DETAIL)


class RightOut(Schema):
    id: int
    right_type: RightType
    number: str
    found: bool = Field(description="Linked to a registry record.")
    check_notes: list[str] = Field(description="What the intake check found.")


class PartyOut(Schema):
    id: int
    role: PartyRole
    kind: PartyKind
    name: str
    uscc: str
    organization: int | None
    address: str
    representative: str


class HandlerOut(Schema):
    id: int
    officer: int
    name: str
    certificate_number: str
    valid_until: date
    certified_today: bool
    is_lead: bool
    assigned_on: date
    released_on: date | None


class EvidenceOut(Schema):
    id: int
    kind: str
    title: str
    name: str
    size: int
    content_type: str
    sha256: str
    collected_on: date | None
    download_url: str


class ExtensionOut(Schema):
    id: int
    days: int
    reason: str
    status: str = Field(description="pending, approved or rejected.")
    requested_by: str | None
    decided_by: str | None
    previous_due: date
    new_due: date
    decision_note: str
    collective: bool = False


class EventOut(Schema):
    from_status: str
    to_status: str
    at: datetime
    by: str | None
    note: str


class RelationOut(Schema):
    earlier: int
    number: str
    reason: str
    is_full: bool = Field(description="Whether the caller sees the earlier case in full.")


class CaseDetailOut(CaseOut):
    rights: list[RightOut] | None = Field(default=None, description=DETAIL)
    parties: list[PartyOut] | None = None
    handlers: list[HandlerOut] | None = None
    evidence: list[EvidenceOut] | None = None
    extensions: list[ExtensionOut] | None = None
    events: list[EventOut] | None = None
    related: list[RelationOut] | None = None


class CasePage(Page[CaseOut]):
    pass


class CaseFilters(PageParams):
    q: str | None = Field(default=None, max_length=100)
    agency: int | None = Field(default=None, ge=1, le=MAX_ID)
    status: list[CaseStatus] | None = None
    right_type: list[RightType] | None = None
    offence: Offence | None = None
    opened_after: date | None = None
    opened_before: date | None = None
    decided_after: date | None = None
    decided_before: date | None = None
    closed_after: date | None = None
    closed_before: date | None = None
    is_repeat: bool | None = None
    is_malicious: bool | None = None
    is_group: bool | None = None
    is_transferred: bool | None = None
    is_supervised: bool | None = None
    overdue: bool | None = Field(default=None, description="Awaiting the decision, past due.")
    campaign: int | None = Field(default=None, ge=1, le=MAX_ID)


class CaseIn(Schema):
    agency: int = Field(ge=1, le=MAX_ID, description="The handling agency (organization id).")
    title: str = Field(min_length=1, max_length=300)
    right_type: RightType
    opened_on: date | None = Field(default=None, description="Default: today.")
    number: str = Field(default="", max_length=80, description="Default: the next number.")
    note: str = Field(default="", max_length=2000)


class CasePatch(Schema):
    """Only the fields sent change. `is_repeat: null` hands the flag back to detection."""

    title: str | None = Field(default=None, max_length=300)
    conduct: str | None = Field(default=None, max_length=20000)
    conduct_date: date | None = None
    offence: Offence | None = None
    business_amount: Decimal | None = AMOUNT
    illegal_gain: Decimal | None = AMOUNT
    sales_amount: Decimal | None = AMOUNT
    unsold_value: Decimal | None = AMOUNT
    copies: int | None = Field(default=None, ge=0, le=2**31 - 1)
    marks_count: int | None = Field(default=None, ge=0, le=32767)
    goods: str | None = Field(default=None, max_length=20000)
    is_malicious: bool | None = None
    is_group: bool | None = None
    is_repeat: bool | None = None


class NoteIn(Schema):
    note: str = Field(default="", max_length=2000)


class NoticeIn(Schema):
    notice_on: date
    hearing_requested: bool = False
    note: str = Field(default="", max_length=2000)


class DecisionIn(Schema):
    decision_kind: DecisionKind
    decided_on: date
    decision_number: str = Field(min_length=1, max_length=80)
    fine: Decimal | None = AMOUNT
    confiscated_gain: Decimal | None = AMOUNT
    confiscated_goods: str = Field(default="", max_length=2000)
    order_to_stop: bool = False
    waived_hearing: bool = Field(
        default=False,
        description="The party waived its statement and hearing: a penalty may then be decided "
        "before the clock hearing_request after the notice has run out.",
    )


class DisclosureIn(Schema):
    disclosed_on: date
    url: str = Field(default="", max_length=200)


class ExecutionIn(Schema):
    executed_on: date


class CloseIn(Schema):
    reason: CloseReason
    closed_on: date | None = Field(default=None, description="Default: today.")
    note: str = Field(default="", max_length=2000)


class RightIn(Schema):
    right_type: RightType
    number: str = Field(min_length=1, max_length=60)


class PartyIn(Schema):
    role: PartyRole
    kind: PartyKind | None = Field(
        default=None,
        description="organization or person; left out, guessed from the credit code and name.",
    )
    name: str = Field(min_length=1, max_length=200)
    uscc: str = Field(default="", max_length=30)
    address: str = Field(default="", max_length=300)
    representative: str = Field(default="", max_length=100)


class HandlerIn(Schema):
    officer: int = Field(ge=1, le=MAX_ID)
    is_lead: bool = False
    assigned_on: date | None = Field(default=None, description="Default: today.")


class ExtensionIn(Schema):
    days: int = Field(ge=1, le=366)
    reason: str = Field(min_length=1, max_length=2000)
    collective: bool = Field(
        default=False,
        description="Decided collectively by the agency's leadership: needed for a further "
        "extension after one was approved.",
    )


class ExtensionDecisionIn(Schema):
    note: str = Field(default="", max_length=500)
