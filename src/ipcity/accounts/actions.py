"""State changes for users, roles and role assignments, shared by the pages and the API.

Each function is atomic, checks the actor's permission and data scope, and leaves a history
record naming the actor and an entry in the audit trail (core/audit.py). A missing permission
raises `PermissionDenied`; a rule the request breaks (a duplicate, a self-grant, a conflict of
duties) raises `ValidationError`.

Separation of duties (三员分立): managing accounts, managing roles and reading the audit trail
are three duties. The roles a person holds may together give them at most one of them, and
nobody changes their own roles, either by assignment or by editing a role they hold.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core import audit
from ipcity.core.models import AuditAction
from ipcity.core.scope import clear_grants, has_perm

from .models import Role, RoleAssignment, User

DUTIES: dict[str, frozenset[str]] = {
    "users": frozenset({"accounts.add_user", "accounts.change_user", "accounts.delete_user"}),
    "roles": frozenset(
        {
            "accounts.add_role",
            "accounts.change_role",
            "accounts.delete_role",
            "accounts.add_roleassignment",
            "accounts.change_roleassignment",
            "accounts.delete_roleassignment",
        }
    ),
    "audit": frozenset({"core.view_history", "core.view_auditentry", "accounts.view_loginevent"}),
}


def duty_label(duty: str) -> str:
    return {
        "users": _("user management"),
        "roles": _("role management"),
        "audit": _("audit"),
    }[duty]


def duties_of(perm_names: Iterable[str]) -> set[str]:
    names = set(perm_names)
    return {duty for duty, perms in DUTIES.items() if names & perms}


def _perm_names(permissions) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def role_perm_names(role: Role) -> set[str]:
    return _perm_names(role.permissions.select_related("content_type"))


def user_duties(user: User, exclude_role: Role | None = None) -> set[str]:
    """The duties the user's active roles give them (ignoring `exclude_role`)."""
    qs = RoleAssignment.objects.filter(user=user, role__is_active=True)
    if exclude_role is not None:
        qs = qs.exclude(role=exclude_role)
    names = {
        f"{app}.{codename}"
        for app, codename in qs.values_list(
            "role__permissions__content_type__app_label", "role__permissions__codename"
        )
        if codename
    }
    return duties_of(names)


def _refuse_mixed_duties(duties: set[str], message: str) -> None:
    if len(duties) > 1:
        labels = "、".join(sorted(duty_label(d) for d in duties))
        raise ValidationError(message % {"duties": labels})


def _require(actor, model, action: str, message: str) -> None:
    if not has_perm(actor, model, action):
        raise PermissionDenied(message)


