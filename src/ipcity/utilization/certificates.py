"""GB/T 29490 certificates (task 6): what counts as valid on a date, the 2013 transition rule."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from .choices import CertificateStatus, StandardVersion
from .models import StandardEdition


def transition_end(version: str) -> date | None:
    return (
        StandardEdition.objects.filter(version=version)
        .values_list("transition_end", flat=True)
        .first()
    )


def valid_q(on: date, prefix: str = "") -> Q:
    """Certificates valid on `on`: status valid, issued by then, not yet expired, and not a
    certificate of an edition whose transition ended before `on` without being converted.
    `prefix` reaches certificates from another model ("gbt29490_certificates__")."""
    q = Q(
        **{
            f"{prefix}status": CertificateStatus.VALID,
            f"{prefix}issue_date__lte": on,
            f"{prefix}expiry_date__gte": on,
        }
    )
    for edition in StandardEdition.objects.exclude(transition_end=None):
        if edition.transition_end < on:
            q &= ~Q(
                **{
                    f"{prefix}standard_version": edition.version,
                    f"{prefix}converted_on__isnull": True,
                }
            )
    return q


def transition_overdue_q(on: date) -> Q:
    """Certificates still marked valid on `on` under an edition whose transition has ended and
    that were not converted: the ones to flag (2013 certificates after 2025-12-31)."""
    q = Q(pk__in=[])
    for edition in StandardEdition.objects.exclude(transition_end=None):
        if edition.transition_end < on:
            q |= Q(
                standard_version=edition.version,
                converted_on__isnull=True,
                status=CertificateStatus.VALID,
            )
    return q


__all__ = ["StandardVersion", "transition_end", "transition_overdue_q", "valid_q"]
