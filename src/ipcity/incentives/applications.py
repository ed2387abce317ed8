"""Applications to incentive programmes: create, items, materials, submit, withdraw.

The pages, the API and the demo change applications only through these functions. Each takes
the acting user, finds the application through `restrict(user, "change")` (a row they may see
but not change is refused with PermissionDenied), runs in one transaction on the locked row and
refuses what the application's state does not allow with a ValidationError in plain words.

An enterprise user applies for their own organization; the office may create an application
on an enterprise's behalf. There is one live application per programme and applicant (a
database constraint): a withdrawn or rejected one does not block a new one. Items and
materials change only while the application is a draft or has been returned for correction;
every item change re-runs the eligibility check of the whole application.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm
from ipcity.core.uploads import check_upload

from . import eligibility, rules
from .choices import ApplicationStatus, ProgramStatus
from .models import Application, ApplicationItem, Material, Program

FIELDS = ("contact_name", "contact_phone", "bank_name", "bank_account", "statement")
EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)
WITHDRAWABLE = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.FIRST_PASSED,
    ApplicationStatus.SECOND_PASSED,
    ApplicationStatus.RETURNED,
)
LIVE_EXCLUDED = (ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED)
MAX_ITEMS = 200
MAX_MATERIALS = 30
MATERIAL_KINDS = ("pdf", "png", "jpeg", "gif", "webp", "docx", "xlsx")
NUMBER_PREFIX = "JL"


# --- reading ---------------------------------------------------------------------------------


def call_open(program, on=None) -> bool:
    on = on or timezone.localdate()
    return (
        program.status == ProgramStatus.PUBLISHED
        and program.call_opens <= on <= program.call_closes
    )


def required_materials(program) -> list[str]:
    return [line.strip() for line in program.required_materials.splitlines() if line.strip()]


def missing_materials(application, titles=None) -> list[str]:
    if titles is None:
        titles = set(application.materials.values_list("title", flat=True))
    return [t for t in required_materials(application.program) if t not in set(titles)]


def can_change(user, application) -> bool:
    return Application.objects.restrict(user, "change").filter(pk=application.pk).exists()


def available_actions(user, application, *, changeable: bool | None = None) -> set[str]:
    """What `user` may do with the application now: edit, items, attach, submit, withdraw."""
    if changeable is None:
        changeable = can_change(user, application)
    if not changeable:
        return set()
    actions = set()
    if application.status in EDITABLE:
        actions |= {"edit", "items", "attach"}
        if application.status == ApplicationStatus.RETURNED or call_open(application.program):
            actions.add("submit")
    if application.status in WITHDRAWABLE and is_applicant(user, application):
        actions.add("withdraw")
    return actions


def is_applicant(user, application) -> bool:
    """Whether `user` speaks for the applicant (a user of the applying organization)."""
    org_id = getattr(user, "organization_id", None)
    return bool(org_id) and org_id == application.applicant_id


def may_apply(user, program) -> bool:
    """Whether the apply button shows: the call is open and the user may add applications."""
    return call_open(program) and has_perm(user, Application, "add")


def live_application(user, program):
    """The live application of the user's own organization to `program`, if any."""
    org_id = getattr(user, "organization_id", None)
    if not org_id:
        return None
    return (
        Application.objects.restrict(user, "view")
        .filter(program=program, applicant_id=org_id)
        .exclude(status__in=LIVE_EXCLUDED)
        .first()
    )


# --- locking --------------------------------------------------------------------------------


def _locked(user, application, action: str = "change") -> Application:
    """The application row locked for update, inside the user's `action` scope."""
    row = (
        Application.objects.restrict(user, action)
        .select_for_update(of=("self",))
        .filter(pk=application.pk)
        .first()
    )
    if row is None:
        raise PermissionDenied(_("You may not change this application."))
    return row


def _editable(application) -> None:
    if application.status not in EDITABLE:
        raise ValidationError(
            _("The application is %(status)s; it can no longer be changed.")
            % {"status": application.get_status_display().lower()}
        )


def _clean_fields(fields: dict, *, partial: bool = False) -> dict:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown application fields: {sorted(unknown)}")
    cleaned = {name: str(value or "").strip() for name, value in fields.items()}
    errors = {}
    for name in ("contact_name", "contact_phone"):
        if (not partial or name in cleaned) and not cleaned.get(name):
            errors[name] = [_("This field is required.")]
    for name, value in cleaned.items():
        limit = Application._meta.get_field(name).max_length
        if limit and len(value) > limit:
            errors[name] = [
                _("At most %(n)s characters.") % {"n": limit},
            ]
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- create and edit ------------------------------------------------------------------------


