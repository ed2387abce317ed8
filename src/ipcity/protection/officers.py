"""持证上岗: only officers with a valid enforcement certificate handle cases."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .choices import OfficerStatus
from .models import Officer


def certified_q(day: datetime.date) -> Q:
    return Q(status=OfficerStatus.ACTIVE, valid_until__gte=day) & (
        Q(issued_on__isnull=True) | Q(issued_on__lte=day)
    )


def certified_officers(organization, day: datetime.date) -> QuerySet:
    """Officers of `organization` and its subordinate units certified on `day`."""
    return Officer.objects.filter(
        certified_q(day), organization__path__startswith=organization.path
    ).select_related("organization")


def check_certified(officer: Officer, day: datetime.date) -> None:
    """Raise ValidationError (with the reason) unless `officer` may handle cases on `day`."""
    if officer.status != OfficerStatus.ACTIVE:
        raise ValidationError(
            _("%(officer)s is not an active enforcement officer (%(status)s).")
            % {"officer": officer.name, "status": officer.get_status_display()}
        )
    if officer.issued_on and officer.issued_on > day:
        raise ValidationError(
            _("The enforcement certificate of %(officer)s is valid only from %(date)s.")
            % {"officer": officer.name, "date": officer.issued_on}
        )
    if officer.valid_until < day:
        raise ValidationError(
            _("The enforcement certificate of %(officer)s expired on %(date)s.")
            % {"officer": officer.name, "date": officer.valid_until}
        )
