"""Writing the generated world into the database: organizations, patents with their holders and
legal events, trademarks. Rows are built in chunks and written with `bulk_create`.

Derived fields are computed here set-wise, by the project's own functions, so the rows are those
the real paths would leave: district attribution (`rights.attribution.District.decide`),
`search_text` (`rights.search`), the high-value classification (`rights.highvalue.classify`),
and where a party stands (`utilization.parties`' signals).
"""

from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from .patents import PatentRecord, SearchText
from .world import REFERENCE_DATE, World

# Every created_at/updated_at the generator writes: noon of the reference day in Beijing.
NOW = dt.datetime(2026, 6, 30, 4, 0, tzinfo=dt.UTC)


@contextmanager
def fixed_timestamps(models):
    """Let bulk_create write the timestamps we set instead of the clock's (auto_now and
    auto_now_add are switched off on these models' fields for the duration)."""
    saved = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@dataclass
class Placed:
    """Where an organization's own record places it (utilization.parties._by_record)."""

    attribution: str
    inside: bool | None
    region_id: int | None  # the street or town of the decision
    place_region_id: int | None  # deals.set_flags' place(): recorded region, else the address's


@dataclass
class Registry:
    """What later tables need of the rights written: by patent / trademark index."""

    patents: dict[int, tuple] = field(default_factory=dict)  # pk, number, grant, events
    trademarks: dict[int, tuple] = field(default_factory=dict)  # pk, number, registered


