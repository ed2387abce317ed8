"""The database's index of patent search terms (the terms are built by rights/search.py).

SQLite: an FTS5 table over `rights_patent.search_text` (external content, so the text is stored
once), kept current by triggers on insert, update and delete. PostgreSQL: a stored generated
column `search_vector` = `to_tsvector('simple', search_text)` with a GIN index, and a second
one of the high-value patents' alone (PG_HIGH_VALUE_INDEX); the `simple` configuration only
lowercases, so its lexemes are our terms. Both are created by the migration
that introduced them and, idempotently, after every `migrate` (the tests build their database
from the models, without migrations).

A query becomes one match expression: every word is required; a word's runs (search.runs) are
each required; a Chinese run of two or more characters is the phrase of its character pairs; a
single Chinese character or an ASCII run is a prefix. SQLite's FTS5 matches the phrases itself;
on PostgreSQL the index finds every term and `LIKE` (or `strpos`, see GinMatch) on the stored
terms confirms each phrase.
"""

from __future__ import annotations

import time

from django.db import connections
from django.db.models import BooleanField
from django.db.models.expressions import Expression
from django.db.models.signals import post_migrate

from ipcity.core.planning import Unindexed, column_values, is_ordered

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


def _term_list(tokens: list[str]) -> list[str]:
    """Every term of the query once, as to_tsquery writes it: "'深度'", "'g06v':*"."""
    parts = []
    for words, prefix in clauses(tokens):
        parts.extend(f"'{w}'" for w in words[:-1])
        parts.append(f"'{words[-1]}'" + (":*" if prefix else ""))
    return list(dict.fromkeys(parts))


def tsquery_terms(tokens: list[str]) -> str:
    """A to_tsquery text of every term, phrases as plain AND: "'深度' & '度学' & 'g06v':*".

    GIN answers such a query exactly (no recheck of each row's tsvector, which for most patents
    is stored out of line); the phrases' order is confirmed by `phrase_patterns`."""
    return " & ".join(_term_list(tokens))


def tsquery_led(tokens: list[str], frequencies: dict[str, float] | None = None) -> str:
    """The same match as `tsquery_terms`, written so that PostgreSQL estimates it as its rarest
    term: "'通信' & ('联网' | !'通信') & ('车':* | !'通信')".

    `r & (t | !r)` is `r & t`, and GIN answers it as exactly. But the planner estimates an AND
    as the product of its terms' frequencies, as if they were independent; the terms of one
    query are not (the pairs of a word, the words of one subject), so for a common subject it
    expected a few hundred rows where 17,000 match, sorted them all for the newest 25 and took
    a quarter of a second. Written this way the estimate is about the rarest term's frequency,
    an upper bound of the matches, and the planner walks the list's order instead when the
    matches are many. `frequencies` (lexeme -> share of rows, from the column's statistics):
    the rarest exact term leads; a term missing from them is rarer than any listed one."""
    terms = _term_list(tokens)
    if len(terms) < 2:
        return " & ".join(terms)
    known = frequencies or {}

    def rarity(term: str) -> tuple[bool, float]:
        # An exact term before a prefix (whose share the statistics only bound from below).
        return term.endswith(":*"), term_share(term, known)

    lead = min(terms, key=rarity)
    rest = [t for t in terms if t != lead]
    return " & ".join([lead, *(f"({t} | !{lead})" for t in rest)])


def term_share(term: str, frequencies: dict[str, float]) -> float:
    """The share of rows holding a to_tsquery term ("'通信'", "'g06n':*"), by the column's
    statistics: for a prefix, the sum of the shares of the listed lexemes it begins (at most
    all rows); 0 for a term they do not list."""
    word = term.split("'")[1]
    if term.endswith(":*"):
        return min(1.0, sum(f for lexeme, f in frequencies.items() if lexeme.startswith(word)))
    return frequencies.get(word, 0.0)


def phrase_patterns(tokens: list[str]) -> list[str]:
    """LIKE patterns of `search_text` for the phrases of two or more terms: '%深度 度学 学习%'.

    Terms hold only letters and digits and are joined by one space, and a Chinese pair is a
    whole term, so the pattern finds the pairs in a row exactly where the phrase stands."""
    return ["%" + " ".join(words) + "%" for words, _prefix in clauses(tokens) if len(words) > 1]


