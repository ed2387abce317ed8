"""The built-in roles of accounts/data/roles.json, brought in after every migrate."""

import pytest
from django.contrib.auth.models import Permission

from ipcity.accounts.models import Role
from ipcity.accounts.roles import (
    ensure_builtin_roles,
    expand_permission_names,
    load_role_definitions,
    permissions_by_app,
)

pytestmark = pytest.mark.django_db


def _named(names: list[str]) -> set[str]:
    """What the file's names mean, read name by name from the permissions table."""
    found = set()
    for name in names:
        app_label, codename = name.split(".", 1)
        perms = Permission.objects.filter(content_type__app_label=app_label)
        if codename != "*":
            perms = perms.filter(codename=codename)
        found |= {f"{app_label}.{c}" for c in perms.values_list("codename", flat=True)}
    return found


def _held(role: Role) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in role.permissions.values_list("content_type__app_label", "codename")
    }


def test_every_builtin_role_holds_what_the_file_names_wildcards_included():
    definitions = load_role_definitions()
    assert any(n.endswith(".*") for d in definitions for n in d["permissions"])
    for definition in definitions:
        role = Role.objects.get(code=definition["code"])
        wanted = _named(definition["permissions"])
        assert wanted, definition["code"]
        assert _held(role) == wanted, definition["code"]
        assert set(role.applied_defaults) == wanted


def test_a_removed_permission_stays_removed_and_a_deleted_role_comes_back():
    definition = next(d for d in load_role_definitions() if len(_named(d["permissions"])) > 1)
    role = Role.objects.get(code=definition["code"])
    removed = role.permissions.order_by("pk").first()
    role.permissions.remove(removed)
    other = next(d for d in load_role_definitions() if d["code"] != definition["code"])
    Role.objects.filter(code=other["code"]).delete()

    ensure_builtin_roles()

    assert removed not in Role.objects.get(code=definition["code"]).permissions.all()
    back = Role.objects.get(code=other["code"])
    assert back.is_builtin and _held(back) == _named(other["permissions"])


def test_the_permissions_are_read_once_for_every_role(django_assert_num_queries):
    definitions = load_role_definitions()
    with django_assert_num_queries(1):
        known = permissions_by_app()
    with django_assert_num_queries(0):
        expanded = [expand_permission_names(d["permissions"], known) for d in definitions]
    for definition, found in zip(definitions, expanded, strict=True):
        assert set(found) == _named(definition["permissions"]), definition["code"]
        assert all(isinstance(p, Permission) for p in found.values())
