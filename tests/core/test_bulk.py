"""core.bulk writes exactly what the ORM writes: rows, updates and history records."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ipcity.core import bulk
from ipcity.core.bulk import HistoryInserter, Inserter, Updater
from ipcity.orgs.models import Region
from ipcity.rights.models import Patent

from ..factories import make_user

NOW = dt.datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)


def _patent(number: str, region) -> Patent:
    return Patent(
        application_number=number,
        number_check_ok=False,
        patent_type="invention",
        is_pct=True,
        filing_date=dt.date(2019, 2, 3),
        title="一种“引号”与'单引号'的装置",
        abstract="多行\n文本",
        ipc_codes="G06K9/62;G06N3/08",
        legal_status="valid",
        citations=7,
        pledge_amount=Decimal("1234.56"),
        region=region,
        attribution="in_district",
        is_high_value=True,
        high_value_criteria=["sei", "pledge"],
        search_text="一种 种引",
    )


def _stored(number: str) -> dict:
    row = Patent.objects.filter(application_number=number).values().get()
    return {k: v for k, v in row.items() if k not in ("id", "application_number")}


def _history(number: str) -> list[dict]:
    rows = Patent.history.filter(application_number=number).order_by("history_id").values()
    skip = ("id", "application_number", "history_id")
    return [{k: v for k, v in row.items() if k not in skip} for row in rows]


def test_inserted_rows_and_history_equal_the_orms(db):
    region = Region.objects.create(code="110112999", name="示例街道", kind="street")
    user = make_user("bulkwriter")
    orm = _patent("201910000001.1", region)
    bulk_create_with_history([orm], Patent, default_user=user, default_date=NOW)
    fast = _patent("201910000002.X", region)
    Inserter(Patent).insert([fast], NOW)
    fast.pk = Patent.objects.get(application_number=fast.application_number).pk
    HistoryInserter(Patent).insert([fast], user=user, date=NOW, kind="+")

    mine = _stored(fast.application_number)
    theirs = _stored(orm.application_number)
    # The ORM stamps created/updated with the clock; the inserter with the time it is given.
    assert mine.pop("created_at") == mine.pop("updated_at") == NOW
    for key in ("created_at", "updated_at"):
        theirs.pop(key)
    assert mine == theirs
    assert mine["pledge_amount"] == Decimal("1234.56")
    assert mine["high_value_criteria"] == ["sei", "pledge"]

    [mine_history], [their_history] = (
        _history(fast.application_number),
        _history(orm.application_number),
    )
    for row in (mine_history, their_history):
        row.pop("created_at"), row.pop("updated_at")
    assert mine_history == their_history
    assert mine_history["history_type"] == "+" and mine_history["history_user_id"] == user.pk


def test_updates_write_only_the_named_fields(db):
    patent = _patent("201910000003.8", None)
    patent.save()
    patent.title, patent.filing_date, patent.high_value_criteria = "新", dt.date(2020, 1, 2), []
    patent.abstract = "not written"
    Updater(Patent, ["title", "filing_date", "high_value_criteria"]).update([patent])
    stored = Patent.objects.get(pk=patent.pk)
    assert (stored.title, stored.filing_date, stored.high_value_criteria) == (
        "新",
        dt.date(2020, 1, 2),
        [],
    )
    assert stored.abstract == "多行\n文本"


def test_history_of_a_change_is_a_tilde_record_with_no_user(db):
    patent = _patent("201910000004.6", None)
    patent.save()
    before = Patent.history.filter(id=patent.pk).count()
    HistoryInserter(Patent).insert([patent], user=None, date=timezone.now(), kind="~")
    records = Patent.history.filter(id=patent.pk).order_by("history_id")
    assert records.count() == before + 1
    last = records.last()
    assert (last.history_type, last.history_user_id, last.title) == ("~", None, patent.title)


def test_rows_across_several_statements_are_all_written_in_order(db):
    """More rows than one statement carries (SQLite: several multi-row INSERTs, PostgreSQL:
    one COPY), with empty dates, decimals and lists among them."""
    user = make_user("bulkmany")
    patents = []
    for i in range(7):
        patent = _patent(f"2019100001{i:02d}.0", None)
        if i % 2:
            patent.filing_date = patent.pledge_amount = None
            patent.high_value_criteria = []
        patents.append(patent)
    inserter = Inserter(Patent)
    inserter.statement.per_statement = 3
    inserter.insert(patents, NOW)
    for patent in patents:
        patent.pk = Patent.objects.get(application_number=patent.application_number).pk
    history = HistoryInserter(Patent)
    history.statement.per_statement = 2
    history.insert(patents, user=user, date=NOW, kind="+")

    stored = {
        row["application_number"]: row
        for row in Patent.objects.filter(pk__in=[p.pk for p in patents]).values()
    }
    assert [stored[p.application_number]["id"] for p in patents] == sorted(p.pk for p in patents)
    for i, patent in enumerate(patents):
        row = stored[patent.application_number]
        assert row["filing_date"] == (None if i % 2 else dt.date(2019, 2, 3))
        assert row["pledge_amount"] == (None if i % 2 else Decimal("1234.56"))
        assert row["high_value_criteria"] == ([] if i % 2 else ["sei", "pledge"])
        assert row["created_at"] == NOW
    records = Patent.history.filter(id__in=[p.pk for p in patents])
    assert records.count() == 7
    assert {r.history_user_id for r in records} == {user.pk}
    assert {r.application_number: r.filing_date for r in records} == {
        p.application_number: p.filing_date for p in patents
    }


def test_statements_follow_the_databases_parameter_limit(db, monkeypatch):
    """Rows per statement come from the connection's limit on parameters; a limit that admits
    two rows writes five rows in three statements (SQLite; PostgreSQL copies them in one)."""
    width = Inserter(Patent).statement.width
    monkeypatch.setattr(bulk, "max_params", lambda connection: 2 * width + 1)
    inserter = Inserter(Patent)
    assert inserter.statement.per_statement == 2
    patents = [_patent(f"2019100002{i:02d}.0", None) for i in range(5)]
    with CaptureQueriesContext(connection) as queries:
        inserter.insert(patents, NOW)
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "rights_patent"')]
    assert len(inserts) == (3 if connection.vendor == "sqlite" else 0)
    numbers = [p.application_number for p in patents]
    assert Patent.objects.filter(application_number__in=numbers).count() == 5


def test_a_later_write_stamps_its_own_time(db):
    """The last prepared time is reused only for the very same value."""
    inserter = Inserter(Patent)
    first, second = _patent("201910000301.0", None), _patent("201910000302.0", None)
    later = NOW + dt.timedelta(hours=1)
    inserter.insert([first], NOW)
    inserter.insert([second], later)
    stored = dict(
        Patent.objects.filter(
            application_number__in=["201910000301.0", "201910000302.0"]
        ).values_list("application_number", "created_at")
    )
    assert stored == {"201910000301.0": NOW, "201910000302.0": later}


def test_a_duplicate_key_is_djangos_integrity_error(db):
    """Both ways of writing (a multi-row INSERT, PostgreSQL's COPY) raise what the ORM does,
    so an import that meets a row added meanwhile refuses cleanly; nothing is half written."""
    Inserter(Patent).insert([_patent("201910000401.0", None)], NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Inserter(Patent).insert(
            [_patent("201910000402.0", None), _patent("201910000401.0", None)], NOW
        )
    assert not Patent.objects.filter(application_number="201910000402.0").exists()


def _cache_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return int(cursor.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page cache")
def test_the_write_cache_is_set_for_the_block_and_given_back(db):
    before = _cache_size()
    assert before != -bulk.WRITE_CACHE_MB * 1024
    with bulk.write_cache():
        assert _cache_size() == -bulk.WRITE_CACHE_MB * 1024
    assert _cache_size() == before
    with pytest.raises(ZeroDivisionError), bulk.write_cache(megabytes=16):
        assert _cache_size() == -16 * 1024
        1 / 0  # noqa: B018
    assert _cache_size() == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page cache")
def test_a_failed_write_in_the_cache_keeps_its_own_error(db):
    """A failed write marks the atomic block for rollback: the cache is still given back, and
    the error that comes out is the write's own (the import turns it into a message)."""
    before = _cache_size()
    Region.objects.create(code="110112998", name="示例街道", kind="street")
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.write_cache():
        Region.objects.bulk_create([Region(code="110112998", name="重复", kind="street")])
        # bulk_create marked the block; a further query through Django would be refused
    assert _cache_size() == before


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite's page cache is the point")
def test_the_write_cache_changes_nothing_elsewhere(db):
    with CaptureQueriesContext(connection) as queries, bulk.write_cache():
        pass
    assert len(queries) == 0
