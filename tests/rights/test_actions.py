import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ipcity.rights import actions
from ipcity.rights.models import (
    Copyright,
    GeographicalIndication,
    Patent,
    PlantVarietyRight,
    SoftwareLegalizationCheck,
    Trademark,
)
from ipcity.rights.search import search_filter

from ..factories import make_org
from .registry_builders import make_gi, make_patent


def patent_data(**overrides):
    data = {
        "application_number": "CN201710117081.7",
        "title": "一种基于深度学习的图像识别方法",
        "legal_status": "valid",
        "attribution": "in_district",
    }
    data.update(overrides)
    return data


def test_create_patent_normalizes_the_number_and_reads_the_type_from_it(world):
    patent = actions.create_patent(world.alice, patent_data())
    assert patent.application_number == "201710117081.7"
    assert patent.patent_type == "invention"
    assert patent.number_check_ok is True
    assert patent.number_warning == ""
    assert patent.history.first().history_user == world.alice


def test_create_patent_keeps_a_wrong_check_digit_with_a_warning(world):
    patent = actions.create_patent(world.alice, patent_data(application_number="201710117081.3"))
    patent.refresh_from_db()
    assert patent.application_number == "201710117081.3"
    assert patent.number_check_ok is False
    assert "should be 7" in patent.number_warning


def test_create_patent_rejects_a_malformed_number(world):
    with pytest.raises(ValidationError) as exc:
        actions.create_patent(world.alice, patent_data(application_number="20171011708"))
    assert "application_number" in exc.value.message_dict
    assert not Patent.objects.exists()


def test_create_patent_reads_pct_and_old_era_numbers(world):
    pct = actions.create_patent(world.alice, patent_data(application_number="201880012345.2"))
    assert pct.is_pct and pct.patent_type == "invention"
    old = actions.create_patent(world.alice, patent_data(application_number="98123456.1"))
    assert old.application_number.startswith("98123456.")


def test_create_patent_rejects_a_type_that_contradicts_the_number(world):
    with pytest.raises(ValidationError) as exc:
        actions.create_patent(world.alice, patent_data(patent_type="design"))
    assert "patent_type" in exc.value.message_dict


def test_create_patent_refuses_a_duplicate_number(world):
    actions.create_patent(world.alice, patent_data())
    with pytest.raises(ValidationError) as exc:
        actions.create_patent(world.alice, patent_data(application_number="2017101170817"))
    assert "application_number" in exc.value.message_dict


def test_create_patent_links_holders_in_order_and_indexes_them(world):
    first, second = make_org("北京示例乙公司"), make_org("北京示例甲公司")
    patent = actions.create_patent(world.alice, patent_data(holders=[first.pk, second.pk]))
    links = list(patent.holder_links.order_by("position"))
    assert [link.organization for link in links] == [first, second]
    assert patent.holder_names == "北京示例乙公司;北京示例甲公司"
    assert list(search_filter(Patent.objects.all(), "示例乙")) == [patent]


def test_update_patent_refreshes_the_search_text(world):
    patent = make_patent("一种混凝土搅拌装置")
    actions.update_patent(world.alice, patent, {"title": "一种图像识别方法"})
    assert list(search_filter(Patent.objects.all(), "图像识别")) == [patent]
    assert not search_filter(Patent.objects.all(), "混凝土").exists()


def test_update_patent_keeps_holders_not_sent(world):
    org = make_org()
    patent = make_patent(holders=[org])
    actions.update_patent(world.alice, patent, {"legal_status": "lapsed"})
    patent.refresh_from_db()
    assert patent.legal_status == "lapsed"
    assert list(patent.holders.all()) == [org]


def test_leo_may_not_create_or_change_patents(world):
    with pytest.raises(PermissionDenied):
        actions.create_patent(world.leo, patent_data())
    patent = make_patent()
    with pytest.raises(PermissionDenied):
        actions.update_patent(world.leo, patent, {"title": "改"})


