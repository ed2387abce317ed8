"""District attribution of a patent: is its holder located in the configured district?

DOMAIN.md §3 orders the signals an export carries, and the first one that speaks decides:

1. an explicit district field (incoPat 中国申请人区县 with 中国申请人地市; CNIPA 国省代码 names the
   province only, so it can place a holder outside but never inside);
2. the holder's unified social credit code, positions 3-8: the division of the registering
   authority. A city- or province-level authority (110000, 110100) says nothing about the district;
3. the holder's address, read with its province and city: `北京市通州区…`, `北京通州…`, or a street
   or town of the district after `北京`. `南通市通州区` names another Tongzhou and is outside;
4. the holder organization's registered region, when someone recorded it.

What none of them settles stays unresolved, for a person to decide on the review list. The
district, its streets and towns come from orgs.Region (the data file the district loads) and
settings.IPCITY_REGION_CODE; province names from rights/data/provinces.csv.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from .choices import Attribution, AttributionSignal

PROVINCES_FILE = Path(__file__).parent / "data" / "provinces.csv"
STREET_KINDS = ("street", "town", "township", "ethnic_township", "other")
# A word that names a zone or park, not an administrative district, even though it ends in 区.
_ZONE_WORDS = ("开发", "园", "工业", "科技", "商务", "保税", "新区", "示范", "功能", "自贸")
_DISTRICT_TOKEN = re.compile(r"^([\u4e00-\u9fff]{1,4}?)(区|县)")
_CITY_TOKEN = re.compile(r"^([\u4e00-\u9fff]{2,5}?)(市|地区|自治州|盟)")
_DOMESTIC = ("CN", "CHN", "中国", "中华人民共和国", "中国大陆")


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    short: str
    municipality: bool


@lru_cache(maxsize=1)
def provinces() -> tuple[Province, ...]:
    with open(PROVINCES_FILE, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    found = [Province(r["code"], r["name"], r["short"], r["municipality"] == "1") for r in rows]
    # Longest names first, so 内蒙古自治区 is tried before 内蒙古.
    return tuple(sorted(found, key=lambda p: -len(p.name)))


def fold(text: str) -> str:
    """NFKC (full-width brackets and digits to ASCII) without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


@dataclass
class Signals:
    """What one patent's export row (and its first holder's record) says about location."""

    district: str = ""  # incoPat 中国申请人区县
    city: str = ""  # incoPat 中国申请人地市
    area_code: str = ""  # incoPat 申请人省市代码
    province_code: str = ""  # CNIPA 国省代码
    country: str = ""  # 申请人国家/地区 / 申请人国别代码
    uscc: str = ""
    addresses: list[str] = field(default_factory=list)  # most authoritative first
    region_id: int | None = None  # the holder organization's recorded region


@dataclass
class Decision:
    attribution: str
    signal: str
    detail: str = ""
    region_id: int | None = None  # a street or town of the district, when named

    @property
    def resolved(self) -> bool:
        return self.attribution != Attribution.UNRESOLVED


UNRESOLVED = Decision(Attribution.UNRESOLVED, AttributionSignal.NONE, "")


