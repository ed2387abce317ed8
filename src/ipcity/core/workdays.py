"""Working days by the Chinese calendar, for statutory deadlines.

Three sources, in order of precedence:

1. `core.models.Holiday` rows: what administrators entered, usually for a year the library does
   not know yet (the State Council publishes each year's arrangement in the preceding autumn);
2. the `chinesecalendar` package: public holidays and make-up working days (调休);
3. plain weekends, for a year neither of the above knows. The answer may then be wrong, so a
   warning is logged and `is_known()` returns False for callers to show.

A year counts as known to the administrators as soon as it has one Holiday row.

The start day itself is never counted. `add_workdays(d, n)` for n > 0 is the day on which the
n-th working day after `d` falls: how "within N working days from the day of receipt" deadlines
are reckoned. `count_workdays(a, b)` counts the working days in (a, b] and is a signed measure
(`count(a, b) == -count(b, a)`, `count(a, c) == count(a, b) + count(b, c)`), which is what
"3 working days left" and "2 working days overdue" need.

The two agree, `count_workdays(d, add_workdays(d, n)) == n`, for every n >= 0 and, going
backwards (n < 0), whenever `d` is a working day. Going back from a day off the count is one
short (n + 1): `add_workdays(Saturday, -1)` is Friday, the last working day before it, while
between that Friday and the Saturday no working day lies after the Friday. Both answers are the
intended ones; no deadline of the platform is reckoned backwards from a day off.

Both refuse spans over `MAX_SPAN_DAYS` calendar days with a ValueError, so anything one of them
accepts the other accepts too.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar import constants as _cc_constants

from .models import Holiday, HolidayKind

logger = logging.getLogger(__name__)

_LIBRARY_YEARS = {d.year for d in _cc_constants.holidays} | {d.year for d in _cc_constants.workdays}
LIBRARY_FIRST_YEAR = min(_LIBRARY_YEARS)
LIBRARY_LAST_YEAR = max(_LIBRARY_YEARS)

# Guards against a runaway loop on absurd input (n in the millions).
MAX_SPAN_DAYS = 366 * 50


class _Calendar:
    """One computation's view of the calendar: Holiday rows are read once per year touched."""

    def __init__(self):
        self._overrides: dict[int, dict[date, bool]] = {}
        self._warned: set[int] = set()

    def _year(self, year: int) -> dict[date, bool]:
        if year not in self._overrides:
            rows = Holiday.objects.filter(date__year=year).values_list("date", "kind")
            self._overrides[year] = {d: kind == HolidayKind.WORKDAY for d, kind in rows}
        return self._overrides[year]

    def year_known(self, year: int) -> bool:
        return LIBRARY_FIRST_YEAR <= year <= LIBRARY_LAST_YEAR or bool(self._year(year))

    def is_workday(self, day: date) -> bool:
        overrides = self._year(day.year)
        if day in overrides:
            return overrides[day]
        if LIBRARY_FIRST_YEAR <= day.year <= LIBRARY_LAST_YEAR:
            return chinese_calendar.is_workday(day)
        if not overrides and day.year not in self._warned:
            self._warned.add(day.year)
            logger.warning(
                "No holiday data for %s: counting weekends only. Enter the year's holidays "
                "on the holidays page.",
                day.year,
            )
        return day.weekday() < 5


def is_workday(day: date) -> bool:
    return _Calendar().is_workday(day)


def is_known(start: date, end: date | None = None) -> bool:
    """True when holiday data covers every year from `start` to `end`."""
    end = end or start
    if end < start:
        start, end = end, start
    cal = _Calendar()
    return all(cal.year_known(year) for year in range(start.year, end.year + 1))


def add_workdays(start: date, n: int) -> date:
    """The day `n` working days after `start` (before it when `n` is negative).

    `start` itself is not counted; with n == 0 the answer is `start`.
    """
    if abs(n) > MAX_SPAN_DAYS:
        raise ValueError(f"too many working days: {n}")
    cal = _Calendar()
    step = timedelta(days=1 if n >= 0 else -1)
    day = start
    remaining = abs(n)
    span = 0
    while remaining:
        day += step
        span += 1
        if span > MAX_SPAN_DAYS:
            raise ValueError(f"too many working days: {n}")
        if cal.is_workday(day):
            remaining -= 1
    return day


def count_workdays(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier."""
    if abs((end - start).days) > MAX_SPAN_DAYS:
        raise ValueError("the period is too long")
    if end < start:
        return -count_workdays(end, start)
    cal = _Calendar()
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if cal.is_workday(start + timedelta(offset))
    )
