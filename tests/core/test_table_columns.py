"""Date and time columns in Python: the same cells as django-tables2's template columns."""

import datetime
import zoneinfo

import django_tables2 as tables
import pytest
from django.utils import timezone, translation

from ipcity.core import table_columns
from ipcity.protection.tables.cases import CaseTable
from ipcity.rights.tables import PatentTable

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
LATE = datetime.datetime(2024, 12, 31, 20, 30, tzinfo=datetime.UTC)  # 2025-01-01 in Beijing


class Both(tables.Table):
    date = tables.DateColumn(default="<无>")
    date_ours = table_columns.DateColumn(accessor="date", default="<无>")
    long = tables.DateColumn(accessor="date", short=False)
    long_ours = table_columns.DateColumn(accessor="date", short=False)
    at = tables.DateTimeColumn()
    at_ours = table_columns.DateTimeColumn(accessor="at")
    custom = tables.DateTimeColumn(accessor="at", format="Y-m-d H:i")
    custom_ours = table_columns.DateTimeColumn(accessor="at", format="Y-m-d H:i")
    text = tables.DateColumn(accessor="text", default="—")
    text_ours = table_columns.DateColumn(accessor="text", default="—")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_columns_write_what_the_template_columns_write(language):
    rows = [
        {"date": datetime.date(2025, 3, 9), "at": LATE, "text": "2025-03-09"},
        {"date": None, "at": datetime.datetime(2025, 3, 9, 8, 5), "text": "<b>x</b>"},
    ]
    table = Both(rows)
    with translation.override(language), timezone.override(SHANGHAI):
        for row in table.rows:
            for name in ("date", "long", "at", "custom", "text"):
                theirs, ours = row.get_cell(name), row.get_cell(f"{name}_ours")
                assert str(ours) == str(theirs), (language, name)
        first = table.rows[0]
        assert "2025" in str(first.get_cell("at_ours"))  # shown in Beijing time: the new year
        assert str(table.rows[1].get_cell("text_ours")) == "—"  # not a date: the default
        assert str(table.rows[1].get_cell("date_ours")) == "&lt;无&gt;"


def test_tables_built_from_model_fields_get_them():
    assert isinstance(CaseTable.base_columns["opened_on"], table_columns.DateColumn)
    assert isinstance(PatentTable.base_columns["filing_date"], table_columns.DateColumn)


@pytest.mark.parametrize(
    "pattern", ["Y年n月j日", "m/d/Y", "Y-m-d H:i", "{Y}", "d.m.Y", "N j, Y", "m/d/Y P", r"Y\a"]
)
def test_a_cell_writes_a_date_as_the_date_filter_does(pattern):
    from django.template.defaultfilters import date as date_filter

    for value in (datetime.date(2024, 3, 5), datetime.datetime(2025, 11, 9, 7, 5)):
        if ("H" in pattern or "P" in pattern) and not isinstance(value, datetime.datetime):
            continue
        with translation.override("en"):
            got = table_columns._formatted(value, pattern, "—")
            assert got == date_filter(value, pattern)
    # Formats with other letters are left to the filter.
    assert (table_columns._writer(pattern, True) is None) == any(c in pattern for c in "NPa\\")
