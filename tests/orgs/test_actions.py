import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ipcity.orgs import actions
from ipcity.orgs.models import Organization

VALID_USCC = "91110000600037341L"
BAD_CHECK_USCC = "91110000600037341M"


def org_data(**overrides):
    data = {"kind": "enterprise", "name": "示例丙信息技术有限公司", "is_active": True}
    data.update(overrides)
    return data


def test_uscc_check_accepts_a_valid_code_without_warning():
    assert actions.uscc_check(" 9111 0000-600037341l ") == (VALID_USCC, "")


def test_uscc_check_accepts_a_failing_check_digit_with_a_warning():
    code, warning = actions.uscc_check(BAD_CHECK_USCC)
    assert code == BAD_CHECK_USCC
    assert warning


@pytest.mark.parametrize("code", ["9111000060003734", "91110000600037341L1", "9111000060003734IO"])
def test_uscc_check_rejects_a_malformed_code(code):
    with pytest.raises(ValidationError):
        actions.uscc_check(code)


def test_create_organization_stores_the_check_digit_warning(world):
    org = actions.create_organization(world.alice, org_data(uscc=BAD_CHECK_USCC))
    assert org.uscc_warning
    assert org.history.first().history_user == world.alice


def test_create_organization_reports_a_duplicate_uscc_as_a_field_error(world):
    actions.create_organization(world.alice, org_data(uscc=VALID_USCC))
    with pytest.raises(ValidationError) as exc:
        actions.create_organization(world.alice, org_data(name="另一家", uscc=VALID_USCC))
    assert "uscc" in exc.value.error_dict


def test_create_organization_is_refused_to_the_read_only_leader(world):
    with pytest.raises(PermissionDenied):
        actions.create_organization(world.leo, org_data())
    assert not Organization.objects.filter(name=org_data()["name"]).exists()


def test_update_organization_keeps_fields_missing_from_the_data(world):
    org = actions.update_organization(world.alice, world.enterprise_a, {"short_name": "甲科技"})
    assert org.short_name == "甲科技"
    assert org.name == "示例甲科技有限公司"


def test_update_organization_refuses_an_organization_outside_the_users_scope(world):
    with pytest.raises(PermissionDenied):
        actions.update_organization(world.charlie, world.enterprise_a, {"short_name": "x"})


def test_a_unit_operator_cannot_move_a_subunit_out_of_his_tree(world):
    with pytest.raises((PermissionDenied, ValidationError)):
        actions.update_organization(world.bob, world.subunit, {"parent": world.office.pk})
    world.subunit.refresh_from_db()
    assert world.subunit.parent_id == world.unit.pk


def test_a_unit_cannot_become_its_own_parent(world):
    with pytest.raises(ValidationError) as exc:
        actions.update_organization(world.alice, world.unit, {"parent": world.subunit.pk})
    assert "parent" in exc.value.error_dict
