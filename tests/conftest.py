"""Shared personas. Every view and endpoint is tested with the allowed, read-only and stranger.

- alice: district IP office administrator, whole district, may change everything in orgs;
- bob: operator of a member unit (科委) with one subordinate unit, scope = unit and subordinates;
- erin: user of enterprise A, scope = own organization;
- leo: leader, reads the whole district, changes nothing (the read-only persona);
- charlie: user of enterprise B: a stranger to everything of A's and of bob's units.
"""

import contextlib
import copy
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from ipcity.orgs.choices import OrganizationKind

from .factories import PASSWORD, make_org, make_region, make_user


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database is built from the models (`--nomigrations`); record every migration as
    applied, so it looks like a migrated database to what reads the migration table (backups,
    `makemigrations --check`). tests/core/test_migrations.py runs the migrations themselves."""
    from django.conf import settings
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    from . import settings as test_settings

    # pytest-django hid the migrations to build the database; show them again to the code
    # under test (backups compare them, `makemigrations --check` reads them).
    settings.MIGRATION_MODULES = getattr(test_settings, "MIGRATION_MODULES", {})
    with django_db_blocker.unblock():
        for connection in connections.all():
            recorder = MigrationRecorder(connection)
            recorder.ensure_schema()
            applied = set(recorder.applied_migrations())
            graph = MigrationLoader(None, ignore_no_migrations=True).graph
            plan = []
            for leaf in graph.leaf_nodes():  # in dependency order, as `migrate` applies them
                plan += [key for key in graph.forwards_plan(leaf) if key not in plan]
            for key in plan:
                if key not in applied:
                    recorder.record_applied(*key)


@pytest.fixture(scope="session", autouse=True)
def _flush_only_filled_tables(django_db_setup):
    """After a `transaction=True` test Django empties every table: on PostgreSQL one TRUNCATE of
    all of them, which writes new files for every table and index (about a second, each time).
    Here only the tables holding rows are emptied, by DELETE in one statement of one
    transaction; the foreign keys are deferred to its commit, so the order does not matter. A
    flush that resets the sequences or cascades is left as it was."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    ops = type(connection.ops)
    truncate = ops.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # One statement, so the look at which tables hold rows is part of the flush's own
        # transaction; never empty, as `flush` skips the post_migrate signal (which seeds the
        # built-in rows) when it has no statement to run.
        body = " ".join(
            f"IF EXISTS (SELECT 1 FROM {name}) THEN DELETE FROM {name}; END IF;"
            for name in map(self.quote_name, tables)
        )
        return [f"DO $$ BEGIN {body} END $$;"]

    ops.sql_flush = sql_flush
    try:
        yield
    finally:
        ops.sql_flush = truncate


@dataclass
class World:
    district: object
    street: object
    office: object
    unit: object
    subunit: object
    enterprise_a: object
    enterprise_b: object
    alice: object
    bob: object
    erin: object
    leo: object
    charlie: object
    password: str = PASSWORD


def _build_world() -> World:
    district = make_region()
    street = make_region("110112001000", "中仓街道", "street", parent=district)
    office = make_org(
        "通州区市场监督管理局（知识产权局）", OrganizationKind.GOVERNMENT, region=district
    )
    unit = make_org("通州区科学技术委员会", OrganizationKind.GOVERNMENT, region=district)
    subunit = make_org(
        "通州区科技创新服务中心", OrganizationKind.GOVERNMENT, parent=unit, region=district
    )
    enterprise_a = make_org("示例甲科技有限公司", region=street, uscc="91110112MA01ABCD1X")
    enterprise_b = make_org("示例乙制造有限公司", region=street)
    return World(
        district=district,
        street=street,
        office=office,
        unit=unit,
        subunit=subunit,
        enterprise_a=enterprise_a,
        enterprise_b=enterprise_b,
        alice=make_user("alice", office, "office_admin"),
        bob=make_user("bob", unit, "unit_operator"),
        erin=make_user("erin", enterprise_a, "enterprise_user"),
        leo=make_user("leo", office, "leader"),
        charlie=make_user("charlie", enterprise_b, "enterprise_user"),
    )


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """The personas built once for a module in which every test uses them (see
    `_share_the_world`), held for the module as `module_demo` holds the demo."""
    with _held_for_the_module(django_db_blocker):
        yield _build_world()