def search(queryset, tokens: list[str], confirm: tuple[str, ...] = ()):
    """`queryset` narrowed to patents whose terms match every word in `tokens`.

    `confirm`: columns whose conditions (without an index) only confirm the candidates the match
    finds (the IPC prefix's): on SQLite they do not count as another filter (FtsMatch).
    """
    if not clauses(tokens):
        # Nothing searchable (only punctuation): nothing can contain it.
        return queryset.none()
    table = queryset.model._meta.db_table
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        connection = connections[queryset.db]
        return queryset.filter(
            GinMatch(
                table,
                tokens,
                term_frequencies(connection, table, PG_COLUMN),
                confirm=confirm,
            )
        )
    if vendor == "sqlite":
        expression = fts5_expression(tokens)
        many = _matches_at_least(connections[queryset.db], expression, MANY_MATCHES)
        return queryset.filter(FtsMatch(table, expression, many, confirm))
    raise NotImplementedError(f"patent search on {vendor}")


# Past this many matching patents, an ordered page reads the rows in their order and keeps the
# matches rather than sorting every match (FtsMatch).
MANY_MATCHES = 2000


def _matches_at_least(connection, expression: str, bound: int) -> bool:
    """Whether the index holds `bound` or more matches (it stops counting there: about 1 ms)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
            "LIMIT %s)",
            [expression, bound],
        )
        return cursor.fetchone()[0] >= bound


class FtsMatch(Expression):
    """`id IN (the FTS5 matches)`, written so that SQLite's planner takes the cheaper way.

    SQLite drives a query from an `IN (subquery)` on the rowid whenever it can: it reads every
    match's row, then sorts or filters them. For a few matches, or to count matches without
    another filter (the count stops at its bound), that is best. For many matches (a common
    word matches a quarter of a million patents) it is not: an ordered page is found at once by
    walking the rows in the list's order through an index (of the filing date, or of a filter
    with it) and keeping the matches, and another filter's index holds fewer rows to test than
    the matches (conditions that only confirm the matches, `confirm`, are not counted). The
    unary `+` on the id stops the planner from driving from the matches.
    Measured on 1,000,000 patents, a word with 275,702 matches: newest 25 first 574 → 56 ms;
    counted among the high-value patents 556 → 178 ms.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, table: str, expression: str, many: bool, confirm: tuple[str, ...] = ()):
        super().__init__()
        self.table, self.expression, self.many = table, expression, many
        self.confirm = frozenset(confirm)

    def as_sql(self, compiler, connection):
        query = compiler.query
        ordered = is_ordered(query)
        where = query.where
        others = [c for c in where.children if not _is_match(c) and not self._confirms(c)]
        filtered = where.negated or bool(others)
        column = f'"{self.table}"."id"'
        if self.many and (ordered or filtered):
            column = "+" + column
        limit = ""
        alone = len(where.children) == 1 and not filtered
        if alone and not ordered and query.high_mark is not None and not query.low_mark:
            # The match alone, unordered, wanting n rows (a bounded count): the index's first n
            # matches are those rows (every indexed rowid is a patent), so the list stops there.
            limit = f" LIMIT {int(query.high_mark)}"
        sql = f"{column} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s{limit})"
        return sql, [self.expression]

    def after_count(self, capped: bool) -> FtsMatch:
        """As it is: the match counted its candidates itself (`many`). Having the method, a
        list narrowed by it is paged from its count's keys (core.paginators.counted)."""
        return self

    def _confirms(self, condition) -> bool:
        """The condition tests only the `confirm` columns (lookups, possibly OR-ed together)."""
        if not self.confirm:
            return False
        children = getattr(condition, "children", None)
        if children is not None:
            return bool(children) and all(self._confirms(child) for child in children)
        target = getattr(getattr(condition, "lhs", None), "target", None)
        return getattr(target, "name", None) in self.confirm


def _is_match(condition, kind=None) -> bool:
    """The condition is a match of `kind` (FtsMatch; filter() wraps it as `FtsMatch = true`)."""
    kind = kind or FtsMatch
    if isinstance(condition, kind):
        return True
    return isinstance(getattr(condition, "lhs", None), kind) and condition.rhs is True


