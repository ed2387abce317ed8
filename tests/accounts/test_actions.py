"""The account actions called directly, as the API and the command line will call them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ipcity.accounts import actions
from ipcity.accounts.models import Role, RoleAssignment
from tests.factories import make_user


def test_security_admin_may_not_create_users(world, admins):
    with pytest.raises(PermissionDenied):
        actions.create_user(admins.sue, {"username": "x", "organization": world.office}, "pw")


def test_system_admin_may_not_assign_roles(world, admins):
    newcomer = make_user("nina", world.unit)
    with pytest.raises(PermissionDenied):
        actions.assign_role(admins.sam, newcomer, Role.objects.get(code="leader"), "district")


def test_assigning_to_oneself_is_refused_even_for_a_superuser(world, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    with pytest.raises(ValidationError):
        actions.assign_role(root, root, Role.objects.get(code="leader"), "district")


def test_a_user_holding_audit_cannot_also_get_user_management(world, admins):
    with pytest.raises(ValidationError):
        actions.assign_role(admins.sue, admins.ada, Role.objects.get(code="system_admin"), "own")
    assert not RoleAssignment.objects.filter(user=admins.ada, role__code="system_admin").exists()


def test_duties_are_read_from_permissions_not_from_role_codes(world, admins):
    assert actions.user_duties(admins.sam) == {"users"}
    assert actions.user_duties(admins.sue) == {"roles"}
    assert actions.user_duties(admins.ada) == {"audit"}
    assert actions.user_duties(world.alice) == set()


def test_an_inactive_role_cannot_be_assigned(world, admins):
    role = Role.objects.get(code="leader")
    role.is_active = False
    role.save()
    with pytest.raises(ValidationError):
        actions.assign_role(admins.sue, make_user("nina", world.unit), role, "district")


def test_a_security_admin_with_own_scope_cannot_assign_outside_it(world):
    local = make_user("sue2", world.enterprise_a, "security_admin", scope="own")
    with pytest.raises(PermissionDenied):
        actions.assign_role(local, world.charlie, Role.objects.get(code="leader"), "own")
    assert not RoleAssignment.objects.filter(user=world.charlie, role__code="leader").exists()
