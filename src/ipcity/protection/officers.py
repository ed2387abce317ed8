"""持证上岗: only officers with a valid enforcement certificate handle cases.

The rules of the officer registry, shared by the pages, the API, the import and the demo:

- `certified_q(day)`, `certified_officers(org, day)`, `check_certified(officer, day)`: who may
  handle cases on a day (active, issued by then, not expired);
- `validity(officer, day)`: the badge of a certificate (valid, expiring within the clock
  `officer_certificate_warning`, expired, not yet valid, inactive);
- `create_officer`, `update_officer`: through `forms.agencies.OfficerForm` (issued ≤ valid
  until, a certificate number used once), inside the user's scope;
- `add_training`, `delete_training`: an officer's `training_hours` is the sum of its trainings,
  kept so in the same transaction;
- `send_reminders(day)`: the daily duty `officer-certificates` (protection/daily.py).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.scope import ScopeChoices, grants_for, perm_name

from . import clocks
from .choices import OfficerStatus
from .models import Officer, OfficerTraining

WARNING_CLOCK = "officer_certificate_warning"


def current_date() -> datetime.date:
    """The day the rules are judged on (a function, so tests can pin it)."""
    return timezone.localdate()


# --- who is certified ---------------------------------------------------------------------


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


# --- validity badge -----------------------------------------------------------------------


class Validity:
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NOT_YET = "not_yet"
    INACTIVE = "inactive"

    LABELS = {
        VALID: gettext_lazy("Valid"),
        EXPIRING: gettext_lazy("Expiring soon"),
        EXPIRED: gettext_lazy("Expired"),
        NOT_YET: gettext_lazy("Not yet valid"),
        INACTIVE: gettext_lazy("Inactive"),
    }
    COLOURS = {
        VALID: "success",
        EXPIRING: "warning",
        EXPIRED: "danger",
        NOT_YET: "info",
        INACTIVE: "secondary",
    }


def warning_until(day: datetime.date) -> datetime.date:
    """The last expiry date that is warned about on `day` (clock officer_certificate_warning)."""
    return clocks.due(WARNING_CLOCK, day)


def warning_days() -> int:
    return clocks.get(WARNING_CLOCK).amount


def expiring_q(day: datetime.date, until: datetime.date | None = None) -> Q:
    """Certified on `day` and expiring by `until` (default: the warning clock)."""
    return certified_q(day) & Q(valid_until__lte=until or warning_until(day))


def expired_q(day: datetime.date) -> Q:
    return Q(valid_until__lt=day)


def validity(officer: Officer, day: datetime.date, until: datetime.date | None = None) -> str:
    """The certificate's state on `day`: expired first (whatever the status), then inactive
    (suspended or left), not yet valid, expiring within the warning clock, valid."""
    if officer.valid_until < day:
        return Validity.EXPIRED
    if officer.status != OfficerStatus.ACTIVE:
        return Validity.INACTIVE
    if officer.issued_on and officer.issued_on > day:
        return Validity.NOT_YET
    if officer.valid_until <= (until or warning_until(day)):
        return Validity.EXPIRING
    return Validity.VALID


# --- scope ----------------------------------------------------------------------------------


def organizations_q(user, action: str) -> Q | None:
    """The filter on Organization for the units where `user` may `action` officers; None: none.
    An empty Q: every organization."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    grants = grants_for(user, perm_name(Officer, action))
    if not grants:
        return None
    if any(g.scope == ScopeChoices.DISTRICT for g in grants):
        return Q()
    q = Q(pk__in=[])
    for grant in grants:
        if grant.org_id is None:
            continue
        if grant.scope == ScopeChoices.SUBTREE:
            q |= Q(path__startswith=grant.org_path)
        else:
            q |= Q(pk=grant.org_id)
    return q


def can_change(user, officer: Officer) -> bool:
    return Officer.objects.restrict(user, "change").filter(pk=officer.pk).exists()


def check_change(user, officer: Officer) -> None:
    if not can_change(user, officer):
        raise PermissionDenied(_("You may not change this officer."))


# --- officers -------------------------------------------------------------------------------


