"""Patent holders as organizations: match the names an export records, create the rest.

A holder is matched by unified social credit code first, then by its normalized name: spaces
dropped and full-width brackets folded to half-width, nothing more (有限责任公司 and 有限公司 are
different companies as far as a register knows). Holders that match nothing become new
organizations, created in bulk with their history. Lookups are done per chunk of rows, so the
work per row does not grow with the organization table.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from ipcity.core.bulk import HistoryInserter, Updater
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization

UNIVERSITY_WORDS = ("大学", "学院", "研究院", "研究所", "研究中心", "科学院", "学校")
ORGANIZATION_WORDS = (
    "公司",
    "集团",
    "中心",
    "厂",
    "所",
    "院",
    "局",
    "会",
    "社",
    "部",
    "站",
    "馆",
    "店",
    "合作",
    "委员会",
    "办公室",
    "医院",
    "银行",
)
_PERSON = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


@dataclass(frozen=True)
class HolderOrg:
    """What a row needs of a holder organization."""

    pk: int
    name: str
    uscc: str
    address: str
    region_id: int | None


def normalize_name(name: str) -> str:
    """The matching key: NFKC folds （） to (), full-width letters and digits; no whitespace."""
    return "".join(unicodedata.normalize("NFKC", str(name or "")).split())


def name_variants(name: str) -> set[str]:
    """Spellings under which the same holder may be stored: as typed, and with either bracket."""
    key = normalize_name(name)
    wide = key.replace("(", "（").replace(")", "）")
    return {str(name).strip(), key, wide}


def guess_kind(name: str) -> str:
    if any(word in name for word in UNIVERSITY_WORDS):
        return OrganizationKind.UNIVERSITY
    if _PERSON.match(name) and not any(word in name for word in ORGANIZATION_WORDS):
        return OrganizationKind.OTHER  # a natural person holding a patent
    return OrganizationKind.ENTERPRISE


@functools.lru_cache(maxsize=65536)
def clean_uscc(code: str) -> str:
    """A credit code fit to store (check-digit failures kept, as GB 32100 pilots exist); ''.

    Kept per code: an import meets the same holders' codes again and again."""
    from ipcity.orgs.forms import uscc_check

    try:
        return uscc_check(code)[0]
    except ValidationError:
        return ""


@dataclass
class Wanted:
    name: str
    uscc: str = ""
    address: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return normalize_name(self.name), self.uscc


def _holder(org: Organization) -> HolderOrg:
    return HolderOrg(org.pk, org.name, org.uscc, org.address, org.region_id)


class HolderMatcher:
    """Resolves holders chunk by chunk; `created` counts the organizations it made."""

    def __init__(self, user=None):
        self.user = user
        self.created = 0

    def resolve(self, wanted: list[Wanted]) -> dict[tuple[str, str], HolderOrg]:
        """(normalized name, credit code) → organization, creating the missing ones."""
        fields = ("pk", "name", "uscc", "address", "region_id")
        usccs = {w.uscc for w in wanted if w.uscc}
        by_uscc: dict[str, HolderOrg] = {}
        if usccs:
            for org in Organization.objects.filter(uscc__in=usccs).only(*fields):
                by_uscc[org.uscc] = _holder(org)
        variants: set[str] = set()
        for w in wanted:
            variants |= name_variants(w.name)
        by_name: dict[str, HolderOrg] = {}
        # Oldest first, so the earliest of several same-named organizations is the match.
        for org in Organization.objects.filter(name__in=variants).order_by("pk").only(*fields):
            by_name.setdefault(normalize_name(org.name), _holder(org))
        result: dict[tuple[str, str], HolderOrg] = {}
        missing: dict[tuple[str, str], Wanted] = {}
        for w in wanted:
            key = w.key
            found = by_uscc.get(w.uscc) if w.uscc else None
            found = found or by_name.get(key[0])
            if found is not None:
                result[key] = found
            else:
                missing.setdefault(key, w)
        if missing:
            result.update(self._create(list(missing.values())))
        return result

    def _create(self, wanted: list[Wanted]) -> dict[tuple[str, str], HolderOrg]:
        now = timezone.now()
        orgs: list[Organization] = []
        keys: list[tuple[str, str]] = []
        taken: dict[str, Organization] = {}
        by_name: dict[str, Organization] = {}
        result: dict[tuple[str, str], HolderOrg] = {}
        aliases: list[tuple[tuple[str, str], Organization]] = []
        for w in wanted:
            name_key = normalize_name(w.name)
            same = taken.get(w.uscc) if w.uscc else None
            same = same or by_name.get(name_key)
            if same is not None:
                aliases.append((w.key, same))
                continue
            org = Organization(
                name=str(w.name).strip()[:200],
                kind=guess_kind(name_key),
                uscc=w.uscc,
                address=w.address[:300],
                created_at=now,
                updated_at=now,
            )
            orgs.append(org)
            keys.append(w.key)
            by_name[name_key] = org
            if w.uscc:
                taken[w.uscc] = org
        Organization.objects.bulk_create(orgs)
        for org in orgs:
            org.path = f"/{org.pk}/"
        Updater(Organization, ["path"]).update(orgs)
        # As django-simple-history's `save()` writes them, many to a statement (its
        # `bulk_history_create` builds a model object for each record).
        HistoryInserter(Organization).insert(orgs, user=self.user, date=now, kind="+")
        self.created += len(orgs)
        for key, org in zip(keys, orgs, strict=True):
            result[key] = _holder(org)
        for key, org in aliases:
            result[key] = _holder(org)
        return result
