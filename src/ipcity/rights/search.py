"""Full-text search over patents, indexed by the database, with Chinese text.

Patent titles and abstracts are Chinese without spaces between words, so neither database can
split them into words. On save we store `Patent.search_text`: the searchable field values as
*terms* separated by spaces. A run of ASCII letters and digits is one term ("cn106869863a",
"g06k9", "62"); a run of other letters (Chinese) gives its overlapping character pairs and then
its last character alone ("图像识别" → "图像 像识 识别 别"). Punctuation and spaces only separate.

The database indexes the terms (rights/search_index.py: SQLite FTS5, PostgreSQL GIN over a
`tsvector`), so a search reads the index instead of every row:
- the query is segmented with jieba into the words that must all occur ("图像识别" requires
  "图像" and "识别", so "图像的识别" is found too; see `query_tokens`);
- a Chinese word of two or more characters matches as the phrase of its pairs, i.e. wherever
  those characters stand together, whatever jieba would make of the stored text;
- one Chinese character matches any term beginning with it (a pair, or a run's last character);
- an ASCII word matches any term it begins ("g06v" finds "g06v10", "20171011" a number).
Both engines give the same answers (tests/rights/test_search.py runs on each).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable

import jieba

jieba.setLogLevel(logging.WARNING)

# Tokens that carry no meaning on their own: whitespace and punctuation.
_NOISE = re.compile(r"^[\W_]+$", re.UNICODE)
_SPACES = re.compile(r"\s+")

SEARCH_FIELDS = (
    "title",
    "abstract",
    "inventors",
    "application_number",
    "publication_number",
    "main_ipc",
)


def normalize(text: str) -> str:
    # NFKC folds full-width letters and digits (ＣＮ１２３) to their ASCII forms.
    text = unicodedata.normalize("NFKC", str(text or ""))
    return _SPACES.sub(" ", text).strip().lower()


def tokenize(text: str) -> list[str]:
    """Search-mode tokens of `text`, lowercased, without punctuation, in order, deduplicated."""
    text = normalize(text)
    if not text:
        return []
    seen: dict[str, None] = {}
    for token in jieba.cut_for_search(text):
        token = token.strip()
        if token and not _NOISE.match(token):
            seen.setdefault(token, None)
    return list(seen)


def _split_list(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;；,，、\n]", value or "") if part.strip()]


# A run of ASCII letters and digits, or a run of other letters and digits. Everything else
# (spaces, punctuation, symbols) separates runs.
_RUNS = re.compile(r"[0-9a-z]+|[^\x00-\x7f\W_]+")


def runs(text: str) -> list[str]:
    """The runs of a normalized text (see the module docstring)."""
    return _RUNS.findall(text)


def terms(text: str) -> list[str]:
    """The index terms of a text, in order (repetitions kept: phrases need the positions)."""
    out: list[str] = []
    for run in runs(normalize(text)):
        if run.isascii() or len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
    return out


def search_values(fields: dict, holder_names: Iterable[str]) -> list[str]:
    """The texts a patent is found by: its searchable fields, holders and number variants."""
    values: list[str] = []
    for name in SEARCH_FIELDS:
        value = fields.get(name) or ""
        if name == "inventors":
            values.extend(_split_list(value))
        else:
            values.append(str(value))
    values.extend(str(name) for name in holder_names or () if name)
    number = normalize(fields.get("application_number") or "")
    if number:
        # People type numbers without the dot, or with the ZL/CN prefix of the patent number.
        bare = number.replace(".", "")
        values.extend([bare, f"zl{bare}", f"cn{bare}"])
    publication = normalize(fields.get("publication_number") or "")
    if publication[:2].isalpha() and publication[:2].isascii():
        values.append(publication[2:])  # "106869863a" of "cn106869863a"
    values.extend(_split_list(fields.get("ipc_codes") or ""))
    return list(dict.fromkeys(v for v in values if v))


def build_search_text(fields: dict, holder_names: Iterable[str]) -> str:
    """The `search_text` of a patent from its field values and its holders' names.

    The values' terms in order: the values are normalized together, one per line (a line break
    separates runs, so no term spans two values)."""
    return " ".join(terms("\n".join(search_values(fields, holder_names))))


def _joined_singles(part: str, tokens: list[str]) -> list[str]:
    """Single characters that stand side by side in the query, joined again.

    jieba leaves the characters of a part of a word one by one (高性 → 高, 性; 锂离 → 锂, 离),
    and each alone is a prefix that matches any term it begins, wherever it stands. Typed
    together they mean the two together: 高性 finds 高性能, not every patent with a 高 and a 性
    anywhere (and the one pair is far cheaper to look up than two prefixes). Only characters
    that begin a word of jieba's dictionary together are joined: words of one character side by
    side (车与船, 铜铝) stay apart."""
    out: list[str] = []
    joined = False  # the last token was made of single characters
    for token in tokens:
        single = len(token) == 1 and not token.isascii()
        pair = out[-1] + token if out else ""
        if single and joined and pair in part and pair in jieba.dt.FREQ:
            out[-1] = pair
            continue
        out.append(token)
        joined = single
    return out


def query_tokens(query: str) -> list[str]:
    """The tokens a query must all match.

    Search mode emits both the parts and the compound ("图像", "识别", "图像识别"); a compound
    whose characters are all covered by shorter tokens of the same query is dropped, so "图像识别"
    also finds "图像的识别". The parts are still all required.
    """
    tokens: list[str] = []
    for part in normalize(query).split(" "):
        tokens.extend(t for t in _joined_singles(part, tokenize(part)) if t not in tokens)
    kept = []
    for token in tokens:
        shorter = [t for t in tokens if t != token and len(t) < len(token) and t in token]
        covered = [False] * len(token)
        for sub in shorter:
            start = token.find(sub)
            while start != -1:
                for i in range(start, start + len(sub)):
                    covered[i] = True
                start = token.find(sub, start + 1)
        if not (shorter and all(covered)):
            kept.append(token)
    return kept


def search_filter(queryset, query: str):
    """`queryset` narrowed to rows that contain every word of `query`.

    Patents are searched through the database's index of their terms; other models with a
    `search_text` of whole words and values (marketplace listings) by substring per word.
    """
    tokens = query_tokens(query or "")
    if not tokens:
        return queryset
    from . import search_index

    if search_index.indexed(queryset.model):
        return search_index.search(queryset, tokens)
    for token in tokens:
        queryset = queryset.filter(search_text__contains=token)
    return queryset


def patent_search_text(patent) -> str:
    """`build_search_text` for a saved patent (holders read from its links)."""
    fields = {name: getattr(patent, name, "") for name in (*SEARCH_FIELDS, "ipc_codes")}
    names: list[str] = []
    if patent.pk:
        for link in patent.holder_links.select_related("organization"):
            names.append(link.organization.name)
            if link.name_as_recorded and link.name_as_recorded != link.organization.name:
                names.append(link.name_as_recorded)
    names.extend(_split_list(patent.holder_names))
    return build_search_text(fields, names)


def refresh_search_text(patent) -> None:
    """Recompute and store `search_text` without touching history or `updated`."""
    text = patent_search_text(patent)
    if text != patent.search_text:
        patent.search_text = text
        type(patent).objects.filter(pk=patent.pk).update(search_text=text)
