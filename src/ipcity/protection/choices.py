"""Choices of the protection mechanism (保护): leads, cases, transfers, coordination."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AgencyKind(models.TextChoices):
    """What an organization is in joint enforcement (stored on `AgencyProfile`)."""

    MARKET_REGULATION = "market_regulation", _("Market regulation")
    IP_OFFICE = "ip_office", _("IP office")
    COPYRIGHT = "copyright", _("Copyright administration")
    CULTURE = "culture", _("Culture and tourism enforcement")
    AGRICULTURE = "agriculture", _("Agriculture and forestry")
    CUSTOMS = "customs", _("Customs")
    POLICE = "police", _("Public security (police)")
    PROCURATORATE = "procuratorate", _("Procuratorate")
    COURT = "court", _("Court")
    OTHER = "other", _("Other member")


class RightType(models.TextChoices):
    PATENT = "patent", _("Patent")
    TRADEMARK = "trademark", _("Trademark")
    GEOGRAPHICAL_INDICATION = "gi", _("Geographical indication")
    COPYRIGHT = "copyright", _("Copyright")
    PLANT_VARIETY = "plant_variety", _("Plant variety")
    TRADE_SECRET = "trade_secret", _("Trade secret")
    OTHER = "other", _("Other")


class LeadSource(models.TextChoices):
    PUBLIC = "public", _("Public complaint")
    REFERRAL = "referral", _("Referral by another agency")
    SERVICE_REQUEST = "service_request", _("Service request")
    INSPECTION = "inspection", _("Inspection")
    OTHER = "other", _("Other")


class LeadStatus(models.TextChoices):
    # Own context: these words mean other things in other modules ("Received" is also an
    # award/application state).
    RECEIVED = "received", pgettext_lazy("lead status", "Received")
    VERIFYING = "verifying", pgettext_lazy("lead status", "Being verified")
    CASE_OPENED = "case_opened", pgettext_lazy("lead status", "Case opened")
    NOT_OPENED = "not_opened", pgettext_lazy("lead status", "Not opened")
    MEDIATION = "mediation", pgettext_lazy("lead status", "Passed to mediation")
    REFERRED = "referred", pgettext_lazy("lead status", "Referred to another agency")


class CaseStatus(models.TextChoices):
    """The market regulation procedure (DOMAIN.md §7)."""

    OPENED = "opened", pgettext_lazy("case status", "Opened")
    INVESTIGATING = "investigating", pgettext_lazy("case status", "Investigation")
    NOTICE = "notice", _("Notice of proposed penalty")
    DECIDED = "decided", pgettext_lazy("case status", "Decided")
    DISCLOSED = "disclosed", pgettext_lazy("case status", "Disclosed")
    EXECUTED = "executed", pgettext_lazy("case status", "Executed")
    TRANSFERRED = "transferred", _("Transferred to police")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")


OPEN_CASE_STATUSES = (
    CaseStatus.OPENED,
    CaseStatus.INVESTIGATING,
    CaseStatus.NOTICE,
    CaseStatus.DECIDED,
    CaseStatus.DISCLOSED,
    CaseStatus.EXECUTED,
    CaseStatus.TRANSFERRED,
)


class DecisionKind(models.TextChoices):
    PENALTY = "penalty", _("Administrative penalty")
    NO_PENALTY = "no_penalty", _("No penalty")
    ORDER_ONLY = "order_only", _("Order to stop only")


class CloseReason(models.TextChoices):
    EXECUTED = "executed", _("Penalty executed")
    NO_PENALTY = "no_penalty", _("Decided without penalty")
    NO_VIOLATION = "no_violation", _("No violation found")
    TRANSFERRED = "transferred", _("Accepted by the police")
    WITHDRAWN = "withdrawn", _("Case withdrawn")
    OTHER = "other", pgettext_lazy("reason for closing a case", "Other")


class Offence(models.TextChoices):
    """The crime a case may amount to, for the transfer thresholds (data/thresholds.json)."""

    NONE = "", _("None suspected")
    COUNTERFEIT_MARK = "counterfeit_mark", _("Counterfeiting a registered trademark")
    SELL_COUNTERFEIT = "sell_counterfeit", _("Selling goods bearing counterfeit trademarks")
    COPYRIGHT = "copyright", _("Copyright infringement")
    PATENT_PASSING_OFF = "patent_passing_off", _("Passing off a patent")


class ThresholdCondition(models.TextChoices):
    ANY = "any", _("Any case")
    ONE_MARK = "one_mark", _("One mark")
    TWO_OR_MORE_MARKS = "two_or_more_marks", _("Two or more marks")
    PRIOR_PENALTY = "prior_penalty", _("Penalized for IP infringement within the look-back period")


class ThresholdMeasure(models.TextChoices):
    BUSINESS_AMOUNT = "business_amount", _("Illegal business amount")
    ILLEGAL_GAIN = "illegal_gain", _("Illegal gain")
    SALES_AMOUNT = "sales_amount", _("Sales amount")
    UNSOLD_VALUE = "unsold_value", _("Value of unsold goods")
    COPIES = "copies", _("Copies")


class PartyRole(models.TextChoices):
    COMPLAINANT = "complainant", _("Complainant or right holder")
    RESPONDENT = "respondent", _("Respondent")
    OTHER = "other", pgettext_lazy("case party role", "Other party")


class PartyKind(models.TextChoices):
    ORGANIZATION = "organization", _("Organization")
    PERSON = "person", _("Natural person")


class EvidenceKind(models.TextChoices):
    DOCUMENT = "document", pgettext_lazy("evidence kind", "Document")
    PHOTO = "photo", _("Photo or video")
    RECORD = "record", _("Inspection record")
    EXPERT = "expert", _("Expert opinion")
    OTHER = "other", pgettext_lazy("evidence kind", "Other")


class RelationReason(models.TextChoices):
    SAME_RIGHT_AFTER_DECISION = (
        "same_right",
        _("Same party, same right, after an effective decision"),
    )
    TRADEMARK_WITHIN_5Y = (
        "trademark_5y",
        _("Same party penalized for trademark infringement within 5 years"),
    )
    PRIOR_PENALTY_2Y = (
        "prior_penalty_2y",
        _("Same party penalized for IP infringement within 2 years"),
    )


class TransferStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("transfer status", "Proposed")
    APPROVED = "approved", _("Transfer approved")
    SENT = "sent", _("Sent to police")
    ACCEPTED = "accepted", _("Accepted by police")
    DECLINED = "declined", _("Not accepted")
    RETURNED = "returned", _("Returned to the agency")
    WITHDRAWN = "withdrawn", _("Not transferred")


class CriminalOutcome(models.TextChoices):
    PENDING = "", pgettext_lazy("criminal outcome", "Pending")
    CASE_FILED = "case_filed", _("Criminal case filed")
    NOT_FILED = "not_filed", _("No criminal case filed")
    PROSECUTED = "prosecuted", _("Prosecuted")
    CONVICTED = "convicted", _("Convicted")
    ACQUITTED = "acquitted", _("Acquitted or dropped")


class MeetingKind(models.TextChoices):
    CONSULTATION = "consultation", _("Major-case consultation")
    CIRCULAR = "circular", _("Circular")


class SupervisionLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    MUNICIPAL = "municipal", _("Municipal")
    DISTRICT = "district", _("District")


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")


class MediationOutcome(models.TextChoices):
    PENDING = "", _("In progress")
    AGREEMENT = "agreement", _("Agreement reached")
    FAILED = "failed", _("No agreement")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class OfficerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    LEFT = "left", _("Left enforcement")
