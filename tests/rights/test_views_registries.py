"""Trademark, geographical indication, plant variety, copyright and software-check pages."""

import pytest
from django.urls import reverse

from ipcity.rights.models import (
    Copyright,
    GeographicalIndication,
    SoftwareLegalizationCheck,
    Trademark,
)

from .registry_builders import make_check, make_copyright, make_gi, make_pvr, make_trademark

REGISTRIES = {
    "trademark": (lambda w: make_trademark("示例商标", holder=w.enterprise_a), "示例商标"),
    "gi": (lambda w: make_gi("通州示例大樱桃"), "通州示例大樱桃"),
    "pvr": (lambda w: make_pvr("京示例1号", holder=w.enterprise_a), "京示例1号"),
    "copyright": (lambda w: make_copyright("示例管理软件V1.0"), "示例管理软件V1.0"),
}


def url(prefix, action, obj=None):
    return reverse(f"rights:{prefix}_{action}", args=[obj.pk] if obj else [])


@pytest.mark.parametrize("prefix", REGISTRIES)
def test_public_registries_list_detail_and_history_for_alice(world, login, prefix):
    build, text = REGISTRIES[prefix]
    obj = build(world)
    client = login(world.alice)
    body = client.get(url(prefix, "list")).content.decode()
    assert text in body and url(prefix, "add") in body
    body = client.get(url(prefix, "detail", obj)).content.decode()
    assert text in body and url(prefix, "edit", obj) in body
    assert client.get(url(prefix, "history", obj)).status_code == 200
    assert client.get(url(prefix, "edit", obj)).status_code == 200


@pytest.mark.parametrize("prefix", REGISTRIES)
def test_public_registries_are_read_only_for_leo(world, login, prefix):
    build, text = REGISTRIES[prefix]
    obj = build(world)
    client = login(world.leo)
    assert text in client.get(url(prefix, "list")).content.decode()
    response = client.get(url(prefix, "detail", obj))
    assert response.status_code == 200 and url(prefix, "edit", obj) not in response.content.decode()
    assert client.get(url(prefix, "add")).status_code == 403
    assert client.post(url(prefix, "edit", obj), {}).status_code == 403


@pytest.mark.parametrize("prefix", REGISTRIES)
def test_public_registries_are_readable_by_charlie(world, login, prefix):
    build, text = REGISTRIES[prefix]
    obj = build(world)
    client = login(world.charlie)
    assert text in client.get(url(prefix, "list")).content.decode()
    assert client.get(url(prefix, "detail", obj)).status_code == 200
    assert client.post(url(prefix, "add"), {}).status_code == 403


# trademarks


def test_alice_adds_a_trademark_with_nice_classes(world, login):
    response = login(world.alice).post(
        url("trademark", "add"),
        {
            "registration_number": "12345678",
            "mark": "示例",
            "nice_classes": "35, 9",
            "holder": world.enterprise_a.pk,
            "status": "registered",
            "attribution": "in_district",
            "is_madrid": "on",
        },
    )
    mark = Trademark.objects.get()
    assert response.status_code == 302
    assert mark.nice_classes == "9;35" and mark.is_madrid


def test_a_nice_class_outside_1_to_45_is_a_field_error(world, login):
    response = login(world.alice).post(
        url("trademark", "add"),
        {"registration_number": "12345678", "mark": "示例", "nice_classes": "0;46"},
    )
    assert response.status_code == 400
    assert "1 to 45" in response.context["form"].errors["nice_classes"][0]


def test_trademark_list_filters_by_class_well_known_and_holder(world, login):
    make_trademark("甲标", nice_classes="9;35", is_well_known=True, holder=world.enterprise_a)
    make_trademark("乙标", nice_classes="3;39", holder=world.enterprise_b)
    client = login(world.alice)
    body = client.get(url("trademark", "list"), {"nice_class": "9"}).content.decode()
    assert "甲标" in body and "乙标" not in body
    body = client.get(url("trademark", "list"), {"nice_class": "3"}).content.decode()
    assert "乙标" in body and "甲标" not in body
    body = client.get(url("trademark", "list"), {"well_known": "true"}).content.decode()
    assert "甲标" in body and "乙标" not in body
    body = client.get(url("trademark", "list"), {"holder": world.enterprise_b.pk}).content.decode()
    assert "乙标" in body and "甲标" not in body


# geographical indications


def test_gi_pipeline_shows_a_column_per_stage(world, login):
    make_gi("候选甲")
    make_gi("已登记乙", stage="registered")
    response = login(world.alice).get(reverse("rights:gi_pipeline"))
    columns = {c["value"]: [gi.name for gi in c["items"]] for c in response.context["columns"]}
    assert columns == {
        "candidate": ["候选甲"],
        "reserve": [],
        "filed": [],
        "registered": ["已登记乙"],
    }
    assert reverse("rights:gi_move", args=[GeographicalIndication.objects.first().pk]) in (
        response.content.decode()
    )