def officer_form(user, data: dict, officer: Officer | None = None):
    from .forms.agencies import OfficerForm

    return OfficerForm(data, instance=officer or Officer(), user=user)


def _errors(form) -> ValidationError:
    return ValidationError(
        {
            (field if field != "__all__" else "__all__"): list(errors)
            for field, errors in form.errors.as_data().items()
        }
    )


def save_officer_form(user, form) -> Officer:
    """Save a valid OfficerForm; the saved officer must lie inside the user's scope."""
    from .forms.agencies import duplicate_number_error

    action = "change" if form.instance.pk else "add"
    if action == "change":
        check_change(user, form.instance)
    try:
        with transaction.atomic():
            officer = form.save(commit=False)
            officer._history_user = user
            officer.save()
            if not Officer.objects.restrict(user, action).filter(pk=officer.pk).exists():
                raise PermissionDenied(_("You may not record officers of this agency."))
    except IntegrityError:
        # The same number recorded at the same moment by someone else: the form's check passed,
        # the unique constraint did not. Same message as the form's.
        instance = form.instance
        error = duplicate_number_error(user, instance.certificate_number, instance.pk)
        if error is None:
            raise
        raise ValidationError({"certificate_number": error.messages}) from None
    return officer


def create_officer(user, data: dict) -> Officer:
    form = officer_form(user, data)
    if not form.is_valid():
        raise _errors(form)
    return save_officer_form(user, form)


def update_officer(user, officer: Officer, data: dict) -> Officer:
    """Change the fields in `data`; the others keep their value."""
    check_change(user, officer)
    full = {
        "user": officer.user_id or "",
        "organization": officer.organization_id,
        "name": officer.name,
        "certificate_number": officer.certificate_number,
        "issued_on": officer.issued_on or "",
        "valid_until": officer.valid_until,
        "status": officer.status,
    }
    full.update(data)
    form = officer_form(user, full, officer)
    if not form.is_valid():
        raise _errors(form)
    return save_officer_form(user, form)


# --- trainings ------------------------------------------------------------------------------


def training_sum(officer_id: int) -> Decimal:
    total = OfficerTraining.objects.filter(officer_id=officer_id).aggregate(s=Sum("hours"))["s"]
    return total or Decimal("0")


def _sync_hours(user, officer_id: int) -> Officer:
    """Set `training_hours` to the sum of the trainings (inside the caller's transaction)."""
    officer = Officer.objects.select_for_update().get(pk=officer_id)
    total = training_sum(officer_id)
    if officer.training_hours != total:
        officer.training_hours = total
        officer._history_user = user
        officer.save(update_fields=["training_hours", "updated_at"])
    return officer


def add_training(user, officer: Officer, data: dict) -> OfficerTraining:
    """Record a training; the officer's hours become the sum, in the same transaction."""
    from .forms.agencies import TrainingForm

    check_change(user, officer)
    form = TrainingForm(data)
    if not form.is_valid():
        raise _errors(form)
    with transaction.atomic():
        training = form.save(commit=False)
        training.officer = officer
        training._history_user = user
        training.save()
        officer.training_hours = _sync_hours(user, officer.pk).training_hours
    return training


def delete_training(user, training: OfficerTraining) -> Officer:
    officer = training.officer
    check_change(user, officer)
    with transaction.atomic():
        training._history_user = user
        training.delete()
        officer = _sync_hours(user, officer.pk)
    return officer


def top_up_hours(user, officer: Officer, hours: Decimal, on: datetime.date) -> None:
    """Bring the officer's hours up to `hours` with one training for the difference (the
    import's column 培训学时); fewer hours than the trainings recorded is refused."""
    current = training_sum(officer.pk)
    if hours < current:
        raise ValidationError(
            _(
                "The trainings recorded for %(officer)s add up to %(hours)s hours; delete "
                "trainings on the officer's page to lower them."
            )
            % {"officer": officer.name, "hours": current}
        )
    if hours == current:
        return
    with translation.override(settings.LANGUAGE_CODE):
        course = str(_("Training hours recorded by import"))
    training = OfficerTraining(
        officer=officer, course=course, attended_on=on, hours=hours - current
    )
    training._history_user = user
    training.save()
    _sync_hours(user, officer.pk)


