"""Public notices of proposed awards (拟奖励名单公示) and their objections.

    notice = notices.create_notice(alice, program, title="2026年度知识产权资助拟奖励名单公示")
    notices.publish(alice, notice, [app1, app2])   # APPROVED → IN_NOTICE, runs N working days
    objection = notices.lodge_objection(None, notice, app1, objector_name=..., reason=...)
    notices.resolve_objection(alice, objection, upheld=False, resolution="经核实，异议不成立")
    notices.end_notice(alice, notice)             # after ends_on: IN_NOTICE → CONFIRMED

The period comes from `data/clocks.json` (`public_notice`, in working days, the platform's
default: each programme's policy decides). Objections are taken while the notice runs, through
its last day; the public form and the office's entry (an objection received by letter) both go
through `lodge_objection`. An upheld objection revokes the approval: the application is
rejected with the resolution as its reason, its reward ledger rows are removed (the rights may
be rewarded later in another application) and its amount goes back to the budget. A dismissed
objection changes nothing. A notice ends only after its last day and only when no objection on
an application still in notice is open; the daily duty `incentive-notices` ends those it can
and reminds the office of the others.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ipcity.core import workdays
from ipcity.core.daily import daily_duty
from ipcity.core.models import Notification
from ipcity.core.notifications import notify

from . import budget
from .choices import ApplicationStatus, NoticeStatus, ObjectionStatus
from .models import Application, Objection, Program, PublicNotice, Reward
from .review import applicant_users, application_link, organized_by

DATA = Path(__file__).parent / "data" / "clocks.json"
CLOCK = "public_notice"
TEXT_MAX = 5000


@dataclass(frozen=True)
class Clock:
    amount: int
    unit: str
    label: str
    source: str

    def ends(self, start: datetime.date) -> datetime.date:
        """The last day of a period starting on `start` (the start day itself not counted)."""
        if self.unit == "workdays":
            return workdays.add_workdays(start, self.amount)
        return start + datetime.timedelta(days=self.amount)


@cache
def clock(code: str = CLOCK) -> Clock:
    raw = json.loads(DATA.read_text(encoding="utf-8"))["clocks"][code]
    return Clock(int(raw["amount"]), raw["unit"], raw["label"], raw.get("source", ""))


def period_text() -> str:
    c = clock()
    if c.unit == "workdays":
        return ngettext("%(n)d working day", "%(n)d working days", c.amount) % {"n": c.amount}
    return ngettext("%(n)d day", "%(n)d days", c.amount) % {"n": c.amount}


# --- who may -----------------------------------------------------------------------------


def _programs(user, perm: str):
    return organized_by(user, perm, Program.objects.all(), path="organizer")


def may_manage(user, notice: PublicNotice) -> bool:
    return _programs(user, "incentives.change_publicnotice").filter(pk=notice.program_id).exists()


def may_resolve(user, notice: PublicNotice) -> bool:
    return _programs(user, "incentives.change_objection").filter(pk=notice.program_id).exists()


def may_record_objection(user, notice: PublicNotice) -> bool:
    return _programs(user, "incentives.add_objection").filter(pk=notice.program_id).exists()


def _check(user, notice_or_program, perm: str, message: str) -> None:
    program_id = getattr(notice_or_program, "program_id", None) or notice_or_program.pk
    if not _programs(user, perm).filter(pk=program_id).exists():
        raise PermissionDenied(message)


def candidates(notice: PublicNotice):
    """Approved applications of the notice's programme not yet in a notice."""
    return (
        Application.objects.filter(
            program_id=notice.program_id, status=ApplicationStatus.APPROVED, notice__isnull=True
        )
        .select_related("applicant")
        .order_by("number", "pk")
    )


def is_running(notice: PublicNotice, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        notice.status == NoticeStatus.PUBLISHED
        and notice.ends_on is not None
        and notice.starts_on <= today <= notice.ends_on
    )


def open_objections(notice: PublicNotice):
    """Open objections that block the end: those on applications still in notice."""
    return notice.objections.filter(
        status=ObjectionStatus.OPEN, application__status=ApplicationStatus.IN_NOTICE
    )


# --- creating and publishing ---------------------------------------------------------------


def create_notice(
    user,
    program: Program,
    *,
    title: str,
    number: str = "",
    text: str = "",
    objection_contact: str = "",
) -> PublicNotice:
    _check(
        user,
        program,
        "incentives.add_publicnotice",
        _("You may not prepare notices for this program."),
    )
    notice = PublicNotice(
        program=program,
        title=(title or "").strip(),
        number=(number or "").strip(),
        text=(text or "").strip(),
        objection_contact=(objection_contact or "").strip() or program.contact,
    )
    notice.full_clean()
    notice._history_user = user
    notice.save()
    return notice


def _locked(notice: PublicNotice) -> PublicNotice:
    return (
        PublicNotice.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=notice.pk)
    )