def _require_in_scope(actor, obj, action: str, message: str) -> None:
    if not type(obj).objects.restrict(actor, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(message)


def _stored(obj, fields) -> dict:
    """The values of `fields` as the database holds them (the instance may carry new ones)."""
    attnames = {f: type(obj)._meta.get_field(f).attname for f in fields}
    row = type(obj).objects.filter(pk=obj.pk).values(*attnames.values()).get()
    return {f: row[attname] for f, attname in attnames.items()}


def _changed(obj, stored: dict) -> list[str]:
    return sorted(
        f for f, old in stored.items() if getattr(obj, type(obj)._meta.get_field(f).attname) != old
    )


# Users ------------------------------------------------------------------------------------------

USER_FIELDS = ("organization", "username", "display_name", "email", "phone")


def create_user(actor, data: dict, password: str) -> User:
    """Create an account in an organization inside the actor's scope. It holds no role yet."""
    _require(actor, User, "add", _("You may not create users."))
    with transaction.atomic():
        user = User(**{f: data[f] for f in USER_FIELDS if f in data})
        user.set_password(password)
        # The administrator chose it: the owner picks their own at first sign-in.
        user.must_change_password = True
        user._history_user = actor
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ValidationError({"username": [_("This username is already taken.")]}) from None
        _require_in_scope(actor, user, "add", _("You may only add users inside your own scope."))
        audit.record(AuditAction.USER_CREATED, actor=actor, obj=user, summary=user.username)
    return user


def update_user(actor, user: User, data: dict) -> User:
    _require_in_scope(actor, user, "change", _("You may not change this user."))
    with transaction.atomic():
        stored = _stored(user, USER_FIELDS)
        for field in USER_FIELDS:
            if field in data:
                setattr(user, field, data[field])
        user._history_user = actor
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ValidationError({"username": [_("This username is already taken.")]}) from None
        # Moving a user to an organization outside the actor's scope would hand them away.
        _require_in_scope(actor, user, "change", _("You may only move users inside your scope."))
        fields = _changed(user, stored)
        audit.record(AuditAction.USER_CHANGED, actor=actor, obj=user, details={"fields": fields})
    return user


def set_user_active(actor, user: User, active: bool) -> User:
    """Deactivate or reactivate an account. Accounts are never deleted: history names them."""
    _require_in_scope(actor, user, "change", _("You may not change this user."))
    if user.pk == actor.pk and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    with transaction.atomic():
        user.is_active = active
        user._history_user = actor
        user.save(update_fields=["is_active"])
        details = {"fields": ["is_active"], "is_active": active}
        audit.record(AuditAction.USER_CHANGED, actor=actor, obj=user, details=details)
    return user


def reset_password(actor, user: User, password: str) -> User:
    """Set a new password for another user (the owner uses the password change page instead).

    The password of an account holding another duty (roles, audit) is not reset here: whoever
    knew it could act in that duty, which is what separation of duties forbids.
    """
    _require_in_scope(actor, user, "change", _("You may not change this user."))
    if user.pk == actor.pk:
        raise ValidationError(_("Change your own password on the password page."))
    if not actor.is_superuser and user_duties(user) - user_duties(actor):
        raise ValidationError(
            _(
                "This account holds a duty you do not hold; its password can only be reset by "
                "the superuser."
            )
        )
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user._history_user = actor
        user.save(update_fields=["password", "must_change_password"])
        audit.record(AuditAction.PASSWORD_RESET, actor=actor, obj=user, summary=user.username)
    return user


# Roles ------------------------------------------------------------------------------------------

ROLE_FIELDS = ("code", "name", "name_en", "description", "default_scope", "is_active")

MIXED_ROLE = gettext_lazy(
    "A role cannot combine the duties of %(duties)s: they belong to different people."
)


def _check_role_holders(role: Role, new_perm_names: set[str]) -> None:
    """Refuse permissions that would give a holder of `role` a second duty via another role."""
    new_duties = duties_of(new_perm_names)
    if not new_duties:
        return
    rows = (
        RoleAssignment.objects.filter(user__role_assignments__role=role, role__is_active=True)
        .exclude(role=role)
        .values_list(
            "user__username",
            "role__permissions__content_type__app_label",
            "role__permissions__codename",
        )
    )
    by_user: dict[str, set[str]] = {}
    for username, app, codename in rows:
        if codename:
            by_user.setdefault(username, set()).add(f"{app}.{codename}")
    for username, names in sorted(by_user.items()):
        duties = duties_of(names) | new_duties
        if len(duties) > 1:
            labels = "、".join(sorted(duty_label(d) for d in duties))
            raise ValidationError(
                _("%(user)s holds this role and would then have the duties of %(duties)s.")
                % {"user": username, "duties": labels}
            )


def create_role(actor, data: dict, permissions) -> Role:
    _require(actor, Role, "add", _("You may not create roles."))
    permissions = list(permissions)
    names = _perm_names(permissions)
    _refuse_mixed_duties(duties_of(names), MIXED_ROLE)
    with transaction.atomic():
        role = Role(**{f: data[f] for f in ROLE_FIELDS if f in data})
        role._history_user = actor
        try:
            with transaction.atomic():
                role.save()
        except IntegrityError:
            raise ValidationError({"code": [_("Another role already has this code.")]}) from None
        role.permissions.set(permissions)
        details = {"permissions": sorted(names)}
        audit.record(AuditAction.ROLE_CREATED, actor=actor, obj=role, details=details)
    return role


def update_role(actor, role: Role, data: dict, permissions) -> Role:
    _require_in_scope(actor, role, "change", _("You may not change roles."))
    permissions = list(permissions)
    new_names = _perm_names(permissions)
    old_names = role_perm_names(role)
    # The instance may already carry the form's values; the database has the state before.
    stored = _stored(role, [f for f in ROLE_FIELDS if f != "code"])
    was_active = stored["is_active"]
    will_be_active = data.get("is_active", was_active)
    grants_change = new_names != old_names or will_be_active != was_active
    if grants_change:
        if RoleAssignment.objects.filter(user=actor, role=role).exists():
            raise ValidationError(
                _("You cannot change the permissions or the status of a role you hold.")
            )
        _refuse_mixed_duties(duties_of(new_names), MIXED_ROLE)
        if will_be_active:
            _check_role_holders(role, new_names)
    with transaction.atomic():
        for field in ROLE_FIELDS:
            if field in data and field != "code":
                setattr(role, field, data[field])
        role._history_user = actor
        role.save()
        role.permissions.set(permissions)
        details = {
            "fields": _changed(role, stored),
            "permissions_added": sorted(new_names - old_names),
            "permissions_removed": sorted(old_names - new_names),
        }
        audit.record(AuditAction.ROLE_CHANGED, actor=actor, obj=role, details=details)
    return role


# Role assignments -------------------------------------------------------------------------------


def _assignment_details(assignment: RoleAssignment) -> dict:
    return {
        "user": assignment.user.username,
        "role": assignment.role.code,
        "scope": assignment.scope,
        "organization": assignment.organization_id,
    }


def assign_role(actor, user: User, role: Role, scope: str, organization=None) -> RoleAssignment:
    """Give `user` the `role` over `scope`, anchored at `organization` (default: their own)."""
    _require(actor, RoleAssignment, "add", _("You may not assign roles."))
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot assign a role to your own account."))
    if not role.is_active:
        raise ValidationError({"role": [_("This role is inactive.")]})
    if RoleAssignment.objects.filter(user=user, role=role).exists():
        raise ValidationError({"role": [_("The user already holds this role.")]})
    duties = user_duties(user) | duties_of(role_perm_names(role))
    _refuse_mixed_duties(
        duties,
        _("With this role the user would have the duties of %(duties)s; one person holds one."),
    )
    with transaction.atomic():
        assignment = RoleAssignment(user=user, role=role, scope=scope, organization=organization)
        assignment._history_user = actor
        try:
            with transaction.atomic():
                assignment.save()
        except IntegrityError:
            raise ValidationError({"role": [_("The user already holds this role.")]}) from None
        _require_in_scope(
            actor, assignment, "add", _("You may only assign roles to users inside your scope.")
        )
        details = _assignment_details(assignment)
        audit.record(AuditAction.ROLE_ASSIGNED, actor=actor, obj=assignment, details=details)
    clear_grants(user)
    return assignment


def remove_assignment(actor, assignment: RoleAssignment) -> None:
    _require_in_scope(actor, assignment, "delete", _("You may not remove role assignments."))
    if assignment.user_id == actor.pk:
        raise ValidationError(_("You cannot remove a role from your own account."))
    with transaction.atomic():
        details = _assignment_details(assignment)
        audit.record(AuditAction.ROLE_UNASSIGNED, actor=actor, obj=assignment, details=details)
        assignment._history_user = actor
        assignment.delete()
    clear_grants(assignment.user)
