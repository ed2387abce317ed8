from django.db import models
from django.utils.translation import gettext_lazy as _


class Denominator(models.TextChoices):
    NONE = "none", _("None (a count)")
    POPULATION = "population", _("Year-end resident population, per 10,000")


class Dimension(models.TextChoices):
    TOTAL = "total", _("District total")
    STREET = "street", _("Street or town")
    INDUSTRY = "industry", _("Industry (GB/T 4754 section)")
    HOLDER_KIND = "holder_kind", _("Holder type")
    PATENT_TYPE = "patent_type", _("Patent type")
    CRITERION = "criterion", _("High-value criterion")
    KIND = "kind", _("Kind")
    HOLDER = "holder", _("Holder")
    SOURCE = "source", _("Source")
    ORIGIN = "origin", _("How it was recorded")


# GB/T 4754-2017 sections and the two-digit divisions each covers, so a four-digit class code
# ("3911") and a lettered one ("C39") fold into the same section.
INDUSTRY_SECTIONS = {
    "A": (_("Agriculture, forestry, animal husbandry and fishery"), range(1, 6)),
    "B": (_("Mining"), range(6, 13)),
    "C": (_("Manufacturing"), range(13, 44)),
    "D": (_("Electricity, heat, gas and water supply"), range(44, 47)),
    "E": (_("Construction"), range(47, 51)),
    "F": (_("Wholesale and retail"), range(51, 53)),
    "G": (_("Transport, storage and post"), range(53, 61)),
    "H": (_("Accommodation and catering"), range(61, 63)),
    "I": (_("Information transmission, software and IT services"), range(63, 66)),
    "J": (_("Finance"), range(66, 70)),
    "K": (_("Real estate"), range(70, 71)),
    "L": (_("Leasing and business services"), range(71, 73)),
    "M": (_("Scientific research and technical services"), range(73, 76)),
    "N": (_("Water, environment and public facilities management"), range(76, 80)),
    "O": (_("Resident services, repair and other services"), range(80, 83)),
    "P": (_("Education"), range(83, 84)),
    "Q": (_("Health and social work"), range(84, 86)),
    "R": (_("Culture, sports and entertainment"), range(86, 91)),
    "S": (_("Public administration, social security and social organizations"), range(91, 97)),
    "T": (_("International organizations"), range(97, 98)),
}


def industry_section(prefix: str | None) -> str:
    """The GB/T 4754 section letter of an industry code's first two characters ("" if unknown)."""
    prefix = (prefix or "").strip().upper()
    if not prefix:
        return ""
    if prefix[0].isalpha():
        return prefix[0] if prefix[0] in INDUSTRY_SECTIONS else ""
    if prefix[:2].isdigit():
        division = int(prefix[:2])
        for letter, (_label, divisions) in INDUSTRY_SECTIONS.items():
            if division in divisions:
                return letter
    return ""


def section_prefixes(letter: str) -> list[str]:
    """The two-character code starts that belong to a section: its divisions and "C0".."C9"."""
    _label, divisions = INDUSTRY_SECTIONS[letter]
    return [f"{d:02d}" for d in divisions] + [f"{letter}{d}" for d in range(10)] + [letter]
