"""A django-tables2 table rendered to HTML in Python, for every list page.

The markup is that of django-tables2's `bootstrap5.html` and `bootstrap5-responsive.html`
templates (the two the platform's tables use): the same wrapper, header with sort links, rows
and cells with their attributes, footer and pagination. Rendering it through the template
engine cost about a third of a list page's time, a variable lookup and a tag per cell; here
each cell is one string join. The cells themselves are made as django-tables2 makes them
(the columns' `render_*` methods and templates), so a table's definition means what it always
did; what is the same for every row (the model field behind a column, the labels of its
choices) is worked out once per table instead of once per cell (`_Cells`).

A table with another template is rendered by that template, as `{% render_table %}` would.

`install()` (from CoreConfig.ready) also makes django-tables2 read the signature of a column's
`render_*` method or accessor once per function instead of once per cell: it asked `inspect`
for every cell, a seventh of a list page's time.
"""

from __future__ import annotations

import inspect
from functools import partialmethod

import django_tables2.utils
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.template.loader import get_template
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn
from django_tables2.templatetags.django_tables2 import table_page_range
from django_tables2.utils import A, AttributeDict

# The keys `AttributeDict.as_html` leaves out (nested attributes of a table's parts).
SKIPPED_ATTRIBUTES = frozenset(AttributeDict.blacklist)

# django-tables2's templates this module renders, and whether the table scrolls sideways.
KNOWN_TEMPLATES = {
    "django_tables2/bootstrap5.html": False,
    "django_tables2/bootstrap5-responsive.html": True,
}


def render(table, context) -> SafeString:
    """The table as HTML, in the template context `context` (which holds the request)."""
    request = context.get("request") or getattr(context, "request", None)
    responsive = KNOWN_TEMPLATES.get(table.template_name)
    table.context = context  # what TemplateColumn reads, as `{% render_table %}` sets it
    try:
        table.before_render(request)
        if responsive is None:
            template = get_template(table.template_name)
            return template.render(context={"table": table}, request=request)
        parts: list[str] = [
            '<div class="table-container table-responsive">'
            if responsive
            else '<div class="table-container">'
        ]
        query = dict(request.GET) if request is not None else {}
        _table(parts, table, query, context)
        _pagination(parts, table, query)
        parts.append("</div>")
        return mark_safe("".join(parts))
    finally:
        del table.context


def _attrs(attrs) -> str:
    """`{{ attrs.as_html }}` of the templates with its leading space: the attributes, or
    nothing."""
    if not attrs:
        return ""
    if type(attrs) not in (dict, AttributeDict):  # a subclass may write its own
        attrs = attrs if isinstance(attrs, AttributeDict) else AttributeDict(attrs)
        html = attrs.as_html()
        return f" {html}" if html else ""
    # `AttributeDict.as_html` without `format_html_join`: a callable value is called, a None
    # value and the nested sections (td, th, ...) left out, names and values escaped.
    out = []
    for key, given in attrs.items():
        value = given() if callable(given) else given
        if value is None or key in SKIPPED_ATTRIBUTES:
            continue
        out.append(f' {conditional_escape(key)}="{conditional_escape(value)}"')
    return "".join(out)


def _sub(attrs, key: str):
    """`table.attrs.thead` in a template: the nested attributes, or nothing."""
    try:
        return attrs[key]
    except (KeyError, TypeError):
        return None


def _link(query: dict, key: str, value, without: str = "") -> str:
    """`{% querystring_replace key=value %}`: the request's query with one parameter set (and
    `without` removed)."""
    params = dict(query)
    params.pop(without, None)
    if key not in ("", None):
        params[key] = value
    return escape("?" + urlencode(params, doseq=True))


def _value(value, context, localized) -> str:
    """A cell as `{{ cell }}`, `{{ cell|localize }}` or `{{ cell|unlocalize }}` show it."""
    if localized is None:
        value = template_localtime(value, use_tz=context.use_tz)
        value = localize(value, use_l10n=context.use_l10n)
    else:
        value = localize(value, use_l10n=bool(localized))
    return str(conditional_escape(value))


def _fixed_td(table, column) -> str | None:
    """The attributes of the column's cells when no row changes them (none of their values is
    computed from the row), else None. django-tables2 computes them anew for every cell."""
    attrs = {**dict(table.attrs or {}), **dict(column.column.attrs or {})}
    spec = attrs.get("td", attrs.get("cell", {}))
    if any(callable(value) for value in dict(spec or {}).values()):
        return None
    return _attrs(column.attrs["td"])