@dataclass
class District:
    """The configured district as attribution needs it."""

    code: str
    name: str = ""
    short: str = ""
    province: Province | None = None
    city_names: tuple[str, ...] = ()
    region_ids: frozenset[int] = frozenset()
    streets: list[tuple[str, int]] = field(default_factory=list)  # (name, region id), longest first

    @classmethod
    def load(cls, code: str | None = None) -> District:
        from ipcity.orgs.models import Region

        code = code or settings.IPCITY_REGION_CODE
        district = cls(code=code)
        district.province = next((p for p in provinces() if p.code == code[:2]), None)
        rows = list(
            Region.objects.filter(code__startswith=code[:6]).values_list(
                "pk", "code", "name", "kind"
            )
        )
        city_row = (
            Region.objects.filter(code=code[:4] + "00").values_list("name", flat=True).first()
        )
        for pk, region_code, name, kind in rows:
            if region_code == code:
                district.name = name
                district.short = _short_name(name)
            elif kind in STREET_KINDS:
                district.streets.append((name, pk))
        district.region_ids = frozenset(pk for pk, *_ in rows)
        district.streets.sort(key=lambda s: -len(s[0]))
        names: list[str] = []
        if city_row:
            names += [city_row, _short_name(city_row)]
        if district.province and district.province.municipality:
            names += [district.province.name, district.province.short]
        district.city_names = tuple(dict.fromkeys(n for n in names if n))
        return district

    # -- the signals, in order -----------------------------------------------------------------

    def decide(self, signals: Signals) -> Decision:
        for step in (self._by_field, self._by_uscc, self._by_addresses, self._by_region):
            decision = step(signals)
            if decision is not None:
                if decision.attribution == Attribution.IN_DISTRICT and not decision.region_id:
                    decision.region_id = self._street_of(signals.addresses)
                return decision
        return Decision(Attribution.UNRESOLVED, AttributionSignal.NONE, "")

    def _by_field(self, s: Signals) -> Decision | None:
        def outside(detail):
            return Decision(Attribution.OUTSIDE, AttributionSignal.DISTRICT_FIELD, detail)

        country = fold(s.country).upper()
        if country and country not in _DOMESTIC:
            return outside(f"申请人国家/地区 {s.country}")
        province_code = re.sub(r"\D", "", fold(s.province_code))[:2]
        if province_code and self.province and province_code != self.province.code:
            return outside(f"国省代码 {s.province_code}")
        if not province_code and s.province_code:
            named = self._province_in(fold(s.province_code))
            if named and named != self.province:
                return outside(f"国省代码 {s.province_code}")
        district = fold(s.district)
        if not district or not self.name:
            return None
        city, area = fold(s.city), re.sub(r"\D", "", fold(s.area_code))
        city_ours = bool(city) and self._is_our_city(city)
        city_other = bool(city) and not city_ours
        if area and self.province:
            city_other = city_other or not area.startswith(self.province.code)
            city_ours = city_ours or (not city and area.startswith(self.code[:4]))
        label = f"中国申请人区县 {s.district}" + (f", {s.city}" if s.city else "")
        if district not in (self.name, self.short):
            return outside(label)
        if city_other:
            return outside(label)
        if city_ours:
            return Decision(Attribution.IN_DISTRICT, AttributionSignal.DISTRICT_FIELD, label)
        return None  # the district's name without its city: the other Tongzhou is possible

    def _by_uscc(self, s: Signals) -> Decision | None:
        code = fold(s.uscc).upper()
        if len(code) != 18 or not code[2:8].isdigit():
            return None
        division = code[2:8]
        detail = f"统一社会信用代码 {code} ({division})"
        if division == self.code[:6]:
            return Decision(Attribution.IN_DISTRICT, AttributionSignal.USCC, detail)
        if division.endswith("00"):
            return None  # a city- or province-level authority registers anywhere in its area
        return Decision(Attribution.OUTSIDE, AttributionSignal.USCC, detail)

    def _by_addresses(self, s: Signals) -> Decision | None:
        for address in s.addresses:
            decision = self.read_address(address)
            if decision is not None:
                return decision
        return None

    def _by_region(self, s: Signals) -> Decision | None:
        if s.region_id and s.region_id in self.region_ids:
            street = s.region_id if any(pk == s.region_id for _, pk in self.streets) else None
            return Decision(
                Attribution.IN_DISTRICT, AttributionSignal.REGION, "registered region", street
            )
        return None

    # -- addresses -----------------------------------------------------------------------------

    def read_address(self, address: str) -> Decision | None:
        """In, outside, or None when the address does not say (no province or city context)."""
        text = fold(address)
        if not text or not self.province:
            return None
        detail = f"地址 {clean_detail(address)}"

        def outside():
            return Decision(Attribution.OUTSIDE, AttributionSignal.ADDRESS, detail)

        def inside(region_id=None):
            return Decision(Attribution.IN_DISTRICT, AttributionSignal.ADDRESS, detail, region_id)

        for prefix in ("中华人民共和国", "中国"):
            if text.startswith(prefix):
                text = text[len(prefix) :]
        province = self._province_in(text, at_start=True)
        rest = text
        if province is not None:
            if province.code != self.province.code:
                return outside()
            rest = _strip_prefix(text, (province.name, province.short))
        # Below a municipality comes the district itself; elsewhere a city comes first.
        city_match = None if province and province.municipality else _CITY_TOKEN.match(rest)
        context = province is not None
        if city_match:
            city = city_match.group(0)
            if not (self._is_our_city(city) or self._is_our_city(city_match.group(1))):
                # Another city, even when a district of the same name follows (南通市通州区).
                return outside()
            context = True
            rest = rest[len(city) :]
        if not context:
            return None
        rest = _strip_prefix(rest, ("市辖区", *self.city_names))
        if self._names_district(rest):
            return inside(self._street_of([rest]))
        street = self._street_of([rest])
        if street:
            return inside(street)
        token = _DISTRICT_TOKEN.match(rest)
        if token and not any(word in token.group(0) for word in _ZONE_WORDS):
            return outside()
        return None

    def _names_district(self, text: str) -> bool:
        return bool(self.name) and (
            text.startswith(self.name) or bool(self.short and text.startswith(self.short))
        )

    def _is_our_city(self, text: str) -> bool:
        return any(text == name or text.startswith(name) for name in self.city_names)

    def _province_in(self, text: str, at_start: bool = False) -> Province | None:
        for province in provinces():
            for name in (province.name, province.short):
                if (text.startswith(name) if at_start else name in text) and name:
                    return province
        return None

    def _street_of(self, addresses) -> int | None:
        for address in addresses:
            text = fold(address)
            for name, pk in self.streets:
                if name in text:
                    return pk
        return None


