"""GB/T 29490 certificates (task 6): the rules and every change to a certificate.

Rules (dates come from the StandardEdition rows, data/gbt29490_editions.json, never constants):

- a certificate is valid on a day when its status is valid, it was issued by then, it has not
  expired, and its edition's transition had not ended by then unless it was converted;
- the edition a certificate held on a day: a 2013 certificate converted to 2023 at a surveillance
  audit (`converted_on`) counts as 2013 before that day and as 2023 from it; its expiry is kept;
- certificates still marked valid under an edition whose transition has ended, and not converted,
  are flagged "transition overdue" (2013 certificates after 2025-12-31);
- a certificate runs at most its edition's `validity_years` from the issue date (a few days'
  tolerance for how bodies round the expiry);
- a 2013 certificate is converted (at a passed surveillance audit, or recorded on the certificate)
  between the 2023 edition's effective date and the 2013 edition's transition end, on a day it was
  valid; the audit that converted it stays passed and its date is the certificate's
  `converted_on`;
- surveillance audits are planned every `surveillance_months` from the issue date until expiry and
  kept in step when the dates change; audits added by hand (special audits) are left alone.

State changes (create, change, status, audits) live here and are shared by the pages, the API and
the import; each checks permission and scope, validates through the forms, writes in one
transaction and leaves a history record naming the user. `send_reminders()` is the daily run.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.forms.models import model_to_dict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.notifications import notify
from ipcity.core.scope import ScopeChoices, has_perm

from .choices import AuditResult, CertificateStatus, StandardVersion
from .models import Certificate, StandardEdition, SurveillanceAudit
from .models.certification import CertificateReminder

AUDIT_REMIND_DAYS = 30
DEFAULT_VALIDITY_YEARS = 3
DEFAULT_SURVEILLANCE_MONTHS = 12


def current_date() -> date:
    """The day the rules are judged on (a function, so tests can pin it)."""
    return timezone.localdate()


# --- editions and dates --------------------------------------------------------------------


def editions() -> dict[str, StandardEdition]:
    """{version: edition}: one query; pass the result on instead of asking again."""
    return {e.version: e for e in StandardEdition.objects.all()}


def transition_end(version: str) -> date | None:
    return (
        StandardEdition.objects.filter(version=version)
        .values_list("transition_end", flat=True)
        .first()
    )


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; the 31st becomes the month's last day when it has fewer."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_expiry(issue_date: date, edition: StandardEdition | None) -> date:
    """The issue date plus the edition's validity (3 years)."""
    years = edition.validity_years if edition else DEFAULT_VALIDITY_YEARS
    return add_months(issue_date, 12 * years)


def audit_schedule(issue_date: date, expiry_date: date, months: int) -> list[date]:
    """Surveillance audit due dates: every `months` after issue, strictly before expiry."""
    if not months or not issue_date or not expiry_date:
        return []
    dates, n = [], 1
    while (due := add_months(issue_date, months * n)) < expiry_date and n < 100:
        dates.append(due)
        n += 1
    return dates


def _surveillance_months(version: str, eds: dict) -> int:
    edition = eds.get(version)
    return edition.surveillance_months if edition else DEFAULT_SURVEILLANCE_MONTHS


def year_end(year: int) -> date:
    return date(year, 12, 31)


# --- querying: valid, edition held, transition overdue -------------------------------------


def _ended(eds, on: date):
    """Editions whose transition ended before `on`."""
    for edition in eds.values() if isinstance(eds, dict) else eds:
        if edition.transition_end is not None and edition.transition_end < on:
            yield edition


def _valid_q(on: date, prefix: str, eds) -> Q:
    p = prefix
    # Valid then: valid now, or its status changed (suspended, withdrawn, expired) only after
    # `on`, so a past year's figure does not move when a certificate is withdrawn later.
    q = Q(**{f"{p}status": CertificateStatus.VALID}) | Q(**{f"{p}status_date__gt": on})
    q &= Q(**{f"{p}issue_date__lte": on, f"{p}expiry_date__gte": on})
    for edition in _ended(eds, on):
        # Not converted by `on`: never converted, or converted only later.
        q &= ~Q(**{f"{p}standard_version": edition.version, f"{p}converted_on__isnull": True})
        q &= ~Q(**{f"{p}converted_on__gt": on})
    return q


