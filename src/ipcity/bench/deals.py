"""Transfers and licences, and pledges, for the benchmark data set.

Each row names the rights the plan reserved for it, held by its assignor or pledgor and in force.
Transactions carry the source flags `utilization.deals.set_flags` derives from where the parties
stand, and are linked to the undated transfer or licence event their patents' export rows
produced (as the office links them). Patents' `pledge_amount` was written with the patents (the
equal shares of `utilization.pledges.sync_patents`), so nothing here updates them; active
pledges pledge only valid patents their pledgor holds, so `utilization.risks.scan` finds nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from .database import NOW, Database, amount
from .world import REFERENCE_DATE, Plan


def _days(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(low, high))


def _base(db: Database, patents, trademarks) -> dt.date:
    """The day the last of these rights was granted or registered."""
    days = [db.registry.patents[i][2] for i in patents]
    days += [db.registry.trademarks[i][2] for i in trademarks]
    return max(d for d in days if d)


def write_transactions(db: Database, plan: Plan, progress, chunk: int) -> tuple[int, int]:
    from ipcity.orgs.choices import OrganizationKind as K
    from ipcity.rights.choices import LegalEventKind as E
    from ipcity.utilization.models import Transaction
    from ipcity.utilization.models.transfers import TransactionEvent

    rng = random.Random(f"{db.seed}:transactions")
    world, pks = db.world, db.org_pks
    latest = REFERENCE_DATE - dt.timedelta(days=20)
    total = len(plan.deals)
    links = 0
    for start in range(0, total, chunk):
        deals, rights = [], []
        for number in range(start, min(total, start + chunk)):
            d = plan.deals[number]
            base = _base(db, d.patents, d.trademarks)
            contract = min(base + _days(rng, 30, 1500), latest)
            registered = None
            if rng.random() < 0.8:
                registered = min(contract + _days(rng, 10, 90), REFERENCE_DATE)
            licence = d.kind != "assignment"
            begins = ends = None
            if licence:
                begins = contract
                ends = begins + dt.timedelta(days=365 * rng.randint(1, 5))
            assignor, assignee = world.orgs[d.assignor], world.orgs[d.assignee]
            a, b = db.placed(d.assignor), db.placed(d.assignee)
            party = d.assignee if b.inside is True else d.assignor if a.inside else None
            when = registered or contract
            deals.append(
                Transaction(
                    kind=d.kind,
                    assignor_id=pks[d.assignor],
                    assignor_name=assignor.name,
                    assignee_id=pks[d.assignee],
                    assignee_name=assignee.name,
                    amount=amount(rng, 5, 800) if rng.random() < 0.9 else None,
                    contract_date=contract,
                    start_date=begins,
                    end_date=ends,
                    registration_number=(
                        f"X{when.year}99{number + 1:07d}" if licence and registered else ""
                    ),
                    registration_date=registered,
                    year=when.year,
                    from_university=(
                        assignor.kind == K.UNIVERSITY
                        and assignee.kind == K.ENTERPRISE
                        and b.inside is True
                    ),
                    from_outside=b.inside is True and a.inside is False,
                    has_district_party=party is not None,
                    district_region_id=db.placed(party).place_region_id
                    if party is not None
                    else None,
                    origin="import" if rng.random() < 0.7 else "manual",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            rights.append(d)
        with transaction.atomic():
            Transaction.objects.bulk_create(deals)
            by_patent, by_mark, events = [], [], []
            Through, MarkThrough = Transaction.patents.through, Transaction.trademarks.through
            for deal, d in zip(deals, rights, strict=True):
                kind = E.TRANSFER if d.kind == "assignment" else E.LICENCE
                for index in d.patents:
                    patent_pk, _number, _granted, event_pks = db.registry.patents[index]
                    by_patent.append(Through(transaction_id=deal.pk, patent_id=patent_pk))
                    events.append(
                        TransactionEvent(
                            transaction_id=deal.pk,
                            legal_event_id=event_pks[kind],
                            share=1,
                            created_at=NOW,
                        )
                    )
                for index in d.trademarks:
                    mark_pk = db.registry.trademarks[index][0]
                    by_mark.append(MarkThrough(transaction_id=deal.pk, trademark_id=mark_pk))
            Through.objects.bulk_create(by_patent)
            MarkThrough.objects.bulk_create(by_mark)
            TransactionEvent.objects.bulk_create(events)
            links += len(by_patent) + len(by_mark)
        progress.step("transactions", min(total, start + chunk), total)
    return total, links


def write_pledges(db: Database, plan: Plan, progress, chunk: int) -> tuple[int, int]:
    from ipcity.utilization.models import Pledge

    rng = random.Random(f"{db.seed}:pledges")
    pks = db.org_pks
    latest = REFERENCE_DATE - dt.timedelta(days=5)
    total = len(plan.pledges)
    links = 0
    for start in range(0, total, chunk):
        pledges, planned = [], []
        for number in range(start, min(total, start + chunk)):
            p = plan.pledges[number]
            base = _base(db, p.patents, p.trademarks)
            registered = min(base + _days(rng, 30, 1200), latest)
            begins = registered - _days(rng, 0, 15)
            ends = begins + dt.timedelta(days=365 * rng.randint(1, 3))
            released = None
            if p.status == "released":
                released = ends if ends < REFERENCE_DATE else None
                if released is None:
                    span = max(1, (REFERENCE_DATE - registered).days)
                    released = registered + dt.timedelta(days=rng.randint(1, span))
            pledges.append(
                Pledge(
                    pledgor_id=pks[p.pledgor],
                    pledgee_id=pks[p.pledgee],
                    contract_number=f"ZY{registered.year}{number + 1:07d}",
                    debt_kind="流动资金贷款",
                    amount=p.amount,
                    term_start=begins,
                    term_end=ends,
                    registration_number=f"Y{registered.year}99{number + 1:07d}",
                    registration_date=registered,
                    status=p.status,
                    release_date=released,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            planned.append(p)
        with transaction.atomic():
            Pledge.objects.bulk_create(pledges)
            Through, MarkThrough = Pledge.patents.through, Pledge.trademarks.through
            by_patent, by_mark = [], []
            for pledge, p in zip(pledges, planned, strict=True):
                by_patent += [
                    Through(pledge_id=pledge.pk, patent_id=db.registry.patents[i][0])
                    for i in p.patents
                ]
                by_mark += [
                    MarkThrough(pledge_id=pledge.pk, trademark_id=db.registry.trademarks[i][0])
                    for i in p.trademarks
                ]
            Through.objects.bulk_create(by_patent)
            MarkThrough.objects.bulk_create(by_mark)
            links += len(by_patent) + len(by_mark)
        progress.step("pledges", min(total, start + chunk), total)
    return total, links
