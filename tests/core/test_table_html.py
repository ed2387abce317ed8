"""Every list page's table, rendered in Python (core.table_html), is django-tables2's own
markup: the same HTML as its template gives for the same table, on every list page of the
platform with the demo data; a sort link starts at the first page, and the links keep the page's
other parameters."""

from __future__ import annotations

import itertools
import re

import django_tables2 as tables
import pytest
from django.template import RequestContext, Template
from django.test import RequestFactory

from ipcity.core import table_html

from .pages import page_paths

pytestmark = pytest.mark.django_db

TEMPLATE_TAG = Template("{% load django_tables2 %}{% render_table table %}")


def _normalized(html: str) -> str:
    html = re.sub(r"<(\w+) >", r"<\1>", str(html))
    html = re.sub(r">\s+", ">", html)
    html = re.sub(r"\s+<", "<", html)
    return re.sub(r"\s+", " ", html).replace(" >", ">").strip()


def _both(table, request) -> tuple[str, str]:
    """The table through django-tables2's template, then through core.table_html."""
    context = RequestContext(request, {"table": table})
    table._counter = itertools.count()  # the rows' odd/even classes count from the first row
    expected = TEMPLATE_TAG.render(context)
    table._counter = itertools.count()
    with context.push():
        context["request"] = request
        got = table_html.render(table, context)
    return _normalized(expected), _normalized(got)


def test_every_list_page_renders_the_markup_of_django_tables2(reader_client):
    pages = 0
    for path in page_paths():
        response = reader_client.get(path, {"per_page": 5})
        table = (response.context or {}).get("table") if response.status_code == 200 else None
        if not isinstance(table, tables.Table):
            continue
        if "core/_object_table.html" not in [t.name for t in response.templates]:
            continue
        if not table.paginator.count:
            continue
        expected, got = _both(table, response.wsgi_request)
        assert got == expected, path
        # The page shows what core.table_html made (not another rendering of its own).
        assert got.split("<tbody", 1)[0] in _normalized(response.content.decode()), path
        pages += 1
    assert pages >= 25, f"only {pages} list pages with rows were found"


def test_sort_and_page_links_keep_the_other_parameters(reader_client):
    response = reader_client.get(
        "/rights/patents/", {"patent_type": "invention", "per_page": 1, "page": 2}
    )
    table = response.context["table"]
    table._counter = itertools.count()
    html = str(table_html.render(table, RequestContext(response.wsgi_request)))
    # A sort link starts the new order at its first page; the page links keep the rest.
    assert 'href="?patent_type=invention&amp;per_page=1&amp;sort=' in html
    assert "page=2&amp;sort=" not in html
    assert 'class="page-item active"><a class="page-link" href="?patent_type=invention' in html
    assert '<li class="previous page-item"><a href="?patent_type=invention&amp;per_page=1' in html
    assert '<li class="next page-item">' in html
    expected = _both(table, response.wsgi_request)[0]
    assert "page=2&amp;sort=" in expected  # django-tables2's template keeps the page
    assert expected.replace("page=2&amp;sort=", "sort=") == _normalized(html)


def test_a_table_with_another_template_is_rendered_by_it(module_demo, tmp_path, settings):
    (tmp_path / "custom_table.html").write_text("custom {{ table.rows|length }} rows")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    class Custom(tables.Table):
        name = tables.Column()

        class Meta:
            template_name = "custom_table.html"

    table = Custom([{"name": "甲"}, {"name": "<b>"}])
    request = RequestFactory().get("/")
    assert str(table_html.render(table, RequestContext(request))) == "custom 2 rows"


def test_cells_are_escaped_and_empty_text_shown():
    class Plain(tables.Table):
        name = tables.Column()

        class Meta:
            template_name = "django_tables2/bootstrap5.html"
            empty_text = "无记录 <none>"

    request = RequestFactory().get("/", {"q": "a&b"})
    html = str(table_html.render(Plain([{"name": "<b>x</b>"}]), RequestContext(request)))
    assert "<td>&lt;b&gt;x&lt;/b&gt;</td>" in html
    assert 'href="?q=a%26b&amp;sort=name"' in html
    expected, got = _both(Plain([]), request)
    assert got == expected and "无记录 &lt;none&gt;" in got