def test_alice_moves_a_gi_along_the_pipeline(world, login):
    gi = make_gi()
    client = login(world.alice)
    response = client.post(reverse("rights:gi_move", args=[gi.pk]), {"stage": "reserve"})
    assert response.status_code == 302
    gi.refresh_from_db()
    assert gi.stage == "reserve"
    history = client.get(url("gi", "history", gi)).content.decode()
    assert "Reserve" in history


def test_an_unknown_stage_changes_nothing(world, login):
    gi = make_gi()
    login(world.alice).post(reverse("rights:gi_move", args=[gi.pk]), {"stage": "bogus"})
    gi.refresh_from_db()
    assert gi.stage == "candidate"


def test_leo_sees_the_pipeline_but_may_not_move(world, login):
    gi = make_gi()
    client = login(world.leo)
    response = client.get(reverse("rights:gi_pipeline"))
    assert response.status_code == 200
    assert reverse("rights:gi_move", args=[gi.pk]) not in response.content.decode()
    assert (
        client.post(reverse("rights:gi_move", args=[gi.pk]), {"stage": "filed"}).status_code == 403
    )
    assert client.get(reverse("rights:gi_move", args=[gi.pk])).status_code == 405


def test_charlie_may_not_move_a_gi(world, login):
    gi = make_gi()
    response = login(world.charlie).post(
        reverse("rights:gi_move", args=[gi.pk]), {"stage": "filed"}
    )
    assert response.status_code == 403


# copyrights


def test_a_malformed_software_registration_number_is_a_field_error(world, login):
    response = login(world.alice).post(
        url("copyright", "add"),
        {"kind": "software", "registration_number": "SR2014", "title": "示例软件"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["registration_number"]
    assert not Copyright.objects.exists()


def test_copyright_list_filters_by_kind(world, login):
    make_copyright("示例软件")
    make_copyright("示例画作", kind="work", registration_number="国作登字-2020-F-1")
    body = login(world.alice).get(url("copyright", "list"), {"kind": "work"}).content.decode()
    assert "示例画作" in body and "示例软件" not in body


# software legalization checks


def test_alice_records_a_software_check(world, login):
    client = login(world.alice)
    assert client.get(url("softwarecheck", "add")).status_code == 200
    response = client.post(
        url("softwarecheck", "add"),
        {
            "organization": world.unit.pk,
            "check_date": "2024-05-10",
            "installed_count": "30",
            "licensed_count": "27",
            "findings": "3 套未授权办公软件",
        },
    )
    check = SoftwareLegalizationCheck.objects.get()
    assert response.status_code == 302
    body = client.get(url("softwarecheck", "detail", check)).content.decode()
    assert "3 套未授权办公软件" in body and 'data-testid="unlicensed">3<' in body


def test_bob_sees_the_checks_of_his_units_only(world, login):
    own = make_check(world.subunit, checked_by="检查组甲")
    other = make_check(world.enterprise_b, checked_by="检查组乙")
    client = login(world.bob)
    body = client.get(url("softwarecheck", "list")).content.decode()
    assert "检查组甲" in body and "检查组乙" not in body
    assert client.get(url("softwarecheck", "detail", own)).status_code == 200
    assert client.get(url("softwarecheck", "detail", other)).status_code == 404
    assert client.get(url("softwarecheck", "add")).status_code == 403


def test_leo_reads_software_checks_without_changing_them(world, login):
    check = make_check(world.unit)
    client = login(world.leo)
    assert client.get(url("softwarecheck", "detail", check)).status_code == 200
    assert client.post(url("softwarecheck", "edit", check), {}).status_code == 403


def test_charlie_may_not_see_software_checks_of_others(world, login):
    check = make_check(world.enterprise_a)
    client = login(world.charlie)
    assert client.get(url("softwarecheck", "list")).status_code == 403
    assert client.get(url("softwarecheck", "detail", check)).status_code == 404
    assert client.get(url("softwarecheck", "history", check)).status_code == 404


def test_registry_menu_entries_sit_in_the_creation_section(world, login):
    response = login(world.leo).get(reverse("rights:patent_list"))
    body = response.content.decode()
    for name in ("patent_list", "trademark_list", "gi_pipeline", "pvr_list", "copyright_list"):
        assert reverse(f"rights:{name}") in body


def test_an_impossible_year_filter_is_a_form_error_not_a_crash(world, login):
    from django.urls import reverse

    client = login(world.alice)
    for name in ("rights:patent_list", "rights:copyright_list", "rights:softwarecheck_list"):
        assert client.get(reverse(name), {"year": "99999"}).status_code == 200
