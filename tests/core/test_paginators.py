"""Bounded counts: lists and API pages count matching rows up to IPCITY_COUNT_LIMIT."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipcity.accounts.models import APIToken
from ipcity.core.paginators import BoundedPaginator, bounded_count
from ipcity.rights.models import Patent

from ..rights.registry_builders import make_patent

LIST = reverse("rights:patent_list")
API = "/api/rights/patents/"


@pytest.fixture
def five(db):
    """Five patents filed 2021-01-01 … 2021-01-05; the list shows the newest first."""
    return [
        make_patent(f"一种测试装置{i}", filing_date=datetime.date(2021, 1, i)) for i in range(1, 6)
    ]


def _counts(queries) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


def test_bounded_count_is_exact_below_the_bound_and_capped_above(five):
    qs = Patent.objects.all()
    assert bounded_count(qs, 5) == (5, False)
    assert bounded_count(qs, 10) == (5, False)
    assert bounded_count(qs, 4) == (4, True)
    assert bounded_count(qs.filter(title__endswith="1"), 1) == (1, False)
    assert bounded_count(list(range(7)), 3) == (3, True)
    with CaptureQueriesContext(connection) as ctx:
        bounded_count(qs, 3)
    (sql,) = _counts(ctx.captured_queries)
    assert re.search(r"LIMIT 4\b", sql), sql  # never reads more than the bound and one row


def test_bounded_paginator_pages_the_first_rows_up_to_the_bound(five):
    paginator = BoundedPaginator(Patent.objects.order_by("pk"), 2, count_limit=3)
    assert (paginator.count, paginator.count_capped, paginator.num_pages) == (3, True, 2)
    assert [p.pk for p in paginator.page(2)] == [five[2].pk]
    exact = BoundedPaginator(Patent.objects.order_by("pk"), 2, count_limit=5)
    assert (exact.count, exact.count_capped, exact.num_pages) == (5, False, 3)


@pytest.mark.parametrize("persona", ["alice", "leo"])
def test_patent_list_says_more_than_the_bound_and_counts_no_further(
    world, five, login, settings, persona
):
    settings.IPCITY_COUNT_LIMIT = 3
    client = login(getattr(world, persona))
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(LIST, {"per_page": 2}).content.decode()
    assert "More than 3 records" in body or "超过 3 条" in body
    counts = [sql for sql in _counts(ctx.captured_queries) if "rights_patent" in sql]
    assert counts and all(re.search(r"LIMIT 4\b", sql) for sql in counts), counts
    # Page 2 of the bounded rows holds the third newest; a page past them shows the last one.
    body = client.get(LIST, {"per_page": 2, "page": 2}).content.decode()
    assert "一种测试装置3" in body and "一种测试装置2" not in body
    body = client.get(LIST, {"per_page": 2, "page": 9}).content.decode()
    assert "一种测试装置3" in body
    # A narrower filter is counted exactly.
    body = client.get(LIST, {"q": "测试装置1"}).content.decode()
    assert "More than" not in body and "超过" not in body


@pytest.mark.parametrize("page", ["9", "0", "-1"])
def test_a_page_out_of_range_shows_the_last_page_and_counts_once(world, five, login, page):
    client = login(world.alice)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, {"per_page": 2, "page": page})
    table = response.context["table"]
    assert (table.page.number, table.paginator.num_pages) == (3, 3)
    assert "一种测试装置1" in response.content.decode()
    counts = [sql for sql in _counts(ctx.captured_queries) if "rights_patent" in sql]
    assert len(counts) == 1, counts


def test_patent_list_counts_exactly_below_the_bound(world, five, login, settings):
    settings.IPCITY_COUNT_LIMIT = 5
    response = login(world.alice).get(LIST)
    assert response.context["table"].paginator.count == 5
    assert not response.context["table"].paginator.count_capped


def test_api_count_stops_at_the_bound_and_next_offset_walks_every_row(world, five, settings):
    settings.IPCITY_COUNT_LIMIT = 3
    _, key = APIToken.issue(world.alice, "tests")
    from django.test import Client

    client = Client(headers={"Authorization": f"Bearer {key}"})
    seen, offset = [], 0
    while offset is not None:
        body = client.get(API, {"limit": 2, "offset": offset}).json()
        assert body["count"] == 3 and body["count_capped"] is True
        seen += [row["title"] for row in body["results"]]
        offset = body["next_offset"]
    assert seen == [f"一种测试装置{i}" for i in range(5, 0, -1)]
    settings.IPCITY_COUNT_LIMIT = 10
    body = client.get(API, {"limit": 5}).json()
    assert (body["count"], body["count_capped"], body["next_offset"]) == (5, False, None)


def test_count_all_counts_every_row_and_keeps_counting_while_paging(world, five, login, settings):
    settings.IPCITY_COUNT_LIMIT = 3
    client = login(world.leo)
    body = client.get(LIST, {"per_page": 2}).content.decode()
    assert 'data-testid="count-all"' in body and "count=all" in body
    response = client.get(LIST, {"per_page": 2, "count": "all"})
    paginator = response.context["table"].paginator
    assert (paginator.count, paginator.count_capped, paginator.num_pages) == (5, False, 3)
    body = response.content.decode()
    assert 'data-testid="count-all"' not in body
    assert "count=all" in body and "page=3" in body  # the page links keep the exact count
    body = client.get(LIST, {"per_page": 2, "count": "all", "page": 3}).content.decode()
    assert "一种测试装置1" in body


def test_a_many_row_page_on_sqlite_is_led_by_its_narrowest_choice_filter(db):
    from ipcity.core.paginators import counted

    statuses = ["valid", "lapsed", "expired"]
    for day in range(1, 13):
        make_patent(
            f"一种测试装置{day}",
            filing_date=datetime.date(2021, 1, day),
            legal_status=statuses[day % 3],
            attribution="outside" if day % 2 else "in_district",
            is_high_value=day in (3, 9),
        )
    sqlite = connection.vendor == "sqlite"
    unindexed = '("rights_patent"."{}" {}) IS TRUE'
    qs = Patent.objects.order_by("-filing_date", "application_number")

    def read(rows, bound):
        with CaptureQueriesContext(connection) as ctx:
            found = counted(rows, bound)
        (count_sql,) = _counts(ctx.captured_queries)
        return found, count_sql, found.rows.query.sql_with_params()[0]

    two = qs.filter(legal_status__in=["valid", "lapsed"], attribution="outside")
    expected = [p.title for p in two]
    assert expected == ["一种测试装置9", "一种测试装置7", "一种测试装置3", "一种测试装置1"]
    for bound, capped in ((3, True), (10, False)):
        found, count_sql, page_sql = read(two, bound)
        assert found.capped is capped and [p.title for p in found.rows] == expected
        # Two of legal status's choices are judged fewer rows than one of attribution's three:
        # a page counted past the bound walks legal status's index with the filing date.
        walked = unindexed.format("attribution", "= %s") in page_sql
        assert walked is (sqlite and capped), page_sql
        assert 'legal_status" IN (%s, %s)) IS TRUE' not in page_sql
        # The count has an index of both (attribution, legal status, ...): left as it is.
        assert "IS TRUE" not in count_sql
    # A set flag is judged a tenth of the rows: the count and the page lead with it.
    flagged = qs.filter(is_high_value=True, attribution="outside")
    found, count_sql, page_sql = read(flagged, 1)
    assert found.capped and [p.title for p in found.rows] == ["一种测试装置9", "一种测试装置3"]
    assert (unindexed.format("attribution", "= 'outside'") in count_sql) is sqlite, count_sql
    assert (unindexed.format("attribution", "= %s") in page_sql) is sqlite, page_sql
    # One such filter beside a key is left to the planner.
    one = qs.filter(attribution="outside", region_id=12345)
    assert "IS TRUE" not in read(one, 3)[2]
    # Not ordered: a count or an export, which reads every row anyway.
    unordered = two.order_by()
    assert counted(unordered, 3).rows is unordered
