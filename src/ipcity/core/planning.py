"""A list's query, written so that SQLite's planner takes the cheaper way to a count and a page.

SQLite knows how many rows a column's value holds on average, not for each value. Given two
filters on columns with choices, it reads the rows of an index of both, or of the one it judges
narrower, then tests or sorts them all: on 1,000,000 patents, a page of the valid patents
outside the district (about 250,000 rows, all sorted) took 0.9 s, and a count of the high-value
patents outside it read the 620,000 patents outside. `lead_with_narrowest` leaves all but the
narrowest of those filters out of the indexes (`Unindexed`, the same test of each row): a
bounded count stops after its bound of matches among that filter's rows, and a page of a list
counted past its bound (`walk_the_order`) walks that filter's index with the list's order,
finding the page after about (its offset + its size) / share of its rows. A filter leads only
where the model has such an index, and nothing changes where one index already serves every
filter (and, for a page, the order after them). PostgreSQL's planner weighs the ways by its
statistics of each value and is left as it is.
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
        if not isinstance(rhs, list | tuple | set | frozenset) or any(
            hasattr(value, "resolve_expression") for value in rhs
        ):
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


def _index_columns(model) -> list[list[str]]:
    """The field names of each of the model's indexes, in order (a single indexed field is an
    index of one)."""
    found = [[name.lstrip("-") for name in index.fields] for index in model._meta.indexes]
    found += [[field.name] for field in model._meta.concrete_fields if field.db_index]
    return found


def is_ordered(query) -> bool:
    """The query has an order of its own or its model's."""
    return bool(query.order_by) or bool(query.default_ordering and query.get_meta().ordering)


def _order_field(query) -> str | None:
    """The model field the list's order begins with, or None (an expression, a relation)."""
    order = query.order_by or (query.get_meta().ordering if query.default_ordering else ())
    first = order[0] if order else None
    if not isinstance(first, str):
        return None
    name = first.lstrip("-")
    return None if "__" in name or name == "?" else name


def lead_with_narrowest(queryset, *, ordered: bool = False):
    """On SQLite, `queryset` with every filter on a column with choices (or a flag) but the
    narrowest made `Unindexed` (see the module's text); as it is elsewhere, with fewer than two
    such filters, or where no index would lead.

    `ordered`: for a page in the list's order, which the leading index must go on with; else
    for a count."""
    query = getattr(queryset, "query", None)
    if query is None or connections[queryset.db].vendor != "sqlite":
        return queryset
    if query.where.negated or query.where.connector == OR:
        return queryset
    meta = query.get_meta()
    shares: dict[int, tuple[float, str]] = {}
    for i, condition in enumerate(query.where.children):
        found = column_values(meta.db_table, condition)
        share = _choice_share(*found) if found else 0.0
        if share:
            shares[i] = (share, found[0].name)
    if len(shares) < 2:
        return queryset
    order = _order_field(query) if ordered else None
    if ordered and order is None:
        return queryset
    filtered = {name for _share, name in shares.values()}
    indexes = _index_columns(meta.model)
    tail = [order] if ordered else []
    size = len(filtered)
    for columns in indexes:
        if set(columns[:size]) == filtered and columns[size : size + len(tail)] == tail:
            return queryset  # one index serves them all already
    starts = [columns[: 1 + len(tail)] for columns in indexes]
    leaders = [i for i, (_share, name) in shares.items() if [name, *tail] in starts]
    if not leaders:
        return queryset
    keep = min(leaders, key=lambda i: shares[i][0])
    rows = queryset.all()
    children = rows.query.where.children  # the copy's own list
    for i in shares:
        if i != keep:
            children[i] = Unindexed(children[i])
    return rows


def walk_the_order(queryset):
    """`lead_with_narrowest` for an ordered page of a list known to hold many rows. With the
    leading filter's values one, its index gives the rows in the list's order; with several,
    SQLite reads each value's range and sorts them."""
    query = getattr(queryset, "query", None)
    if query is None:
        return queryset
    return lead_with_narrowest(queryset, ordered=True) if is_ordered(query) else queryset
