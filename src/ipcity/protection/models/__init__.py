"""The protection mechanism's records, one module per area."""

from .agencies import Agency, Officer, OfficerTraining
from .cases import (
    Case,
    CaseEvent,
    CaseHandler,
    CaseParty,
    CaseRelation,
    CaseRight,
    Evidence,
    Extension,
)
from .coordination import Campaign, FollowUp, Mediation, Meeting, Supervision
from .leads import Lead, LeadAttachment
from .sharing import CaseAccessLog, CaseShare
from .transfers import CriminalTransfer, ThresholdRule, ThresholdRuleSet, TransferDocument

__all__ = [
    "Agency",
    "Campaign",
    "Case",
    "CaseAccessLog",
    "CaseEvent",
    "CaseHandler",
    "CaseParty",
    "CaseRelation",
    "CaseRight",
    "CaseShare",
    "CriminalTransfer",
    "Evidence",
    "Extension",
    "FollowUp",
    "Lead",
    "LeadAttachment",
    "Mediation",
    "Meeting",
    "Officer",
    "OfficerTraining",
    "Supervision",
    "ThresholdRule",
    "ThresholdRuleSet",
    "TransferDocument",
]