def _table(parts: list[str], table, query: dict, context) -> None:
    table_attrs = AttributeDict({"class": "table"})
    if table.attrs is not None:
        table_attrs.update(table.attrs)
    parts.append(f"<table{_attrs(table_attrs)}>")
    columns = list(table.columns)
    if table.show_header:
        parts.append(f"<thead{_attrs(_sub(table.attrs, 'thead'))}><tr>")
        order_field = table.prefixed_order_by_field
        # A new order starts at its first page (django-tables2's template keeps the page).
        page_field = table.prefixed_page_field
        for column in columns:
            header = conditional_escape(column.header)
            if column.orderable:
                href = _link(query, order_field, column.order_by_alias.next, page_field)
                header = f'<a href="{href}">{header}</a>'
            parts.append(f'<th{_attrs(column.attrs["th"])} scope="col">{header}</th>')
        parts.append("</tr></thead>")
    parts.append(f"<tbody{_attrs(_sub(table.attrs, 'tbody'))}>")
    empty = True
    cell_attrs = {column.name: _fixed_td(table, column) for column in columns}
    cells = [(column, _Cells(column)) for column in columns]
    for row in table.paginated_rows:
        empty = False
        parts.append(f"<tr{_attrs(row.attrs)}>")
        for column, make in cells:
            # As BoundRow.items() leaves them, for attributes computed from the row.
            cell = column.current_value = make(row)
            column.current_record = row.record
            value = _value(cell, context, column.localize)
            td = cell_attrs[column.name]
            if td is None:  # computed from the row
                td = _attrs(column.attrs["td"])
            parts.append(f"<td{td}>{value}</td>")
        parts.append("</tr>")
    if empty and table.empty_text:
        text = conditional_escape(table.empty_text)
        parts.append(f'<tr><td colspan="{len(columns)}">{text}</td></tr>')
    parts.append("</tbody>")
    if table.has_footer():
        parts.append(f"<tfoot{_attrs(_sub(table.attrs, 'tfoot'))}><tr>")
        for column in columns:
            footer = conditional_escape(column.footer)
            parts.append(f"<td{_attrs(column.attrs['tf'])}>{footer}</td>")
        parts.append("</tr></tfoot>")
    parts.append("</table>")


class _Cells:
    """One column's cells, as django-tables2's `BoundRow.get_cell` makes them: the value by the
    column's accessor, or the label of a model field's choice where the accessor ends in one,
    then the column's `render`. What does not change from row to row is found once per table
    and kind of record: the model field behind the accessor, and the choice labels, which a
    model's `get_FOO_display` builds anew on every call."""

    def __init__(self, bound_column):
        column = bound_column.column
        self.bound_column = bound_column
        self.accessor = A(bound_column.accessor)
        path, _sep, self.remainder = self.accessor.rpartition(A.SEPARATOR)
        self.leading = A(path)
        self.leading_of = _attribute_path(self.leading)
        self.value_of = _attribute_path(self.accessor)
        self.default = bound_column.default
        self.empty_values = column.empty_values
        self.many = isinstance(column, ManyToManyColumn)
        self.text_link = isinstance(column, BaseLinkColumn) and column.text is not None
        self.displays: dict[tuple[type, type], object] = {}
        self.render = bound_column.render
        self.arguments = _arguments(self.render)
        self.plain = self.arguments == ("value",) and _is_plain(self.render)
        self.link = bound_column.link
        self.fixed_link = _fixed_link(self.link, bound_column)

    def __call__(self, row):
        record = row.record
        value = None
        remainder = self.remainder
        penultimate = self.leading_of(record)
        if penultimate is _OTHER:
            penultimate = self.leading.resolve(record, quiet=True)
        if isinstance(penultimate, models.Model):
            key = (type(record), type(penultimate))
            if key not in self.displays:
                self.displays[key] = self._display(record, penultimate)
            display = self.displays[key]
            if display is not None:
                value = display(penultimate)
                remainder = None
        if remainder:
            value = self.value_of(record)
            if value is _OTHER:
                try:
                    value = self.accessor.resolve(record)
                except Exception:
                    # a link column with a text of its own renders without a value
                    if self.text_link:
                        return row._call_render(self.bound_column)
        if value in self.empty_values or (self.many and not value.exists()):
            return self.default
        return self._rendered(row, value)

    def _rendered(self, row, value):
        """`BoundRow._call_render`: the column's `render` given the arguments it names, then
        the link around it. The arguments are found once per column, not per cell, and a link
        to the record's own page is written without django-tables2's per-cell machinery."""
        if self.arguments is None or (self.link and self.fixed_link is None):
            return row._call_render(self.bound_column, value)
        if self.plain:
            content = value
        else:
            given = {
                "value": value,
                "record": row.record,
                "column": self.bound_column.column,
                "bound_column": self.bound_column,
                "bound_row": row,
                "table": row.table,
            }
            content = self.render(**{name: given[name] for name in self.arguments})
        if not self.link:
            return content
        return self.fixed_link(row, value, content)

    def _display(self, record, penultimate):
        """How a record of this kind shows the choice label, or None when it shows the value."""
        name = f"get_{self.remainder}_display"
        try:
            field = self.accessor.get_field(record)
        except FieldDoesNotExist:
            return None
        if not getattr(field, "choices", ()) or not getattr(penultimate, name, None):
            return None
        method = inspect.getattr_static(type(penultimate), name, None)
        if not (
            isinstance(method, partialmethod) and method.func is models.Model._get_FIELD_display
        ):
            return lambda obj: getattr(obj, name)()  # a model's own method
        own = method.keywords["field"]
        # In the request's language, made text once per table rather than once per cell.
        labels = {
            make_hashable(value): force_str(label, strings_only=True)
            for value, label in own.flatchoices
        }

        def display(obj, attname=own.attname, labels=labels):
            value = getattr(obj, attname)
            return labels.get(make_hashable(value), value)

        return display