def create(user, program, applicant, **fields) -> Application:
    """A draft application of `applicant` to `program` (during its call)."""
    cleaned = _clean_fields(fields)
    if not Program.objects.restrict(user, "view").filter(pk=program.pk).exists():
        raise PermissionDenied(_("You may not apply to this programme."))
    if not has_perm(user, Application, "add"):
        raise PermissionDenied(_("You may not add applications."))
    program = Program.objects.get(pk=program.pk)
    if not call_open(program):
        raise ValidationError(
            _("Applications to this programme are accepted from %(start)s to %(end)s.")
            % {"start": program.call_opens.isoformat(), "end": program.call_closes.isoformat()}
        )
    from ipcity.utilization.parties import orgs_in_scope

    allowed = orgs_in_scope(user, Application, "add")
    if allowed is not None and applicant.pk not in allowed:
        # Before any lookup of the applicant's applications, so nothing about another
        # organization's applications is revealed.
        raise PermissionDenied(_("You may not apply for this organization."))
    with transaction.atomic():
        if (
            Application.objects.filter(program=program, applicant=applicant)
            .exclude(status__in=LIVE_EXCLUDED)
            .exists()
        ):
            raise ValidationError(
                _("%(org)s already has an application to this programme.") % {"org": applicant}
            )
        application = Application(program=program, applicant=applicant, created_by=user, **cleaned)
        application._history_user = user
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError as exc:
            raise ValidationError(
                _("%(org)s already has an application to this programme.") % {"org": applicant}
            ) from exc
        if not Application.objects.restrict(user, "add").filter(pk=application.pk).exists():
            raise PermissionDenied(_("You may not apply for this organization."))
    return application


def update(user, application, **fields) -> Application:
    """Change the contact and bank details or the statement (draft or returned only)."""
    cleaned = _clean_fields(fields, partial=True)
    with transaction.atomic():
        locked = _locked(user, application)
        _editable(locked)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked._history_user = user
        locked.save()
    return locked


# --- items ----------------------------------------------------------------------------------


def _base(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        base = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"claimed_base": [_("Enter an amount in yuan.")]}) from exc
    if base <= 0 or base >= Decimal("1e12"):
        raise ValidationError({"claimed_base": [_("Enter an amount above zero.")]})
    return rules.money(base)


def add_item(user, application, rule, reference, claimed_base=None) -> ApplicationItem:
    """Claim one thing under one rule. The item is kept even when the registry does not know
    the number (its check then says so); the same thing twice in one application is refused."""
    reference = str(reference or "").strip()
    if not reference:
        raise ValidationError({"reference": [_("Enter the number.")]})
    if len(reference) > ApplicationItem._meta.get_field("reference").max_length:
        raise ValidationError({"reference": [_("The number is too long.")]})
    base = _base(claimed_base)
    adapter = rules.adapter(rule.kind)
    needs_base = adapter.needs_base or (rule.amount is None and rule.rate_percent is not None)
    if needs_base and base is None:
        raise ValidationError(
            {
                "claimed_base": [
                    _("Enter the amount the subsidy is a share of (e.g. the interest paid).")
                ]
            }
        )
    if not needs_base:
        base = None
    with transaction.atomic():
        locked = _locked(user, application)
        _editable(locked)
        if rule.program_id != locked.program_id:
            raise ValidationError({"rule": [_("Choose a rule of this application's programme.")]})
        if locked.items.count() >= MAX_ITEMS:
            raise ValidationError(_("An application holds at most %(n)s items.") % {"n": MAX_ITEMS})
        record = adapter.resolve(reference, locked.applicant)
        key = adapter.reward_key(record, rule) if record is not None else ""
        if key and locked.items.filter(reward_key=key).exists():
            raise ValidationError(
                {"reference": [_("This is already claimed in this application.")]}
            )
        if not record and locked.items.filter(rule=rule, reference=reference).exists():
            raise ValidationError(
                {"reference": [_("This is already claimed in this application.")]}
            )
        item = ApplicationItem(
            application=locked,
            rule=rule,
            reference=adapter.normalize(reference) if record is not None else reference,
            claimed_base=base,
        )
        if record is not None:
            setattr(item, adapter.field, record)
        item.save()
        eligibility.refresh(locked)
    item.refresh_from_db()
    return item


def remove_item(user, item) -> None:
    with transaction.atomic():
        locked = _locked(user, item.application)
        _editable(locked)
        ApplicationItem.objects.filter(pk=item.pk, application=locked).delete()
        eligibility.refresh(locked)


# --- materials ------------------------------------------------------------------------------


