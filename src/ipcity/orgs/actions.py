"""State changes for organizations, shared by the HTML views, the API and imports.

Each function is atomic, checks the user's permission and data scope, and leaves a history
record naming the user. Field problems raise `ValidationError` with a dict of field errors;
a missing permission raises `PermissionDenied`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm

from .forms import OrganizationForm, uscc_check
from .models import Contact, Organization

__all__ = [
    "create_contact",
    "create_organization",
    "delete_contact",
    "update_contact",
    "update_organization",
    "uscc_check",
]


def _raise_form_errors(form) -> None:
    raise ValidationError(form.errors.as_data())


def _save(user, form) -> Organization:
    org = form.save(commit=False)
    org.uscc_warning = form.uscc_warning
    org._history_user = user
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        # Two requests racing for the same code: the database constraint has the last word.
        raise ValidationError(
            {"uscc": [_("Another organization already has this code.")]}
        ) from None
    return org


def create_organization(user, data: dict) -> Organization:
    """Create an organization from `data` (form-style values: ids for region and parent)."""
    if not has_perm(user, Organization, "add"):
        raise PermissionDenied(_("You may not add organizations."))
    form = OrganizationForm(data=data, user=user)
    if not form.is_valid():
        _raise_form_errors(form)
    with transaction.atomic():
        org = _save(user, form)
        # The new row must land inside the scope in which the user may add (e.g. below their unit).
        if not Organization.objects.restrict(user, "add").filter(pk=org.pk).exists():
            raise PermissionDenied(_("You may only add organizations inside your own scope."))
    return org


def update_organization(user, org: Organization, data: dict) -> Organization:
    """Change `org` with the values in `data`; fields missing from `data` keep their value."""
    if not Organization.objects.restrict(user, "change").filter(pk=org.pk).exists():
        raise PermissionDenied(_("You may not change this organization."))
    values = model_to_dict(org, fields=OrganizationForm._meta.fields)
    values.update(dict(data.items()) if hasattr(data, "items") else data)
    form = OrganizationForm(data=values, instance=org, user=user)
    if not form.is_valid():
        _raise_form_errors(form)
    with transaction.atomic():
        org = _save(user, form)
        # Moving a unit out of the user's subtree would take it out of their reach.
        if not Organization.objects.restrict(user, "change").filter(pk=org.pk).exists():
            raise PermissionDenied(_("You may not move an organization outside your scope."))
    return org


def _check_contact_perm(user, org: Organization, action: str) -> None:
    if not Organization.objects.restrict(user, "view").filter(pk=org.pk).exists():
        raise PermissionDenied(_("You may not see this organization."))
    if not has_perm(user, Contact, action):
        raise PermissionDenied(_("You may not change contacts."))


def create_contact(user, org: Organization, form) -> Contact:
    _check_contact_perm(user, org, "add")
    with transaction.atomic():
        contact = form.save(commit=False)
        contact.organization = org
        contact._history_user = user
        contact.save()
        if not Contact.objects.restrict(user, "add").filter(pk=contact.pk).exists():
            raise PermissionDenied(_("You may not add contacts to this organization."))
    return contact


def update_contact(user, contact: Contact, form) -> Contact:
    if not Contact.objects.restrict(user, "change").filter(pk=contact.pk).exists():
        raise PermissionDenied(_("You may not change this contact."))
    with transaction.atomic():
        contact = form.save(commit=False)
        contact._history_user = user
        contact.save()
    return contact


def delete_contact(user, contact: Contact) -> None:
    if not Contact.objects.restrict(user, "delete").filter(pk=contact.pk).exists():
        raise PermissionDenied(_("You may not delete this contact."))
    with transaction.atomic():
        contact._history_user = user
        contact.delete()
