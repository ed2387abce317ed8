"""Choices of the service mechanism (tasks 14-17)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InstitutionKind(models.TextChoices):
    PATENT_AGENCY = "patent_agency", _("Patent agency")
    TRADEMARK_AGENCY = "trademark_agency", _("Trademark agency")
    LAW_FIRM = "law_firm", _("Law firm")
    APPRAISER = "appraiser", _("Appraisal firm")
    BANK = "bank", _("Bank")
    INSURER = "insurer", _("Insurer")
    PROTECTION_CENTER = "protection_center", _("IP protection centre branch")
    SERVICE_HALL = "service_hall", _("Service hall workstation")
    SERVICE_POINT = "service_point", _("Public service point")
    OTHER = "other", _("Other")


class ServiceKind(models.TextChoices):
    """What a request asks for, and what an institution offers (plan task 15, DOMAIN.md §9)."""

    CONSULTATION = "consultation", _("Consultation")
    RIGHTS_PROTECTION = "rights_protection", _("Rights-protection assistance")
    MEDIATION = "mediation", _("Dispute mediation")
    POLICY_BRIEFING = "policy_briefing", _("Policy briefing")
    EARLY_WARNING = "early_warning", _("Early-warning analysis")
    OVERSEAS = "overseas", _("Overseas rights protection")
    FINANCING = "financing", _("Financing matchmaking")
    AGENCY = "agency", pgettext_lazy("service", "Filing agency")
    VALUATION = "valuation", _("Valuation")
    TRAINING = "training", _("Training")


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ASSIGNED = "assigned", _("Assigned to a service point")
    IN_PROGRESS = "in_progress", _("In progress")
    ANSWERED = "answered", _("Answered")
    HANDED_OVER = "handed_over", _("Handed over to enforcement")
    CLOSED = "closed", pgettext_lazy("request", "Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DECLINED = "declined", _("Declined")


class RequestEventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ASSIGNED = "assigned", _("Assigned")
    REASSIGNED = "reassigned", _("Reassigned")
    STARTED = "started", _("Started")
    NOTE = "note", _("Note")
    ANSWERED = "answered", _("Answered")
    HANDED_OVER = "handed_over", _("Handed over to enforcement")
    RATED = "rated", _("Rated")
    CLOSED = "closed", pgettext_lazy("request", "Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DECLINED = "declined", _("Declined")
    REOPENED = "reopened", _("Reopened")


class EventKind(models.TextChoices):
    PUBLICITY_WEEK = "publicity_week", _("IP publicity week")
    PATENT_WEEK = "patent_week", _("China Patent Week")
    SEMINAR = "seminar", _("Seminar or lecture")
    MEDIA = "media", _("Media piece")
    EXHIBITION = "exhibition", _("Exhibition")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    ONSITE = "onsite", _("On site")
    ONLINE = "online", _("Online")
    TV = "tv", _("Television")
    NEWSPAPER = "newspaper", _("Newspaper")
    WECHAT = "wechat", _("WeChat account")
    WEBSITE = "website", _("Website")
    SHORT_VIDEO = "short_video", _("Short video")
    OTHER = "other", _("Other")


class TalentKind(models.TextChoices):
    PATENT_AGENT = "patent_agent", _("Patent agent")
    IP_LAWYER = "ip_lawyer", _("IP lawyer")
    IP_MANAGER = "ip_manager", _("Enterprise IP manager")
    APPRAISER = "appraiser", _("Appraiser")
    ENFORCEMENT = "enforcement", _("Enforcement staff")
    OPERATIONS = "operations", _("IP operations specialist")
    OTHER = "other", _("Other")


class NoticeKind(models.TextChoices):
    POLICY = "policy", _("Policy")
    NOTICE = "notice", pgettext_lazy("publication", "Notice")
    NEWS = "news", _("News")
    GUIDE = "guide", _("Service guide")