# --- reminders ------------------------------------------------------------------------------


def _heads(officers: list[Officer]) -> dict[int, list]:
    """{officer id: active users holding protection.change_officer over the officer's unit
    through their own or subtree grant (the heads; the district-wide office reads the list)}."""
    from ipcity.accounts.models import RoleAssignment

    assignments = (
        RoleAssignment.objects.filter(
            role__is_active=True,
            user__is_active=True,
            role__permissions__content_type__app_label="protection",
            role__permissions__codename="change_officer",
        )
        .exclude(scope=ScopeChoices.DISTRICT)
        .select_related("user", "organization", "user__organization")
        .distinct()
    )
    reach = []
    for assignment in assignments:
        org = assignment.organization or assignment.user.organization
        if org is not None:
            reach.append((assignment.scope, org, assignment.user))
    heads: dict[int, list] = {}
    for officer in officers:
        path = officer.organization.path
        users = {}
        for scope, org, user in reach:
            if org.pk == officer.organization_id or (
                scope == ScopeChoices.SUBTREE and path.startswith(org.path)
            ):
                users[user.pk] = user
        heads[officer.pk] = list(users.values())
    return heads


REMINDERS = {
    "expiring": (
        gettext_lazy("Enforcement certificate of %(officer)s expires on %(date)s"),
        gettext_lazy(
            "The enforcement certificate %(number)s of %(officer)s (%(agency)s) is valid until "
            "%(date)s. Renew it in time: an officer without a valid certificate may not handle "
            "cases."
        ),
    ),
    "expired": (
        gettext_lazy("Enforcement certificate of %(officer)s expired on %(date)s"),
        gettext_lazy(
            "The enforcement certificate %(number)s of %(officer)s (%(agency)s) expired on "
            "%(date)s. The officer may not handle cases until it is renewed."
        ),
    ),
}
REMINDER_FIELDS = {"expiring": "reminded_for", "expired": "expired_reminded_for"}


def send_reminders(day: datetime.date | None = None) -> int:
    """Tell the officer's own user and the heads of the officer's unit when a certificate will
    expire within the warning clock, and when it has expired: each once per officer and
    `valid_until` (`reminded_for`, `expired_reminded_for`), so a renewed certificate is
    reminded of again. A reminder that found nobody to tell is not remembered. Returns the
    number of notifications sent."""
    from ipcity.core.notifications import notify

    on = day or current_date()
    until = warning_until(on)
    expiring = list(
        Officer.objects.filter(expiring_q(on, until))
        .exclude(reminded_for=F("valid_until"))
        .select_related("organization", "user")
    )
    expired = list(
        Officer.objects.filter(expired_q(on), status=OfficerStatus.ACTIVE)
        .exclude(expired_reminded_for=F("valid_until"))
        .select_related("organization", "user")
    )
    if not expiring and not expired:
        return 0
    heads = _heads(expiring + expired)
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for officer, stage in [(o, "expiring") for o in expiring] + [
            (o, "expired") for o in expired
        ]:
            recipients = {u.pk: u for u in heads.get(officer.pk, [])}
            if officer.user is not None and officer.user.is_active:
                recipients[officer.user.pk] = officer.user
            if not recipients:
                continue
            params = {
                "officer": officer.name,
                "number": officer.certificate_number,
                "agency": officer.organization.name,
                "date": officer.valid_until.isoformat(),
            }
            title, body = REMINDERS[stage]
            title, body = str(title) % params, str(body) % params
            field = REMINDER_FIELDS[stage]
            with transaction.atomic():
                updated = (
                    Officer.objects.filter(pk=officer.pk)
                    .exclude(**{field: officer.valid_until})
                    .update(**{field: officer.valid_until})
                )
                if not updated:  # another run took it
                    continue
                for user in recipients.values():
                    notify(user, title, body, officer.get_absolute_url())
                    sent += 1
    return sent
