"""Daily duties: what `ipcity supervise` runs once a day (from cron, or by `ipcity run`).

Each app registers its duties at import time with `@daily_duty("name")`: a function of the
day that sends that day's reminders or scans, returns one line for the log, and is safe to run
again the same day (it sends nothing twice). The command runs them in `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Duty:
    name: str
    func: Callable[[date], str]
    order: int


_DUTIES: dict[str, Duty] = {}


def daily_duty(name: str, order: int = 100):
    def wrap(func):
        _DUTIES[name] = Duty(name, func, order)
        return func

    return wrap


def duties() -> list[Duty]:
    return sorted(_DUTIES.values(), key=lambda d: (d.order, d.name))
