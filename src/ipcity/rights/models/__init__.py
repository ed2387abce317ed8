from .highvalue import HighValueRuleSet, SEIConcordance
from .other import Copyright, GeographicalIndication, PlantVarietyRight, SoftwareLegalizationCheck
from .patents import LegalEvent, Patent, PatentHolder
from .trademarks import Trademark

__all__ = [
    "Copyright",
    "GeographicalIndication",
    "HighValueRuleSet",
    "LegalEvent",
    "Patent",
    "PatentHolder",
    "PlantVarietyRight",
    "SEIConcordance",
    "SoftwareLegalizationCheck",
    "Trademark",
]