def test_trademark_nice_classes_are_normalized_and_bounded(world):
    data = {"registration_number": "12345678", "mark": "示例", "status": "registered"}
    mark = actions.create(world.alice, Trademark, {**data, "nice_classes": "42，9; 第35类"})
    assert mark.nice_classes == "9;35;42"
    with pytest.raises(ValidationError) as exc:
        actions.create(
            world.alice, Trademark, {**data, "registration_number": "2", "nice_classes": "46"}
        )
    assert "nice_classes" in exc.value.message_dict


def test_software_copyright_numbers_are_checked_loosely(world):
    data = {"kind": "software", "title": "示例软件V1.0"}
    saved = actions.create(world.alice, Copyright, {**data, "registration_number": "2014sr 001852"})
    assert saved.registration_number == "2014SR001852"
    with pytest.raises(ValidationError):
        actions.create(world.alice, Copyright, {**data, "registration_number": "软著123"})
    work = actions.create(
        world.alice,
        Copyright,
        {"kind": "work", "title": "示例画作", "registration_number": "国作登字-2020-F-01"},
    )
    assert work.pk


def test_plant_variety_numbers_follow_both_shapes(world):
    base = {"variety": "京示例1号", "status": "granted"}
    assert actions.create(
        world.alice, PlantVarietyRight, {**base, "right_number": "CNA20201002638"}
    )
    assert actions.create(world.alice, PlantVarietyRight, {**base, "right_number": "cna20080376.x"})
    with pytest.raises(ValidationError):
        actions.create(world.alice, PlantVarietyRight, {**base, "right_number": "20201002638"})


def test_software_check_rectification_cannot_precede_the_check(world):
    data = {
        "organization": world.unit.pk,
        "check_date": "2024-05-10",
        "installed_count": 10,
        "licensed_count": 8,
        "rectified_on": "2024-05-01",
    }
    with pytest.raises(ValidationError) as exc:
        actions.create(world.alice, SoftwareLegalizationCheck, data)
    assert "rectified_on" in exc.value.message_dict
    check = actions.create(world.alice, SoftwareLegalizationCheck, {**data, "rectified_on": ""})
    assert check.unlicensed_count == 2


def test_bob_may_not_record_software_checks(world):
    with pytest.raises(PermissionDenied):
        actions.create(
            world.bob,
            SoftwareLegalizationCheck,
            {"organization": world.unit.pk, "check_date": "2024-05-10"},
        )


def test_move_gi_changes_the_stage_with_history(world):
    gi = make_gi()
    actions.move_gi(world.alice, gi, "reserve")
    gi.refresh_from_db()
    assert gi.stage == "reserve"
    assert gi.history.first().history_user == world.alice
    with pytest.raises(ValidationError):
        actions.move_gi(world.alice, gi, "nowhere")
    with pytest.raises(PermissionDenied):
        actions.move_gi(world.leo, gi, "filed")
    assert GeographicalIndication.objects.get(pk=gi.pk).stage == "reserve"


def test_editing_a_patent_reclassifies_it(world):
    import datetime

    from ipcity.rights import actions as rights_actions
    from ipcity.rights.highvalue import classify_queryset
    from ipcity.rights.models import Patent
    from ipcity.rights.numbers import check_digit

    digits = "201010000001"
    patent = Patent.objects.create(
        application_number=f"{digits}.{check_digit(digits)}",
        patent_type="invention",
        title="一种示例方法",
        filing_date=datetime.date(2010, 1, 5),
        grant_date=datetime.date(2012, 6, 1),
        legal_status="lapsed",
    )
    classify_queryset(Patent.objects.filter(pk=patent.pk))
    patent.refresh_from_db()
    assert not patent.is_high_value
    updated = rights_actions.update_patent(world.alice, patent, {"legal_status": "valid"})
    assert updated.is_high_value
    assert "maintained_10y" in updated.high_value_criteria
