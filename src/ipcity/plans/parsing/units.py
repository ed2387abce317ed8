"""Responsibility as plans write it inline: （市场监管局、知识产权局负责）, （区科委牵头，区财政局
配合）, （牵头单位：…；配合单位：…；完成时限：…）, and unit lists as division tables write them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

OPEN, CLOSE = "（(", "）)"
LEAD_LABELS = (
    "牵头单位",
    "牵头部门",
    "主要责任单位",
    "责任单位",
    "责任部门",
    "主责单位",
    "负责单位",
)
CO_LABELS = ("协同配合单位", "配合单位", "配合部门", "协办单位", "参与单位", "协同单位")
DEADLINE_LABELS = ("完成时限", "完成期限", "完成时间", "时间节点", "时限")
LEAD_VERBS = ("牵头负责", "牵头", "负责", "主责", "主办")
CO_VERBS = ("配合", "参与", "协助", "协同", "协办")
# Characters that cannot be part of a unit list; a bracket holding them is prose, not units.
PROSE_MARKS = "。！？“”《》"
MAX_UNIT_CHARS = 40
UNIT_SEPARATORS = re.compile(r"[、，,；;/\n]+|\s{2,}")


@dataclass
class Responsibility:
    lead: list[str] = field(default_factory=list)
    co: list[str] = field(default_factory=list)
    deadline_text: str = ""

    def __bool__(self):
        return bool(self.lead or self.co or self.deadline_text)


def bracket_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of every top-level bracket group, nested brackets included: unit names
    carry their own, as in （牵头单位：区市场监督管理局（区知识产权局））."""
    groups = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in CLOSE and depth:
            depth -= 1
            if depth == 0:
                groups.append((start, i + 1))
    return groups


def split_units(text: str) -> list[str]:
    """'区科委、区财政局，各街道' → three names; commas inside a unit's own brackets are kept."""
    names, depth, current = [], 0, ""
    for ch in text:
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE and depth:
            depth -= 1
        if depth == 0 and UNIT_SEPARATORS.fullmatch(ch):
            names.append(current)
            current = ""
        else:
            current += ch
    names.append(current)
    result = []
    for name in names:
        name = name.strip(" 　:：.。等")
        if name and name not in result:
            result.append(name)
    return result


def _split_top(text: str, separators: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE and depth:
            depth -= 1
        if depth == 0 and ch in separators:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _labelled(inner: str) -> Responsibility | None:
    result = Responsibility()
    found = False
    for part in _split_top(inner, "；;。"):
        match = re.match(r"([^：:]+?)\s*[：:]\s*(.*)$", part, re.S)
        if not match:
            continue
        label, value = match[1].strip(), match[2]
        if label in LEAD_LABELS:
            result.lead += split_units(value)
        elif label in CO_LABELS:
            result.co += split_units(value)
        elif label in DEADLINE_LABELS:
            result.deadline_text = value.strip()
        else:
            continue
        found = True
    return result if found else None


def _verbal(inner: str) -> Responsibility | None:
    result = Responsibility()
    for clause in _split_top(inner, "，,；;"):
        for verbs, target in ((LEAD_VERBS, result.lead), (CO_VERBS, result.co)):
            verb = next((v for v in verbs if clause.endswith(v)), None)
            if verb:
                names = split_units(clause[: -len(verb)])
                if not names:
                    return None
                target += names
                break
        else:
            if result.lead or result.co:
                # "区科委、区财政局负责，各街道" — a trailing list without a verb cooperates.
                names = split_units(clause)
                if not names:
                    return None
                result.co += names
            else:
                return None
    return result if result else None


def parse_responsibility(inner: str) -> Responsibility | None:
    """The units named by the text inside one bracket group, or None when it is prose."""
    inner = inner.strip()
    if not inner or any(mark in inner for mark in PROSE_MARKS):
        return None
    result = _labelled(inner) if re.search(r"[：:]", inner) else _verbal(inner)
    if not result:
        return None
    if any(len(name) > MAX_UNIT_CHARS for name in result.lead + result.co):
        return None
    return result


def extract_responsibility(text: str) -> tuple[Responsibility, str]:
    """Every responsibility bracket in `text` merged, and the text without those brackets."""
    merged = Responsibility()
    kept, last = [], 0
    for start, end in bracket_groups(text):
        found = parse_responsibility(text[start + 1 : end - 1])
        if found is None:
            continue
        merged.lead += [n for n in found.lead if n not in merged.lead]
        merged.co += [n for n in found.co if n not in merged.co and n not in merged.lead]
        merged.deadline_text = merged.deadline_text or found.deadline_text
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    return merged, "".join(kept)
