from .attribution import HolderAttribution
from .highvalue import HighValueRuleSet, SEIConcordance
from .other import Copyright, GeographicalIndication, PlantVarietyRight, SoftwareLegalizationCheck
from .patents import LegalEvent, Patent, PatentHolder
from .trademarks import Trademark

__all__ = [
    "Copyright",
    "GeographicalIndication",
    "HighValueRuleSet",
    "HolderAttribution",
    "LegalEvent",
    "Patent",
    "PatentHolder",
    "PlantVarietyRight",
    "SEIConcordance",
    "SoftwareLegalizationCheck",
    "Trademark",
]
