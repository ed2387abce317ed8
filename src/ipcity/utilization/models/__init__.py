"""The utilization mechanism's records, one module per area."""

from .certification import Certificate, StandardEdition, SurveillanceAudit
from .cultivation import (
    CultivationCriterion,
    Designation,
    EnterpriseFacts,
    PoolEntry,
    SupportRecord,
)
from .finance import (
    FinancialProduct,
    Guarantee,
    InsurancePolicy,
    Pledge,
    RiskAlert,
    Valuation,
)
from .marketplace import ContactRequest, DemandListing, SupplyListing
from .transfers import Transaction

__all__ = [
    "Certificate",
    "ContactRequest",
    "CultivationCriterion",
    "DemandListing",
    "Designation",
    "EnterpriseFacts",
    "FinancialProduct",
    "Guarantee",
    "InsurancePolicy",
    "Pledge",
    "PoolEntry",
    "RiskAlert",
    "StandardEdition",
    "SupplyListing",
    "SupportRecord",
    "SurveillanceAudit",
    "Transaction",
    "Valuation",
]