def publish(user, notice: PublicNotice, applications=None) -> PublicNotice:
    """Publish a draft notice with the chosen approved applications (or those already attached):
    it runs from today for the clock's period, and the applications are in notice."""
    _check(user, notice, "incentives.change_publicnotice", _("You may not publish this notice."))
    with transaction.atomic():
        locked = _locked(notice)
        if locked.status != NoticeStatus.DRAFT:
            raise ValidationError(_("Only a draft notice can be published."))
        if applications is None:
            chosen = list(Application.objects.select_for_update(of=("self",)).filter(notice=locked))
        else:
            pks = [getattr(a, "pk", a) for a in applications]
            chosen = list(Application.objects.select_for_update(of=("self",)).filter(pk__in=pks))
            if len(chosen) != len(set(pks)):
                raise ValidationError({"applications": _("An application was not found.")})
        if not chosen:
            raise ValidationError({"applications": _("Choose at least one approved application.")})
        wrong = [
            a
            for a in chosen
            if a.program_id != locked.program_id
            or a.status != ApplicationStatus.APPROVED
            or a.notice_id not in (None, locked.pk)
        ]
        if wrong:
            raise ValidationError(
                {
                    "applications": _(
                        "Only approved applications of this program that are in no other notice "
                        "can be published: %(list)s"
                    )
                    % {"list": "、".join(str(a) for a in wrong)}
                }
            )
        today = timezone.localdate()
        Application.objects.filter(notice=locked).exclude(pk__in=[a.pk for a in chosen]).update(
            notice=None
        )
        for application in chosen:
            application.notice = locked
            application.status = ApplicationStatus.IN_NOTICE
            application._history_user = user
            application.save(update_fields=["notice", "status", "updated_at"])
        locked.status = NoticeStatus.PUBLISHED
        locked.starts_on = today
        locked.ends_on = clock().ends(today)
        locked.published_by = user
        locked._history_user = user
        locked.save()
        for application in chosen:
            title = _("Application %(number)s is in public notice until %(date)s") % {
                "number": application.number or application.pk,
                "date": locked.ends_on.isoformat(),
            }
            for person in applicant_users(application):
                notify(person, title, locked.title, application_link(application))
    _copy(notice, locked)
    return notice


def _copy(target, source) -> None:
    for field in type(source)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


# --- objections --------------------------------------------------------------------------


def lodge_objection(
    user,
    notice: PublicNotice,
    application: Application,
    *,
    objector_name: str,
    objector_contact: str,
    reason: str,
    received_on: datetime.date | None = None,
) -> Objection:
    """An objection to one application of a running notice. `user` is None on the public form;
    staff record one received by letter or phone (`received_on` within the period)."""
    if user is not None:
        _check(
            user,
            notice,
            "incentives.add_objection",
            _("You may not record objections to this notice."),
        )
    today = timezone.localdate()
    received_on = received_on or today
    errors: dict[str, list] = {}
    name = (objector_name or "").strip()
    contact = (objector_contact or "").strip()
    reason = (reason or "").strip()
    if not name:
        errors["objector_name"] = [_("Give your name or your organization's.")]
    if not contact:
        errors["objector_contact"] = [_("Give a phone number or an address we can answer.")]
    if not reason:
        errors["reason"] = [_("Say what the objection is and on what facts.")]
    elif len(reason) > TEXT_MAX:
        errors["reason"] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
    if received_on > today:
        errors["received_on"] = [_("The day received cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(notice)
        if locked.status != NoticeStatus.PUBLISHED or not (
            locked.starts_on <= received_on <= locked.ends_on
        ):
            raise ValidationError(_("Objections are taken only while the notice runs."))
        if user is None and not is_running(locked, today):
            raise ValidationError(_("Objections are taken only while the notice runs."))
        if not Application.objects.filter(
            pk=application.pk, notice=locked, status=ApplicationStatus.IN_NOTICE
        ).exists():
            raise ValidationError(
                {"application": _("Choose an application listed in this notice.")}
            )
        objection = Objection(
            notice=locked,
            application=application,
            objector_name=name,
            objector_contact=contact,
            reason=reason,
            received_on=received_on,
        )
        objection.full_clean()
        if user is not None:
            objection._history_user = user
        objection.save()
        for person in _office_users(locked, "incentives.change_objection"):
            notify(
                person,
                _("Objection to %(application)s in %(notice)s")
                % {
                    "application": application,
                    "notice": locked.title,
                },
                reason[:300],
                locked.get_absolute_url(),
            )
    return objection


def _office_users(notice: PublicNotice, perm: str):
    """Active users whose grant of `perm` reaches the notice's programme."""
    from ipcity.accounts.models import User

    app_label, codename = perm.split(".")
    users = (
        User.objects.filter(
            is_active=True,
            role_assignments__role__is_active=True,
            role_assignments__role__permissions__codename=codename,
            role_assignments__role__permissions__content_type__app_label=app_label,
        )
        .distinct()
        .order_by("pk")
    )
    return [
        person for person in users if _programs(person, perm).filter(pk=notice.program_id).exists()
    ]


def resolve_objection(user, objection: Objection, upheld: bool, resolution: str) -> Objection:
    """Decide an open objection. Upheld: the application is rejected with the resolution as its
    reason, its rewards removed and its amount released; dismissed: nothing else changes."""
    resolution = (resolution or "").strip()
    _check(
        user,
        objection.notice,
        "incentives.change_objection",
        _("You may not decide objections to this notice."),
    )
    if not resolution:
        raise ValidationError(
            {"resolution": _("Give the finding: the objector is answered with it.")}
        )
    if len(resolution) > TEXT_MAX:
        raise ValidationError({"resolution": _("At most %(n)d characters.") % {"n": TEXT_MAX}})
    with transaction.atomic():
        locked = Objection.objects.select_for_update(of=("self",)).get(pk=objection.pk)
        if locked.status != ObjectionStatus.OPEN:
            raise ValidationError(_("This objection has already been decided."))
        locked.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        locked.resolution = resolution
        locked.resolved_by = user
        locked.resolved_at = timezone.now()
        locked._history_user = user
        locked.save()
        if upheld:
            _revoke(user, locked.application_id, resolution)
    _copy(objection, locked)
    return objection


def _revoke(user, application_id: int, reason: str) -> None:
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=application_id)
    )
    if application.status != ApplicationStatus.IN_NOTICE:
        return  # already revoked by another upheld objection
    amount = application.approved_amount or 0
    Reward.objects.filter(item__application=application).delete()
    if amount:
        budget.release(application.program, amount)
    application.items.update(approved_amount=None)
    application.status = ApplicationStatus.REJECTED
    application.return_reason = reason
    application.approved_amount = None
    application.decided_at = timezone.now()
    application._history_user = user
    application.save()
    title = _("The approval of application %(number)s was revoked after an objection") % {
        "number": application.number or application.pk
    }
    for person in applicant_users(application):
        notify(person, title, reason, application_link(application))


