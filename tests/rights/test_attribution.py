"""District attribution per DOMAIN.md §3: the first signal that speaks decides, and says so."""

import pytest

from ipcity.rights.attribution import District, Signals, provinces
from ipcity.rights.choices import Attribution, AttributionSignal

IN, OUT, UNRESOLVED = Attribution.IN_DISTRICT, Attribution.OUTSIDE, Attribution.UNRESOLVED


@pytest.fixture
def district():
    """The configured district as the data file describes it (no database needed)."""
    beijing = next(p for p in provinces() if p.code == "11")
    return District(
        code="110112",
        name="通州区",
        short="通州",
        province=beijing,
        city_names=("北京市", "北京"),
        region_ids=frozenset({1, 2, 3}),
        streets=[("于家务回族乡", 3), ("宋庄镇", 2), ("中仓街道", 1)],
    )


@pytest.mark.parametrize(
    "address, expected, street",
    [
        ("北京市通州区新华北路1号", IN, None),
        ("北京通州宋庄镇小堡村", IN, 2),
        ("北京市宋庄镇小堡村", IN, 2),
        ("中国北京市中仓街道办事处", IN, 1),
        ("北京市市辖区通州区永顺镇", IN, None),
        ("北京市（通州区）新华北路", None, None),
        ("南通市通州区金沙镇", OUT, None),
        ("江苏省南通市通州区金沙镇", OUT, None),
        ("江苏通州", OUT, None),
        ("北京市海淀区中关村大街1号", OUT, None),
        ("上海市浦东新区张江路", OUT, None),
        ("北京市北京经济技术开发区科创街", None, None),
        ("北京市", None, None),
        ("通州区新华北路1号", None, None),
        ("新华北路1号", None, None),
        ("宋庄镇小堡村", None, None),
    ],
)
def test_addresses_are_read_with_their_province_and_city(district, address, expected, street):
    decision = district.read_address(address)
    if expected is None:
        assert decision is None
    else:
        assert decision.attribution == expected
        assert decision.signal == AttributionSignal.ADDRESS
        assert decision.region_id == street


@pytest.mark.parametrize(
    "code, expected",
    [
        ("91110112MA01ABCD1X", IN),
        ("91110108MA01ABCD1X", OUT),
        ("91320612MA01ABCD1X", OUT),
        ("91110000MA01ABCD1X", UNRESOLVED),
        ("91110100MA01ABCD1X", UNRESOLVED),
        ("", UNRESOLVED),
    ],
)
def test_credit_code_division_decides_only_at_county_level(district, code, expected):
    decision = district.decide(Signals(uscc=code))
    assert decision.attribution == expected
    if expected != UNRESOLVED:
        assert decision.signal == AttributionSignal.USCC


def test_the_district_field_decides_before_the_credit_code(district):
    decision = district.decide(Signals(district="通州区", city="南通市", uscc="91110112MA01ABCD1X"))
    assert (decision.attribution, decision.signal) == (OUT, AttributionSignal.DISTRICT_FIELD)
    assert "南通市" in decision.detail


def test_the_district_name_without_a_city_says_nothing(district):
    assert district.decide(Signals(district="通州区")).attribution == UNRESOLVED


def test_another_district_of_beijing_is_outside(district):
    decision = district.decide(Signals(district="海淀区", city="北京市"))
    assert decision.attribution == OUT


def test_cnipa_province_code_places_only_outside(district):
    assert district.decide(Signals(province_code="32")).attribution == OUT
    assert district.decide(Signals(province_code="11")).attribution == UNRESOLVED
    decision = district.decide(Signals(province_code="11", addresses=["北京市通州区梨园镇"]))
    assert (decision.attribution, decision.signal) == (IN, AttributionSignal.ADDRESS)


def test_a_foreign_applicant_is_outside(district):
    assert district.decide(Signals(country="US")).attribution == OUT
    assert district.decide(Signals(country="CN")).attribution == UNRESOLVED


def test_the_holders_recorded_region_is_the_last_signal(district):
    decision = district.decide(Signals(region_id=2))
    assert (decision.attribution, decision.signal, decision.region_id) == (
        IN,
        AttributionSignal.REGION,
        2,
    )
    assert district.decide(Signals(region_id=99)).attribution == UNRESOLVED


def test_an_in_district_decision_names_the_street_from_the_address(district):
    decision = district.decide(Signals(uscc="91110112MA01ABCD1X", addresses=["北京市通州区宋庄镇"]))
    assert decision.signal == AttributionSignal.USCC
    assert decision.region_id == 2


def test_the_district_is_loaded_from_region_data(world):
    from tests.factories import make_region

    town = make_region("110112104000", "宋庄镇", "town", parent=world.district)
    district = District.load()
    assert (district.name, district.short) == ("通州区", "通州")
    assert district.city_names == ("北京市", "北京")
    assert ("宋庄镇", town.pk) in district.streets
    assert ("中仓街道", world.street.pk) in district.streets


def test_another_configured_district_needs_no_code_change(db, settings):
    from tests.factories import make_region

    settings.IPCITY_REGION_CODE = "320612"
    make_region("320600", "南通市", "city")
    make_region("320612", "通州区", "district")
    district = District.load()
    assert district.read_address("江苏省南通市通州区金沙镇").attribution == IN
    assert district.read_address("北京市通州区新华北路").attribution == OUT