class GinMatch(Expression):
    """PostgreSQL: every term through the GIN index, then the order of each phrase's pairs.

    Every term goes through the index as a plain AND, which GIN answers exactly: no recheck of
    the row's tsvector, stored out of line for most patents. Phrases in the tsquery (`<->`) made
    PostgreSQL read every candidate's tsvector to compare positions (search p95 on 1,000,000
    patents 216-243 → 178-189 ms); `LIKE` on the stored terms confirms them instead.

    An ordered query (a page of the list) writes the terms as `tsquery_led`, so the planner
    estimates the matches by the rarest term and walks the list's order when they are many:
    the newest 25 of common subjects on 1,000,000 patents (17,000 matches and more) 154-187 →
    25-37 ms. A count, or a page beside another filter, keeps the plain AND: there the low
    estimate sends the planner to the index (a count stops at its bound), where walking the
    order would read a type that rarely goes with the subject to its end.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(
        self,
        table: str,
        tokens: list[str],
        frequencies: dict[str, float],
        counted: bool | None = None,
        confirm: tuple[str, ...] | frozenset[str] = (),
    ):
        super().__init__()
        self.table, self.tokens, self.frequencies = table, tokens, frequencies
        self.counted = counted
        self.confirm = frozenset(confirm)

    def after_count(self, capped: bool) -> GinMatch:
        """This match, for the pages of a list whose bounded count stopped at its bound
        (`capped`) or not (core.paginators.counted).

        Capped, the rows are many, also beside other filters: a page is led by the rarest
        term, so that the planner walks the list's order. Within the bound, the page is read
        by the keys the count found: the match only confirms those rows, written so that no
        index takes it, since the planner, expecting a handful of matches, would rather read
        them all again through GIN than the few keys."""
        return GinMatch(
            self.table, self.tokens, self.frequencies, counted=capped, confirm=self.confirm
        )

    def walks(self, query) -> bool:
        """A page of many rows is found by walking the list's order and testing each row with
        the conditions beside this match, leaving the match out.

        Only for a match whose conditions beside it decide the rows themselves (`confirm`: the
        IPC prefix's `LIKE`s on the codes, rights.filters), when the count stopped at its bound
        and the statistics give the terms at least WALK_SHARE of the rows. Through the index
        every candidate is read and the candidates sorted; PostgreSQL, estimating the match and
        the `LIKE`s as independent, expected a few hundred where an IPC subclass holds tens of
        thousands (G06N among the district's patents, on 1,000,000 patents: 14,199 rows read
        and sorted for the tenth page). Walking the order (or that of another filter's index
        with the filing date), a page is found after about (its offset + its size) / share
        rows; the count found at least its bound of rows that meet every filter. A page whose
        end lies further than WALK_ROWS rows of that walk (an API offset deep in the list)
        keeps the index."""
        if not (self.confirm and self.counted is True) or query.where.negated:
            return False
        if query.high_mark is None:
            return False
        share = min(term_share(t, self.frequencies) for t in _term_list(self.tokens))
        # The API pages on past the count's bound: a deep page walks too far.
        return share >= WALK_SHARE and query.high_mark / share <= WALK_ROWS

    def for_keys(self, queryset):
        """The count's keys query, with each broad filter beside this match (one that holds at
        least BROAD_SHARE of the rows, by the column's statistics) tested on the match's rows.

        PostgreSQL otherwise reads the filter's own index into a bitmap of every row it holds
        and ANDs it with the match's: for a common word among the district's patents, a
        376,687-row bitmap, 44 ms of the count. Tested on the match's rows instead, the count
        stops at its bound after about bound / share of them (at most 5,000 rows) when the
        filter and the words are independent; when they rarely go together, or the match is
        narrow, it reads all of the match's rows. A rarer filter keeps its index, which then
        holds fewer rows than the match: 物流 among the invalidated patents took 22 ms through
        it and 559 ms without. Only text and boolean values of the table's own columns are
        judged (`_broad`)."""
        connection = connections[queryset.db]
        rows = queryset.all()
        children = rows.query.where.children  # the copy's own list
        for i, condition in enumerate(children):
            if not _is_match(condition, GinMatch) and _broad(connection, self.table, condition):
                children[i] = Unindexed(condition)
        return rows

    def as_sql(self, compiler, connection):
        query = compiler.query
        ordered = is_ordered(query)
        if ordered and self.walks(query):
            return "TRUE", []
        where = query.where
        alone = not where.negated and all(_is_match(c, GinMatch) for c in where.children)
        led = ordered and (alone or self.counted is True)
        terms = tsquery_led(self.tokens, self.frequencies) if led else tsquery_terms(self.tokens)
        sql = f'"{self.table}"."{PG_COLUMN}" @@ to_tsquery(\'simple\'::regconfig, %s)'
        if self.counted is False:
            sql = f"({sql}) IS TRUE"  # a test of the row, which no index answers
        params = [terms]
        for pattern in phrase_patterns(self.tokens):
            if led:
                # The same test, which the planner does not estimate (a third of the rows)
                # instead of LIKE's guess of one in a hundred, which undid the led estimate.
                sql += f' AND strpos("{self.table}"."search_text", %s) > 0'
                params.append(pattern.strip("%"))
            else:
                sql += f' AND "{self.table}"."search_text" LIKE %s'
                params.append(pattern)
        return f"({sql})", params


# Statistics of a table's columns (per database, table and kind), read again after this many
# seconds.
FREQUENCIES_SECONDS = 600
_frequencies: dict[tuple[str, str, str], tuple[float, dict[str, dict[str, float]]]] = {}


def term_frequencies(connection, table: str, column: str) -> dict[str, float]:
    """{lexeme: share of rows} of the column's most common terms, as ANALYZE last found them
    (`pg_stats.most_common_elems`); empty before the first ANALYZE."""
    return _statistics(connection, table, "most_common_elems", "most_common_elem_freqs").get(
        column, {}
    )


def value_frequencies(connection, table: str) -> dict[str, dict[str, float]]:
    """{column: {value as text: share of rows}} of the table's most common values, as ANALYZE
    last found them (`pg_stats.most_common_vals`); empty before the first ANALYZE."""
    return _statistics(connection, table, "most_common_vals", "most_common_freqs")


def _statistics(connection, table: str, values: str, freqs: str) -> dict[str, dict[str, float]]:
    key = (connection.alias, table, values)
    now = time.monotonic()
    cached = _frequencies.get(key)
    if cached and now - cached[0] < FREQUENCIES_SECONDS:
        return cached[1]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT attname, {values}::text::text[], {freqs} FROM pg_stats "
            f"WHERE schemaname = current_schema() AND tablename = %s AND {values} IS NOT NULL",
            [table],
        )
        found = {
            column: dict(zip(names, shares, strict=False))
            for column, names, shares in cursor.fetchall()
        }
    _frequencies[key] = (now, found)
    return found


# A page of a confirmed match (an IPC prefix) whose terms hold at least this share of the rows
# walks the list's order (GinMatch.walks): below it, sorting every match reads fewer rows than
# walking to a later page would (1% of 1,000,000 rows: 10,000 matches to sort; walking to the
# tenth page of 25 reads about 25,000).
WALK_SHARE = 0.01
# ... as long as the page ends within about this many rows of the walk (its end / the share).
WALK_ROWS = 50_000

# A filter beside a match that holds at least this share of the rows is tested on the match's
# rows when the count reads its keys, rather than read from its own index (GinMatch.for_keys).
BROAD_SHARE = 0.2


def _broad(connection, table: str, condition) -> bool:
    """The condition is `column = value` or `column IN (values)` on one column of `table` itself
    (core.planning.column_values), with text or boolean values that hold at least BROAD_SHARE
    of its rows."""
    found = column_values(table, condition)
    if found is None:
        return False
    field, values = found
    texts = []
    for value in values:
        if isinstance(value, bool):
            texts.append("t" if value else "f")
        elif isinstance(value, str):
            texts.append(value)
        else:
            return False  # an expression, a number or a date: not judged here
    shares = value_frequencies(connection, table).get(field.column, {})
    return sum(shares.get(value, 0.0) for value in set(texts)) >= BROAD_SHARE


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
# A second GIN index holds the terms of the high-value patents alone (a tenth of them): a word
# or an IPC prefix among them is found there, where the whole index gave every patent with the
# term and PostgreSQL ANDed it with the 90,000-odd rows of the flag's own index (on 1,000,000
# patents: 控制 among the high-value patents 80-95 → 10 ms, the keys of B65G's 66 → 3 ms).
PG_HIGH_VALUE_INDEX = "rights_patent_search_hv_gin"
POSTGRES_CREATE = [
    f"ALTER TABLE rights_patent ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    f"CREATE INDEX IF NOT EXISTS rights_patent_search_gin ON rights_patent USING gin ({PG_COLUMN})",
    f"CREATE INDEX IF NOT EXISTS {PG_HIGH_VALUE_INDEX} ON rights_patent USING gin ({PG_COLUMN}) "
    "WHERE is_high_value",
]
POSTGRES_DROP = [
    f"DROP INDEX IF EXISTS {PG_HIGH_VALUE_INDEX}",
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
                "SELECT to_regclass('rights_patent_search_gin') IS NULL "
                f"OR to_regclass('{PG_HIGH_VALUE_INDEX}') IS NULL OR NOT EXISTS ("
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
