from django.db import models
from django.utils.translation import gettext_lazy as _


class PatentType(models.TextChoices):
    INVENTION = "invention", _("Invention")
    UTILITY_MODEL = "utility_model", _("Utility model")
    DESIGN = "design", _("Design")


class PatentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    VALID = "valid", _("Valid")
    LAPSED = "lapsed", _("Lapsed (fees unpaid)")
    EXPIRED = "expired", _("Expired")
    INVALIDATED = "invalidated", _("Invalidated")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    UNKNOWN = "unknown", _("Unknown")


class LegalEventKind(models.TextChoices):
    GRANT = "grant", _("Grant")
    TRANSFER = "transfer", _("Transfer")
    LICENCE = "licence", _("Licence")
    PLEDGE = "pledge", _("Pledge")
    PLEDGE_RELEASE = "pledge_release", _("Pledge release")
    INVALIDATION = "invalidation", _("Invalidation")
    FEE_OVERDUE = "fee_overdue", _("Annual fee overdue (grace period)")
    LAPSE = "lapse", _("Lapse for unpaid fees")
    EXPIRY = "expiry", _("Expiry")
    OTHER = "other", _("Other")


class Attribution(models.TextChoices):
    IN_DISTRICT = "in_district", _("In the district")
    OUTSIDE = "outside", _("Outside the district")
    UNRESOLVED = "unresolved", _("Unresolved")


class AttributionSignal(models.TextChoices):
    DISTRICT_FIELD = "district_field", _("District field of the export")
    USCC = "uscc", _("Holder's credit code")
    ADDRESS = "address", _("Holder's address")
    REGION = "region", _("Holder's registered region")
    MANUAL = "manual", _("Decided by a person")
    NONE = "none", _("No signal")


class TrademarkStatus(models.TextChoices):
    PENDING = "pending", _("Application pending")
    REGISTERED = "registered", _("Registered")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled or revoked")
    INVALIDATED = "invalidated", _("Invalidated")


class GIKind(models.TextChoices):
    PRODUCT = "product", _("GI product (地理标志产品)")
    MARK = "mark", _("GI collective or certification mark (地理标志商标)")
    AGRICULTURAL = "agricultural", _("Agricultural-product GI (农产品地理标志)")


class GIStage(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate (挖掘)")
    RESERVE = "reserve", _("Reserve (培育储备)")
    FILED = "filed", _("Filed")
    REGISTERED = "registered", _("Registered")


class PlantVarietyStatus(models.TextChoices):
    PENDING = "pending", _("Application pending")
    GRANTED = "granted", _("Granted")
    TERMINATED = "terminated", _("Terminated")


class CopyrightKind(models.TextChoices):
    SOFTWARE = "software", _("Computer software")
    WORK = "work", _("Work")


class HighValueCriterion(models.TextChoices):
    SEI = "sei", _("Strategic emerging industry")
    OVERSEAS_FAMILY = "overseas_family", _("Granted overseas family member")
    MAINTAINED_10Y = "maintained_10y", _("Maintained more than 10 years")
    PLEDGE = "pledge", _("High pledge-financing amount")
    AWARD = "award", _("National S&T award or China Patent Award")