@contextlib.contextmanager
def _held_for_the_module(django_db_blocker):
    """A transaction held open for a module's tests and rolled back after its last one: what is
    made inside it is there for each test, which still runs in its own savepoint (`db`) rolled
    back to it. Not for `transaction=True` tests."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(request, db) -> World:
    if SHARED_WORLD in request.fixturenames:
        from ipcity.core import generation

        # A copy, so that a test changing a persona in memory leaves the next one its own; and
        # a new data generation, as a fresh build would have made, so that nothing a test
        # cached from rows it then rolled back is read as current.
        generation.bump()
        return copy.deepcopy(request.getfixturevalue(SHARED_WORLD))
    return _build_world()


@pytest.fixture
def login(client):
    """`login(user)` signs the test client in as that persona and returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def chinese_default(settings):
    """The product's real default language (the suite otherwise runs in English)."""
    settings.LANGUAGE_CODE = "zh-hans"


# Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.
CHROMIUM = Path(os.environ.get("IPCITY_CHROMIUM", "/usr/bin/chromium"))

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


SHARED_WORLD = "_module_world"


def pytest_collection_modifyitems(config, items):
    if getattr(config.option, "loadgroup", False):
        _name_groups(items)
    _share_the_world(items)
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _name_groups(items) -> None:
    """Give each test of a group the node id suffix `@name` by which `--dist loadgroup` sends
    the group to one worker. A group is named by `xdist_group(name)`; the tests of a module
    that use a module-scoped fixture (the demo data, the query-count measurement) form one too,
    so that the fixture is built once rather than once on each worker. pytest-xdist 3.8 sets an
    attribute pytest 9 no longer reads, so this is done here."""
    from _pytest.nodes import NodeId

    for item in items:
        names = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        if not names and _uses_module_fixture(item):
            names = {item.nodeid.split("::")[0]}
        nodeid = item.nodeid
        if names and nodeid.rfind("@") <= nodeid.rfind("]"):
            item._id = NodeId.parse(f"{nodeid}@{'_'.join(sorted(names))}")


def _share_the_world(items) -> None:
    """The personas take some 60 queries to build. In a module whose every test uses them and
    none commits (`transaction=True`, the live server), they are built once for the module
    (`_module_world`) and each test gets a copy. A module with a test that does not use them
    keeps building them per test, so that test still starts from an empty database."""
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    for module_items in modules.values():
        if all(_may_share_the_world(item) for item in module_items):
            for item in module_items:
                # Before the first fixture of the test's own: those of wider scope come first.
                names = item.fixturenames
                defs = item._fixtureinfo.name2fixturedefs
                first = next(
                    (
                        i
                        for i, n in enumerate(names)
                        if not defs.get(n) or defs[n][-1].scope == "function"
                    ),
                    len(names),
                )
                names.insert(first, SHARED_WORLD)


def _may_share_the_world(item) -> bool:
    names = getattr(item, "fixturenames", ())
    committing = {"transactional_db", "live_server", "django_db_reset_sequences"} & set(names)
    marked = any(
        mark.kwargs.get("transaction") or mark.kwargs.get("reset_sequences")
        for mark in item.iter_markers("django_db")
    )
    return "world" in names and not committing and not marked


def _uses_module_fixture(item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        defs and defs[-1].scope == "module"
        for name, defs in info.name2fixturedefs.items()
        if name in item.fixturenames
    )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Every browser flow also checks that nothing on its way breaks the Content Security Policy.
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield page
    context.close()
    assert violations == [], violations


@pytest.fixture(scope="module")
def module_demo(django_db_setup, django_db_blocker):
    """The whole demo, loaded once for the tests of one module (it takes seconds): inside a
    transaction held open for the module and rolled back after its last test. Each test still
    runs in its own savepoint (`db`), rolled back to the loaded demo, so tests see the same data
    and cannot disturb one another. Not for `transaction=True` tests."""
    from ipcity.core.demo import load_demo

    with _held_for_the_module(django_db_blocker):
        yield load_demo()
