"""The world a benchmark data set lives in: sizes, places, organizations, and the plan that ties
the tables together.

Everything here is computed in memory from the seed and the project's reference data (the region
file of the configured district, the province table), never from the database, so the files
written without a database are the same bytes as those written with one.

The plan is drawn before any patent: which patents a pledge, a transaction or a case will name,
and who must hold them. The patent generator then gives those patents the planned first holder
and keeps them in force, so every pledgor holds what it pledges, every assignor what it assigns,
every complainant the right of its case, and no pledge is born with a risk alert.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from stdnum.cn import uscc as uscc_lib

from . import vocab

# The day the data set describes: statuses, lapses and decisions are as of this day, and the
# high-value classification is evaluated for its year (as an import on that day would).
REFERENCE_DATE = dt.date(2026, 6, 30)
FIRST_YEAR, LAST_YEAR = 2000, 2025
# Marks every generated organization, so benchmark rows are never mistaken for real ones.
MARK = "（基准）"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
STREET_KINDS = ("street", "town", "township", "ethnic_township", "other")


@dataclass(frozen=True)
class Scale:
    name: str
    patents: int
    trademarks: int
    organizations: int
    cases: int
    transactions: int
    pledges: int

    def rows(self) -> dict[str, int]:
        return {
            "patents": self.patents,
            "trademarks": self.trademarks,
            "organizations": self.organizations,
            "cases": self.cases,
            "transactions": self.transactions,
            "pledges": self.pledges,
        }


CITY = Scale("city", 1_000_000, 300_000, 100_000, 20_000, 50_000, 20_000)


def proportional(name: str, patents: int) -> Scale:
    """A scale with `patents` patents and every other table in the city's proportion."""
    if patents < 100:
        raise ValueError("at least 100 patents")
    factor = patents / CITY.patents
    return Scale(
        name,
        patents,
        max(20, round(CITY.trademarks * factor)),
        max(80, round(CITY.organizations * factor)),
        max(10, round(CITY.cases * factor)),
        max(10, round(CITY.transactions * factor)),
        max(10, round(CITY.pledges * factor)),
    )


