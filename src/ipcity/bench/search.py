"""The search benchmark: Chinese keyword + filter queries on the patent list, timed one by one.

Each query is what the patent list page runs for `?q=<keyword>&<filter>`: the page's filter set
(`rights.filters.PatentFilterSet`, the same search and filters) through the list's paginator
(`core.paginators.BoundedPaginator`): the row count as the page counts it (exact up to
`IPCITY_COUNT_LIMIT`, "more than" past it), then the first page of 25 rows in the list's order
(newest first), read as the page reads it after its count. The
keywords are the generator's technology subjects and parts of them (two to six characters), so
they find rows; the filters are drawn from patent type, legal status, filing year, high-value and
attribution. Same seed, same queries.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass

from django.http import QueryDict

from .vocab import TOPICS

PAGE = 25


@dataclass
class SearchFigures:
    queries: int
    rows: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    baseline_p95_ms: float

    def as_dict(self) -> dict:
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def keywords(rng: random.Random) -> list[str]:
    words: list[str] = []
    for _ipc, _more, subject, _claim, _device in TOPICS:
        words.append(subject)
        if len(subject) >= 4:
            words.append(subject[:2])
            words.append(subject[-2:])
    rng.shuffle(words)
    return words


def queries(count: int = 200, seed: int = 1) -> list[dict]:
    rng = random.Random(f"{seed}:search")
    words = keywords(rng)
    filters = [
        lambda: {"patent_type": rng.choice(["invention", "utility_model", "design"])},
        lambda: {"legal_status": rng.choice(["valid", "pending", "lapsed"])},
        lambda: {"year": str(rng.randint(2005, 2025))},
        lambda: {"high_value": "true"},
        lambda: {"attribution": rng.choice(["in_district", "outside"])},
        lambda: {},
    ]
    return [{"q": words[i % len(words)], **rng.choice(filters)()} for i in range(count)]


def as_query(data: dict) -> QueryDict:
    """The query string a browser sends for `data`: a type or status is a list of one value
    there (a plain dict would give the filter form a string, which it refuses)."""
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query[key] = value
    return query


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run_search_bench(count: int = 200, seed: int = 1) -> SearchFigures:
    from ipcity.core.paginators import BoundedPaginator
    from ipcity.rights.filters import PatentFilterSet
    from ipcity.rights.models import Patent

    def page(data):
        filterset = PatentFilterSet(as_query(data), queryset=Patent.objects.all())
        if not filterset.is_valid():  # the page would list nothing: a query must be valid
            raise ValueError(f"invalid search query {data}: {filterset.errors.as_json()}")
        list(BoundedPaginator(filterset.qs, PAGE).page(1).object_list)

    def baseline(data):
        # The same page without the keyword: what the filters alone cost.
        page({k: v for k, v in data.items() if k != "q"})

    wanted = queries(count, seed)
    page(wanted[0])  # warm the connection and the caches of the first query
    times = [_timed(lambda d=d: page(d)) for d in wanted]
    base = [_timed(lambda d=d: baseline(d)) for d in wanted]
    return SearchFigures(
        queries=len(times),
        rows=Patent.objects.count(),
        p50_ms=statistics.median(times),
        p95_ms=_p95(times),
        max_ms=max(times),
        baseline_p95_ms=_p95(base),
    )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
