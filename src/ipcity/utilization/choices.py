"""Choices of the utilization mechanism (运用): cultivation, certification, transfer, finance."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DesignationKind(models.TextChoices):
    IP_ADVANTAGE = "ip_advantage", _("IP advantage enterprise")
    IP_DEMONSTRATION = "ip_demonstration", _("IP demonstration enterprise")
    HIGH_TECH = "high_tech", _("High-tech enterprise")
    SPECIALIZED_SME = "specialized_sme", _("Specialized and sophisticated SME")
    LITTLE_GIANT = "little_giant", _("Specialized and sophisticated little giant")
    BENCHMARK = "benchmark", _("Benchmark enterprise")
    OTHER = "other", _("Other designation")


class DesignationLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    MUNICIPAL = "municipal", _("Municipal")
    DISTRICT = "district", _("District")


class PoolStage(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    CULTIVATED = "cultivated", _("Being cultivated")
    DESIGNATED = "designated", _("Designated")
    WITHDRAWN = "withdrawn", _("Left the pool")


class CriterionMetric(models.TextChoices):
    """What a cultivation criterion measures; each is computed from the registry in
    utilization/criteria.py."""

    VALID_INVENTIONS = "valid_inventions", _("Valid invention patents held")
    VALID_PATENTS = "valid_patents", _("Valid patents held (all types)")
    HIGH_VALUE_INVENTIONS = "high_value_inventions", _("High-value invention patents held")
    INVENTION_FILINGS_3Y = "invention_filings_3y", _("Invention applications in the last 3 years")
    REGISTERED_TRADEMARKS = "registered_trademarks", _("Registered trademarks held")
    SOFTWARE_COPYRIGHTS = "software_copyrights", _("Software copyrights held")
    VALID_GBT29490 = "valid_gbt29490", _("Valid GB/T 29490 certificate")
    RD_STAFF = "rd_staff", _("R&D staff")
    RD_STAFF_SHARE = "rd_staff_share", _("R&D staff share of employees (%)")
    RD_EXPENSE_SHARE = "rd_expense_share", _("R&D expenditure share of revenue (%)")
    HAS_DESIGNATION = "has_designation", _("Holds a valid designation of a kind")
    IN_DISTRICT = "in_district", _("Registered in the district")


class Comparison(models.TextChoices):
    GTE = "gte", "≥"
    GT = "gt", ">"
    LTE = "lte", "≤"
    EQ = "eq", "="
    TRUE = "true", _("is true")


class SupportKind(models.TextChoices):
    FUNDING = "funding", _("Funding")
    TRAINING = "training", _("Training")
    TALENT = "talent", _("Talent introduction")
    TECHNOLOGY = "technology", _("Technology introduction")
    CONSULTING = "consulting", _("Consulting and diagnosis")
    OTHER = "other", _("Other support")


class StandardVersion(models.TextChoices):
    V2013 = "2013", _("GB/T 29490-2013 (企业知识产权管理规范)")
    V2023 = "2023", _("GB/T 29490-2023 (企业知识产权合规管理体系 要求)")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class AuditResult(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class TransactionKind(models.TextChoices):
    ASSIGNMENT = "assignment", _("Assignment")
    EXCLUSIVE_LICENCE = "exclusive", _("Exclusive licence")
    SOLE_LICENCE = "sole", _("Sole licence")
    ORDINARY_LICENCE = "ordinary", _("Ordinary licence")
    OPEN_LICENCE = "open", _("Open licence")


LICENCE_KINDS = (
    TransactionKind.EXCLUSIVE_LICENCE,
    TransactionKind.SOLE_LICENCE,
    TransactionKind.ORDINARY_LICENCE,
    TransactionKind.OPEN_LICENCE,
)


class TransactionOrigin(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported from a file")
    LEGAL_EVENT = "legal_event", _("Derived from the registry's legal events")
    MARKETPLACE = "marketplace", _("Concluded through the marketplace")


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class ContactStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    DECLINED = "declined", _("Declined")
    CONCLUDED = "concluded", _("Led to a transaction")


class ProductKind(models.TextChoices):
    PLEDGE_LOAN = "pledge_loan", _("IP pledge loan")
    INSURANCE = "insurance", _("IP insurance")
    GUARANTEE = "guarantee", _("Guarantee")
    SECURITIZATION = "securitization", _("IP securitization")
    OTHER = "other", _("Other")


class ValuationMethod(models.TextChoices):
    INCOME = "income", _("Income approach")
    MARKET = "market", _("Market approach")
    COST = "cost", _("Cost approach")
    OTHER = "other", _("Other")


class PledgeStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    CHANGED = "changed", _("Registered with changes")
    RELEASED = "released", _("Released")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_PLEDGE = (PledgeStatus.REGISTERED, PledgeStatus.CHANGED)


class InsuranceKind(models.TextChoices):
    ENFORCEMENT = "enforcement", _("Enforcement costs (执行保险)")
    INFRINGEMENT_LIABILITY = "liability", _("Infringement liability")
    PLEDGE_LOAN = "pledge_loan", _("Pledge-loan guarantee insurance")
    OVERSEAS = "overseas", _("Overseas IP protection")
    OTHER = "other", _("Other")


class RiskKind(models.TextChoices):
    LAPSED = "lapsed", _("Pledged right lapsed or expired")
    FEE_OVERDUE = "fee_overdue", _("Annual fee overdue")
    INVALIDATED = "invalidated", _("Pledged right invalidated")
    OWNER_CHANGED = "owner_changed", _("Pledged right changed owner")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
