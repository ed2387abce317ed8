"""Service institutions: which ones take service requests of a kind, who edits an entry, and the
validity of their qualifications.

    points_for(ServiceKind.CONSULTATION)   # active institutions accepting requests of the kind
    save_institution(user, institution, services=[...])

The office (district `services.add_institution`) adds entries and decides whether an institution
is a service point (`accepts_requests`), is shown publicly (`published`) or active. An
institution's own users edit their description, contacts, services offered and qualifications,
never those three switches: routing requests to someone is the office's decision.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm

from .choices import ServiceKind
from .models import Institution, InstitutionService, Qualification

# A qualification ending within this many days is shown as expiring.
EXPIRING_DAYS = 90
# What only the office may switch on an entry.
OFFICE_FIELDS = ("organization", "kind", "accepts_requests", "published", "is_active")


def points_for(kind: str):
    """Active institutions that accept service requests and offer `kind`."""
    return (
        Institution.objects.filter(is_active=True, accepts_requests=True, services__kind=kind)
        .select_related("organization")
        .distinct()
        .order_by("organization__name")
    )


def all_points():
    """Every active institution accepting requests that a requester may choose: those in the
    public directory (for a form's first list)."""
    return (
        Institution.objects.filter(is_active=True, accepts_requests=True, published=True)
        .select_related("organization")
        .order_by("organization__name")
    )


def choosable(institution: Institution | None) -> bool:
    """A point a requester may ask for: active, accepting requests, in the public directory."""
    return (
        institution is not None
        and institution.is_active
        and institution.accepts_requests
        and institution.published
    )


def offers(institution: Institution, kind: str) -> bool:
    return (
        institution is not None
        and institution.is_active
        and institution.accepts_requests
        and institution.services.filter(kind=kind).exists()
    )


def is_office(user) -> bool:
    """May add institutions and set the office switches (the district IP office)."""
    return has_perm(user, Institution, "add")


def can_change(user, institution: Institution) -> bool:
    return Institution.objects.restrict(user, "change").filter(pk=institution.pk).exists()


def qualification_state(qualification: Qualification, today: datetime.date | None = None) -> str:
    """ "valid", "expiring" (within EXPIRING_DAYS), "expired", "pending" (not yet valid) or
    "open" (no end date)."""
    today = today or timezone.localdate()
    if qualification.valid_from and qualification.valid_from > today:
        return "pending"
    if qualification.valid_until is None:
        return "open"
    if qualification.valid_until < today:
        return "expired"
    if (qualification.valid_until - today).days <= EXPIRING_DAYS:
        return "expiring"
    return "valid"


def set_services(user, institution: Institution, kinds) -> None:
    """Make the services offered exactly `kinds` (the institution's users or the office)."""
    kinds = {str(k) for k in kinds}
    unknown = kinds - set(ServiceKind.values)
    if unknown:
        raise ValidationError({"services": _("Unknown service: %(v)s") % {"v": ", ".join(unknown)}})
    if not can_change(user, institution):
        raise PermissionDenied(_("You may not change this institution."))
    current = set(institution.services.values_list("kind", flat=True))
    institution.services.exclude(kind__in=kinds).delete()
    InstitutionService.objects.bulk_create(
        [InstitutionService(institution=institution, kind=k) for k in sorted(kinds - current)]
    )


def save_institution(user, institution: Institution, services=None) -> Institution:
    """Save an entry (new or changed) and its services in one transaction; the saved entry must
    be inside the user's scope. Non-office users may not touch the office switches."""
    new = institution.pk is None
    if new and not is_office(user):
        raise PermissionDenied(_("You may not add service institutions."))
    if not new and not is_office(user):
        before = Institution.objects.filter(pk=institution.pk).values(*OFFICE_FIELDS).first()
        for name in OFFICE_FIELDS:
            attname = Institution._meta.get_field(name).attname
            key = name
            if before is not None and before[key] != getattr(institution, attname):
                raise PermissionDenied(_("Only the IP office changes this setting."))
    institution.full_clean()
    with transaction.atomic():
        institution._history_user = user
        institution.save()
        action = "add" if new else "change"
        if not Institution.objects.restrict(user, action).filter(pk=institution.pk).exists():
            raise PermissionDenied(_("You may not change this institution."))
        if services is not None:
            set_services(user, institution, services)
    return institution
