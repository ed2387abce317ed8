"""Demo transfers and licences: about 60 transactions from 2021 to 2025 among the demo
organizations and patents.

Most are recorded as a person would (by hand or from an imported sheet): enterprises licensing
to each other, universities assigning to district enterprises, district enterprises acquiring
rights from holders outside the district. Others come from dated transfer and licence events
added to demo patents and derived through `deals.derive_from_legal_events`, two of which
describe transactions already recorded by hand and are linked to them rather than counted again.
A few events carry no date, so the review page has something to show.

Deterministic (a fixed seed) and loaded once: when any transaction exists (other than those
the marketplace demo concludes) nothing is added.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

SEED = 2025
YEARS = range(2021, 2026)


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _date(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, rng.randint(1, 12), rng.randint(1, 28))


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 10, high * 10)) / 10


def load(stdout=None) -> None:
    from ipcity.orgs.choices import OrganizationKind
    from ipcity.orgs.models import Organization
    from ipcity.rights.models import LegalEvent, PatentHolder

    from .. import deals
    from ..choices import TransactionKind, TransactionOrigin
    from ..models import Transaction

    if Transaction.objects.exclude(origin=TransactionOrigin.MARKETPLACE).exists():
        return
    rng = random.Random(SEED)
    demo = Organization.objects.filter(name__startswith="示例", name__endswith="（演示）")
    universities = list(demo.filter(kind=OrganizationKind.UNIVERSITY).order_by("pk"))
    enterprises = list(
        demo.filter(kind=OrganizationKind.ENTERPRISE, uscc__startswith="91")
        .exclude(uscc_warning__gt="")
        .order_by("pk")[:120]
    )
    # Holders of demo patents: district enterprises and the holders outside the district.
    links = list(
        PatentHolder.objects.filter(position=1, organization__in=demo)
        .select_related("patent", "organization")
        .order_by("patent__application_number")
    )
    if not (universities and enterprises and links):
        return
    district_ids = {e.pk for e in enterprises}
    by_holder: dict[int, list] = {}
    for link in links:
        by_holder.setdefault(link.organization_id, []).append(link.patent)
    outside = [
        link.organization
        for link in links
        if link.organization_id not in district_ids
        and link.organization.kind == OrganizationKind.ENTERPRISE
        and "北京市通州区" not in (link.organization.address or "")
        and link.organization.address
    ]
    outside = list({o.pk: o for o in outside}.values())
    holders = [e for e in enterprises if by_holder.get(e.pk)]
    # The demo enterprise account's organization (the first demo enterprise).
    first = min(enterprises, key=lambda e: e.pk)
    used: set[int] = set()

    def patent_of(org):
        for patent in by_holder.get(org.pk, []):
            if patent.pk not in used:
                used.add(patent.pk)
                return patent
        return None

    licences = [
        TransactionKind.EXCLUSIVE_LICENCE,
        TransactionKind.SOLE_LICENCE,
        TransactionKind.ORDINARY_LICENCE,
        TransactionKind.ORDINARY_LICENCE,
        TransactionKind.OPEN_LICENCE,
    ]
    count = 0
    serial = 0

    def record(kind, assignor, assignee, patent, year, origin, **extra):
        nonlocal count, serial
        if patent is None:
            return None
        serial += 1
        signed = dt.date(year, rng.randint(1, 10), rng.randint(1, 28))
        registered = signed + dt.timedelta(days=rng.randint(10, 60))
        is_licence = kind != TransactionKind.ASSIGNMENT
        fields = {
            "kind": kind,
            "assignor": assignor,
            "assignee": assignee,
            "patents": [patent],
            "amount": _amount(rng, 2, 200) if is_licence else _amount(rng, 5, 500),
            "contract_date": signed,
            "registration_date": registered,
            "registration_number": f"{year}11{serial:09d}" if is_licence else "",
            "origin": origin,
            "notes": "演示数据",
        }
        if is_licence:
            fields["start_date"] = registered
            fields["end_date"] = registered.replace(year=registered.year + rng.choice([3, 5]))
        fields.update(extra)
        deal = deals.record_transaction(None, **fields)
        count += 1
        return deal

    with transaction.atomic():
        for year in YEARS:
            # Licences between district enterprises (the licensor holds the patent).
            for _n in range(5):
                licensor = rng.choice(holders)
                licensee = rng.choice([e for e in enterprises if e.pk != licensor.pk])
                origin = TransactionOrigin.IMPORT if _n >= 3 else TransactionOrigin.MANUAL
                record(rng.choice(licences), licensor, licensee, patent_of(licensor), year, origin)
            # A university assigns a patent to a district enterprise (now its holder).
            for _n in range(2):
                buyer = rng.choice(holders)
                record(
                    TransactionKind.ASSIGNMENT,
                    rng.choice(universities),
                    buyer,
                    patent_of(buyer),
                    year,
                    TransactionOrigin.MANUAL,
                )
            # A district enterprise acquires a patent from outside the district.
            if outside:
                buyer = rng.choice(holders)
                record(
                    TransactionKind.ASSIGNMENT,
                    rng.choice(outside),
                    buyer,
                    patent_of(buyer),
                    year,
                    TransactionOrigin.MANUAL,
                )
                seller = rng.choice(outside)
                record(
                    TransactionKind.ORDINARY_LICENCE,
                    seller,
                    rng.choice(enterprises),
                    patent_of(seller),
                    year,
                    TransactionOrigin.IMPORT,
                )

        # The demo enterprise account's own deals, so its user sees more than one record.
        licensor = rng.choice([h for h in holders if h.pk != first.pk])
        record(
            TransactionKind.SOLE_LICENCE,
            licensor,
            first,
            patent_of(licensor),
            2024,
            TransactionOrigin.MANUAL,
        )
        record(
            TransactionKind.ASSIGNMENT,
            universities[0],
            first,
            patent_of(first) or patent_of(licensor),
            2025,
            TransactionOrigin.MANUAL,
        )

        # The registry's side: dated transfer and licence events on demo patents.
        events = []
        for year in YEARS:
            for _n in range(3):
                holder = rng.choice(holders)
                patent = patent_of(holder)
                if patent is None:
                    continue
                buyer = rng.choice([e for e in enterprises if e.pk != holder.pk])
                kind = "transfer" if _n < 2 else "licence"
                detail = "许可类型：普通许可（演示）" if kind == "licence" else "专利权转移（演示）"
                events.append(
                    LegalEvent(
                        patent=patent,
                        kind=kind,
                        date=_date(rng, year),
                        counterparty=buyer.name,
                        detail=detail,
                    )
                )
        # Two events that describe transactions already recorded by hand: linked, not counted.
        recorded = list(
            Transaction.objects.filter(origin=TransactionOrigin.MANUAL, assignee__isnull=False)
            .prefetch_related("patents")
            .order_by("pk")[:2]
        )
        for deal in recorded:
            events.append(
                LegalEvent(
                    patent=deal.patents.all()[0],
                    kind="transfer" if deal.kind == TransactionKind.ASSIGNMENT else "licence",
                    date=deal.registration_date + dt.timedelta(days=5),
                    counterparty=deal.assignee_name,
                    detail=deal.registration_number or "专利权转移（演示）",
                )
            )
        # And events the registry published without a date: reported, never guessed.
        for _n in range(3):
            holder = rng.choice(holders)
            patent = patent_of(holder)
            if patent is not None:
                events.append(
                    LegalEvent(
                        patent=patent,
                        kind="transfer",
                        date=None,
                        counterparty=rng.choice(enterprises).name,
                        detail="转让次数 1（演示，无日期）",
                    )
                )
        for event in events:
            event.save()
        result = deals.derive_from_legal_events(None, {e.patent_id for e in events})
    _say(
        stdout,
        f"{count + result['created']} demo transactions "
        f"({result['created']} derived, {result['linked']} linked, {result['undated']} undated)",
    )
