"""Matching offers and needs on the marketplace: a score from 0 to 100 and the reasons for it.

A need is compared with published offers (and an offer with published needs) on three things:

- **IPC** (45 points): the same main group (G06F16) counts fully, the same subclass (G06F) 60 %,
  the same class (G06) a quarter;
- **text** (45 points): the jieba tokens of title, description and keywords (the registry
  search's tokenizer, rights.search.tokenize), stopwords (data/match_stopwords.txt) and single
  characters removed, compared as sets (cosine: shared / √(|A|·|B|)); a cosine of 0.5 or
  more counts fully, but only when the listings share two words or more, or one long word
  (4 characters or more): one short shared word ("智能", "检测") is weak evidence and earns at
  most 30 % of the points;
- **kinds** (10 points): the transaction kinds offered and wanted share one (fully), one side
  left them open (half), or they exclude each other (nothing).

The work is bounded: candidates are narrowed and ranked in SQL (a shared IPC main group, subclass
or class, and the number of the listing's words found in their `search_text`; the best-ranked
`MAX_CANDIDATES` of them, one query) and only those are scored in Python. A candidate sharing
neither IPC nor words is dropped, whatever its kinds, and so is one scoring below `MIN_SCORE`
(25): such a score comes from the kinds or one short common word alone.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext as _

from ipcity.rights.search import tokenize

from .choices import LICENCE_KINDS, ListingStatus, TransactionKind
from .models import DemandListing, SupplyListing

MAX_CANDIDATES = 300
TOP_N = 10
MAX_QUERY_TOKENS = 15

WEIGHT_IPC = 45
WEIGHT_TEXT = 45
WEIGHT_KINDS = 10
IPC_GROUP, IPC_SUBCLASS, IPC_CLASS = 1.0, 0.6, 0.25
TEXT_FULL_AT = 0.5
# One shared word shorter than this earns at most WEAK_TEXT of the text points.
STRONG_WORD_LENGTH = 4
WEAK_TEXT = 0.3
SHOWN_WORDS = 8
# How candidates are ranked in SQL before the limit: each shared word of the listing counts 1;
# a shared IPC main group, subclass or class counts as this many words.
RANK_GROUP, RANK_SUBCLASS, RANK_CLASS = 5, 3, 1

# Words every listing uses ("一种", "技术", "演示", "专利技术"): they say nothing about what it is
# about. Kept as data, one word a line, in data/match_stopwords.txt.
STOPWORDS_FILE = Path(__file__).resolve().parent / "data" / "match_stopwords.txt"


def _load_stopwords(path: Path = STOPWORDS_FILE) -> frozenset[str]:
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.strip()
        if word and not word.startswith("#"):
            words.add(word.lower())
    return frozenset(words)


STOPWORDS = _load_stopwords()

# Matches scoring below this are not shown: a score of 9-20 comes from kinds alone or from one
# short shared word, which is noise, not a lead. A shared IPC subclass with compatible kinds
# (27 + 10) or two shared words clear it.
MIN_SCORE = 25

# An IPC code as people type it, not glued to other letters or digits: "G06F 16/00", "g06f0016/30",
# "G06F" (text is NFKC-folded and upper-cased first).
_IPC = re.compile(
    r"(?<![A-Z0-9/])([A-H])\s*(\d{2})\s*([A-Z])(?:\s*0*(\d{1,4})(?:\s*/\s*(\d{1,6}))?)?(?![A-Z0-9/])"
)
# What may stand between codes: spaces, commas, semicolons, 、 (half- and full-width).
_SEPARATORS = re.compile(r"[\s;；,，、]+")


# -- IPC codes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IPC:
    subclass: str  # G06F
    group: str  # G06F16, or "" when only the subclass is known
    code: str  # G06F16/00 as stored

    @property
    def ipc_class(self) -> str:
        return self.subclass[:3]


def _fold(text) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).upper()


def _ipc(groups) -> IPC:
    section, cls, sub, group, subgroup = groups
    subclass = f"{section}{cls}{sub}"
    if group is None:
        return IPC(subclass, "", subclass)
    main = f"{subclass}{int(group)}"
    return IPC(subclass, main, f"{main}/{subgroup}" if subgroup else main)


def parse_ipc(text: str) -> IPC | None:
    """'G06F 16/00', 'g06f0016/00', 'G06F' → IPC; None when it does not start with a code."""
    match = _IPC.match(_fold(text).strip())
    return _ipc(match.groups()) if match else None


def scan_ipc(text: str) -> tuple[list[IPC], list[str]]:
    """The IPC codes in `text` (separated by spaces, commas, semicolons or 、), each once, and
    the leftover parts that are not codes."""
    folded = _fold(text)
    codes: dict[str, IPC] = {}
    rest = []
    position = 0
    for match in _IPC.finditer(folded):
        rest.append(folded[position : match.start()])
        ipc = _ipc(match.groups())
        codes.setdefault(ipc.code, ipc)
        position = match.end()
    rest.append(folded[position:])
    bad = [part for chunk in rest for part in _SEPARATORS.split(chunk) if part]
    return list(codes.values()), bad


def parse_ipc_list(text: str) -> list[IPC]:
    return scan_ipc(text)[0]


def normalize_ipc_codes(text: str, limit: int = 500) -> tuple[str, list[str]]:
    """The codes of `text` as stored ('G06F16/00;G06N3/08') and the parts that are not codes."""
    codes, bad = scan_ipc(text)
    stored = ""
    for ipc in codes:
        candidate = f"{stored};{ipc.code}" if stored else ipc.code
        if len(candidate) > limit:
            break
        stored = candidate
    return stored, bad


def ipc_prefix_q(value: str, field: str = "ipc_codes") -> Q:
    """Codes are stored as 'G06F16/00;G06N3/08': a prefix matches at the start or after ';'."""
    value = "".join((value or "").split()).upper()
    return Q(**{f"{field}__istartswith": value}) | Q(**{f"{field}__icontains": f";{value}"})


def _group_q(group: str, field: str = "ipc_codes") -> Q:
    """A stored code in main group `group` (G06F16 matches G06F16/30 and G06F16, not G06F160)."""
    return Q(**{f"{field}__regex": rf"(^|;){re.escape(group)}(/|;|$)"})


def ipc_from_patents(patents) -> str:
    """The IPC codes of patents (main IPC first), as stored on a listing."""
    values = []
    for patent in patents:
        values.extend([patent.main_ipc or "", patent.ipc_codes or ""])
    return normalize_ipc_codes(";".join(values))[0]


# -- words -----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(t for t in tokenize(text) if len(t) > 1 and t not in STOPWORDS and not t.isdigit())


def listing_tokens(listing) -> list[str]:
    """The meaningful tokens of a listing's title, description and keywords, in order."""
    text = " ".join([listing.title or "", listing.description or "", listing.keywords or ""])
    return list(_tokens(text))


