"""Built-in roles, kept in data/roles.json and brought in after each migrate.

A role missing from the database is created. For a built-in role that exists, a permission that
the file names and that was never granted before is added (so a new module's permissions reach
the roles that need them), while one an administrator removed stays removed.
"""

import json
from pathlib import Path

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Permission

ROLES_FILE = Path(__file__).parent / "data" / "roles.json"


def load_role_definitions() -> list[dict]:
    return json.loads(ROLES_FILE.read_text(encoding="utf-8"))["roles"]


def expand_permission_names(
    names: list[str], known: dict[str, dict[str, Permission]] | None = None
) -> dict[str, Permission]:
    """'app.codename' and 'app.*' to {"app.codename": Permission}; `known` is
    `permissions_by_app()`, read once when expanding many lists."""
    if known is None:
        known = permissions_by_app()
    found: dict[str, Permission] = {}
    for name in names:
        app_label, codename = name.split(".", 1)
        in_app = known.get(app_label, {})
        if codename == "*":
            found.update((f"{app_label}.{c}", perm) for c, perm in in_app.items())
        elif codename in in_app:
            found[name] = in_app[codename]
    return found


def permissions_by_app() -> dict[str, dict[str, Permission]]:
    """Every permission, by app label and codename, in one query."""
    known: dict[str, dict[str, Permission]] = {}
    for perm in Permission.objects.select_related("content_type").order_by("pk"):
        known.setdefault(perm.content_type.app_label, {})[perm.codename] = perm
    return known


def ensure_builtin_roles(sender=None, **kwargs) -> None:
    from .models import Role

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    known = permissions_by_app()
    for definition in load_role_definitions():
        role, _created = Role.objects.get_or_create(
            code=definition["code"],
            defaults={
                "name": definition["name"],
                "name_en": definition.get("name_en", ""),
                "default_scope": definition["default_scope"],
                "is_builtin": True,
            },
        )
        wanted = expand_permission_names(definition["permissions"], known)
        new = {name: perm for name, perm in wanted.items() if name not in role.applied_defaults}
        if new:
            role.permissions.add(*new.values())
            role.applied_defaults = sorted(set(role.applied_defaults) | set(new))
            role.save(update_fields=["applied_defaults"])
