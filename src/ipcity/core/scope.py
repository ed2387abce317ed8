"""Data scope: which rows a user may act on, expressed as a queryset filter.

Every queryset a user reaches goes through `Model.objects.restrict(user, action)`. A user's roles
grant Django permissions (`<app>.<action>_<model>`); each role assignment carries a scope (the
user's own organization, that organization and its subordinates, or the whole district). The
model says how its rows relate to an organization with `scope_org_field`:

- `"self"`: the row *is* an organization (Organization itself);
- a field path to an Organization foreign key (for example `"organization"` or `"holder"`);
- a tuple of such paths when a row belongs to several organizations at once (a transaction to
  its assignor and its assignee, a pledge to its pledgor and its bank): a grant over any of them
  reaches the row;
- `None`: the model is reference data that every holder of the permission sees in full.

A model may also open some of its rows to every holder of a permission, whatever their scope,
with `scope_public_<action>(cls) -> Q`: `scope_public_view` for published marketplace listings or
a bank's advertised products; `Case.scope_public_summary` returns an empty Q, so every holder of
`protection.summary_case` reads every case's summary. Changing them still needs a grant over
their organization.

When the path crosses a many-valued relation (a task reaches its units through a link table),
the model also sets `scope_org_many = True`: the filter then becomes `pk IN (subquery)`, so a row
linked to two organizations in scope is still returned once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import generation


class ScopeChoices(models.TextChoices):
    OWN = "own", _("Own organization")
    SUBTREE = "subtree", _("Organization and its subordinates")
    DISTRICT = "district", _("Whole district")


@dataclass(frozen=True)
class Grant:
    """One role assignment's reach for one permission."""

    scope: str
    org_id: int | None
    org_path: str


def grants_for(user, perm: str) -> list[Grant]:
    """The grants through which `user` holds `perm`, cached on the user object per request."""
    cache = getattr(user, "_ipcity_grants", None)
    if cache is None:
        cache = _shared_grants(user)
        user._ipcity_grants = cache
    return cache.get(perm, [])


# The grants of recent users, kept by the process for as long as the data generation stays the
# same (core.generation.Kept): every write through the platform (a role, its permissions, an
# assignment, an organization's place in the tree) starts a new generation, and with it a new
# reading. Loading them was a tenth of a page's time under load.
SHARED_USERS = 1000
SHARED_SECONDS = 60


_SHARED = generation.Kept()


def _shared_grants(user) -> dict[str, list[Grant]]:
    if user.pk is None:
        return _load_grants(user)
    return _SHARED.get(
        user.pk, lambda: _load_grants(user), seconds=SHARED_SECONDS, size=SHARED_USERS
    )


def forget_shared_grants() -> None:
    _SHARED.clear()


def _load_grants(user) -> dict[str, list[Grant]]:
    """One query, one row per (assignment, permission), read as plain values: a role such as the
    office administrator's holds hundreds of permissions, and building a model object for each
    of them on every request cost more than the page itself."""
    from ipcity.accounts.models import RoleAssignment

    result: dict[str, list[Grant]] = {}
    rows = (
        RoleAssignment.objects.filter(
            user=user, role__is_active=True, role__permissions__isnull=False
        )
        .order_by("pk")
        .values_list(
            "pk",
            "scope",
            "organization_id",
            "organization__path",
            "user__organization_id",
            "user__organization__path",
            "role__permissions__content_type__app_label",
            "role__permissions__codename",
        )
    )
    grants: dict[int, Grant] = {}
    for pk, scope, org_id, org_path, user_org_id, user_org_path, app_label, codename in rows:
        grant = grants.get(pk)
        if grant is None:
            if org_id is None:
                org_id, org_path = user_org_id, user_org_path
            grant = grants[pk] = Grant(scope=scope, org_id=org_id, org_path=org_path or "")
        result.setdefault(f"{app_label}.{codename}", []).append(grant)
    return result


def clear_grants(user) -> None:
    if hasattr(user, "_ipcity_grants"):
        del user._ipcity_grants


def perm_name(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def has_perm(user, model, action: str) -> bool:
    """True when the user holds the permission in any scope (for showing buttons and menus)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(grants_for(user, perm_name(model, action)))


def scope_q(model, user, action: str) -> Q | None:
    """The filter that limits `model` to what `user` may `action`; None means nothing at all."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    grants = grants_for(user, perm_name(model, action))
    if not grants:
        return None
    field = getattr(model, "scope_org_field", None)
    if field is None or any(g.scope == ScopeChoices.DISTRICT for g in grants):
        return Q()
    fields = field if isinstance(field, tuple | list) else (field,)
    q = Q()
    matched = False
    for grant in grants:
        if grant.org_id is None:
            continue
        matched = True
        for path in fields:
            prefix = "" if path == "self" else f"{path}__"
            if grant.scope == ScopeChoices.SUBTREE:
                q |= Q(**{f"{prefix}path__startswith": grant.org_path})
            else:
                q |= Q(**{f"{prefix}pk" if prefix else "pk": grant.org_id})
    public = getattr(model, f"scope_public_{action}", None)
    if public is not None:
        opened = public()
        if not opened:  # an empty Q opens every row to every holder of the permission
            return Q()
        q = (q | opened) if matched else opened
        matched = True
    if not matched:
        return None
    if getattr(model, "scope_org_many", False):
        return Q(pk__in=model._base_manager.filter(q).values("pk"))
    return q


def visible_pks(model, user, pks, action: str = "view") -> set:
    """Which of `pks` (keys of existing rows of `model`) the user may `action`: all of them
    without a query when the user's scope for `action` is every row."""
    pks = set(pks)
    rows = model._default_manager.all()
    # A queryset with a rule of its own beyond the scope (`restrict` overridden) is asked.
    if (
        getattr(type(rows), "restrict", RestrictedQuerySet.restrict)
        is not RestrictedQuerySet.restrict
    ):
        return set(rows.restrict(user, action).filter(pk__in=pks).values_list("pk", flat=True))
    q = scope_q(model, user, action)
    if q is None or not pks:
        return set()
    if not q:
        return pks
    return set(rows.filter(q, pk__in=pks).values_list("pk", flat=True))


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        q = scope_q(self.model, user, action)
        if q is None:
            return self.none()
        return self.filter(q) if q else self