def add_material(user, application, title, upload) -> Material:
    """Attach one supporting document, checked by its content (PDF, images, Word, Excel)."""
    title = str(title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Say which document this is.")]})
    if len(title) > Material._meta.get_field("title").max_length:
        raise ValidationError({"title": [_("The title is too long.")]})
    if not has_perm(user, Material, "add"):
        raise PermissionDenied(_("You may not add materials."))
    info = check_upload(
        upload, kinds=MATERIAL_KINDS, max_bytes=settings.IPCITY_ATTACHMENT_MAX_BYTES
    )
    stored = []
    try:
        with transaction.atomic():
            locked = _locked(user, application)
            _editable(locked)
            if locked.materials.count() >= MAX_MATERIALS:
                raise ValidationError(
                    _("An application holds at most %(n)s documents.") % {"n": MAX_MATERIALS}
                )
            material = Material(
                application=locked,
                title=title,
                name=info.name,
                size=info.size,
                content_type=info.content_type,
                sha256=info.sha256,
                uploaded_by=user,
            )
            material.file.save(info.name, upload, save=False)
            stored.append(material.file.name)
            material._history_user = user
            material.save()
            if not Material.objects.restrict(user, "add").filter(pk=material.pk).exists():
                raise PermissionDenied(_("You may not add materials to this application."))
    except BaseException:
        from django.core.files.storage import default_storage

        for name in stored:
            with contextlib.suppress(OSError):
                default_storage.delete(name)
        raise
    return material


def remove_material(user, material) -> None:
    with transaction.atomic():
        locked = _locked(user, material.application)
        _editable(locked)
        if not Material.objects.restrict(user, "delete").filter(pk=material.pk).exists():
            raise PermissionDenied(_("You may not remove this document."))
        name = material.file.name
        Material.objects.filter(pk=material.pk).delete()
    from django.core.files.storage import default_storage

    with contextlib.suppress(OSError):
        default_storage.delete(name)


# --- submit and withdraw --------------------------------------------------------------------


def _next_number(program) -> str:
    prefix = f"{NUMBER_PREFIX}{program.year}-"
    numbers = Application.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    serials = [int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()]
    return f"{prefix}{max(serials, default=0) + 1:04d}"


def _give_number(locked) -> None:
    """A number like JL2026-0001: the next serial of the programme's year. The programme row
    is locked, so two submissions to one programme take turns; the unique constraint and a
    retry cover two programmes of the same year."""
    Program.objects.select_for_update().filter(pk=locked.program_id).first()
    for _attempt in range(10):
        number = _next_number(locked.program)
        try:
            with transaction.atomic():
                Application.objects.filter(pk=locked.pk).update(number=number)
        except IntegrityError:
            continue
        locked.number = number
        return
    raise ValidationError(_("No application number could be given; please try again."))


def submit(user, application) -> Application:
    """Send the application for review: during the call (a returned one may be sent again while
    the programme is open), with at least one eligible item, the required documents and the
    bank account the award is paid to."""
    with transaction.atomic():
        locked = _locked(user, application)
        if locked.status not in EDITABLE:
            raise ValidationError(
                _("The application is %(status)s; it cannot be submitted.")
                % {"status": locked.get_status_display().lower()}
            )
        program = locked.program
        if locked.status == ApplicationStatus.RETURNED:
            if program.status != ProgramStatus.PUBLISHED:
                raise ValidationError(_("The programme is closed."))
        elif not call_open(program):
            raise ValidationError(
                _("Applications to this programme are accepted from %(start)s to %(end)s.")
                % {
                    "start": program.call_opens.isoformat(),
                    "end": program.call_closes.isoformat(),
                }
            )
        errors = []
        items = eligibility.refresh(locked)
        if not any(i.eligible for i in items):
            errors.append(_("Add at least one item that passes the eligibility check."))
        missing = missing_materials(locked)
        if missing:
            errors.append(
                _("Upload the required documents: %(list)s.") % {"list": "、".join(missing)}
            )
        if not locked.bank_name or not locked.bank_account:
            errors.append(_("Enter the bank and account number the award is paid to."))
        if not errors:
            if not locked.number:
                _give_number(locked)
            locked.status = ApplicationStatus.SUBMITTED
            locked.submitted_at = timezone.now()
            locked._history_user = user
            locked.save()
    # Refused after the block, so the refreshed checks are kept: the applicant sees why.
    if errors:
        raise ValidationError(errors)
    return locked


def withdraw(user, application) -> Application:
    """Take the application back before it is approved: the applicant's own act (the office
    returns or rejects an application through review instead)."""
    with transaction.atomic():
        locked = _locked(user, application)
        if not is_applicant(user, locked):
            raise PermissionDenied(_("Only the applicant can withdraw its application."))
        if locked.status not in WITHDRAWABLE:
            raise ValidationError(
                _("The application is %(status)s; it can no longer be withdrawn.")
                % {"status": locked.get_status_display().lower()}
            )
        locked.status = ApplicationStatus.WITHDRAWN
        locked._history_user = user
        locked.save()
    return locked
