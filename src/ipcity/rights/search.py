"""Full-text search over patents with Chinese word segmentation.

Patent titles and abstracts are Chinese without spaces between words, so the database cannot
split them. On save we store `Patent.search_text`: the jieba search-mode tokens of the searchable
fields, followed by the whole field values, lowercased and space-separated. A query is segmented
the same way and every query token must occur in `search_text` (AND of `__contains`), which works
the same on SQLite and PostgreSQL without a full-text extension.

Keeping the whole values next to the tokens lets a contiguous phrase ("深度学习") match even where
jieba split it differently in the title, and lets a partial number ("20171011") match.
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


def build_search_text(fields: dict, holder_names: Iterable[str]) -> str:
    """The `search_text` of a patent from its field values and its holders' names."""
    values: list[str] = []
    for name in SEARCH_FIELDS:
        value = fields.get(name) or ""
        if name in ("inventors",):
            values.extend(_split_list(value))
        else:
            values.append(str(value))
    values.extend(str(name) for name in holder_names or () if name)
    number = normalize(fields.get("application_number") or "")
    if number:
        # People type numbers without the dot, or with the ZL/CN prefix of the patent number.
        bare = number.replace(".", "")
        values.extend([bare, f"zl{number}", f"cn{bare}"])
    for code in _split_list(fields.get("ipc_codes") or ""):
        values.append(code)

    seen: dict[str, None] = {}
    for value in values:
        for token in tokenize(value):
            seen.setdefault(token, None)
    for value in values:
        whole = normalize(value)
        if whole:
            seen.setdefault(whole, None)
    return " ".join(seen)


def query_tokens(query: str) -> list[str]:
    """The tokens a query must all match.

    Search mode emits both the parts and the compound ("图像", "识别", "图像识别"); a compound
    whose characters are all covered by shorter tokens of the same query is dropped, so "图像识别"
    also finds "图像的识别". The parts are still all required.
    """
    tokens: list[str] = []
    for part in normalize(query).split(" "):
        tokens.extend(t for t in tokenize(part) if t not in tokens)
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
    """`queryset` narrowed to rows whose `search_text` contains every token of `query`."""
    for token in query_tokens(query or ""):
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
