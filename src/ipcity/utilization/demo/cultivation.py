"""Demo cultivation records: designations of about twenty demo enterprises (those holding the
most valid invention patents after the registry demo), their reported facts, a cultivation pool
with entries at every stage evaluated against the criteria, and the support given to them.

Deterministic (a fixed seed) and loaded once: when any designation or pool entry exists, nothing
is added.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

SEED = 2025
ENTERPRISES = 24

# (kind, level, first year, validity in years or None)
DESIGNATION_PLAN = [
    ("high_tech", "national", 2022, 3),
    ("high_tech", "national", 2023, 3),
    ("specialized_sme", "municipal", 2023, 3),
    ("ip_advantage", "district", 2022, 3),
    ("high_tech", "national", 2021, 3),
    ("ip_advantage", "municipal", 2023, 3),
    ("specialized_sme", "municipal", 2024, 3),
    ("little_giant", "national", 2023, 3),
    ("ip_demonstration", "district", 2024, 3),
    ("benchmark", "district", 2024, None),
]
SOURCES = {
    "high_tech": "京科发〔{year}〕{n}号（演示）",
    "specialized_sme": "京经信发〔{year}〕{n}号（演示）",
    "little_giant": "工信部企业函〔{year}〕{n}号（演示）",
    "ip_advantage": "通知识产权发〔{year}〕{n}号（演示）",
    "ip_demonstration": "通知识产权发〔{year}〕{n}号（演示）",
    "benchmark": "通市监发〔{year}〕{n}号（演示）",
}
SUPPORT = [
    ("funding", "知识产权优势企业培育专项资金（演示）", (10, 50)),
    ("training", "企业知识产权管理体系贯标培训（演示）", None),
    ("consulting", "高价值专利培育诊断服务（演示）", None),
    ("talent", "知识产权专员引进对接（演示）", None),
    ("technology", "高校专利技术对接会（演示）", None),
    ("funding", "专利导航项目资助（演示）", (5, 30)),
]


def load(stdout=None) -> dict:
    from django.db import transaction

    from ..models import Designation, PoolEntry

    if Designation.objects.exists() or PoolEntry.objects.exists():
        return {"designations": 0}
    with transaction.atomic():
        summary = _load()
    if stdout is not None:
        stdout.write(
            "Cultivation: {designations} designations, {facts} facts, {entries} pool entries, "
            "{support} support records".format(**summary)
        )
    return summary


def _enterprises() -> tuple[list, list]:
    """Demo enterprises of the district, those holding the most valid invention patents first:
    (those the certification demo certifies, the others)."""
    from django.db.models import Count, Q

    from ipcity.orgs.choices import OrganizationKind
    from ipcity.orgs.models import Organization

    from .certification import COUNT as CERTIFIED

    demo = Organization.objects.filter(
        kind=OrganizationKind.ENTERPRISE, name__startswith="示例", name__endswith="（演示）"
    ).exclude(uscc="")
    certified = set(demo.order_by("pk").values_list("pk", flat=True)[:CERTIFIED])
    valid_inventions = Q(
        patent_links__patent__patent_type="invention",
        patent_links__patent__legal_status="valid",
    )
    ranked = demo.annotate(inventions=Count("patent_links", filter=valid_inventions)).order_by(
        "-inventions", "pk"
    )
    return (
        list(ranked.filter(pk__in=certified)),
        list(ranked.exclude(pk__in=certified)[:ENTERPRISES]),
    )


def _office():
    from ipcity.orgs.models import Organization

    return (
        Organization.objects.filter(name__endswith="市场监督管理局（知识产权局）")
        .order_by("pk")
        .first()
    )


def _load() -> dict:
    from simple_history.utils import bulk_create_with_history

    from .. import criteria
    from ..models import Certificate, Designation, EnterpriseFacts, PoolEntry, SupportRecord
    from . import certification

    rng = random.Random(SEED)
    if not Certificate.objects.exists():
        # The pool is evaluated against GB/T 29490 certificates too: bring the certification
        # demo in first (it is idempotent, keyed by certificate number).
        certification.load()
    certified, others = _enterprises()
    # Twelve certified enterprises and twelve others, most inventions first.
    enterprises = [o for pair in zip(certified[:12], others[:12], strict=False) for o in pair]
    rest = [o for o in certified[12:] + others[12:] if o not in enterprises]
    enterprises += rest[: ENTERPRISES - len(enterprises)]
    if not enterprises:
        return {"designations": 0, "facts": 0, "entries": 0, "support": 0}
    today = timezone.localdate()

    designations = []
    for n, org in enumerate(enterprises[:20]):
        kind, level, year, years = DESIGNATION_PLAN[n % len(DESIGNATION_PLAN)]
        year = min(year + n // len(DESIGNATION_PLAN), today.year)
        start = dt.date(year, rng.randint(9, 12), rng.randint(1, 28))
        designations.append(
            Designation(
                organization=org,
                kind=kind,
                level=level,
                year=year,
                valid_from=start,
                valid_until=start.replace(year=start.year + years) if years else None,
                certificate_number=f"GR{year}1100{rng.randint(1000, 9999)}"
                if kind == "high_tech"
                else "",
                source_document=SOURCES[kind].format(year=year, n=rng.randint(10, 99)),
            )
        )
    bulk_create_with_history(designations, Designation)

    facts = []
    for n, org in enumerate(enterprises):
        if n % 7 == 6:
            continue  # a few enterprises have not reported: their R&D criteria stay "no data"
        employees = rng.randint(40, 600)
        revenue = Decimal(rng.randint(800, 60000))
        for year in (today.year - 2, today.year - 1):
            facts.append(
                EnterpriseFacts(
                    organization=org,
                    year=year,
                    employees=employees,
                    rd_staff=max(3, int(employees * rng.uniform(0.05, 0.35))),
                    revenue=revenue,
                    rd_expense=(revenue * Decimal(str(round(rng.uniform(0.02, 0.12), 3)))).quantize(
                        Decimal("0.01")
                    ),
                    source="企业年报（演示）",
                )
            )
    bulk_create_with_history(facts, EnterpriseFacts)

    # The pool: the district IP advantage track at every stage, a few demonstration candidates.
    stages = ["candidate"] * 7 + ["cultivated"] * 5 + ["designated"] * 3 + ["withdrawn"]
    entries = []
    for org, stage in zip(enterprises[4:], stages, strict=False):
        entries.append(
            PoolEntry(
                organization=org,
                target_kind="ip_advantage",
                target_level="district",
                stage=stage,
                year=today.year - (1 if stage in ("cultivated", "designated") else 0),
                notes="" if stage != "withdrawn" else "企业迁出本区（演示）",
            )
        )
    for org in enterprises[:3]:
        entries.append(
            PoolEntry(
                organization=org,
                target_kind="ip_demonstration",
                target_level="district",
                stage="candidate",
                year=today.year,
            )
        )
    entries = bulk_create_with_history(entries, PoolEntry)
    entries = list(PoolEntry.objects.select_related("organization").order_by("pk"))
    for entry in entries:
        if entry.stage == "designated":
            # Only a designation in force is linked (as pool.move_stage requires).
            designation = Designation.objects.filter(
                criteria.designation_valid_q(today),
                organization=entry.organization,
                kind="ip_advantage",
                level="district",
            ).first()
            if designation is None:
                designation, _created = Designation.objects.update_or_create(
                    organization=entry.organization,
                    kind="ip_advantage",
                    level="district",
                    year=today.year - 1,
                    defaults={
                        "valid_from": dt.date(today.year - 1, 12, 1),
                        "valid_until": dt.date(today.year + 2, 11, 30),
                        "source_document": SOURCES["ip_advantage"].format(
                            year=today.year - 1, n=36
                        ),
                    },
                )
            entry.designation = designation
            entry.save(update_fields=["designation"])
    criteria.evaluate_entries(entries)

    office = _office()
    support = []
    for n, entry in enumerate(e for e in entries if e.stage in ("cultivated", "designated")):
        for k in range(2 + n % 2):
            kind, title, amount = SUPPORT[(n + k) % len(SUPPORT)]
            support.append(
                SupportRecord(
                    organization=entry.organization,
                    kind=kind,
                    date=dt.date(today.year - 1, rng.randint(3, 12), rng.randint(1, 28)),
                    amount=Decimal(rng.randint(*amount)) if amount else None,
                    title=title,
                    description="区知识产权局组织实施（演示）",
                    provider=office,
                    pool_entry=entry,
                )
            )
    bulk_create_with_history(support, SupportRecord)
    return {
        "designations": Designation.objects.count(),
        "facts": len(facts),
        "entries": len(entries),
        "support": len(support),
    }
