"""Demo data for plans: the district's pilot plan as issued, read by the same parser a person
uses, with a synthetic division of work over the demo member units.

Idempotent: the plan is keyed by its document number, so loading again changes nothing. The
division is invented for the demo (the real table is an attachment the seed does not carry);
one cooperating unit, 区融媒体中心, deliberately matches no demo organization so the plan's page
shows how an unmatched unit is resolved.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import transaction
from django.utils import timezone

SEED = Path(__file__).resolve().parent / "data" / "tongzhou-ip-pilot-plan-2024.txt"

OFFICE = "区市场监督管理局（区知识产权局）"
STC = "区科学技术委员会"
ECON = "区经济和信息化局"
COMMERCE = "区商务局"
CULTURE = "区文化和旅游局"
POLICE = "区公安分局"

# task number → (lead units, cooperating units, deadline in days from today or None for 长期)
DIVISION = {
    1: ([OFFICE], [STC, ECON], 120),
    2: ([OFFICE], [COMMERCE], 200),
    3: (["区农业农村局"], [OFFICE], 300),
    4: (["区委宣传部（区版权局）"], [CULTURE, ECON], 5),
    5: ([OFFICE], [STC], 365),
    6: ([OFFICE], [ECON], -10),
    7: ([STC], [OFFICE, "区教育委员会"], 240),
    8: ([OFFICE], ["区财政局", "区发展和改革委员会"], 150),
    9: ([OFFICE], [POLICE, "区人民法院", "区人民检察院", "区司法局"], 60),
    10: ([OFFICE], [POLICE, CULTURE, "区农业农村局"], None),
    11: ([OFFICE], [], 30),
    12: ([OFFICE], [POLICE, CULTURE], 400),
    13: ([OFFICE], ["区财政局"], 8),
    14: ([OFFICE], [COMMERCE, "区发展和改革委员会"], 180),
    15: ([OFFICE], ["区政务服务中心"], None),
    16: (["区委宣传部（区版权局）"], [OFFICE, "区融媒体中心"], 90),
    17: (["区人力资源和社会保障局"], [OFFICE, "区教育委员会"], 500),
}


@transaction.atomic
def load_plan_demo(today: dt.date | None = None):
    """Load the seed plan with its demo division; returns the plan, or None when it exists."""
    from .actions_import import match_units, save_parsed_plan
    from .matching import UnitMatcher
    from .models import Plan
    from .parsing import parse_text

    text = SEED.read_text(encoding="utf-8")
    parsed = parse_text(text)
    if Plan.objects.filter(doc_number=parsed["doc_number"]).exists():
        return None
    today = today or timezone.localdate()
    for task in parsed["tasks"]:
        lead, co, days = DIVISION.get(task["number"], ([], [], None))
        task["lead_units"], task["co_units"] = list(lead), list(co)
        task["deadline"] = (today + dt.timedelta(days=days)).isoformat() if days else None
    parsed["units"] = match_units(parsed, UnitMatcher())
    return save_parsed_plan(None, parsed, text)
