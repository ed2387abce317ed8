"""The data generation: a token that changes whenever the platform's data changes, so that what
is derived from the data (the dashboard cards) can be kept in the cache until then.

Every statement that writes, through any Django connection (the ORM, bulk writes, `update()`,
raw cursors, migrations), makes a new random token; a `COPY` (core.bulk on PostgreSQL) says so
itself through `wrote`. A statement outside a transaction does so
at once; inside one, the token is renewed when the transaction commits (other connections see
the rows only then) and, for the writing connection itself, the next time it asks for the
generation. So a transaction of thousands of statements (an import, the demo) costs one or two
cache writes, not thousands. Writes to the tables of bookkeeping that no figure reads
(sessions, sign-in records, jobs' progress) do not count, or every page view would start a new
generation.

A token rather than a counter: two processes setting one at the same moment cannot end on a
value an earlier reader already used. A write made outside the platform (psql) is not seen;
what is cached by generation also expires after a few minutes (a user's grants after one).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import connections, transaction
from django.db.backends.signals import connection_created

log = logging.getLogger(__name__)

KEY = "ipcity:data-generation"
# Set on a connection that wrote inside a transaction since it last asked for the generation.
UNSEEN = "ipcity_unseen_write"
# Statements that only read, or only manage the transaction or the connection.
READS = frozenset(
    {"SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "PRAGMA", "SET", "SHOW"}
    | {"EXPLAIN", "VALUES", "ANALYZE", "VACUUM"}
)
# Bookkeeping tables: written while pages are only read, and read by no figure.
BOOKKEEPING = frozenset(
    {
        "django_session",
        "accounts_usersession",
        "accounts_loginevent",
        "django_tasks_database_dbtaskresult",
        "core_job",
    }
)
# Leading comments (as SQL commenters add them) and parentheses (a compound query's first part,
# as PostgreSQL's backend writes a UNION) are skipped to find the first word.
_STATEMENT = re.compile(r"(?:\s+|\(|--[^\n]*\n|/\*.*?\*/)*(\w+)", re.S)
# A WITH query writes when one of its parts does (PostgreSQL's data-modifying CTEs).
_WRITING_WORD = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.I)
_TABLE = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.I
)


def current() -> str:
    """The generation now, a first one made if there is none ("" when the cache cannot say)."""
    for connection in connections.all(initialized_only=True):
        if getattr(connection, UNSEEN, False):
            setattr(connection, UNSEEN, False)
            bump()
    try:
        token = cache.get(KEY)
        if not token:
            bump()
            token = cache.get(KEY)
    except Exception:  # a cache that is down: nothing is reused
        log.warning("the cache could not be read", exc_info=True)
        return ""
    return token or ""


def bump() -> None:
    try:
        cache.set(KEY, secrets.token_hex(8), None)
    except Exception:  # a write must not fail for the cache; what was cached expires
        log.warning("the data generation could not be renewed", exc_info=True)
        from .scope import forget_shared_grants

        forget_shared_grants()  # this process's grants at least are read again


def is_write(sql: str) -> bool:
    """Whether a statement may change data; one that cannot be told apart counts as a write."""
    match = _STATEMENT.match(sql)
    if match is None:
        return True
    word = match.group(1).upper()
    if word == "WITH":
        return bool(_WRITING_WORD.search(sql))
    if word in READS:
        return False
    table = _TABLE.match(sql, match.start(1))
    return table is None or table.group(1).lower() not in BOOKKEEPING


def wrote(connection) -> None:
    """Note a write on `connection`: the generation is renewed now, or at the commit."""
    if not connection.in_atomic_block:
        bump()
    else:
        setattr(connection, UNSEEN, True)
        if not uncommitted(connection):
            transaction.on_commit(bump, using=connection.alias)


def uncommitted(connection) -> bool:
    """Whether `connection` reads writes of its own that are not committed yet. What it reads
    then may be rolled back without a new generation: it must not be kept for others."""
    return any(entry[1] is bump for entry in connection.run_on_commit)


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and is_write(sql):
        wrote(context["connection"])
    return result


def watch(sender, connection, **kwargs) -> None:
    """Installed on every new database connection (connection_created)."""
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def install() -> None:
    connection_created.connect(watch, dispatch_uid="ipcity.core.generation")
    for connection in connections.all(initialized_only=True):
        watch(None, connection)


class Kept:
    """Values a process keeps for as long as the data generation stays the same (a user's grants,
    core.scope; a select's choice rows, core.choice_rows). A value read by a transaction with
    writes of its own (which may yet be rolled back) is not kept, nor one read without a
    generation (no cache to tell it); and none is kept longer than `seconds`: a new generation
    can be missed (the cache down when a commit renews it, a write made outside the platform).
    At most `size` values: past it, all are forgotten. Read-only: the values are shared by the
    requests of the process."""

    def __init__(self) -> None:
        self._values: dict[tuple, tuple[float, object]] = {}

    def get(
        self,
        key,
        load: Callable[[], object],
        *,
        seconds: float,
        size: int,
        using: str = "default",
        keep: Callable[[object], bool] = lambda value: True,
    ):
        if uncommitted(connections[using]):
            return load()
        token = current()
        if not token:
            return load()
        key = (key, token)
        now = time.monotonic()
        found = self._values.get(key)
        if found is not None and now - found[0] < seconds:
            return found[1]
        value = load()
        if keep(value):
            if len(self._values) >= size:
                self._values.clear()
            self._values[key] = (now, value)
        return value

    def clear(self) -> None:
        self._values.clear()
