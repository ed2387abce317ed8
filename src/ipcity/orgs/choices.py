from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    GOVERNMENT = "government", _("Government unit")
    STREET_TOWN = "street_town", _("Street or town office")
    ENTERPRISE = "enterprise", _("Enterprise")
    UNIVERSITY = "university", _("University or research institute")
    SERVICE = "service", _("Service institution")
    FINANCIAL = "financial", _("Financial institution")
    JUDICIAL = "judicial", _("Court, procuratorate or police")
    OTHER = "other", _("Other")


class RegionKind(models.TextChoices):
    PROVINCE = "province", _("Province-level")
    CITY = "city", _("Prefecture-level")
    DISTRICT = "district", _("District or county")
    STREET = "street", _("Street")
    TOWN = "town", _("Town")
    TOWNSHIP = "township", _("Township")
    ETHNIC_TOWNSHIP = "ethnic_township", _("Ethnic township")
    OTHER = "other", _("Other")
