"""Property-based tests of the working-day calendar (`ipcity.core.workdays`).

The calendar reads the administrators' Holiday rows, so these tests use the (empty) test
database; a test that adds rows removes them again before the next example. Dates range over
every year of the `chinesecalendar` data, a few years on either side of it (weekends only, as
documented) and the year boundaries in between.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from chinese_calendar import constants as cc_constants
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ipcity.core import workdays
from ipcity.core.models import Holiday, HolidayKind

pytestmark = pytest.mark.django_db

FIRST, LAST = workdays.LIBRARY_FIRST_YEAR, workdays.LIBRARY_LAST_YEAR
PROPS = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
DAY = timedelta(days=1)

known_days = st.dates(date(FIRST, 1, 1), date(LAST, 12, 31))
unknown_days = st.one_of(
    st.dates(date(FIRST - 4, 1, 1), date(FIRST - 1, 12, 31)),
    st.dates(date(LAST + 1, 1, 1), date(LAST + 6, 12, 31)),
)
new_years = st.builds(
    lambda year, offset: date(year, 1, 1) + timedelta(days=offset),
    st.integers(FIRST - 2, LAST + 3),
    st.integers(-12, 12),
)
days = st.one_of(known_days, unknown_days, new_years)
counts = st.integers(0, 40)

# Make-up working days (调休) fall on weekends; public holidays on weekdays are days off.
MAKE_UP_DAYS = sorted(d for d in cc_constants.workdays if d.weekday() >= 5)
HOLIDAY_WEEKDAYS = sorted(d for d in cc_constants.holidays if d.weekday() < 5)


def workdays_in(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`, by the module's own predicate."""
    return sum(workdays.is_workday(start + DAY * i) for i in range(1, (end - start).days + 1))


def last_workday_on_or_before(day: date) -> date:
    while not workdays.is_workday(day):
        day -= DAY
    return day


# -- the predicate ---------------------------------------------------------------------------------


@PROPS
@given(day=days)
def test_a_day_follows_the_library_in_its_years_and_the_weekend_outside(day):
    result = workdays.is_workday(day)
    if FIRST <= day.year <= LAST:
        assert result == chinese_calendar.is_workday(day)
        assert workdays.is_known(day)
    else:
        assert result == (day.weekday() < 5)
        assert not workdays.is_known(day)


def test_the_library_data_has_make_up_days_and_holiday_weekdays():
    """The two samples below are not empty (a silent pass would prove nothing)."""
    assert len(MAKE_UP_DAYS) > 50 and len(HOLIDAY_WEEKDAYS) > 200
    assert {d.year for d in MAKE_UP_DAYS} <= set(range(FIRST, LAST + 1))


@PROPS
@given(day=st.sampled_from(MAKE_UP_DAYS), n=st.integers(1, 10))
def test_a_make_up_weekend_day_counts(day, n):
    assert workdays.is_workday(day)
    assert workdays.count_workdays(day - DAY, day) == 1
    assert workdays.add_workdays(day - DAY, 1) == day
    # Going back n working days from the n-th one after a make-up day lands on it.
    assert workdays.add_workdays(workdays.add_workdays(day, n), -n) == day


@PROPS
@given(day=st.sampled_from(HOLIDAY_WEEKDAYS), n=st.integers(1, 10))
def test_a_holiday_on_a_weekday_does_not_count(day, n):
    assert not workdays.is_workday(day)
    assert workdays.count_workdays(day - DAY, day) == 0
    assert workdays.add_workdays(day - DAY, 1) > day
    assert workdays.add_workdays(day, n) == workdays.add_workdays(day - DAY, n)


# -- adding and counting ---------------------------------------------------------------------------


@PROPS
@given(start=days, n=st.integers(1, 40))
def test_adding_lands_on_a_working_day(start, n):
    forward, backward = workdays.add_workdays(start, n), workdays.add_workdays(start, -n)
    assert workdays.is_workday(forward) and forward > start
    assert workdays.is_workday(backward) and backward < start


@PROPS
@given(start=days, n=counts)
def test_one_more_working_day_is_the_next_working_day(start, n):
    here, there = workdays.add_workdays(start, n), workdays.add_workdays(start, n + 1)
    assert there > here
    assert workdays.is_workday(there)
    assert not any(workdays.is_workday(here + DAY * i) for i in range(1, (there - here).days))


@PROPS
@given(start=days, n=counts)
@example(start=date(2024, 9, 27), n=5)  # across the National Day holiday and its make-up days
@example(start=date(LAST, 12, 30), n=3)  # out of the library's last year
def test_adding_n_working_days_spans_exactly_n_of_them(start, n):
    end = workdays.add_workdays(start, n)
    assert workdays.count_workdays(start, end) == n
    assert workdays_in(start, end) == n


@PROPS
@given(start=days, n=counts)
@example(start=date(2024, 10, 10), n=5)
@example(start=date(FIRST, 1, 2), n=3)  # back out of the library's first year
def test_going_back_n_working_days_passes_n_of_them(start, n):
    """Backwards the start is not counted either: the n working days are [end, start)."""
    end = workdays.add_workdays(start, -n)
    assert workdays_in(end - DAY, start - DAY) == n
    if workdays.is_workday(start):
        assert workdays.count_workdays(start, end) == -n