def _maximal_words(shared: list[str]) -> list[str]:
    """Shared words not part of a longer shared word ("图像识别" stands for "图像" and "识别")."""
    return [w for w in shared if not any(w != o and w in o for o in shared)]


def _shown_words(shared: list[str]) -> list[str]:
    """Shared words to name: a compound is left out when its parts are named ("图像识别" when
    "图像" and "识别" are both shared)."""
    kept = []
    for word in shared:
        parts = [w for w in shared if w != word and len(w) < len(word) and w in word]
        if parts and sum(len(p) for p in parts) >= len(word):
            continue
        kept.append(word)
    return kept[:SHOWN_WORDS]


# -- scoring ---------------------------------------------------------------------------------


@dataclass
class Match:
    listing: object
    score: int
    reasons: list[str] = field(default_factory=list)


@dataclass
class _Profile:
    ipcs: list[IPC]
    tokens: list[str]
    kinds: set[str]

    @classmethod
    def of(cls, listing) -> _Profile:
        return cls(parse_ipc_list(listing.ipc_codes), listing_tokens(listing), set(listing.kinds))


def _ipc_part(a: list[IPC], b: list[IPC]) -> tuple[float, str]:
    groups_b = {i.group for i in b if i.group}
    shared = sorted({i.group for i in a if i.group and i.group in groups_b})
    if shared:
        return IPC_GROUP, _("IPC %(codes)s shared") % {"codes": ", ".join(shared)}
    subclasses_b = {i.subclass for i in b}
    shared = sorted({i.subclass for i in a if i.subclass in subclasses_b})
    if shared:
        return IPC_SUBCLASS, _("IPC %(codes)s shared") % {"codes": ", ".join(shared)}
    classes_b = {i.ipc_class for i in b}
    shared = sorted({i.ipc_class for i in a if i.ipc_class in classes_b})
    if shared:
        return IPC_CLASS, _("IPC class %(codes)s shared") % {"codes": ", ".join(shared)}
    return 0.0, ""


