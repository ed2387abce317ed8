"""The database's index of patent search terms (the terms are built by rights/search.py).

SQLite: an FTS5 table over `rights_patent.search_text` (external content, so the text is stored
once), kept current by triggers on insert, update and delete. PostgreSQL: a stored generated
column `search_vector` = `to_tsvector('simple', search_text)` with a GIN index; the `simple`
configuration only lowercases, so its lexemes are our terms. Both are created by the migration
that introduced them and, idempotently, after every `migrate` (the tests build their database
from the models, without migrations).

A query becomes one match expression: every word is required; a word's runs (search.runs) are
each required; a Chinese run of two or more characters is the phrase of its character pairs; a
single Chinese character or an ASCII run is a prefix.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_migrate

from .search import normalize, runs

FTS_TABLE = "rights_patent_fts"


def _patent_model():
    from .models import Patent

    return Patent


def indexed(model) -> bool:
    return model is _patent_model()


def clauses(tokens: list[str]) -> list[tuple[list[str], bool]]:
    """(terms of a phrase, last term is a prefix) for every run of every query word."""
    out: list[tuple[list[str], bool]] = []
    for token in tokens:
        for run in runs(normalize(token)):
            if run.isascii() or len(run) == 1:
                clause = ([run], True)
            else:
                clause = ([run[i : i + 2] for i in range(len(run) - 1)], False)
            if clause not in out:
                out.append(clause)
    return out


def fts5_expression(tokens: list[str]) -> str:
    """An FTS5 MATCH expression: '"深度 度学 学习" AND "g06v"*'. Terms hold only letters and
    digits, so quoting them is enough."""
    parts = []
    for words, prefix in clauses(tokens):
        parts.append('"' + " ".join(words) + '"' + ("*" if prefix else ""))
    return " AND ".join(parts)


def tsquery_expression(tokens: list[str]) -> str:
    """A to_tsquery text: "'深度' <-> '度学' & 'g06v':*"."""
    parts = []
    for words, prefix in clauses(tokens):
        phrase = " <-> ".join(f"'{w}'" for w in words)
        parts.append(phrase + (":*" if prefix else ""))
    return " & ".join(f"({p})" for p in parts)


def search(queryset, tokens: list[str]):
    """`queryset` narrowed to patents whose terms match every word in `tokens`."""
    if not clauses(tokens):
        # Nothing searchable (only punctuation): nothing can contain it.
        return queryset.none()
    table = queryset.model._meta.db_table
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        # A condition on the row itself: the planner combines the index with the other filters.
        sql = f'"{table}"."{PG_COLUMN}" @@ to_tsquery(\'simple\'::regconfig, %s)'
        return queryset.filter(
            RawSQL(sql, [tsquery_expression(tokens)], output_field=BooleanField())
        )
    if vendor == "sqlite":
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        return queryset.filter(pk__in=RawSQL(sql, [fts5_expression(tokens)]))
    raise NotImplementedError(f"patent search on {vendor}")


# -- the index itself ------------------------------------------------------------------------

SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        search_text, content='rights_patent', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER IF NOT EXISTS rights_patent_fts_insert AFTER INSERT ON rights_patent
        BEGIN
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS rights_patent_fts_delete AFTER DELETE ON rights_patent
        BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS rights_patent_fts_update
        AFTER UPDATE OF search_text ON rights_patent
        WHEN old.search_text IS NOT new.search_text
        BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS rights_patent_fts_insert",
    "DROP TRIGGER IF EXISTS rights_patent_fts_delete",
    "DROP TRIGGER IF EXISTS rights_patent_fts_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
# PostgreSQL keeps the terms' tsvector in a generated column (unknown to the model, so the ORM
# never writes it): matching and rechecking read it instead of parsing search_text again.
PG_COLUMN = "search_vector"
POSTGRES_CREATE = [
    f"ALTER TABLE rights_patent ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    f"CREATE INDEX IF NOT EXISTS rights_patent_search_gin ON rights_patent USING gin ({PG_COLUMN})",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS rights_patent_search_gin",
    f"ALTER TABLE rights_patent DROP COLUMN IF EXISTS {PG_COLUMN}",
]


def ensure(connection) -> bool:
    """Create the index where it is missing (filled from the stored terms); True if created."""
    tables = connection.introspection.table_names()
    if "rights_patent" not in tables:
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            created = FTS_TABLE not in tables
            for sql in SQLITE_CREATE:
                cursor.execute(sql)
            if created:
                cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
            return created
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT to_regclass('rights_patent_search_gin') IS NULL OR NOT EXISTS ("
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                f"AND table_name = 'rights_patent' AND column_name = '{PG_COLUMN}')"
            )
            created = cursor.fetchone()[0]
            if created:
                # Rows written earlier in the same transaction leave deferred constraint checks
                # pending, and PostgreSQL builds no index on a table that has them.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for sql in POSTGRES_CREATE:
                    cursor.execute(sql)
            return created
    return False


def drop(connection) -> None:
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(connection.vendor, [])
    if connection.vendor == "postgresql":
        statements = ["SET CONSTRAINTS ALL IMMEDIATE", *statements]  # see ensure()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _on_post_migrate(sender=None, using="default", **kwargs) -> None:
    if getattr(sender, "label", "") == "rights":
        ensure(connections[using])


post_migrate.connect(_on_post_migrate, dispatch_uid="ipcity.rights.search_index")