def _short_name(name: str) -> str:
    """通州区 → 通州, 南通市 → 南通; names of two characters keep their suffix (城区)."""
    for suffix in ("自治县", "自治州", "地区", "区", "县", "市", "旗", "盟"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _strip_prefix(text: str, prefixes) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in sorted((p for p in prefixes if p), key=len, reverse=True):
            if text.startswith(prefix):
                text = text[len(prefix) :]
                changed = True
    return text


def clean_detail(text: str) -> str:
    return " ".join(str(text or "").split())[:200]


# -- decisions a person makes on the review list ---------------------------------------------------


def unresolved_patents(organization_id: int, queryset=None):
    """Unresolved patents whose first holder is the organization (the holder that places them)."""
    from .models import Patent

    queryset = Patent.objects.all() if queryset is None else queryset
    return queryset.filter(
        attribution=Attribution.UNRESOLVED,
        holder_links__position=1,
        holder_links__organization_id=organization_id,
    )


def decide_holder(organization, attribution: str, user, region=None, note: str = "") -> int:
    """Record where the holder is and apply it to its unresolved patents; returns how many.

    Runs in one transaction; the decision and every patent changed get a history entry naming
    the user. Patents already resolved by a signal of their own keep it.
    """
    from django.db import transaction
    from django.utils import timezone
    from simple_history.utils import bulk_update_with_history

    from .models import HolderAttribution

    if attribution not in (Attribution.IN_DISTRICT, Attribution.OUTSIDE):
        raise ValueError(attribution)
    if attribution == Attribution.OUTSIDE:
        region = None
    now = timezone.now()
    detail = f"{organization.name}: {user.get_username()} {timezone.localdate():%Y-%m-%d}"
    if note:
        detail += f" ({note})"
    with transaction.atomic():
        decision = HolderAttribution.objects.filter(organization=organization).first()
        decision = decision or HolderAttribution(organization=organization)
        decision.attribution = attribution
        decision.region = region
        decision.note = note[:300]
        decision.decided_by = user
        decision._history_user = user
        decision.save()
        patents = list(unresolved_patents(organization.pk).select_for_update().order_by("pk"))
        for patent in patents:
            patent.attribution = attribution
            patent.attribution_signal = AttributionSignal.MANUAL
            patent.attribution_detail = detail[:300]
            patent.region = region
            patent.updated_at = now
        if patents:
            bulk_update_with_history(
                patents,
                type(patents[0]),
                [
                    "attribution",
                    "attribution_signal",
                    "attribution_detail",
                    "region",
                    "updated_at",
                ],
                batch_size=1000,
                default_user=user,
                default_date=now,
            )
    return len(patents)