def valid_q(on: date, prefix: str = "") -> Q:
    """Certificates valid on `on`: status valid, issued by then, not yet expired, and not a
    certificate of an edition whose transition ended before `on` without being converted.
    `prefix` reaches certificates from another model ("gbt29490_certificates__")."""
    return _valid_q(on, prefix, StandardEdition.objects.exclude(transition_end=None))


def _overdue_q(on: date, eds, prefix: str = "") -> Q:
    p = prefix
    q = Q(pk__in=[])
    for edition in _ended(eds, on):
        q |= Q(
            **{
                f"{p}standard_version": edition.version,
                f"{p}converted_on__isnull": True,
                f"{p}status": CertificateStatus.VALID,
                f"{p}expiry_date__gte": on,
            }
        )
    return q


def transition_overdue_q(on: date) -> Q:
    """Certificates still marked valid (and not expired) on `on` under an edition whose
    transition has ended and that were not converted: the ones to flag (2013 certificates
    after 2025-12-31)."""
    return _overdue_q(on, StandardEdition.objects.exclude(transition_end=None))


def edition_q(version: str, on: date | None = None, prefix: str = "") -> Q:
    """Certificates that held `version` on `on` (today's edition when `on` is None): a 2013
    certificate converted to 2023 counts as 2013 until the day before its conversion."""
    p = prefix
    if on is None:
        return Q(**{f"{p}standard_version": version})
    if version == StandardVersion.V2013:
        return Q(**{f"{p}standard_version": version}) | Q(
            **{f"{p}standard_version": StandardVersion.V2023, f"{p}converted_on__gt": on}
        )
    if version == StandardVersion.V2023:
        return Q(**{f"{p}standard_version": version}) & (
            Q(**{f"{p}converted_on__isnull": True}) | Q(**{f"{p}converted_on__lte": on})
        )
    return Q(**{f"{p}standard_version": version})


def is_transition_overdue(certificate: Certificate, on: date, eds: dict) -> bool:
    edition = eds.get(certificate.standard_version)
    return bool(
        edition is not None
        and edition.transition_end is not None
        and edition.transition_end < on
        and certificate.converted_on is None
        and certificate.status == CertificateStatus.VALID
        and certificate.expiry_date >= on
    )


def is_valid_on(certificate: Certificate, on: date, eds: dict) -> bool:
    changed_later = certificate.status_date is not None and certificate.status_date > on
    if certificate.status != CertificateStatus.VALID and not changed_later:
        return False
    if not (certificate.issue_date <= on <= certificate.expiry_date):
        return False
    for edition in _ended(eds, on):
        if certificate.converted_on is not None and certificate.converted_on > on:
            return False
        if certificate.standard_version == edition.version and certificate.converted_on is None:
            return False
    return True


# --- audits kept in step with the dates ----------------------------------------------------