class Database:
    """The database side of one generation run."""

    def __init__(self, world: World, seed: int):
        from ipcity.orgs.models import Region
        from ipcity.rights.attribution import District

        self.world = world
        self.seed = seed
        self.district = District.load()
        self.region_pks = dict(Region.objects.values_list("code", "pk"))
        self.org_pks: list[int] = []
        self.registry = Registry()
        self._placed: dict[int, Placed] = {}
        self._decisions: dict[tuple, tuple] = {}

    # -- organizations ----------------------------------------------------------------------

    def write_organizations(self, progress, chunk: int) -> int:
        from django.db.models import CharField, Value
        from django.db.models.functions import Cast, Concat

        from ipcity.orgs.models import Organization

        orgs = self.world.orgs
        for start in range(0, len(orgs), chunk):
            rows = [
                Organization(
                    kind=o.kind,
                    name=o.name,
                    short_name=o.short_name,
                    uscc=o.uscc,
                    region_id=self.region_pks.get(o.region_code) if o.region_code else None,
                    address=o.address,
                    industry=o.industry,
                    phone=o.phone,
                    path="",
                    created_at=NOW,
                    updated_at=NOW,
                )
                for o in orgs[start : start + chunk]
            ]
            with transaction.atomic():
                Organization.objects.bulk_create(rows)
            self.org_pks.extend(r.pk for r in rows)
            progress.step("organizations", len(self.org_pks), len(orgs))
        # Organization.save() keeps path = "/<pk>/" (under the parent's path); one UPDATE here.
        with transaction.atomic():
            Organization.objects.filter(path="", pk__gte=min(self.org_pks)).update(
                path=Concat(Value("/"), Cast("pk", CharField()), Value("/"))
            )
            for o in orgs:
                if o.parent is not None:
                    parent, pk = self.org_pks[o.parent], self.org_pks[o.index]
                    Organization.objects.filter(pk=pk).update(
                        parent_id=parent, path=f"/{parent}/{pk}/"
                    )
        return len(orgs)

    def placed(self, index: int) -> Placed:
        """Where organization `index` stands by its record, computed once."""
        found = self._placed.get(index)
        if found is None:
            from ipcity.rights.attribution import Signals
            from ipcity.rights.choices import Attribution

            o = self.world.orgs[index]
            region_id = self.region_pks.get(o.region_code) if o.region_code else None
            decision = self.district.decide(
                Signals(
                    uscc=o.uscc, addresses=[o.address] if o.address else [], region_id=region_id
                )
            )
            inside = {Attribution.IN_DISTRICT: True, Attribution.OUTSIDE: False}.get(
                decision.attribution
            )
            place = region_id if region_id in self.district.region_ids else None
            if place is None and o.address:
                read = self.district.read_address(o.address)
                place = read.region_id if read is not None else None
            found = self._placed[index] = Placed(
                str(decision.attribution), inside, decision.region_id, place
            )
        return found

    # -- patents --------------------------------------------------------------------------------

    def prepare_patents(self, plan) -> None:
        from ipcity.rights import highvalue

        self.planned_patents = plan.patent_holder
        self.year = REFERENCE_DATE.year
        self.rule_set = highvalue.rule_set_for(self.year)
        self.prefixes = highvalue.concordance_prefixes(self.rule_set)
        self.search = SearchText()
        self._checked = 0

    def _attribution(self, rec: PatentRecord) -> tuple:
        """(attribution, signal, detail, region id) as PatentImportFormat._attribute decides."""
        key = (rec.holders[0], rec.district, rec.city)
        found = self._decisions.get(key)
        if found is None:
            from ipcity.rights.attribution import Signals
            from ipcity.rights.choices import Attribution

            o = self.world.orgs[rec.holders[0]]
            addresses = [rec.address] if rec.address else []
            if o.address and o.address not in addresses:
                addresses.append(o.address)
            signals = Signals(
                district=rec.district,
                city=rec.city,
                uscc=rec.uscc or o.uscc,
                addresses=addresses,
                region_id=self.region_pks.get(o.region_code) if o.region_code else None,
            )
            d = self.district.decide(signals)
            region = d.region_id if d.attribution == Attribution.IN_DISTRICT else None
            found = self._decisions[key] = (d.attribution, d.signal, d.detail[:300], region)
        return found

    def write_patents(self, records: list[PatentRecord]) -> tuple[int, int, int]:
        """The rows of a chunk of records; returns (patents, holder links, legal events)."""
        from ipcity.rights import highvalue
        from ipcity.rights.choices import LegalEventKind as E
        from ipcity.rights.imports import normalize as n
        from ipcity.rights.models import LegalEvent, Patent, PatentHolder

        orgs, pks = self.world.orgs, self.org_pks
        patents = []
        for rec in records:
            attribution, signal, detail, region = self._attribution(rec)
            family = n.family_countries("", rec.family) if rec.family else None
            p = Patent(
                application_number=rec.number,
                number_check_ok=True,
                patent_type=rec.patent_type,
                is_pct=rec.is_pct,
                filing_date=rec.filing,
                publication_number=rec.pub_number,
                publication_date=rec.pub_date,
                grant_date=rec.grant,
                title=rec.title,
                abstract=rec.abstract,
                main_ipc=rec.ipc[0] if rec.ipc else "",
                ipc_codes=";".join(rec.ipc),
                inventors=";".join(rec.inventors),
                holder_names=";".join(orgs[i].name for i in rec.holders),
                address=rec.address,
                legal_status=rec.status,
                lapse_date=rec.lapse,
                family_countries=";".join(family)[:300] if family is not None else "",
                overseas_granted_family=n.has_overseas_member(family) if family else False,
                citations=rec.citations,
                cited_by=rec.cited_by,
                pledge_amount=rec.pledge_amount,
                region_id=region,
                attribution=attribution,
                attribution_signal=signal,
                attribution_detail=detail,
                source="incopat",
                created_at=NOW,
                updated_at=NOW,
            )
            # rights.highvalue.classify_queryset: valid inventions get the rule set and what they
            # meet; the others keep the defaults.
            if self.rule_set is not None and highvalue.is_eligible(p):
                met = highvalue.classify(p, self.rule_set, self.prefixes, self.year)
                p.high_value_criteria, p.is_high_value = met, bool(met)
                p.high_value_rule = self.rule_set
            names = [orgs[i].name for i in rec.holders]
            p.search_text = self.search.build(
                {
                    "title": p.title,
                    "abstract": p.abstract,
                    "inventors": p.inventors,
                    "application_number": p.application_number,
                    "publication_number": p.publication_number,
                    "main_ipc": p.main_ipc,
                    "ipc_codes": p.ipc_codes,
                },
                list(dict.fromkeys(names)),
            )
            patents.append(p)
        if self._checked < 40:
            self._self_check(patents[:40])
        ending = {"lapsed": E.LAPSE, "expired": E.EXPIRY, "invalidated": E.INVALIDATION}
        with transaction.atomic():
            Patent.objects.bulk_create(patents)
            links, events, planned = [], [], []
            for rec, p in zip(records, patents, strict=True):
                for position, i in enumerate(rec.holders, start=1):
                    links.append(
                        PatentHolder(
                            patent_id=p.pk,
                            organization_id=pks[i],
                            position=position,
                            name_as_recorded=orgs[i].name[:200],
                        )
                    )
                mine = []
                if rec.grant:
                    mine.append(LegalEvent(patent_id=p.pk, kind=E.GRANT, date=rec.grant))
                if rec.status in ending:
                    mine.append(LegalEvent(patent_id=p.pk, kind=ending[rec.status], date=rec.lapse))
                for kind, value, label in (
                    (E.TRANSFER, rec.transfer, "转让次数"),
                    (E.LICENCE, rec.licence, "许可次数"),
                    (E.PLEDGE, rec.pledge, "质押次数"),
                ):
                    if value:
                        count, party = value
                        mine.append(
                            LegalEvent(
                                patent_id=p.pk,
                                kind=kind,
                                counterparty=n.clean_text(party)[:300],
                                detail=f"{label} {count}",
                            )
                        )
                for event in mine:
                    event.created_at = event.updated_at = NOW
                events.extend(mine)
                if rec.index in self.planned_patents:
                    planned.append((rec, p, mine))
            PatentHolder.objects.bulk_create(links)
            LegalEvent.objects.bulk_create(events)
        for rec, p, mine in planned:
            by_kind = {e.kind: e.pk for e in mine}
            self.registry.patents[rec.index] = (p.pk, p.application_number, rec.grant, by_kind)
        return len(patents), len(links), len(events)

    def _self_check(self, patents) -> None:
        """The memoized search text must be exactly rights.search.build_search_text's."""
        from ipcity.rights.search import build_search_text

        for p in patents:
            fields = {k: getattr(p, k) for k in ("title", "abstract", "inventors")}
            fields.update(
                application_number=p.application_number,
                publication_number=p.publication_number,
                main_ipc=p.main_ipc,
                ipc_codes=p.ipc_codes,
            )
            expected = build_search_text(fields, p.holder_names.split(";"))
            if expected != p.search_text:
                raise RuntimeError(
                    f"search text of {p.application_number} differs from build_search_text"
                )
            self._checked += 1

    # -- trademarks -----------------------------------------------------------------------------

    def write_trademarks(self, progress, plan, total: int, chunk: int) -> int:
        from ipcity.rights.models import Trademark

        from . import vocab

        rng = random.Random(f"{self.seed}:trademarks")
        world = self.world
        serial = 10_000_000 + rng.randrange(1_000_000)
        years = list(range(2000, 2026))
        weights = [1.12 ** (y - 2000) for y in years]
        done = 0
        while done < total:
            rows, planned = [], []
            for index in range(done, min(total, done + chunk)):
                serial += rng.randint(1, 12)
                holder = plan.trademark_holder.get(index)
                forced = holder is not None
                if not forced:
                    holder = world.holder(rng)
                year = rng.randint(2017, 2023) if forced else rng.choices(years, weights=weights)[0]
                applied = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
                registered = applied + dt.timedelta(days=rng.randint(270, 540))
                expiry = None
                if registered > REFERENCE_DATE - dt.timedelta(days=30 if forced else 0):
                    if forced:
                        registered = REFERENCE_DATE - dt.timedelta(days=30)
                        status = "registered"
                    else:
                        registered, status = None, "pending"
                else:
                    status = "registered"
                if registered is not None:
                    expiry = _years_later(registered, 10) - dt.timedelta(days=1)
                    if expiry < REFERENCE_DATE:
                        if rng.random() < 0.6:
                            expiry = _years_later(expiry, 10)
                        else:
                            status = "expired"
                    if status == "registered" and not forced:
                        roll = rng.random()
                        status = (
                            "cancelled" if roll < 0.05 else "invalidated" if roll < 0.08 else status
                        )
                classes = rng.choice(vocab.NICE_GROUPS)
                classes = classes[: rng.randint(1, len(classes))]
                mark = (
                    rng.choice(vocab.MARK_WORDS)
                    + rng.choice(vocab.MARK_WORDS)
                    + rng.choice(vocab.MARK_LATIN)
                )
                placed = self.placed(holder)
                t = Trademark(
                    registration_number=str(serial),
                    mark=mark,
                    nice_classes=";".join(str(c) for c in sorted(int(c) for c in classes)),
                    holder_id=self.org_pks[holder],
                    status=status,
                    application_date=applied,
                    registration_date=registered,
                    expiry_date=expiry,
                    is_well_known=rng.random() < 0.002,
                    is_madrid=rng.random() < 0.03,
                    region_id=placed.region_id if placed.inside else None,
                    attribution=placed.attribution,
                    created_at=NOW,
                    updated_at=NOW,
                )
                rows.append(t)
                if forced:
                    planned.append((index, t))
            with transaction.atomic():
                Trademark.objects.bulk_create(rows)
            for index, t in planned:
                self.registry.trademarks[index] = (t.pk, t.registration_number, t.registration_date)
            done += len(rows)
            progress.step("trademarks", done, total)
        return done


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / Decimal(100)