SCALES = {
    "city": CITY,
    "district": proportional("district", CITY.patents // 20),
    # For tests and quick trials; not offered in the command's help.
    "tiny": proportional("tiny", 2_000),
}


# -- places ------------------------------------------------------------------------------------


@dataclass
class Places:
    """The configured district from the reference data, and the look-alikes around it."""

    code: str
    district_name: str
    province_name: str
    city_name: str  # what incoPat's 中国申请人地市 writes for the district
    streets: list[tuple[str, str]]  # (name, 12-digit code)

    @classmethod
    def load(cls) -> Places:
        from ipcity.orgs.regions import read_region_file
        from ipcity.rights.attribution import provinces

        code = settings.IPCITY_REGION_CODE
        rows = read_region_file(settings.IPCITY_REGION_FILE)
        district = next((r for r in rows if r["code"] == code), None)
        if district is None:
            raise ValueError(f"the region file has no row for {code}")
        streets = [(r["name"], r["code"]) for r in rows if r["kind"] in STREET_KINDS]
        if not streets:
            raise ValueError(f"the region file lists no street or town of {code}")
        province = next((p for p in provinces() if p.code == code[:2]), None)
        province_name = province.name if province else ""
        city_name = province_name if province and province.municipality else ""
        return cls(code, district["name"], province_name, city_name, streets)


# -- organizations ---------------------------------------------------------------------------

# Where holders are: the district, elsewhere in Beijing, elsewhere in China, Nantong's Tongzhou
# (same district name, another city) and nowhere an export says.
PLACE_WEIGHTS = (("district", 35), ("beijing", 22), ("china", 30), ("nantong", 5), ("unplaced", 8))


class Org:
    """One organization (or natural person) as the generator knows it."""

    __slots__ = (
        "address",
        "city",
        "district",
        "index",
        "industry",
        "kind",
        "name",
        "parent",
        "phone",
        "place",
        "region_code",
        "short_name",
        "uscc",
    )

    def __init__(self, index: int, name: str, kind: str, place: str):
        self.index = index
        self.name = name
        self.kind = kind
        self.place = place
        self.uscc = ""
        self.address = ""
        self.region_code = ""  # a region of the reference data, when recorded
        self.industry = ""
        self.city = ""  # incoPat 中国申请人地市 / 中国申请人区县 for this holder
        self.district = ""
        self.phone = ""
        self.short_name = ""
        self.parent: int | None = None


def make_uscc(prefix: str, division: str, serial: int) -> str:
    """A credit code that passes GB 32100: registration authority and category, six-digit
    division, "MA" and a seven-character serial, check character."""
    digits = ""
    value = serial
    for _ in range(7):
        value, rest = divmod(value, len(USCC_ALPHABET))
        digits = USCC_ALPHABET[rest] + digits
    body = f"{prefix}{division}MA{digits}"
    return body + uscc_lib.calc_check_digit(body)


def weighted(rng: random.Random, pairs):
    """One value of `(value, weight)` pairs, drawn in proportion to the weights."""
    total = sum(w for _v, w in pairs)
    roll = rng.random() * total
    for value, weight in pairs:
        roll -= weight
        if roll < 0:
            return value
    return pairs[-1][0]


def _road(rng: random.Random) -> str:
    stems = vocab.ROAD_STEMS
    i = rng.randrange(len(stems) - 1)
    return f"{stems[i : i + 2]}{rng.choice(vocab.ROAD_KINDS)}{rng.randint(1, 299)}号"


class World:
    """The organizations and the weights by which they hold patents."""

    def __init__(self, scale: Scale, seed: int, places: Places):
        self.scale = scale
        self.places = places
        self.rng = random.Random(f"{seed}:organizations")
        self.orgs: list[Org] = []
        self.names: set[str] = set()
        self.agencies: list[tuple[int, str, str, bool]] = []  # (org, kind, prefix, handles)
        self.enterprises: list[int] = []
        self.banks: list[int] = []
        self._build()

    # -- building ----------------------------------------------------------------------------

    def _add(self, name: str, kind: str, place: str) -> Org:
        org = Org(len(self.orgs), name, kind, place)
        self.orgs.append(org)
        self.names.add(name)
        return org

    def _locate(self, org: Org, place: str, rng: random.Random, prefix_kind: str = "91") -> None:
        """Address, credit code, recorded region and the export's place fields for `place`."""
        p = self.places
        serial = 1_000_000 + org.index
        if place == "district":
            street, street_code = rng.choice(p.streets)
            with_street = rng.random() < 0.75
            org.address = (
                f"{p.province_name}{p.district_name}{street if with_street else ''}{_road(rng)}"
            )
            org.uscc = make_uscc(prefix_kind, p.code, serial)
            org.region_code = street_code if with_street and rng.random() < 0.6 else ""
            org.city, org.district = p.city_name, p.district_name
        elif place == "beijing":
            name, code = rng.choice(vocab.BEIJING_DISTRICTS)
            org.address = f"{p.province_name}{name}{_road(rng)}"
            org.uscc = make_uscc(prefix_kind, code, serial)
            org.city, org.district = p.city_name, name
        elif place == "china":
            head, name, code, city, _prefix = rng.choice(vocab.CHINA_PLACES)
            org.address = f"{head}{name}{_road(rng)}"
            org.uscc = make_uscc(prefix_kind, code, serial)
            org.city, org.district = city, name
        elif place == "nantong":
            head, name, code, city, _prefix = vocab.NANTONG_TONGZHOU
            town = rng.choice(vocab.NANTONG_PLACES)
            # Often written without the province, as 南通市通州区…
            head = head if rng.random() < 0.7 else head[3:]
            org.address = f"{head}{name}{town}{_road(rng)}"
            org.uscc = make_uscc(prefix_kind, code, serial)
            org.city, org.district = city, name
        else:  # unplaced: a zone spanning districts and a city-level credit code, or nothing
            if rng.random() < 0.6:
                org.address = f"{rng.choice(vocab.UNPLACED_AREAS)}{_road(rng)}"
                org.uscc = make_uscc(prefix_kind, rng.choice(("110000", "110100")), serial)

    def _unique(self, make) -> str:
        for _ in range(50):
            name = make()
            if name not in self.names:
                return name
        n = 2
        while f"{name[: -len(MARK)]}{n}{MARK}" in self.names:
            n += 1
        return f"{name[: -len(MARK)]}{n}{MARK}"

    def _name_prefix(self, place: str, rng: random.Random) -> str:
        if place == "china":
            return rng.choice(vocab.CHINA_PLACES)[4]
        if place == "nantong":
            return vocab.NANTONG_TONGZHOU[4]
        return self.places.province_name[:2] or "北京"

    def _brand(self, rng: random.Random) -> str:
        return rng.choice(vocab.BRAND_FIRST) + rng.choice(vocab.BRAND_SECOND)

    def _build(self) -> None:
        from ipcity.orgs.choices import OrganizationKind as K

        rng, p = self.rng, self.places
        for unit, kind, prefix, handles in vocab.AGENCIES:
            org_kind = K.JUDICIAL if kind in ("police", "procuratorate", "court") else K.GOVERNMENT
            org = self._add(f"{p.district_name}{unit}{MARK}", org_kind, "district")
            org.address = f"{p.province_name}{p.district_name}{_road(rng)}"
            org.uscc = make_uscc("11", p.code, 1_000_000 + org.index)
            org.region_code = p.code
            org.short_name = unit
            self.agencies.append((org.index, kind, prefix, handles))
        # The market regulation bureau's brigade is its subordinate unit.
        self.orgs[self.agencies[1][0]].parent = self.agencies[0][0]
        for street, code in p.streets:
            office = "办事处" if street.endswith("街道") else "人民政府"
            org = self._add(f"{street}{office}{MARK}", K.STREET_TOWN, "district")
            org.region_code = code
            org.address = f"{p.province_name}{p.district_name}{street}{_road(rng)}"
        rest = self.scale.organizations - len(self.orgs)
        counts = {
            K.FINANCIAL: max(3, round(rest * 0.004)),
            K.SERVICE: max(2, round(rest * 0.01)),
            K.UNIVERSITY: max(2, round(rest * 0.012)),
            K.OTHER: round(rest * 0.04),  # natural persons holding patents
        }
        counts[K.ENTERPRISE] = rest - sum(counts.values())
        kinds = [kind for kind, n in counts.items() for _ in range(n)]
        rng.shuffle(kinds)
        holder_weights: list[float] = []
        self.holders: list[int] = []
        for kind in kinds:
            place = weighted(rng, PLACE_WEIGHTS)
            if kind == K.FINANCIAL:
                place = "district" if rng.random() < 0.5 else "beijing"
                org = self._add(self._finance_name(rng, place), kind, place)
                self._locate(org, place, rng)
                self.banks.append(org.index)
                continue
            if kind == K.OTHER:
                name = self._person(rng)
                while name in self.names:
                    name = self._person(rng)
                org = self._add(name, kind, place)
                self._locate(org, place, rng)
                org.uscc = ""  # a person has no credit code
            elif kind == K.UNIVERSITY:
                prefix = self._name_prefix(place, rng)
                words = vocab.UNIVERSITY_KINDS if rng.random() < 0.6 else vocab.INSTITUTE_KINDS
                org = self._add(self._named(rng, prefix, words), kind, place)
                self._locate(org, place, rng, prefix_kind="12")
            elif kind == K.SERVICE:
                prefix = self._name_prefix(place, rng)
                org = self._add(self._named(rng, prefix, vocab.SERVICE_KINDS), kind, place)
                self._locate(org, place, rng)
                continue  # service institutions hold no patents here
            else:
                prefix = self._name_prefix(place, rng)
                trade, industry = rng.choice(vocab.TRADES)

                def make(prefix=prefix, trade=trade):
                    form = rng.choice(vocab.LEGAL_FORMS)
                    return f"{prefix}{self._brand(rng)}{trade}{form}{MARK}"

                org = self._add(self._unique(make), kind, place)
                org.industry = industry
                self._locate(org, place, rng)
                if rng.random() < 0.5:
                    org.phone = f"010-{rng.randint(60000000, 89999999)}"
                self.enterprises.append(org.index)
            # Patents per holder are heavy-tailed: a few hold thousands, most a handful.
            weight = min(rng.paretovariate(1.15), 3000.0)
            if kind == K.UNIVERSITY:
                weight *= 8
            elif kind == K.OTHER:
                weight = 0.3
            self.holders.append(org.index)
            holder_weights.append(weight)
        self._holder_cum: list[float] = []
        total = 0.0
        for weight in holder_weights:
            total += weight
            self._holder_cum.append(total)
        self._holder_total = total

    def _named(self, rng: random.Random, prefix: str, words) -> str:
        return self._unique(lambda: f"{prefix}{self._brand(rng)}{rng.choice(words)}{MARK}")

    def _person(self, rng: random.Random) -> str:
        given = rng.choice(vocab.GIVEN)
        if rng.random() < 0.7:
            given += rng.choice(vocab.GIVEN)
        return rng.choice(vocab.SURNAMES) + given

    def _finance_name(self, rng: random.Random, place: str) -> str:
        area = self.places.district_name[:2] if place == "district" else "北京"

        def make():
            if rng.random() < 0.8:
                return f"{rng.choice(vocab.BANKS)}{area}{self._brand(rng)}支行{MARK}"
            return f"{area}{self._brand(rng)}{rng.choice(vocab.FINANCE_OTHERS)}有限公司{MARK}"

        return self._unique(make)

    # -- drawing -----------------------------------------------------------------------------

    def holder(self, rng: random.Random) -> int:
        """An organization (or person) to hold a patent, by the holder weights."""
        roll = rng.random() * self._holder_total
        return self.holders[bisect.bisect_right(self._holder_cum, roll)]

    def enterprise_holder(self, rng: random.Random) -> int:
        from ipcity.orgs.choices import OrganizationKind as K

        while True:
            index = self.holder(rng)
            if self.orgs[index].kind == K.ENTERPRISE:
                return index

    def person_name(self, rng: random.Random) -> str:
        return self._person(rng)


# -- the plan --------------------------------------------------------------------------------


@dataclass
class PledgePlan:
    pledgor: int
    pledgee: int
    status: str
    amount: Decimal
    patents: list[int]
    trademarks: list[int]


@dataclass
class DealPlan:
    kind: str
    assignor: int
    assignee: int
    patents: list[int]
    trademarks: list[int]


@dataclass
class CasePlan:
    agency: int  # index into World.agencies
    right_type: str
    complainant: int
    respondent: int  # respondent number; cases sharing one name the same party
    patent: int | None = None
    trademark: int | None = None
    number: str = ""  # the right's number when it is not in the registry


@dataclass
class Plan:
    pledges: list[PledgePlan] = field(default_factory=list)
    deals: list[DealPlan] = field(default_factory=list)
    cases: list[CasePlan] = field(default_factory=list)
    respondents: int = 0
    # patent index -> the organization that must be its first holder (kept in force)
    patent_holder: dict[int, int] = field(default_factory=dict)
    trademark_holder: dict[int, int] = field(default_factory=dict)
    # patent index -> (pledge number, its share of the amount or None when cancelled)
    patent_pledge: dict[int, tuple[int, Decimal | None]] = field(default_factory=dict)
    # patent index -> deal number
    patent_deal: dict[int, int] = field(default_factory=dict)


PLEDGE_STATUSES = (("registered", 50), ("changed", 5), ("released", 40), ("cancelled", 5))
DEAL_KINDS = (("assignment", 70), ("ordinary", 18), ("exclusive", 7), ("sole", 4), ("open", 1))
CENT = Decimal("0.01")


def make_plan(world: World, seed: int) -> Plan:
    from decimal import ROUND_HALF_UP

    rng = random.Random(f"{seed}:plan")
    scale = world.scale
    plan = Plan()

    def free(table: dict[int, int], size: int, holder: int) -> int:
        while True:
            index = rng.randrange(size)
            if index not in table:
                table[index] = holder
                return index

    for number in range(scale.pledges):
        pledgor = world.enterprise_holder(rng)
        status = weighted(rng, PLEDGE_STATUSES)
        amount = (
            Decimal(rng.choice((50, 100, 200, 300, 500, 800, 1000, 2000, 5000)))
            * Decimal(rng.randint(80, 120))
            / Decimal(100)
        )
        amount = amount.quantize(CENT)
        k = weighted(rng, ((1, 40), (2, 25), (3, 15), (4, 10), (5, 10)))
        patents = [free(plan.patent_holder, scale.patents, pledgor) for _ in range(k)]
        trademarks = []
        if rng.random() < 0.15:
            trademarks.append(free(plan.trademark_holder, scale.trademarks, pledgor))
        # utilization.pledges.sync_patents: an equal share of the amount per right, cancelled
        # registrations counting for nothing.
        share = None
        if status != "cancelled":
            share = (amount / (len(patents) + len(trademarks))).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
        for index in patents:
            plan.patent_pledge[index] = (number, share)
        plan.pledges.append(
            PledgePlan(pledgor, rng.choice(world.banks), status, amount, patents, trademarks)
        )
    for number in range(scale.transactions):
        kind = weighted(rng, DEAL_KINDS)
        assignor = world.holder(rng)
        assignee = rng.choice(world.enterprises)
        while assignee == assignor:
            assignee = rng.choice(world.enterprises)
        patents, trademarks = [], []
        if rng.random() < 0.9:
            k = weighted(rng, ((1, 70), (2, 18), (3, 12)))
            patents = [free(plan.patent_holder, scale.patents, assignor) for _ in range(k)]
        else:
            trademarks = [free(plan.trademark_holder, scale.trademarks, assignor)]
        for index in patents:
            plan.patent_deal[index] = number
        plan.deals.append(DealPlan(kind, assignor, assignee, patents, trademarks))
    handling = [i for i, agency in enumerate(world.agencies) if agency[3]]
    agency_weights = [
        (i, 6 if world.agencies[i][1] == "market_regulation" else 2) for i in handling
    ]
    for n in range(scale.cases):
        agency = weighted(rng, agency_weights)
        right_type = rng.choice(vocab.CASE_RIGHT_TYPES[world.agencies[agency][1]])
        respondent = None
        if plan.cases and rng.random() < 0.12:
            # The same respondent again, half the time over the same right (and right holder).
            earlier = plan.cases[rng.randrange(len(plan.cases))]
            respondent = earlier.respondent
            if rng.random() < 0.5:
                plan.cases.append(
                    CasePlan(
                        earlier.agency,
                        earlier.right_type,
                        earlier.complainant,
                        respondent,
                        earlier.patent,
                        earlier.trademark,
                        earlier.number,
                    )
                )
                continue
        if respondent is None:
            respondent = plan.respondents
            plan.respondents += 1
        case = CasePlan(agency, right_type, world.enterprise_holder(rng), respondent)
        if right_type == "patent":
            case.patent = free(plan.patent_holder, scale.patents, case.complainant)
        elif right_type == "trademark":
            case.trademark = free(plan.trademark_holder, scale.trademarks, case.complainant)
        elif right_type == "copyright":
            case.number = f"国作登字-{rng.randint(2015, 2025)}-F-{rng.randrange(10**8):08d}"
        elif right_type == "plant_variety":
            case.number = f"CNA{rng.randint(2015, 2024)}{rng.randrange(10**7):07d}"
        elif right_type == "gi":
            case.number = f"GI{rng.randrange(10**6):06d}"
        else:
            case.number = f"TS-{n + 1:06d}"
        plan.cases.append(case)
    return plan
