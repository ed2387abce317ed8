"""Statutory clocks (data/clocks.json): due dates in working days or calendar days.

due = clocks.due("lead_decision", received_on)     # 15 working days later
clocks.remaining("penalty_decision", due, today)   # days left (negative when overdue)
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ipcity.core import workdays

DATA = Path(__file__).parent / "data" / "clocks.json"


@dataclass(frozen=True)
class Clock:
    code: str
    amount: int
    unit: str  # "workdays" or "days"
    label: str
    source: str

    def due(self, start: datetime.date, amount: int | None = None) -> datetime.date:
        n = self.amount if amount is None else amount
        if self.unit == "workdays":
            return workdays.add_workdays(start, n)
        return start + datetime.timedelta(days=n)

    def remaining(self, due: datetime.date, today: datetime.date) -> int:
        """Units left until `due` (0 on the day, negative after it)."""
        if self.unit == "workdays":
            return workdays.count_workdays(today, due)
        return (due - today).days


@cache
def all_clocks() -> dict[str, Clock]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))["clocks"]
    return {
        code: Clock(code, int(v["amount"]), v["unit"], v["label"], v.get("source", ""))
        for code, v in raw.items()
    }


def get(code: str) -> Clock:
    return all_clocks()[code]


def due(code: str, start: datetime.date, amount: int | None = None) -> datetime.date:
    return get(code).due(start, amount)


def remaining(code: str, due_on: datetime.date, today: datetime.date) -> int:
    return get(code).remaining(due_on, today)