def _text_part(a: list[str], b: list[str]) -> tuple[float, str]:
    if not a or not b:
        return 0.0, ""
    other = set(b)
    shared = [t for t in a if t in other]
    if not shared:
        return 0.0, ""
    cosine = len(shared) / math.sqrt(len(set(a)) * len(other))
    credit = min(1.0, cosine / TEXT_FULL_AT)
    maximal = _maximal_words(shared)
    if len(maximal) < 2 and len(maximal[0]) < STRONG_WORD_LENGTH:
        credit = min(credit, WEAK_TEXT)
    words = ", ".join(_shown_words(shared))
    return credit, _("Common words: %(words)s") % {"words": words}


def _kinds_part(a: set[str], b: set[str]) -> tuple[float, str]:
    if not a or not b:
        return 0.5, ""
    shared = [k for k in TransactionKind.values if k in a and k in b]
    if not shared:
        return 0.0, ""
    labels = "、".join(str(TransactionKind(k).label) for k in shared)
    if all(k in LICENCE_KINDS for k in shared):
        return 1.0, _("Licence kinds compatible: %(kinds)s") % {"kinds": labels}
    return 1.0, _("Kinds compatible: %(kinds)s") % {"kinds": labels}


def _score(a: _Profile, b: _Profile) -> tuple[int, list[str], bool]:
    ipc, ipc_reason = _ipc_part(a.ipcs, b.ipcs)
    text, text_reason = _text_part(a.tokens, b.tokens)
    kinds, kinds_reason = _kinds_part(a.kinds, b.kinds)
    score = WEIGHT_IPC * ipc + WEIGHT_TEXT * text + WEIGHT_KINDS * kinds
    reasons = [r for r in (ipc_reason, text_reason, kinds_reason) if r]
    return max(0, min(100, round(score))), reasons, bool(ipc or text)


def score_pair(a, b) -> Match:
    """How well listing `b` answers listing `a` (the score is symmetric)."""
    score, reasons, _related = _score(_Profile.of(a), _Profile.of(b))
    return Match(b, score, reasons)


# -- candidates --------------------------------------------------------------------------------


def _other_model(listing):
    return DemandListing if isinstance(listing, SupplyListing) else SupplyListing


def _rank(profile: _Profile, words: list[str]):
    """(filter, rank): listings sharing an IPC class or a word, and how much they share (a
    shared main group, else subclass, else class, plus one per shared word)."""
    groups = sorted({i.group for i in profile.ipcs if i.group})
    subclasses = sorted({i.subclass for i in profile.ipcs})
    classes = sorted({i.ipc_class for i in profile.ipcs})
    found = Q()
    tiers = []
    for codes, q_of, points in (
        (groups, _group_q, RANK_GROUP),
        (subclasses, ipc_prefix_q, RANK_SUBCLASS),
        (classes, ipc_prefix_q, RANK_CLASS),
    ):
        q = Q()
        for code in codes:
            q |= q_of(code)
        if q:
            tiers.append(When(q, then=Value(points)))
            found |= q
    rank = Case(*tiers, default=Value(0), output_field=IntegerField()) if tiers else Value(0)
    for word in words:
        found |= Q(search_text__contains=word)
        rank = rank + Case(
            When(search_text__contains=word, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return found, rank


def candidates(listing, user=None, limit: int = MAX_CANDIDATES):
    """Published listings of the other kind that share an IPC class or a word with `listing`,
    those sharing most first (then the newest), at most `limit` (one query). Own listings are
    left out."""
    model = _other_model(listing)
    queryset = model.objects.restrict(user, "view") if user is not None else model.objects.all()
    profile = _Profile.of(listing)
    # The longest words are the most telling; a few are enough to find the candidates.
    words = sorted(set(profile.tokens), key=lambda t: (-len(t), t))[:MAX_QUERY_TOKENS]
    found, rank = _rank(profile, words)
    if not found:
        return model.objects.none()
    return (
        queryset.filter(found, status=ListingStatus.PUBLISHED)
        .exclude(owner_id=listing.owner_id)
        .select_related("owner")
        .annotate(match_rank=rank)
        .order_by("-match_rank", "-published_at", "-pk")[:limit]
    )


def matches(listing, user=None, top: int = TOP_N, limit: int = MAX_CANDIDATES) -> list[Match]:
    """The best `top` published listings of the other kind for `listing` scoring `MIN_SCORE` or
    more, best first."""
    source = _Profile.of(listing)
    found = []
    for candidate in candidates(listing, user, limit):
        score, reasons, related = _score(source, _Profile.of(candidate))
        if related and score >= MIN_SCORE:
            found.append(Match(candidate, score, reasons))
    found.sort(key=lambda m: (-m.score, -(m.listing.pk or 0)))
    return found[:top]