# A path `_attribute_path` leaves to django-tables2's `Accessor.resolve`.
_OTHER = object()


def _attribute_path(accessor: A):
    """`accessor.resolve` for the common case, without its exceptions: a path of plain
    attributes of model instances. A model instance is not subscriptable, so `resolve`'s
    first try at each step (`obj[name]`) raises, and only then does it read the attribute;
    those two exceptions per cell were a tenth of a table's time. Anything else (a record
    that is a dict, an attribute that is callable or missing, a model that is subscriptable)
    gives `_OTHER`, and the caller resolves as django-tables2 does."""
    bits = tuple(accessor.bits)

    def resolve(record):
        current = record
        for bit in bits:
            if not isinstance(current, models.Model) or hasattr(type(current), "__getitem__"):
                return _OTHER
            current = getattr(current, bit, _OTHER)
            if current is _OTHER or callable(current):
                return _OTHER
            if current is None:
                break
        return current

    return resolve


# What django-tables2 offers a column's `render`; one that asks for anything else gets None
# from `call_with_appropriate`, and goes that way here too.
CELL_ARGUMENTS = frozenset({"value", "record", "column", "bound_column", "bound_row", "table"})


def _arguments(render) -> tuple[str, ...] | None:
    """The names `render` is called with, or None where django-tables2's own call is needed
    (a `**kwargs` catch-all, or a name it does not offer)."""
    names, catch_all = cached_signature(render)
    if catch_all or not CELL_ARGUMENTS.issuperset(names):
        return None
    return tuple(names)


def _is_plain(render) -> bool:
    """Whether `render` is `Column.render`, which returns the value as it is."""
    from django_tables2 import Column

    return getattr(render, "__func__", None) is Column.render


def _fixed_link(link, bound_column):
    """For a `linkify=True` column whose link is the page of the object its accessor reaches
    (else of the record), with attributes no row changes: a function writing the link as
    `LinkTransform` does. None for any other link."""
    if not link or link.url is not None or link.reverse_args.get("viewname") is not None:
        return None
    attrs = dict(link.attrs or {})
    if any(callable(value) for value in attrs.values()):
        return None
    target = A(link.accessor if link.accessor is not None else bound_column.name)

    def linked(row, value, content):
        record = row.record
        try:
            obj = target.resolve(record)
        except Exception:
            obj = None
        if not hasattr(obj, "get_absolute_url"):
            if not hasattr(record, "get_absolute_url"):
                return row._call_render(bound_column, value)  # as django-tables2 fails
            obj = record
        href = obj.get_absolute_url()
        if href is None:
            return content
        # `format_html("<a {}>{}</a>", AttributeDict(…).as_html(), content)`, without the
        # library's join and formatting per cell.
        return mark_safe(f"<a{_attrs({**attrs, 'href': href})}>{conditional_escape(content)}</a>")

    return linked


def _pagination(parts: list[str], table, query: dict) -> None:
    page = getattr(table, "page", None)
    if not page or table.paginator.num_pages <= 1:
        return
    field = table.prefixed_page_field
    parts.append(
        '<nav aria-label="Table navigation"><ul class="pagination justify-content-center">'
    )
    if page.has_previous():
        href = _link(query, field, page.previous_page_number())
        parts.append(
            f'<li class="previous page-item"><a href="{href}" class="page-link">'
            f'<span aria-hidden="true">&laquo;</span> {escape(gettext("previous"))}</a></li>'
        )
    if page.has_previous() or page.has_next():
        for number in table_page_range(page, table.paginator):
            active = " active" if page.number == number else ""
            href = "" if number == "..." else f' href="{_link(query, field, number)}"'
            parts.append(
                f'<li class="page-item{active}"><a class="page-link"{href}>{number}</a></li>'
            )
    if page.has_next():
        href = _link(query, field, page.next_page_number())
        parts.append(
            f'<li class="next page-item"><a href="{href}" class="page-link">'
            f'{escape(gettext("next"))} <span aria-hidden="true">&raquo;</span></a></li>'
        )
    parts.append("</ul></nav>")


_signature = django_tables2.utils.signature
_SIGNATURES: dict = {}
_SIGNATURES_KEPT = 4096


def cached_signature(fn):
    """django_tables2.utils.signature, remembered per function and whether it is bound."""
    if inspect.ismethod(fn):
        key = (fn.__func__, True)
    elif inspect.isfunction(fn):
        key = (fn, False)
    else:
        return _signature(fn)
    found = _SIGNATURES.get(key)
    if found is None:
        if len(_SIGNATURES) >= _SIGNATURES_KEPT:  # functions made on the fly: stay bounded
            _SIGNATURES.clear()
        found = _SIGNATURES[key] = _signature(fn)
    return found


def install() -> None:
    django_tables2.utils.signature = cached_signature
