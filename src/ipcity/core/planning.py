"""A list's query, written so that the database's planner takes the cheaper way to a page.

A page of a list is its first rows in the list's order. Given a filter on a column with an
index, SQLite reads every row the filter holds through that index and sorts them all for the
page, whatever their number: on 1,000,000 patents, the patents outside the district that are
valid (about 250,000 rows) took 0.9 s a page. When the list's bounded count found many rows
(core.paginators), walking the list's order instead (the filing date's index, or one that
begins with a narrower filter and goes on with the filing date) and testing each row finds a
page after about (its offset + its size) / share rows: a few hundred. `walk_the_order` writes
such a filter so that no index answers it (`Unindexed`), when its values hold a broad share of
the rows. PostgreSQL's planner weighs the two ways by its statistics of each value and is left
as it is.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import BooleanField
from django.db.models.expressions import Col, Expression
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import OR


class Unindexed(Expression):
    """`(condition) IS TRUE`: the same test of a row, which no index answers."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, condition):
        super().__init__()
        self.condition = condition

    def get_source_expressions(self):
        return [self.condition]

    def set_source_expressions(self, exprs):
        (self.condition,) = exprs

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.condition)
        return f"(({sql}) IS TRUE)", params


def column_values(table: str, condition):
    """(column's field, values) when the condition is `column = value` or `column IN (values)`,
    OR-ed or not, on one column of `table` itself (not a joined one), with literal values;
    else None."""
    lookups = getattr(condition, "children", None)
    if lookups is None:
        lookups = [condition]
    elif condition.negated or (len(lookups) > 1 and condition.connector != OR):
        return None
    field, values = None, []
    for lookup in lookups:
        if not isinstance(lookup, Exact | In) or not isinstance(lookup.lhs, Col):
            return None
        target = lookup.lhs.target
        if lookup.lhs.alias != table or (field is not None and field.column != target.column):
            return None
        field = target
        rhs = lookup.rhs if isinstance(lookup, In) else [lookup.rhs]
        if not isinstance(rhs, list | tuple | set | frozenset):
            return None  # a subquery or an expression: not judged here
        values.extend(rhs)
    return (field, values) if field is not None else None


# The share of rows a set flag is taken to hold: a flag marks the exception (a high-value
# patent: 9% of them), though a column of two values would be judged half the rows.
FLAG_SHARE = 0.1


def _choice_share(field, values) -> float:
    """The share of rows the values hold if every choice of the field were as common (a set
    flag: FLAG_SHARE)."""
    if isinstance(field, BooleanField):
        return sum(FLAG_SHARE if value else 1 - FLAG_SHARE for value in set(values))
    choices = len(field.flatchoices or ())
    if not choices:
        return 0.0  # a key or a free value: judged narrow, as far as is known
    return len(set(values)) / choices


def lead_with_narrowest(queryset):
    """On SQLite, `queryset` with every filter on a column with choices (or a flag) but the
    narrowest made `Unindexed`; as it is elsewhere or when fewer than two such filters are
    there.

    SQLite knows how many rows a column's value holds on average, not for each value: given two
    such filters it reads the rows of the one whose values it judges fewer, or of an index of
    both, then tests or sorts them all. With one filter left to the index, a bounded count stops
    after its bound of matches among that filter's rows, and a page (`walk_the_order`) is found
    among them in the list's order."""
    query = getattr(queryset, "query", None)
    if query is None or connections[queryset.db].vendor != "sqlite":
        return queryset
    if query.where.negated or query.where.connector == OR:
        return queryset
    table = query.get_meta().db_table
    shares = {}
    for i, condition in enumerate(query.where.children):
        found = column_values(table, condition)
        share = _choice_share(*found) if found else 0.0
        if share:
            shares[i] = share
    if len(shares) < 2:
        return queryset
    keep = min(shares, key=shares.get)
    rows = queryset.all()
    children = rows.query.where.children  # the copy's own list
    for i in shares:
        if i != keep:
            children[i] = Unindexed(children[i])
    return rows


def walk_the_order(queryset):
    """`lead_with_narrowest` for an ordered page of a list known to hold many rows.

    The narrowest filter's index then leads, in the list's order where an index has its column
    first and the order's after it (the filing date beside each of the patent's). Walking the
    order of all rows instead would meet a status that goes with old filings (an expired
    patent) only at the end."""
    query = getattr(queryset, "query", None)
    if query is None:
        return queryset
    ordered = bool(query.order_by) or (query.default_ordering and query.get_meta().ordering)
    return lead_with_narrowest(queryset) if ordered else queryset
