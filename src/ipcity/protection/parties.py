"""Matching parties across cases and agencies: by credit code, then by a normalized name.

`name_key` folds the differences that do not make another party: full-width and half-width
forms (NFKC), spaces and middle dots, brackets of either width, a leading "北京市" / "北京",
and the commonest legal-form spellings (有限责任公司 ≡ 有限公司, 股份有限公司 kept distinct).
A shop's name registered with its branch in brackets keeps the branch: two branches are two
parties unless their credit code says otherwise.
"""

from __future__ import annotations

import re
import unicodedata

_DROP = re.compile(r"[\s·•・.,，。、'\"“”‘’]+")
_PREFIXES = ("北京市", "北京")
_FORMS = (("有限责任公司", "有限公司"),)


def name_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", str(name or "")).strip()
    text = _DROP.sub("", text)
    text = text.replace("（", "(").replace("）", ")")
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix) + 2:
            text = text[len(prefix) :]
            break
    for long, short in _FORMS:
        if text.endswith(long):
            text = text[: -len(long)] + short
    return text.lower()


def clean_uscc(code: str) -> str:
    """Upper-case, no spaces; '' when the value cannot be a credit code at all."""
    text = unicodedata.normalize("NFKC", str(code or "")).upper()
    text = "".join(text.split())
    return text if len(text) == 18 and text.isalnum() else ""


def guess_kind(name: str, uscc: str = "") -> str:
    """The kind of a party not stated: an organization when it has a credit code, or when its
    name is not a 2-4 character Chinese personal name (rights.holders.guess_kind: a university or
    an enterprise); a natural person otherwise."""
    from ipcity.orgs.choices import OrganizationKind
    from ipcity.rights.holders import guess_kind as holder_kind

    from .choices import PartyKind

    if str(uscc or "").strip():
        return PartyKind.ORGANIZATION
    name = str(name or "").strip()
    if name and holder_kind(name) == OrganizationKind.OTHER:
        return PartyKind.PERSON
    return PartyKind.ORGANIZATION