# --- ending -------------------------------------------------------------------------------


def end_notice(user, notice: PublicNotice, today: datetime.date | None = None) -> int:
    """End a notice after its last day: the applications still in notice are confirmed and
    become payable. Refused while an objection on one of them is open. `user` is None for the
    daily duty. Returns the number of applications confirmed."""
    if user is not None:
        _check(user, notice, "incentives.change_publicnotice", _("You may not end this notice."))
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _locked(notice)
        if locked.status != NoticeStatus.PUBLISHED:
            raise ValidationError(_("Only a published notice can be ended."))
        if today <= locked.ends_on:
            raise ValidationError(
                _("The notice runs until %(date)s; it can be ended after that day.")
                % {"date": locked.ends_on.isoformat()}
            )
        blocking = open_objections(locked).count()
        if blocking:
            raise ValidationError(
                ngettext(
                    "%(n)d objection is still open: decide it before ending the notice.",
                    "%(n)d objections are still open: decide them before ending the notice.",
                    blocking,
                )
                % {"n": blocking}
            )
        confirmed = list(
            Application.objects.select_for_update(of=("self",)).filter(
                notice=locked, status=ApplicationStatus.IN_NOTICE
            )
        )
        for application in confirmed:
            application.status = ApplicationStatus.CONFIRMED
            if user is not None:
                application._history_user = user
            application.save(update_fields=["status", "updated_at"])
        locked.status = NoticeStatus.ENDED
        locked.ended_at = timezone.now()
        if user is not None:
            locked._history_user = user
        locked.save()
        for application in confirmed:
            title = _("Application %(number)s is confirmed and awaits payment") % {
                "number": application.number or application.pk
            }
            for person in applicant_users(application):
                notify(person, title, locked.title, application_link(application))
    _copy(notice, locked)
    return len(confirmed)


@daily_duty("incentive-notices", order=61)
def end_due_notices(today: datetime.date) -> str:
    """End the notices whose period is over; remind the office of those held by an objection
    (once per notice and day)."""
    ended = held = 0
    due = PublicNotice.objects.filter(status=NoticeStatus.PUBLISHED, ends_on__lt=today).order_by(
        "pk"
    )
    for notice in due:
        if open_objections(notice).exists():
            held += 1
            title = _("Public notice %(title)s has ended, but objections are open") % {
                "title": notice.title
            }
            link = notice.get_absolute_url()
            for person in _office_users(notice, "incentives.change_objection"):
                if not Notification.objects.filter(
                    user=person, link=link, title=title[:200], created_at__date=today
                ).exists():
                    notify(person, title, _("Decide them, then end the notice."), link)
            continue
        end_notice(None, notice, today)
        ended += 1
    return f"{ended} notices ended, {held} held by open objections"
