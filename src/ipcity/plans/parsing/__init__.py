"""Reading a work plan from the document as issued (.docx, .txt or pasted text). Pure functions:
nothing here touches the database.

`parse_text` and `parse_document` return the plan in its *draft form*: the public structure
(`public_json`, what `ipcity plan parse` prints) plus what saving needs: a `key`, `kind` and
`text` on every section, `section_key` on every task, the `preamble`, the `target_year` and the
`warnings` a person should read before saving.

Public form::

    {"title", "doc_number", "issuer", "date",
     "sections": [{"number", "title", "children": [...]}],
     "tasks": [{"number", "title", "text", "section", "lead_units", "co_units", "deadline"}],
     "safeguards": [{"number", "title", "text"}],
     "attachments": ["…"]}
"""

from __future__ import annotations

from .deadlines import is_ongoing, parse_deadline
from .structure import parse_text
from .text import ParseError, read_document
from .units import split_units

__all__ = [
    "ParseError",
    "is_ongoing",
    "parse_deadline",
    "parse_document",
    "parse_text",
    "public_json",
    "read_document",
    "split_units",
]

TASK_KEYS = ("number", "title", "text", "section", "lead_units", "co_units", "deadline")


def parse_document(data: bytes, name: str = "") -> dict:
    """Parse an uploaded file's bytes (.docx or text)."""
    return parse_text(read_document(data, name))


def _public_section(section: dict) -> dict:
    return {
        "number": section["number"],
        "title": section["title"],
        "children": [_public_section(child) for child in section.get("children", [])],
    }


def public_json(plan: dict) -> dict:
    """The draft form reduced to the documented keys, in their documented order."""
    return {
        "title": plan["title"],
        "doc_number": plan["doc_number"],
        "issuer": plan["issuer"],
        "date": plan["date"],
        "sections": [_public_section(s) for s in plan["sections"]],
        "tasks": [{key: task[key] for key in TASK_KEYS} for task in plan["tasks"]],
        "safeguards": [
            {"number": s["number"], "title": s["title"], "text": s["text"]}
            for s in plan.get("safeguards", [])
        ],
        "attachments": list(plan.get("attachments", [])),
    }
