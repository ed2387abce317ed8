"""Choices of the incentive programs (plan task 13)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", pgettext_lazy("program", "Closed")


class RuleKind(models.TextChoices):
    """What a rule rewards. The kind decides which record an item refers to and how its amount
    is computed (incentives/rules.py); the figures are the rule's data."""

    INVENTION_GRANT = "invention_grant", _("Invention patent granted")
    UTILITY_GRANT = "utility_grant", _("Utility model granted")
    DESIGN_GRANT = "design_grant", _("Design patent granted")
    HIGH_VALUE_INVENTION = "high_value_invention", _("High-value invention patent")
    TRADEMARK_REGISTRATION = "trademark_registration", _("Trademark registered")
    GBT29490_CERTIFICATE = "gbt29490_certificate", _("GB/T 29490 certificate")
    DESIGNATION = "designation", _("IP advantage or demonstration enterprise designation")
    PLEDGE_INTEREST = "pledge_interest", _("Pledge-loan interest subsidy")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting first review")
    FIRST_PASSED = "first_passed", _("Awaiting second review")
    SECOND_PASSED = "second_passed", _("Awaiting approval")
    APPROVED = "approved", _("Approved, awaiting public notice")
    IN_NOTICE = "in_notice", _("In public notice")
    CONFIRMED = "confirmed", _("Confirmed, awaiting payment")
    PAID = "paid", _("Paid")
    RETURNED = "returned", _("Returned for correction")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReviewStage(models.TextChoices):
    FIRST = "first", _("First review")
    SECOND = "second", _("Second review")
    APPROVAL = "approval", _("Approval")


class ReviewDecision(models.TextChoices):
    PASS = "pass", _("Pass")
    RETURN = "return", _("Return for correction")
    REJECT = "reject", _("Reject")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("In notice period")
    ENDED = "ended", _("Ended")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")
