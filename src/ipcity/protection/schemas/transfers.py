"""API shapes for transfers to the police and the threshold rules."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from ipcity.core.api.pagination import Page, PageParams
from ipcity.orgs.schemas import MAX_ID, OrganizationRef

from ..choices import CriminalOutcome, TransferStatus


class CaseRef(Schema):
    id: int
    number: str
    title: str
    agency: OrganizationRef


class MatchedRule(Schema):
    rule: int | None = Field(default=None, description="Id of the threshold rule.")
    offence: str
    condition: str
    measure: str
    threshold: str = Field(description="The rule's value (yuan, or copies).")
    value: str | None = Field(
        default=None,
        description="The case's value that met it; null for callers who see only the case's "
        "summary.",
    )
    rule_set: str = Field(description="Code of the rule set.")
    note: str = ""
    prior_cases: list[str] = Field(
        default_factory=list,
        description="For 'prior_penalty': numbers of the cases that penalized the party (empty "
        "for callers who see only the case's summary).",
    )


REASON_NOTE = (
    " For callers who see only the case's summary (procuratorate, office, leaders): 'recorded' "
    "when there is one, else ''."
)


def _full(obj) -> bool:
    """Whether the caller sees the case in full (set by the API as `case_full`; default no)."""
    return bool(getattr(obj, "case_full", False))


class TransferOut(Schema):
    """A transfer; the case's values and the reasons only for callers who see the case in
    full (its agency, or the police unit it is shared with)."""

    id: int
    case: CaseRef
    police: OrganizationRef
    status: TransferStatus
    overdue: str = Field(
        description="'' or the clock the transfer is past: transfer_decision or police_acceptance."
    )
    rule_set: str | None = Field(description="Code of the rule set the case was measured by.")
    matched_rules: list[MatchedRule]
    proposal_reason: str = Field(description="Why it was proposed." + REASON_NOTE)
    proposed_at: datetime
    decision_due: date
    approved_at: datetime | None
    withdrawn_at: datetime | None
    withdraw_reason: str = Field(description="Why it was not transferred." + REASON_NOTE)
    sent_at: datetime | None
    received_at: datetime | None
    acceptance_due: date | None
    police_decided_at: datetime | None
    police_reason: str = Field(description="The police's note or reason." + REASON_NOTE)
    police_case_number: str
    outcome: str = Field(description="'' while pending; else a criminal outcome.")
    returned_at: datetime | None
    return_reason: str = Field(description="Why the police returned it." + REASON_NOTE)
    actions: list[str] = Field(description="What the caller may do with it now.")

    @staticmethod
    def resolve_case(obj) -> dict:
        case = obj.case
        return {
            "id": case.pk,
            "number": case.number,
            "title": case.title,
            "agency": {"id": case.agency_id, "name": case.agency.name},
        }

    @staticmethod
    def resolve_police(obj) -> dict:
        return {"id": obj.police_id, "name": obj.police.name}

    @staticmethod
    def resolve_rule_set(obj) -> str | None:
        return obj.rule_set.code if obj.rule_set_id else None

    @staticmethod
    def resolve_matched_rules(obj) -> list[dict]:
        from ..transfers import redact_matched

        return redact_matched(obj.matched_rules, _full(obj))

    @staticmethod
    def resolve_proposal_reason(obj) -> str:
        from ..transfers import shown_reason

        return shown_reason(obj.proposal_reason, _full(obj))

    @staticmethod
    def resolve_withdraw_reason(obj) -> str:
        from ..transfers import shown_reason

        return shown_reason(obj.withdraw_reason, _full(obj))

    @staticmethod
    def resolve_police_reason(obj) -> str:
        from ..transfers import shown_reason

        return shown_reason(obj.police_reason, _full(obj))

    @staticmethod
    def resolve_return_reason(obj) -> str:
        from ..transfers import shown_reason

        return shown_reason(obj.return_reason, _full(obj))

    @staticmethod
    def resolve_overdue(obj) -> str:
        from ..transfers import is_overdue

        return is_overdue(obj)

    @staticmethod
    def resolve_actions(obj) -> list[str]:
        return sorted(getattr(obj, "actions", ()) or ())


class TransferPage(Page[TransferOut]):
    pass


class TransferFilters(PageParams):
    q: str | None = Field(default=None, max_length=100, description="Case number or title.")
    status: list[TransferStatus] | None = None
    police: int | None = Field(default=None, ge=1, le=MAX_ID, description="Police unit id.")
    agency: int | None = Field(default=None, ge=1, le=MAX_ID, description="Agency id.")
    proposed_after: date | None = None
    proposed_before: date | None = None
    overdue: bool | None = Field(default=None, description="Past the decision or acceptance clock.")
    clock: str | None = Field(
        default=None,
        pattern="^(transfer_decision|police_acceptance)$",
        description="With overdue: only this clock.",
    )
    outcome: str | None = Field(default=None, max_length=16)


class ProposeIn(Schema):
    police: int = Field(ge=1, le=MAX_ID, description="Id of the police unit.")
    reason: str = Field(min_length=1, max_length=4000)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=4000)


class AcknowledgeIn(Schema):
    received_at: datetime | None = Field(
        default=None, description="When the police received it; now when omitted."
    )


class AcceptIn(Schema):
    police_case_number: str = Field(default="", max_length=80)
    reason: str = Field(default="", max_length=4000)


class OutcomeIn(Schema):
    outcome: CriminalOutcome


class RuleOut(Schema):
    id: int
    offence: str
    condition: str
    measure: str
    value: str
    note: str

    @staticmethod
    def resolve_value(obj) -> str:
        return str(obj.value)


class RuleSetOut(Schema):
    id: int
    code: str
    name: str
    valid_from: date
    valid_to: date | None
    lookback_years: int | None
    source: str
    rules: list[RuleOut]

    @staticmethod
    def resolve_rules(obj) -> list:
        return list(obj.rules.all())


class ThresholdCheckOut(Schema):
    case: int
    day: date | None = Field(description="The conduct date, else the opening date.")
    rule_set: str | None = Field(description="Code of the rule set in force on that day.")
    matched: list[MatchedRule]
    over: bool = Field(description="True when at least one rule is met.")
