"""Patents: the records, their incoPat-layout rows, and the database rows the import would write.

A `PatentRecord` is drawn once and serves both outputs. The file row holds what an incoPat export
shows; the database rows (`PatentRows`) are what `rights.imports.format.PatentImportFormat` writes
for that row into a database that holds the generated organizations: the fields as `clean_row`
parses them, the holders matched to their organizations, the legal events of `_events`, the
attribution of `District.decide` with the signals `_attribute` assembles, `search_text` as
`rights.search.build_search_text` builds it, and the high-value classification of
`rights.highvalue.classify` for the reference year.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from ipcity.rights.numbers import check_digit

from . import vocab
from .world import FIRST_YEAR, LAST_YEAR, REFERENCE_DATE, Plan, World, weighted

# The incoPat headers written, in this order (rights/imports/layouts.py knows each one).
HEADERS = [
    "申请号",
    "标题 (中文)",
    "摘要 (中文)",
    "申请日",
    "公开（公告）号",
    "公开（公告）日",
    "专利类型",
    "IPC",
    "IPC主分类",
    "申请人",
    "发明人",
    "申请人地址",
    "中国申请人地市",
    "中国申请人区县",
    "工商统一社会信用代码",
    "授权公告日",
    "失效日",
    "专利有效性",
    "当前法律状态",
    "同族国家/地区",
    "引证次数",
    "被引证次数",
    "转让次数",
    "受让人",
    "许可次数",
    "被许可人",
    "质押次数",
    "质权人",
]

NEW_ERA = dt.date(2003, 10, 1)  # 12-digit application numbers from this day
DESIGN_15_YEARS = dt.date(2021, 6, 1)  # designs filed from this day are protected 15 years
# Share of each year in the filings of 2000-2025: filings grew about 13 % a year.
YEARS = list(range(FIRST_YEAR, LAST_YEAR + 1))
YEAR_WEIGHTS = [1.13 ** (y - FIRST_YEAR) for y in YEARS]
# Rights named by pledges, transactions and cases: filed recently enough to be in force.
PLANNED_YEARS = list(range(2017, 2024))
PLANNED_WEIGHTS = [1.13 ** (y - FIRST_YEAR) for y in PLANNED_YEARS]
TYPES = (("invention", 40), ("utility_model", 45), ("design", 15))
PLANNED_TYPES = (("invention", 50), ("utility_model", 45), ("design", 5))
TERM_YEARS = {"invention": 20, "utility_model": 10, "design": 10}
LAPSE_PER_YEAR = {"invention": 0.06, "utility_model": 0.16, "design": 0.14}
TYPE_TEXT = {"utility_model": "实用新型", "design": "外观设计"}
STATUS_TEXT = {
    "valid": ("授权", "有效"),
    "lapsed": ("未缴年费", "失效"),
    "expired": ("期限届满", "失效"),
    "invalidated": ("全部无效", "失效"),
    "rejected": ("驳回", "失效"),
    "withdrawn": ("撤回", "失效"),
}
DESIGN_USES = ("日常生活", "办公", "包装", "展示", "装饰")


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class PatentRecord:
    """One generated patent, as both outputs need it."""

    __slots__ = (
        "abstract",
        "address",
        "check",
        "citations",
        "cited_by",
        "city",
        "district",
        "family",
        "filing",
        "grant",
        "holders",
        "index",
        "inventors",
        "ipc",
        "is_pct",
        "lapse",
        "licence",
        "number",
        "patent_type",
        "pledge",
        "pledge_amount",
        "pub_date",
        "pub_number",
        "status",
        "title",
        "transfer",
        "uscc",
    )

    def __init__(self, index: int):
        self.index = index
        self.transfer: tuple[int, str] | None = None  # (count, party)
        self.licence: tuple[int, str] | None = None
        self.pledge: tuple[int, str] | None = None
        self.pledge_amount = None


class PatentGenerator:
    """Draws patents one after the other from the seed; `record(i)` must be called for i in
    order 0, 1, 2 … (the draws of each patent follow those of the one before)."""

    def __init__(self, world: World, plan: Plan, seed: int):
        self.world = world
        self.plan = plan
        self.rng = random.Random(f"{seed}:patents")
        self.serials: dict[tuple[str, str], int] = {}
        self.pub_serials = {"A": 100_000_000, "U": 200_000_000, "S": 300_000_000}
        self._year_cum = _cumulative(YEAR_WEIGHTS)
        self._planned_cum = _cumulative(PLANNED_WEIGHTS)
        pool = max(200, min(50_000, world.scale.patents // 20))
        rng = random.Random(f"{seed}:inventors")
        self.inventors = [world.person_name(rng) for _ in range(pool)]

    # -- one patent ----------------------------------------------------------------------------

    def record(self, index: int) -> PatentRecord:
        rng, world, plan = self.rng, self.world, self.plan
        rec = PatentRecord(index)
        planned = index in plan.patent_holder
        rec.patent_type = weighted(rng, PLANNED_TYPES if planned else TYPES)
        cum, years = (self._planned_cum, PLANNED_YEARS) if planned else (self._year_cum, YEARS)
        year = years[_bisect(cum, rng.random() * cum[-1])]
        start = dt.date(year, 1, 1)
        rec.filing = start + dt.timedelta(
            days=rng.randrange((dt.date(year + 1, 1, 1) - start).days)
        )
        pct = rec.patent_type != "design" and rng.random() < 0.02
        rec.is_pct = pct
        digit = {"invention": "18", "utility_model": "29", "design": "33"}[rec.patent_type][pct]
        rec.number = self._number(rec.filing, digit)
        self._status(rec, planned)
        self._text(rec)
        self._publication(rec)
        # Holders: the planned first holder, else one by the holder weights; co-holders at times.
        first = plan.patent_holder.get(index)
        holders = [first if first is not None else world.holder(rng)]
        roll = rng.random()
        extra = 2 if roll < 0.03 else 1 if roll < 0.13 else 0
        for _ in range(extra):
            other = world.holder(rng)
            if other not in holders:
                holders.append(other)
        rec.holders = holders
        org = world.orgs[holders[0]]
        rec.address = org.address if rng.random() < 0.92 else ""
        with_place = rng.random() < 0.55
        rec.city = org.city if with_place else ""
        rec.district = org.district if with_place else ""
        rec.uscc = org.uscc if rng.random() < 0.75 else ""
        base = (holders[0] * 7919) % len(self.inventors)
        names = []
        for _ in range(weighted(rng, ((1, 25), (2, 30), (3, 25), (4, 12), (5, 8)))):
            name = self.inventors[(base + rng.randrange(40)) % len(self.inventors)]
            if name not in names:
                names.append(name)
        rec.inventors = names
        invention = rec.patent_type == "invention"
        rec.citations = min(int(rng.expovariate(1 / (6 if invention else 2))), 80)
        rec.cited_by = min(int(rng.expovariate(1 / (4 if invention else 1.5))), 300)
        rec.family = ""
        if invention and rng.random() < 0.07:
            codes = ["CN", *rng.sample(vocab.FAMILY_COUNTRIES, rng.randint(1, 3))]
            rec.family = ";".join(codes)
        self._transfers(rec, rng)
        return rec

    def _number(self, filing: dt.date, digit: str) -> str:
        rng = self.rng
        if filing < NEW_ERA:
            key, width = (f"{filing.year % 100:02d}", digit), 5
            serial = self.serials.get(key, rng.randrange(5_000))
            serial += rng.randint(1, 3)
        else:
            key, width = (str(filing.year), digit), 7
            serial = self.serials.get(key, rng.randrange(200_000))
            serial += rng.randint(1, 8)
        if serial >= 10**width:
            raise ValueError(f"too many patents for the numbers of {key[0]}, type {digit}")
        self.serials[key] = serial
        digits = f"{key[0]}{digit}{serial:0{width}d}"
        return f"{digits}.{check_digit(digits)}"

    def _status(self, rec: PatentRecord, planned: bool) -> None:
        """Grant, status and end date as of REFERENCE_DATE. Planned patents are granted and in
        force (their filing years keep them inside the term)."""
        rng, kind, filing = self.rng, rec.patent_type, rec.filing
        rec.grant = rec.lapse = None
        if kind == "invention":
            lag, granted = rng.randint(400, 1600), rng.random() < 0.6
            refused = "rejected" if rng.random() < 0.4 else "withdrawn"
        elif kind == "utility_model":
            lag, granted = rng.randint(120, 540), rng.random() < 0.92
            refused = "rejected" if rng.random() < 0.4 else "withdrawn"
        else:
            lag, granted, refused = rng.randint(90, 400), rng.random() < 0.95, "withdrawn"
        decided = filing + dt.timedelta(days=lag)
        latest = REFERENCE_DATE - dt.timedelta(days=60)
        if planned:
            rec.grant = min(decided, latest)
            rec.status = "valid"
            return
        if decided > REFERENCE_DATE:
            rec.status = "pending"
            return
        if not granted:
            rec.status = refused
            return
        rec.grant = decided
        years = TERM_YEARS[kind]
        if kind == "design" and filing >= DESIGN_15_YEARS:
            years = 15
        end = _add_years(filing, years) - dt.timedelta(days=1)
        if rng.random() < 0.006:
            when = rec.grant + dt.timedelta(days=rng.randint(120, 3000))
            if when <= REFERENCE_DATE and when < end:
                rec.status, rec.lapse = "invalidated", when
                return
        kept = int(math.log(1.0 - rng.random()) / math.log(1.0 - LAPSE_PER_YEAR[kind]))
        lapse = rec.grant + dt.timedelta(days=365 * kept + rng.randint(30, 330))
        if lapse < end and lapse <= REFERENCE_DATE:
            rec.status, rec.lapse = "lapsed", lapse
        elif end < REFERENCE_DATE:
            rec.status, rec.lapse = "expired", end
        else:
            rec.status = "valid"

    def _text(self, rec: PatentRecord) -> None:
        rng = self.rng
        if rec.patent_type == "design":
            product, variants = rng.choice(vocab.DESIGN_PRODUCTS)
            variant = rng.choice(variants)
            rec.title = f"{product}（{variant}）" if variant else product
            rec.abstract = vocab.DESIGN_TEMPLATE.format(t=rec.title, u=rng.choice(DESIGN_USES))
            rec.ipc = []
            return
        main, further, subject, claim, device = rng.choice(vocab.TOPICS)
        qualifier = rng.choice(vocab.QUALIFIERS)
        codes = [main, *rng.sample(further, rng.randint(0, len(further)))]
        if rng.random() < 0.1:
            other = rng.choice(vocab.TOPICS)[0]
            if other not in codes:
                codes.append(other)
        rec.ipc = codes
        if rec.patent_type == "invention":
            suffix = rng.choice(vocab.INVENTION_SUFFIXES)
            rec.title = f"一种{qualifier}{subject}{claim}{suffix}"
            template = rng.choice(vocab.ABSTRACT_TEMPLATES)
            rec.abstract = template.format(q=qualifier, s=subject, k=claim)
        else:
            rec.title = f"一种{qualifier}{subject}{device}"
            template = rng.choice(vocab.UTILITY_TEMPLATES)
            rec.abstract = template.format(q=qualifier, s=subject, k=device)

    def _publication(self, rec: PatentRecord) -> None:
        rng = self.rng
        if rec.patent_type == "invention":
            serial = self.pub_serials["A"] = self.pub_serials["A"] + rng.randint(1, 5)
            if rec.grant:
                rec.pub_number, rec.pub_date = f"CN{serial}B", rec.grant
            else:
                published = rec.filing + dt.timedelta(days=rng.randint(270, 560))
                rec.pub_number, rec.pub_date = f"CN{serial}A", min(published, REFERENCE_DATE)
        elif rec.grant:
            letter = "U" if rec.patent_type == "utility_model" else "S"
            serial = self.pub_serials[letter] = self.pub_serials[letter] + rng.randint(1, 5)
            rec.pub_number, rec.pub_date = f"CN{serial}{letter}", rec.grant
        else:
            rec.pub_number, rec.pub_date = "", None

    def _transfers(self, rec: PatentRecord, rng: random.Random) -> None:
        """The export's transfer, licence and pledge columns: those the plan records, and a few
        transfers the platform holds no transaction for."""
        plan, world = self.plan, self.world
        deal = plan.patent_deal.get(rec.index)
        if deal is not None:
            d = plan.deals[deal]
            party = (1, world.orgs[d.assignee].name)
            if d.kind == "assignment":
                rec.transfer = party
            else:
                rec.licence = party
        elif rec.grant and rng.random() < 0.01:
            rec.transfer = (rng.randint(1, 2), world.orgs[world.holder(rng)].name)
        pledge = plan.patent_pledge.get(rec.index)
        if pledge is not None:
            number, share = pledge
            rec.pledge = (1, world.orgs[plan.pledges[number].pledgee].name)
            rec.pledge_amount = share

    # -- the export row ------------------------------------------------------------------------

    def row(self, rec: PatentRecord) -> list:
        world = self.world
        if rec.patent_type == "invention":
            type_text = "发明授权" if rec.grant else "发明申请"
        else:
            type_text = TYPE_TEXT[rec.patent_type]
        if rec.status == "pending":
            status, validity = ("实质审查" if rec.patent_type == "invention" else "审中"), "审中"
        else:
            status, validity = STATUS_TEXT[rec.status]
        transfer, licence, pledge = (
            rec.transfer or ("", ""),
            rec.licence or ("", ""),
            rec.pledge or ("", ""),
        )
        return [
            rec.number,
            rec.title,
            rec.abstract,
            rec.filing.isoformat(),
            rec.pub_number,
            rec.pub_date.isoformat() if rec.pub_date else "",
            type_text,
            ";".join(rec.ipc),
            rec.ipc[0] if rec.ipc else "",
            ";".join(world.orgs[i].name for i in rec.holders),
            ";".join(rec.inventors),
            rec.address,
            rec.city,
            rec.district,
            rec.uscc,
            rec.grant.isoformat() if rec.grant else "",
            rec.lapse.isoformat() if rec.lapse else "",
            validity,
            status,
            rec.family,
            str(rec.citations),
            str(rec.cited_by),
            str(transfer[0]),
            transfer[1],
            str(licence[0]),
            licence[1],
            str(pledge[0]),
            pledge[1],
        ]


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _bisect(cum: list[float], roll: float) -> int:
    import bisect

    return min(bisect.bisect_right(cum, roll), len(cum) - 1)


# -- search text ---------------------------------------------------------------------------------


class SearchText:
    """`rights.search.build_search_text`, with the terms of repeated values (holder names,
    inventors, IPC codes, vocabulary titles) memoized."""

    MAX_CACHE = 400_000

    def __init__(self):
        from ipcity.rights import search

        self.search = search
        self.cache: dict[str, list[str]] = {}

    def terms(self, value: str) -> list[str]:
        found = self.cache.get(value)
        if found is None:
            if len(self.cache) >= self.MAX_CACHE:
                self.cache.clear()
            found = self.cache[value] = self.search.terms(value)
        return found

    def build(self, fields: dict, holder_names) -> str:
        values = self.search.search_values(fields, holder_names)
        return " ".join(term for value in values for term in self.terms(value))
