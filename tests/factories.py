"""Builders for test data: each returns a saved object with sensible defaults."""

import itertools

from ipcity.accounts.models import Role, RoleAssignment, User
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization, Region

_seq = itertools.count(1)

PASSWORD = "Test-pass-2024!"


def make_region(code="110112", name="通州区", kind="district", parent=None) -> Region:
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "parent": parent}
    )
    return region


def make_org(name=None, kind=OrganizationKind.ENTERPRISE, parent=None, **fields) -> Organization:
    n = next(_seq)
    return Organization.objects.create(
        name=name or f"测试示例企业{n}有限公司", kind=kind, parent=parent, **fields
    )


def make_user(username, organization=None, role=None, scope=None, **fields) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        organization=organization,
        display_name=fields.pop("display_name", username),
        **fields,
    )
    if role:
        grant(user, role, scope)
    return user


def grant(user, role_code, scope=None, organization=None) -> RoleAssignment:
    role = Role.objects.get(code=role_code)
    return RoleAssignment.objects.create(
        user=user, role=role, scope=scope or role.default_scope, organization=organization
    )
