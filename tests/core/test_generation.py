"""The data generation (core.generation) and the dashboard cards kept by it (core.dashboard):
every way of writing starts a new generation, reading and bookkeeping do not, and the cards a
user sees are always those of the data as it is, their own, in their language."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from ipcity.core import dashboard, generation
from ipcity.core.bulk import Inserter
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization

from ..factories import make_org

pytestmark = pytest.mark.django_db


def _changed(action) -> bool:
    before = generation.current()
    action()
    return generation.current() != before


def test_every_way_of_writing_starts_a_new_generation(world):
    org = world.enterprise_a
    assert _changed(lambda: make_org("新建示例公司"))
    assert _changed(lambda: Organization.objects.filter(pk=org.pk).update(name="改名示例公司"))
    spare = make_org("待删示例公司")
    assert _changed(lambda: Organization.objects.filter(pk=spare.pk).delete())
    row = Organization(name="批量示例公司", kind=OrganizationKind.ENTERPRISE)
    row.created_at = row.updated_at = timezone.now()
    assert _changed(lambda: Inserter(Organization).insert([row], timezone.now()))

    def raw():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE orgs_organization SET short_name = 'x' WHERE id = %s", [org.pk])

    assert _changed(raw)


def test_reading_and_bookkeeping_keep_the_generation(world, client):
    assert not _changed(lambda: list(Organization.objects.all()))
    client.force_login(world.alice)  # a sign-in writes the user's last sign-in: it may count
    session = client.session
    session["seen"] = 1
    assert not _changed(session.save)  # a session written again (as each minute of activity)
    assert Session.objects.exists()
    assert not _changed(lambda: client.get("/"))


def test_statements_are_told_apart():
    writes = [
        'INSERT INTO "orgs_organization" ("name") VALUES (%s)',
        'UPDATE "rights_patent" SET "title" = %s',
        '  delete from "plans_task" WHERE id = 1',
        "INSERT OR IGNORE INTO rights_patent_fts(rowid) VALUES (1)",
        "CREATE INDEX x ON y (z)",
        "TRUNCATE rights_patent",
        'WITH moved AS (DELETE FROM "a" RETURNING *) INSERT INTO "b" SELECT * FROM moved',
        '/* app=ipcity */ UPDATE "rights_patent" SET "title" = %s',
        '-- a note\nDELETE FROM "plans_task"',
        "",
    ]
    reads = [
        'SELECT "id" FROM "orgs_organization"',
        'SAVEPOINT "s1"',
        'RELEASE SAVEPOINT "s1"',
        'UPDATE "django_session" SET "expire_date" = %s',
        'INSERT INTO "accounts_usersession" ("user_id") VALUES (%s)',
        'WITH t AS (SELECT "updated_at", "deleted" FROM "x") SELECT * FROM t',
        "/* app=ipcity */ SELECT 1",
        '(SELECT "kind", COUNT("id") FROM "a" GROUP BY 1) UNION ALL (SELECT %s, COUNT(1) FROM "b")',
    ]
    assert all(generation.is_write(sql) for sql in writes)
    assert not any(generation.is_write(sql) for sql in reads)


def test_a_transaction_renews_the_generation_again_when_it_commits(world):
    # Each test runs in a transaction: its writes wait for a commit, one renewal for them all.
    make_org("甲示例公司")
    make_org("乙示例公司")
    waiting = [entry[1] for entry in connection.run_on_commit if entry[1] is generation.bump]
    assert waiting == [generation.bump]


def _cards(user, language="en"):
    request = RequestFactory().get("/")
    request.user = user
    with translation.override(language):
        return dashboard.cards_for(request)


def _organizations(cards) -> int:
    card = next(c for c in cards if c["title"] in ("Organizations", "组织机构"))
    return sum(item["value"] for item in card["groups"][0]["items"])


# The cards are kept only outside a transaction (a test's own is one): these tests commit.
@pytest.mark.django_db(transaction=True)
def test_cards_are_kept_until_the_data_changes(world, django_assert_max_num_queries):
    first = _cards(world.alice)
    with django_assert_max_num_queries(0):
        assert _cards(world.alice) == first
    make_org("新增示例企业有限公司")
    again = _cards(world.alice)
    assert _organizations(again) == _organizations(first) + 1


@pytest.mark.django_db(transaction=True)
def test_cards_are_kept_per_user_and_language(world):
    office = _cards(world.alice)
    enterprise = _cards(world.erin)
    assert _organizations(office) > _organizations(enterprise) >= 1
    assert _cards(world.alice) == office and _cards(world.erin) == enterprise
    chinese = _cards(world.alice, "zh-hans")
    assert [str(c["title"]) for c in chinese] != [str(c["title"]) for c in office]


def test_inside_a_transaction_the_cards_are_computed_anew(world):
    first = _cards(world.alice)  # the test's transaction: nothing kept
    with CaptureQueriesContext(connection) as queries:
        assert _cards(world.alice) == first
    assert len(queries) > 0


@pytest.mark.django_db(transaction=True)
def test_without_a_cache_the_cards_are_computed(world, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert _organizations(_cards(world.alice)) >= 1
    assert generation.current() == ""


@pytest.mark.django_db(transaction=True)
def test_a_cache_time_of_zero_computes_the_cards_on_every_visit(world, settings):
    settings.IPCITY_DASHBOARD_CACHE_SECONDS = 0
    first = _cards(world.alice)
    with CaptureQueriesContext(connection) as queries:
        assert _cards(world.alice) == first
    assert len(queries) > 0


@pytest.mark.django_db(transaction=True)
def test_other_connections_see_a_new_generation_once_the_write_is_committed():
    from django.core.cache import cache
    from django.db import transaction

    def stored():  # as another process reads it: without this connection's own bookkeeping
        return cache.get(generation.KEY)

    before = stored()
    make_org("自动提交示例公司")  # autocommit: renewed at once
    assert stored() != before
    before = stored()
    with transaction.atomic():
        make_org("事务示例甲公司")
        make_org("事务示例乙公司")
        assert stored() == before  # not committed: others must not refresh on rows they cannot see
    after_commit = stored()
    assert after_commit != before
    with transaction.atomic():
        make_org("回滚示例公司")
        transaction.set_rollback(True)
    assert stored() == after_commit
