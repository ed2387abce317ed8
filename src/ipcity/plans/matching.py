"""Unit names as plans and division tables write them, matched to organizations.

Three steps, in order: the exact name; the short name or the name without the district prefix
(区市场监督管理局（区知识产权局） is the district's 市场监督管理局（知识产权局）); then a fuzzy
comparison that only *proposes* candidates, which a person confirms. A name that matches nothing
is kept as written and reported; an organization is never created behind anyone's back.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.conf import settings

from .parsing.text import fold, to_simplified

EXACT, SHORT, FUZZY, NONE = "exact", "short", "fuzzy", "none"
CONFIDENT = (EXACT, SHORT)
FUZZY_MIN = 0.6
MAX_CANDIDATES = 5
CITY_PREFIXES = ("北京市",)
# Abbreviations in daily use, expanded before the fuzzy comparison only.
ABBREVIATIONS = {
    "市场监管局": "市场监督管理局",
    "市监局": "市场监督管理局",
    "科委": "科学技术委员会",
    "科信局": "科学技术和信息化局",
    "经信局": "经济和信息化局",
    "发改委": "发展和改革委员会",
    "人社局": "人力资源和社会保障局",
    "文旅局": "文化和旅游局",
    "教委": "教育委员会",
    "住建委": "住房和城乡建设委员会",
    "规自分局": "规划和自然资源分局",
    "农业局": "农业农村局",
    "法院": "人民法院",
    "检察院": "人民检察院",
    "公安局": "公安分局",
    "宣传部": "委宣传部",
    "融媒体": "融媒体中心",
    "政务服务局": "政务服务中心",
}


@dataclass
class UnitMatch:
    """What a name matched: `status` is exact/short (the organization is set), fuzzy (only
    `candidates`, to be confirmed) or none."""

    name: str
    status: str = NONE
    organization_id: int | None = None
    organization_name: str = ""
    candidates: list[dict] = field(default_factory=list)  # {"id", "name", "score"}

    @property
    def confident(self) -> bool:
        return self.status in CONFIDENT

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "organization": self.organization_id,
            "organization_name": self.organization_name,
            "candidates": self.candidates,
        }


def district_prefixes() -> tuple[str, ...]:
    """'北京市通州区', '通州区', '区': the ways a local document prefixes its own units."""
    district = _district_name()
    names = [f"{city}{district}" for city in CITY_PREFIXES] + [district, *CITY_PREFIXES, "区"]
    return tuple(dict.fromkeys(n for n in names if n))


def _district_name() -> str:
    from ipcity.orgs.choices import RegionKind
    from ipcity.orgs.models import Region

    name = (
        Region.objects.filter(
            code__startswith=settings.IPCITY_REGION_CODE, kind=RegionKind.DISTRICT
        )
        .order_by("code")
        .values_list("name", flat=True)
        .first()
    )
    return name or ""


def normalize(name: str, prefixes: tuple[str, ...] = ("区",)) -> str:
    """Compare-form of a unit name: simplified, half-width brackets, no spaces, no district
    prefix in front of the name or of the second name in brackets."""
    text = fold(to_simplified(name or "")).rstrip("等")
    pieces = text.split("(")
    out = []
    for piece in pieces:
        for prefix in sorted(prefixes, key=len, reverse=True):
            if piece.startswith(prefix) and len(piece) > len(prefix) + 1:
                piece = piece[len(prefix) :]
                break
        out.append(piece)
    return "(".join(out)


def _alternatives(norm: str) -> list[str]:
    """An office with two names (市场监督管理局(知识产权局)) answers to either."""
    names = [norm]
    if "(" in norm and norm.endswith(")"):
        outer, _sep, inner = norm[:-1].partition("(")
        names += [outer, inner]
    return [n for n in names if n]


def _expand(norm: str) -> str:
    for short, full in ABBREVIATIONS.items():
        if short in norm and full not in norm:
            norm = norm.replace(short, full)
    return norm


def _score(name_forms: list[str], org_forms: list[str]) -> float:
    best = 0.0
    for a in name_forms:
        for b in org_forms:
            if a == b:
                return 0.95
            matcher = difflib.SequenceMatcher(None, a, b)
            if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
                continue
            score = matcher.ratio()
            shorter, longer = sorted((a, b), key=len)
            if len(shorter) >= 3 and shorter in longer:
                score = max(score, 0.7 + 0.25 * len(shorter) / len(longer))
            best = max(best, score)
    return best


class UnitMatcher:
    """Matches names against the organizations a user may see (all of them without a user).

    Enterprises take part in the exact step only: plans assign work to public bodies, and
    comparing every name with every enterprise would be slow and noisy.
    """

    def __init__(self, user=None, queryset=None):
        from ipcity.orgs.choices import OrganizationKind
        from ipcity.orgs.models import Organization

        qs = queryset
        if qs is None:
            qs = Organization.objects.all() if user is None else None
            if user is not None:
                qs = Organization.objects.restrict(user, "view")
        self.queryset = qs.filter(is_active=True)
        self.prefixes = district_prefixes()
        self.pool = [
            (pk, name, short, self._forms(name, short))
            for pk, name, short in self.queryset.exclude(
                kind=OrganizationKind.ENTERPRISE
            ).values_list("pk", "name", "short_name")
        ]
        self.by_norm: dict[str, list[int]] = {}
        for pk, _name, short, forms in self.pool:
            for form in {forms[0], normalize(short, self.prefixes) if short else ""} - {""}:
                self.by_norm.setdefault(form, []).append(pk)
        self.names = {pk: name for pk, name, _short, _forms in self.pool}
        self._cache: dict[str, UnitMatch] = {}

    def _forms(self, name: str, short: str) -> list[str]:
        forms = _alternatives(normalize(name, self.prefixes))
        if short:
            forms += _alternatives(normalize(short, self.prefixes))
        return list(dict.fromkeys(forms))

    def match(self, name: str) -> UnitMatch:
        name = (name or "").strip()
        if name not in self._cache:
            self._cache[name] = self._match(name)
        return self._cache[name]

    def match_all(self, names) -> dict[str, UnitMatch]:
        return {name: self.match(name) for name in names}

    def _found(self, name: str, status: str, pk: int, label: str = "") -> UnitMatch:
        return UnitMatch(name, status, pk, label or self.names.get(pk, ""))

    def _match(self, name: str) -> UnitMatch:
        if not name:
            return UnitMatch(name)
        exact = list(self.queryset.filter(name=name).values_list("pk", "name")[:2])
        if len(exact) == 1:
            return self._found(name, EXACT, *exact[0])
        short = list(self.queryset.filter(short_name=name).values_list("pk", "name")[:2])
        if len(short) == 1:
            return self._found(name, SHORT, *short[0])
        norm = normalize(name, self.prefixes)
        same = list(dict.fromkeys(self.by_norm.get(norm, [])))
        if len(same) == 1:
            return self._found(name, SHORT, same[0])
        return self._fuzzy(name, norm)

    def _fuzzy(self, name: str, norm: str) -> UnitMatch:
        forms = list(dict.fromkeys([*_alternatives(norm), _expand(norm)]))
        scored = []
        for pk, org_name, _short, org_forms in self.pool:
            score = _score(forms, org_forms)
            if score >= FUZZY_MIN:
                scored.append({"id": pk, "name": org_name, "score": round(score, 2)})
        scored.sort(key=lambda c: (-c["score"], c["name"]))
        if not scored:
            return UnitMatch(name)
        return UnitMatch(name, FUZZY, candidates=scored[:MAX_CANDIDATES])