def sync_audits(certificate: Certificate, user=None, eds: dict | None = None) -> None:
    """Plan the surveillance audits of `certificate`: one per interval from the issue date until
    expiry. Audits already held stay as they are; planned ones move to the new dates, are added
    where missing and removed where the schedule no longer has them. Audits added by hand
    (`is_scheduled` false: special audits) are never moved or removed."""
    eds = eds if eds is not None else editions()
    months = _surveillance_months(certificate.standard_version, eds)
    schedule = audit_schedule(certificate.issue_date, certificate.expiry_date, months)
    window = timedelta(days=max(months * 30 // 2, 1))
    audits = list(certificate.audits.filter(is_scheduled=True))
    held = [a for a in audits if a.result != AuditResult.PLANNED or a.done_date]
    free = sorted((a for a in audits if a not in held), key=lambda a: a.due_date)
    for due in schedule:
        if any(abs(a.due_date - due) < window for a in held):
            continue
        near = [a for a in free if abs(a.due_date - due) < window]
        if near:
            audit = min(near, key=lambda a: abs(a.due_date - due))
            free.remove(audit)
            if audit.due_date != due:
                audit.due_date = due
                audit._history_user = user
                audit.save()
            continue
        audit = SurveillanceAudit(certificate=certificate, due_date=due)
        audit._history_user = user
        audit.save()
    for audit in free:
        audit._history_user = user
        audit.delete()


# --- changing certificates -----------------------------------------------------------------


def _check_add(user, model) -> None:
    if not has_perm(user, model, "add"):
        raise PermissionDenied(
            _("You may not add %(things)s.") % {"things": model._meta.verbose_name_plural}
        )


def _check_change(user, obj) -> None:
    if not type(obj).objects.restrict(user, "change").filter(pk=obj.pk).exists():
        raise PermissionDenied(
            _("You may not change this %(thing)s.") % {"thing": type(obj)._meta.verbose_name}
        )


def _validated(form):
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form


def _form_values(obj, form_class) -> dict:
    values = model_to_dict(obj, fields=form_class._meta.fields)
    return {k: ("" if v is None else v) for k, v in values.items()}


SCHEDULE_FIELDS = ("issue_date", "expiry_date", "standard_version")


def _save_certificate(user, form, action: str) -> Certificate:
    instance = form.instance
    before = (
        Certificate.objects.filter(pk=instance.pk).values(*SCHEDULE_FIELDS, "converted_on").first()
        if instance.pk
        else None
    )
    try:
        with transaction.atomic():
            certificate = form.save(commit=False)
            certificate._history_user = user
            certificate.save()
            if before is None or any(before[n] != getattr(certificate, n) for n in SCHEDULE_FIELDS):
                sync_audits(certificate, user)
            if before and before["converted_on"] and certificate.converted_on is None:
                # The conversion was undone on the certificate: its audit no longer converts.
                for audit in certificate.audits.filter(converts_to_2023=True):
                    audit.converts_to_2023 = False
                    audit._history_user = user
                    audit.save()
            if not Certificate.objects.restrict(user, action).filter(pk=certificate.pk).exists():
                raise PermissionDenied(_("The record would fall outside your scope."))
    except IntegrityError:
        raise ValidationError(
            {"number": [_("A certificate with this number already exists.")]}
        ) from None
    return certificate


def certificate_form(user, data: dict, certificate: Certificate | None = None, eds=None):
    """The bound form behind every certificate change (pages, API, import): for a change, the
    fields missing from `data` keep their value. Not validated yet."""
    from .forms.certification import CertificateForm

    if certificate is None:
        return CertificateForm(data=data, user=user, editions=eds)
    values = _form_values(certificate, CertificateForm)
    values.update(dict(data.items()) if hasattr(data, "items") else data)
    return CertificateForm(data=values, instance=certificate, user=user, editions=eds)


def create_certificate(user, data: dict) -> Certificate:
    """Create a certificate from form-style `data`; its surveillance audits are planned."""
    _check_add(user, Certificate)
    form = _validated(certificate_form(user, data))
    return _save_certificate(user, form, "add")


def update_certificate(user, certificate: Certificate, data: dict) -> Certificate:
    """Change `certificate`; fields missing from `data` keep their value. The status is changed
    with `change_status` only."""
    _check_change(user, certificate)
    form = _validated(certificate_form(user, data, certificate))
    return _save_certificate(user, form, "change")


def save_certificate_form(user, form) -> Certificate:
    """Save a form the caller validated (the pages), with the same checks as above."""
    if form.instance.pk:
        _check_change(user, form.instance)
    else:
        _check_add(user, Certificate)
    return _save_certificate(user, form, "change" if form.instance.pk else "add")


@dataclass(frozen=True)
class StatusAction:
    key: str
    label: object
    from_statuses: tuple[str, ...]
    to_status: str


STATUS_ACTIONS = {
    action.key: action
    for action in (
        StatusAction(
            "suspend",
            gettext_lazy("Suspend"),
            (CertificateStatus.VALID,),
            CertificateStatus.SUSPENDED,
        ),
        StatusAction(
            "withdraw",
            gettext_lazy("Withdraw"),
            (CertificateStatus.VALID, CertificateStatus.SUSPENDED),
            CertificateStatus.WITHDRAWN,
        ),
        StatusAction(
            "reinstate",
            gettext_lazy("Reinstate"),
            (CertificateStatus.SUSPENDED,),
            CertificateStatus.VALID,
        ),
        StatusAction(
            "expire",
            gettext_lazy("Mark expired"),
            (CertificateStatus.VALID, CertificateStatus.SUSPENDED),
            CertificateStatus.EXPIRED,
        ),
    )
}
# The action that leads to a status (the import names the status, not the action).
ACTION_FOR_STATUS = {action.to_status: action.key for action in STATUS_ACTIONS.values()}


def available_actions(certificate: Certificate) -> list[StatusAction]:
    return [a for a in STATUS_ACTIONS.values() if certificate.status in a.from_statuses]


def check_status_change(certificate: Certificate, action: str, on: date | None) -> StatusAction:
    """The status change `action` as of `on`, or ValidationError saying why it cannot be made.
    Checks only; `change_status` makes it."""
    step = STATUS_ACTIONS.get(action)
    if step is None:
        raise ValidationError({"action": [_("Unknown status change.")]})
    if certificate.status not in step.from_statuses:
        raise ValidationError(
            {
                "action": [
                    _("A certificate that is %(status)s cannot be changed this way.")
                    % {"status": certificate.get_status_display().lower()}
                ]
            }
        )
    if on is None:
        raise ValidationError({"on": [_("Give the date the change took effect.")]})
    if on < certificate.issue_date:
        raise ValidationError({"on": [_("The date is before the certificate was issued.")]})
    if on > current_date():
        raise ValidationError({"on": [_("The date cannot be in the future.")]})
    if step.to_status == CertificateStatus.EXPIRED and on < certificate.expiry_date:
        raise ValidationError(
            {
                "on": [
                    _("The certificate expires on %(date)s; it cannot be marked expired earlier.")
                    % {"date": certificate.expiry_date.isoformat()}
                ]
            }
        )
    if step.to_status == CertificateStatus.VALID:
        if on > certificate.expiry_date:
            raise ValidationError({"on": [_("The certificate had already expired by then.")]})
        edition = editions().get(certificate.standard_version)
        if (
            edition is not None
            and edition.transition_end is not None
            and edition.transition_end < on
            and certificate.converted_on is None
        ):
            raise ValidationError(
                {
                    "action": [
                        _(
                            "The transition of %(edition)s ended on %(date)s; a certificate "
                            "that was not converted cannot be reinstated."
                        )
                        % {"edition": edition.version, "date": edition.transition_end}
                    ]
                }
            )
    return step


def change_status(user, certificate: Certificate, action: str, on: date, note: str = ""):
    """Suspend, withdraw, reinstate or expire `certificate` as of `on`; recorded in its history
    (status, the date it took effect and the note as the reason)."""
    _check_change(user, certificate)
    step = check_status_change(certificate, action, on)
    with transaction.atomic():
        certificate.status = step.to_status
        certificate.status_date = on
        certificate._history_user = user
        certificate._change_reason = (f"{step.label}: {note}" if note else str(step.label))[:100]
        certificate.save()
    return certificate


# --- audits --------------------------------------------------------------------------------


def _save_audit(user, form, certificate: Certificate, scheduled: bool | None = None):
    with transaction.atomic():
        audit = form.save(commit=False)
        audit.certificate = certificate
        if scheduled is not None:
            audit.is_scheduled = scheduled
        audit._history_user = user
        audit.save()
        if audit.converts_to_2023 and audit.result == AuditResult.PASSED:
            if certificate.standard_version != StandardVersion.V2023:
                _check_change(user, certificate)
                certificate.standard_version = StandardVersion.V2023
                certificate.converted_on = audit.done_date
                certificate._history_user = user
                certificate._change_reason = str(_("Converted at a surveillance audit"))[:100]
                # The expiry stays as issued (DOMAIN.md §5).
                certificate.save()
            elif certificate.converted_on != audit.done_date:
                # The audit that converted the certificate was re-dated: the certificate follows.
                _check_change(user, certificate)
                certificate.converted_on = audit.done_date
                certificate._history_user = user
                certificate._change_reason = str(_("Conversion date follows its audit"))[:100]
                certificate.save()
        if not SurveillanceAudit.objects.restrict(user, "change").filter(pk=audit.pk).exists():
            raise PermissionDenied(_("The record would fall outside your scope."))
    return audit


def add_audit(user, certificate: Certificate, data: dict) -> SurveillanceAudit:
    """An audit beyond the planned ones (a special audit), or one held and recorded at once.
    Added by hand, it is not part of the schedule: changed dates never move or remove it."""
    from .forms.certification import AuditForm

    _check_add(user, SurveillanceAudit)
    _check_change(user, certificate)
    form = _validated(AuditForm(data=data, certificate=certificate))
    return _save_audit(user, form, certificate, scheduled=False)


def update_audit(user, audit: SurveillanceAudit, data: dict) -> SurveillanceAudit:
    """Record the result of an audit (done date, passed or failed, conversion to 2023)."""
    from .forms.certification import AuditForm

    _check_change(user, audit)
    values = _form_values(audit, AuditForm)
    values.update(dict(data.items()) if hasattr(data, "items") else data)
    form = _validated(AuditForm(data=values, instance=audit, certificate=audit.certificate))
    return _save_audit(user, form, audit.certificate)


def record_held_audits(user, certificate: Certificate, days, eds: dict | None = None) -> None:
    """Audits held and passed on `days` (the import's 监督审核日期; the caller checked the days
    lie between issue and expiry and are not in the future). The planned audit nearest each day
    (within half an interval) records it; a day with none near is an extra audit, added as by
    hand. The audit held on the day the certificate was converted is marked as converting."""
    if not days:
        return
    _check_change(user, certificate)
    eds = eds if eds is not None else editions()
    months = _surveillance_months(certificate.standard_version, eds)
    window = timedelta(days=max(months * 30 // 2, 1))
    audits = list(certificate.audits.all())
    with transaction.atomic():
        for day in sorted(days):
            if any(a.done_date == day for a in audits):
                continue
            planned = [
                a
                for a in audits
                if a.result == AuditResult.PLANNED
                and a.done_date is None
                and abs(a.due_date - day) < window
            ]
            audit = min(planned, key=lambda a: abs(a.due_date - day), default=None)
            if audit is None:
                audit = SurveillanceAudit(certificate=certificate, due_date=day, is_scheduled=False)
                audits.append(audit)
            audit.done_date = day
            audit.result = AuditResult.PASSED
            audit._history_user = user
            audit.save()
        converted = certificate.converted_on
        if converted and not any(a.converts_to_2023 for a in audits):
            audit = next(
                (a for a in audits if a.done_date == converted and a.result == AuditResult.PASSED),
                None,
            )
            if audit is not None:
                audit.converts_to_2023 = True
                audit._history_user = user
                audit.save()


# --- reminders -----------------------------------------------------------------------------


def remind_days() -> list[int]:
    """Days before expiry at which to remind (IPCITY_CERT_REMIND_DAYS, default "90,30")."""
    raw = getattr(settings, "IPCITY_CERT_REMIND_DAYS", ["90", "30"])
    if isinstance(raw, str):
        raw = raw.split(",")
    days = set()
    for item in raw:
        text = str(item).strip()
        if not text:
            continue
        try:
            value = int(text)
        except ValueError:
            raise ImproperlyConfigured(
                f"IPCITY_CERT_REMIND_DAYS must list whole days, not {text!r}"
            ) from None
        if value < 0:
            raise ImproperlyConfigured("IPCITY_CERT_REMIND_DAYS must not be negative")
        days.add(value)
    return sorted(days)


def office_users():
    """Active users who may change certificates district-wide: the office to remind."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__scope=ScopeChoices.DISTRICT,
            role_assignments__role__is_active=True,
            role_assignments__role__permissions__content_type__app_label="utilization",
            role_assignments__role__permissions__codename="change_certificate",
        )
        .distinct()
    )


def _reminder_targets(on: date, eds: dict) -> list[tuple[Certificate, str, str, str]]:
    """(certificate, stage, title, body) for every reminder due on `on`."""
    targets = []
    days = remind_days()
    if days:
        expiring = (
            Certificate.objects.filter(_valid_q(on, "", eds))
            .filter(expiry_date__lte=on + timedelta(days=max(days)))
            .select_related("organization")
        )
        for cert in expiring:
            left = (cert.expiry_date - on).days
            stage = min(d for d in days if left <= d)
            targets.append(
                (
                    cert,
                    f"expiry:{stage}:{cert.expiry_date.isoformat()}",
                    _("GB/T 29490 certificate %(number)s expires on %(date)s")
                    % {"number": cert.number, "date": cert.expiry_date.isoformat()},
                    _(
                        "The certificate of %(org)s expires in %(days)d days. Arrange the "
                        "recertification audit in time."
                    )
                    % {"org": cert.organization.name, "days": left},
                )
            )
    audits = (
        SurveillanceAudit.objects.filter(
            result=AuditResult.PLANNED,
            done_date__isnull=True,
            due_date__gte=on,
            due_date__lte=on + timedelta(days=AUDIT_REMIND_DAYS),
        )
        .filter(_valid_q(on, "certificate__", eds))
        .select_related("certificate__organization")
    )
    for audit in audits:
        cert = audit.certificate
        targets.append(
            (
                cert,
                f"audit:{audit.pk}:{audit.due_date.isoformat()}",
                _("Surveillance audit of certificate %(number)s due on %(date)s")
                % {"number": cert.number, "date": audit.due_date.isoformat()},
                _(
                    "The annual surveillance audit of the GB/T 29490 certificate of %(org)s is "
                    "due in %(days)d days."
                )
                % {"org": cert.organization.name, "days": (audit.due_date - on).days},
            )
        )
    overdue = Certificate.objects.filter(_overdue_q(on, eds)).select_related("organization")
    for cert in overdue:
        edition = eds[cert.standard_version]
        targets.append(
            (
                cert,
                f"transition:{edition.transition_end.isoformat()}",
                _("Certificate %(number)s was not converted to the 2023 edition")
                % {"number": cert.number},
                _(
                    "The transition from %(edition)s ended on %(date)s. The certificate of "
                    "%(org)s was not converted and should be suspended or withdrawn."
                )
                % {
                    "edition": edition.title,
                    "date": edition.transition_end.isoformat(),
                    "org": cert.organization.name,
                },
            )
        )
    return targets


def _enterprise_readers(targets) -> dict[int, list]:
    """{certificate id: the active users of its enterprise who may view it}: users holding
    utilization.view_certificate in a scope that reaches the certificate."""
    cert_ids = {cert.pk for cert, *_rest in targets}
    readers: dict[int, list] = {}
    users = get_user_model().objects.filter(
        organization_id__in={cert.organization_id for cert, *_rest in targets}, is_active=True
    )
    for user in users:
        visible = (
            Certificate.objects.restrict(user, "view")
            .filter(pk__in=cert_ids, organization_id=user.organization_id)
            .values_list("pk", flat=True)
        )
        for pk in visible:
            readers.setdefault(pk, []).append(user)
    return readers


def send_reminders(today: date | None = None) -> int:
    """Notify the enterprise's users and the office before a certificate expires (the days of
    IPCITY_CERT_REMIND_DAYS), before a surveillance audit is due (30 days), and when a
    certificate is transition-overdue. Each reminder goes once per certificate and stage
    (remembered in CertificateReminder), so the daily run may repeat; one that found nobody to
    tell is not remembered, so it goes out once someone is there. The enterprise's users are
    told only when they may see the certificate. Returns the number of notifications sent."""
    on = today or current_date()
    eds = editions()
    # Notifications are stored text: written in the platform's language, not the caller's.
    with translation.override(settings.LANGUAGE_CODE):
        targets = _reminder_targets(on, eds)
        if not targets:
            return 0
        sent_before = set(
            CertificateReminder.objects.filter(
                certificate_id__in={cert.pk for cert, *_rest in targets}
            ).values_list("certificate_id", "stage")
        )
        targets = [t for t in targets if (t[0].pk, t[1]) not in sent_before]
        if not targets:
            return 0
        office = {u.pk: u for u in office_users()}
        readers = _enterprise_readers(targets)
        sent = 0
        for cert, stage, title, body in targets:
            recipients = {u.pk: u for u in readers.get(cert.pk, [])}
            recipients.update(office)
            if not recipients:
                continue
            with transaction.atomic():
                _reminder, created = CertificateReminder.objects.get_or_create(
                    certificate=cert,
                    stage=stage,
                    defaults={"sent_on": on, "recipients": len(recipients)},
                )
                if not created:
                    continue
                for user in recipients.values():
                    notify(user, str(title), str(body), cert.get_absolute_url())
                    sent += 1
    return sent


# --- statistics ----------------------------------------------------------------------------

MAX_STAT_YEARS = 15


def stats(queryset, on: date | None = None, eds: dict | None = None) -> dict:
    """Counts of the certificates in `queryset` (already restricted to the reader): per year
    (issued in it; valid on 31 December, or today for the year under way, by the edition held
    that day) and per street of the
    enterprise (valid on `on`, by edition, and transition overdue). Every figure carries the
    list filter that lists exactly its certificates."""
    on = on or current_date()
    eds = eds if eds is not None else editions()
    versions = [v for v in StandardVersion.values if v in eds] or list(StandardVersion.values)
    issued = dict(
        queryset.order_by()
        .values("issue_date__year")
        .annotate(n=Count("pk"))
        .values_list("issue_date__year", "n")
    )
    first = min(issued, default=on.year)
    years = list(range(max(first, on.year - MAX_STAT_YEARS + 1), on.year + 1))
    expressions = {}
    for year in years:
        day = min(year_end(year), on)
        valid = _valid_q(day, "", eds)
        expressions[f"y{year}"] = Count("pk", filter=valid)
        for version in versions:
            expressions[f"y{year}_{version}"] = Count("pk", filter=valid & edition_q(version, day))
    totals = queryset.order_by().aggregate(**expressions) if expressions else {}
    year_rows = []
    for year in reversed(years):
        # The year under way is counted today, not on a 31 December still to come.
        day = min(year_end(year), on)
        when = {"valid_at_end_of": year} if day == year_end(year) else {"valid_on": day.isoformat()}
        year_rows.append(
            {
                "year": year,
                "day": day,
                "issued": issued.get(year, 0),
                "issued_params": {"issue_year": year},
                "valid": totals.get(f"y{year}", 0),
                "valid_params": when,
                "by_edition": [
                    {
                        "version": version,
                        "count": totals.get(f"y{year}_{version}", 0),
                        "params": {**when, "standard_version": version},
                    }
                    for version in versions
                ],
            }
        )
    valid_now = _valid_q(on, "", eds)
    by_street = {
        "valid": Count("pk", filter=valid_now),
        "overdue": Count("pk", filter=_overdue_q(on, eds)),
        **{f"v_{v}": Count("pk", filter=valid_now & edition_q(v, on)) for v in versions},
    }
    grouped = (
        queryset.order_by()
        .values(
            "organization__region",
            "organization__region__name",
            "organization__region__code",
        )
        .annotate(**by_street)
        .order_by("organization__region__name")
    )
    street_rows = []
    for row in grouped:
        if not row["valid"] and not row["overdue"]:
            continue
        region = row["organization__region"]
        street = region if region is not None else "null"
        street_rows.append(
            {
                "region_id": region,
                "name": row["organization__region__name"] or "",
                "code": row["organization__region__code"] or "",
                "valid": row["valid"],
                "valid_params": {"valid_on": on.isoformat(), "street": street},
                "by_edition": [
                    {
                        "version": version,
                        "count": row[f"v_{version}"],
                        "params": {
                            "valid_on": on.isoformat(),
                            "street": street,
                            "standard_version": version,
                        },
                    }
                    for version in versions
                ],
                "overdue": row["overdue"],
                "overdue_params": {"transition_overdue": "true", "street": street},
            }
        )
    street_rows.sort(key=lambda r: (r["region_id"] is None, -r["valid"], r["name"]))
    return {
        "on": on,
        "versions": versions,
        "years": year_rows,
        "streets": street_rows,
        "valid": sum(r["valid"] for r in street_rows),
        "overdue": sum(r["overdue"] for r in street_rows),
    }


__all__ = [
    "StandardVersion",
    "add_audit",
    "certificate_form",
    "change_status",
    "check_status_change",
    "create_certificate",
    "edition_q",
    "record_held_audits",
    "send_reminders",
    "stats",
    "sync_audits",
    "transition_end",
    "transition_overdue_q",
    "update_audit",
    "update_certificate",
    "valid_q",
]
