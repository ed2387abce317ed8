"""Application numbers and cell values as exports write them."""

import datetime as dt

import pytest

from ipcity.core.imports import RowError
from ipcity.rights.imports.normalize import (
    family_countries,
    has_overseas_member,
    map_status,
    parse_date,
    resolve_generic_lapse,
    split_holders,
)
from ipcity.rights.numbers import PatentNumberError, parse_application_number


@pytest.mark.parametrize(
    "raw", ["201710117081.7", "CN201710117081.7", "ZL 2017 1 0117081.7", "2017101170817"]
)
def test_application_numbers_are_normalized(raw):
    number = parse_application_number(raw)
    assert number.normalized == "201710117081.7"
    assert number.check_ok
    assert (number.patent_type, number.is_pct) == ("invention", False)


def test_a_wrong_check_digit_is_flagged_not_raised():
    assert parse_application_number("201710117081.3").check_ok is False


def test_old_era_and_pct_numbers_are_read():
    assert parse_application_number("89100002.X").filing_year == 1989
    assert parse_application_number("201880012345.6").is_pct


@pytest.mark.parametrize("raw", ["12345", "201750117081.7", "abc"])
def test_malformed_numbers_raise(raw):
    with pytest.raises(PatentNumberError):
        parse_application_number(raw)


@pytest.mark.parametrize(
    "text", ["2023.05.12", "2023-05-12", "20230512", "2023/5/12", "2023年5月12日", "45058"]
)
def test_dates_in_every_export_spelling(text):
    assert parse_date(text) == dt.date(2023, 5, 12)


@pytest.mark.parametrize("text", ["2023-13-01", "soon", "123"])
def test_bad_dates_are_row_errors(text):
    with pytest.raises(RowError):
        parse_date(text)


@pytest.mark.parametrize(
    "text, status",
    [
        ("有效", "valid"),
        ("授权", "valid"),
        ("未缴年费", "lapsed"),
        ("年费终止", "lapsed"),
        ("期限届满", "expired"),
        ("全部无效", "invalidated"),
        ("部分无效", "valid"),
        ("驳回", "rejected"),
        ("撤回", "withdrawn"),
        ("审中", "pending"),
        ("实质审查", "pending"),
        ("PCT有效期内", "pending"),
        ("什么", None),
    ],
)
def test_legal_status_texts_map_to_statuses(text, status):
    assert map_status(text) == status


def test_a_bare_lapse_is_expiry_at_the_end_of_the_term():
    filed = dt.date(2003, 5, 12)
    assert resolve_generic_lapse("invention", filed, dt.date(2023, 5, 11)) == "expired"
    assert resolve_generic_lapse("invention", filed, dt.date(2010, 1, 1)) == "lapsed"
    assert map_status("失效") == "lapsed_or_expired"


def test_holders_split_on_either_semicolon():
    assert split_holders("甲公司; 乙大学；丙研究所;甲公司") == ["甲公司", "乙大学", "丙研究所"]


def test_family_countries_from_members_and_the_country_column():
    countries = family_countries("CN1A; US2B1;WO2021/1", "JP")
    assert countries == ["JP", "CN", "US", "WO"]
    assert has_overseas_member(countries)
    assert not has_overseas_member(["CN", "WO"])
