"""The intake check of rights (protection/intake.py) and its use when a right is added."""

import datetime

import pytest

from ipcity.protection import cases, intake
from tests.rights.registry_builders import make_patent, make_trademark

from .conftest import make_case

pytestmark = pytest.mark.django_db
D = datetime.date


def test_lapsed_patent_found_by_its_zl_number(pworld):
    p = pworld
    patent = make_patent(holders=[p.enterprise_a], legal_status="lapsed", lapse_date=D(2025, 6, 1))
    digits, check = patent.application_number.split(".")
    result = intake.check_right("patent", f"ZL {digits}.{check}", holder_name="示例甲科技有限公司")
    assert result["found"] and result["patent"] == patent and result["trademark"] is None
    assert result["notes"] == [
        f"Patent {patent.application_number} has lapsed (fees unpaid) since 2025-06-01."
    ]
    invalid = make_patent(holders=[p.enterprise_a], legal_status="invalidated")
    notes = intake.check_right("patent", invalid.application_number)["notes"]
    assert notes == [f"Patent {invalid.application_number} has been declared invalid."]
    valid = make_patent(holders=[p.enterprise_a])
    assert (
        intake.check_right("patent", valid.application_number, holder_uscc="91110112MA01ABCD1X")[
            "notes"
        ]
        == []
    )


def test_trademark_held_by_someone_else(pworld):
    p = pworld
    mark = make_trademark(holder=p.enterprise_b, registration_number="30123456")
    result = intake.check_right("trademark", " 30123456 ", holder_name="示例甲科技有限公司")
    assert result["found"] and result["trademark"] == mark
    assert result["notes"] == [
        "The registry names 示例乙制造有限公司 as holder, not the complainant."
    ]
    # Name variants of the holder match (北京市 prefix, 有限责任公司, full-width brackets) ...
    same = intake.check_right("trademark", "30123456", holder_name="北京市示例乙制造有限责任公司")
    assert same["notes"] == []
    # ... but a credit code that differs decides against a matching name.
    p.enterprise_b.uscc = "91110112MA01ZZZZ1X"
    p.enterprise_b.save()
    other = intake.check_right(
        "trademark", "30123456", holder_name="示例乙制造有限公司", holder_uscc="91110112MA01ABCD1X"
    )
    assert other["notes"] and "not the complainant" in other["notes"][0]
    expired = make_trademark(holder=p.enterprise_b, expiry_date=D(2025, 1, 1))
    assert (
        "has expired on 2025-01-01"
        in intake.check_right("trademark", expired.registration_number)["notes"][0]
    )


def test_unknown_and_malformed_numbers(pworld):
    result = intake.check_right("trademark", "99999999")
    assert result == {
        "found": False,
        "notes": ["99999999 is not in the registry."],
        "patent": None,
        "trademark": None,
        "geographical_indication": None,
        "plant_variety": None,
        "copyright": None,
    }
    assert intake.check_right("patent", "202010000001.0")["notes"] == [
        "202010000001.0 is not in the registry."
    ]
    assert "not a patent application" in intake.check_right("patent", "ABC")["notes"][0]
    assert "no public registry" in intake.check_right("trade_secret", "x")["notes"][0]


def test_add_right_stores_links_and_notes_with_the_complainants(pworld):
    p = pworld
    case = make_case(p.amr)
    mark = make_trademark(holder=p.enterprise_b, registration_number="30999999")
    right = cases.add_right(p.mia, case, "trademark", "30999999")
    assert right.trademark == mark and right.check_notes == []  # no complainant yet
    cases.add_party(p.mia, case, role="complainant", kind="organization", name="示例甲科技有限公司")
    right.refresh_from_db()
    assert right.check_notes == [
        "The registry names 示例乙制造有限公司 as holder, not the complainant."
    ]
    unknown = cases.add_right(p.mia, case, "patent", "ZL 2019 1 0000001.5")
    assert unknown.patent is None and "not in the registry" in unknown.check_notes[0]
    with pytest.raises(Exception, match="already named"):
        cases.add_right(p.mia, case, "trademark", "30999999")
    cases.remove_right(p.mia, case, right)
    assert list(case.rights.values_list("number", flat=True)) == [unknown.number]