@PROPS
@given(start=days, n=st.integers(-40, -1))
@example(start=date(2024, 6, 1), n=-1)  # a Saturday: add gives Friday 5-31, count says 0
def test_counting_back_from_a_day_off_is_one_short(start, n):
    """The documented exception: back from a day off, add lands on the last working day before
    it and counting (a signed measure over (end, start]) misses that day."""
    assume(not workdays.is_workday(start))
    assert workdays.count_workdays(start, workdays.add_workdays(start, n)) == n + 1


@PROPS
@given(a=days, gap1=st.integers(-60, 60), gap2=st.integers(-60, 60))
def test_counting_is_antisymmetric_additive_and_matches_the_predicate(a, gap1, gap2):
    b, c = a + DAY * gap1, a + DAY * gap1 + DAY * gap2
    ab = workdays.count_workdays(a, b)
    assert ab == (workdays_in(a, b) if b >= a else -workdays_in(b, a))
    assert workdays.count_workdays(b, a) == -ab
    assert workdays.count_workdays(a, c) == ab + workdays.count_workdays(b, c)


@PROPS
@given(start=days, m=counts, n=counts, backwards=st.booleans())
def test_adding_in_two_steps_is_adding_once(start, m, n, backwards):
    sign = -1 if backwards else 1
    two_steps = workdays.add_workdays(workdays.add_workdays(start, sign * m), sign * n)
    assert two_steps == workdays.add_workdays(start, sign * (m + n))


@PROPS
@given(start=days, n=st.integers(1, 30))
def test_a_day_off_start_counts_like_the_last_working_day_before_it(start, n):
    """The start day is never counted: receiving something on a holiday or a weekend gives the
    deadline it would have had on the last working day before it, and going back again returns
    to that working day (to the start itself only when it is a working day)."""
    before = last_workday_on_or_before(start)
    deadline = workdays.add_workdays(start, n)
    assert deadline == workdays.add_workdays(before, n)
    assert workdays.add_workdays(deadline, -n) == before
    assert (before == start) == workdays.is_workday(start)


@PROPS
@given(start=days, n=st.integers(0, 40))
def test_the_deadline_is_the_first_day_with_n_working_days(start, n):
    end = workdays.add_workdays(start, n)
    if n:
        assert workdays.count_workdays(start, end - DAY) == n - 1
    else:
        assert end == start


# -- administrators' rows and the limits -----------------------------------------------------------


@PROPS
@given(day=days, kind=st.sampled_from([HolidayKind.HOLIDAY, HolidayKind.WORKDAY]))
def test_an_administrators_row_decides_its_day_and_makes_its_year_known(day, kind):
    neighbour = day + DAY * 3 if day.month < 12 or day.day < 20 else day - DAY * 3
    before = workdays.is_workday(neighbour)
    Holiday.objects.create(date=day, kind=kind, name="测试")
    try:
        assert workdays.is_workday(day) == (kind == HolidayKind.WORKDAY)
        assert workdays.count_workdays(day - DAY, day) == (1 if kind == HolidayKind.WORKDAY else 0)
        assert workdays.is_known(day)
        # The row changes its own day only (the neighbour is in the same year).
        assert workdays.is_workday(neighbour) == before
    finally:
        Holiday.objects.filter(date=day).delete()
    assert workdays.is_known(day) == (FIRST <= day.year <= LAST)


@PROPS
@given(
    start=days,
    n=st.one_of(
        st.integers(workdays.MAX_SPAN_DAYS + 1, 10**9),
        st.integers(-(10**9), -workdays.MAX_SPAN_DAYS - 1),
    ),
)
def test_absurd_spans_are_refused(start, n):
    with pytest.raises(ValueError):
        workdays.add_workdays(start, n)
    with pytest.raises(ValueError):
        workdays.count_workdays(start, start + DAY * (workdays.MAX_SPAN_DAYS + 1))


@settings(max_examples=3, deadline=None, database=None)
@given(start=known_days, n=st.integers(11_000, workdays.MAX_SPAN_DAYS))
@example(start=date(2024, 1, 1), n=12_000)  # 12,000 working days fit in 50 years
@example(start=date(2024, 1, 1), n=workdays.MAX_SPAN_DAYS)
def test_counting_agrees_with_adding_for_every_accepted_n(start, n):
    """What add accepts, count accepts and inverts; a span add refuses is one count refuses."""
    try:
        end = workdays.add_workdays(start, n)
    except ValueError:
        assert n > 12_000  # about 250 working days a year: 50 years hold some 12,500
        with pytest.raises(ValueError):
            workdays.count_workdays(start, start + DAY * (workdays.MAX_SPAN_DAYS + 1))
        return
    assert (end - start).days <= workdays.MAX_SPAN_DAYS
    assert workdays.count_workdays(start, end) == n