def test_cell_attributes_fixed_or_computed_from_the_row():
    class Marked(tables.Table):
        name = tables.Column(attrs={"td": {"class": "text-end", "data-kind": "name"}})
        n = tables.Column(attrs={"td": {"data-n": lambda record: record["n"] * 2}})
        plain = tables.Column(accessor="name")

        class Meta:
            template_name = "django_tables2/bootstrap5.html"
            attrs = {"td": {"data-table": "marked"}}

    rows = [{"name": "甲", "n": 1}, {"name": "乙", "n": 2}]
    expected, got = _both(Marked(rows), RequestFactory().get("/"))
    assert got == expected
    assert 'data-n="2"' in got and 'data-n="4"' in got  # each row its own
    assert got.count('data-table="marked"') == 2  # the table's, on the plain column's cells


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_choice_labels_and_related_fields_are_shown_as_django_tables2_shows_them(
    language, monkeypatch
):
    from django.utils import translation

    from ipcity.rights.models import Patent
    from tests.factories import make_region

    class Choices(tables.Table):
        patent_type = tables.Column()
        status = tables.Column(accessor="legal_status")
        region_kind = tables.Column(accessor="region__kind")  # through a relation, or none
        region = tables.Column(accessor="region__name")
        number = tables.Column(accessor="application_number", linkify=True)

        class Meta:
            model = Patent
            fields = ("attribution",)
            template_name = "django_tables2/bootstrap5.html"

    street = make_region("110112001000", "中仓街道", "street")
    rows = [
        Patent(application_number="201910000001.2", patent_type="invention", region=street),
        Patent(application_number="201920000001.9", patent_type="design", legal_status="unknown"),
        Patent(application_number="201930000001.5", patent_type="not-a-choice"),
    ]
    for pk, patent in enumerate(rows, start=1):
        patent.pk = pk
    request = RequestFactory().get("/")
    with translation.override(language):
        expected, got = _both(Choices(rows), request)
        assert got == expected
        shown = str(Patent(patent_type="invention").get_patent_type_display())
        assert shown in got and "中仓街道" in got and "not-a-choice" in got
        # A model's own get_FOO_display is called, as django-tables2 calls it.
        monkeypatch.setattr(Patent, "get_legal_status_display", lambda self: "own label")
        expected, got = _both(Choices(rows), request)
        assert got == expected and got.count("own label") == 3


def test_an_attribute_path_resolves_as_django_tables2_or_leaves_it_to_it():
    """`_attribute_path` gives what `Accessor.resolve` gives for plain attributes of model
    instances (through a relation, or a null one), and leaves everything else to it."""
    from django_tables2.utils import A

    from ipcity.core.table_html import _OTHER, _attribute_path
    from ipcity.rights.models import Patent
    from tests.factories import make_region

    street = make_region("110112001000", "中仓街道", "street")
    with_region = Patent(application_number="201910000001.2", title="甲", region=street)
    without = Patent(application_number="201920000001.9", title="乙")
    for accessor in ("title", "region__name", "region__kind", "region", "application_number"):
        for record in (with_region, without):
            got = _attribute_path(A(accessor))(record)
            assert got is not _OTHER and got == A(accessor).resolve(record, quiet=True)
    assert _attribute_path(A(""))(with_region) is with_region
    # Callables, dicts, missing attributes: django-tables2's own resolve decides.
    assert _attribute_path(A("get_absolute_url"))(with_region) is _OTHER
    assert _attribute_path(A("title"))({"title": "dict"}) is _OTHER
    assert _attribute_path(A("no_such_field"))(with_region) is _OTHER
    assert _attribute_path(A("region__no_such_field"))(with_region) is _OTHER


def test_attributes_are_written_as_attribute_dict_writes_them():
    from django.utils.safestring import mark_safe
    from django_tables2.utils import AttributeDict

    from ipcity.core.table_html import _attrs

    cases = [
        {"class": "table", "id": "t"},
        {"class": "a<b", "data-x": '"q"', "title": mark_safe("<b>safe</b>")},
        {"td": {"class": "x"}, "th": {}, "hidden": None, "data-n": 3},
        {"data-row": lambda: "computed", "_ordering": {"x": 1}},
        {},
    ]
    for attrs in cases:
        expected = AttributeDict(attrs).as_html()
        assert _attrs(attrs) == (f" {expected}" if expected else "")
        assert _attrs(AttributeDict(attrs)) == _attrs(attrs)

    class Own(AttributeDict):
        def as_html(self):
            return 'own="1"'

    assert _attrs(Own({"class": "x"})) == ' own="1"'
