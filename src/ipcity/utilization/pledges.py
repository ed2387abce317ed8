"""State changes of IP finance records (task 8), shared by the pages, the API and the imports.

Every function checks the user's permission and scope, validates through the record's form
(forms/finance.py), saves in one transaction and leaves a history record naming the user. Field
problems raise `ValidationError` with a dict of field errors; a missing permission raises
`PermissionDenied`; a saved record that would fall outside the user's scope is rolled back.

Pledges move through register → (change) → release or cancel:

- `register_pledge` records a new registration (status registered);
- `change_pledge` records a registered change (变更登记): the new contents, status changed;
- `update` corrects a record without registering anything (a typo, a missing contract number);
- `release_pledge` records the release (解除) with its date; `cancel_pledge` the cancellation
  (注销) of a registration that should not stand. Open risk alerts of a released or cancelled
  pledge are resolved with a note, since the bank no longer holds the right as security.

**Who records what.** A bank records its own books: for a user without a district-wide grant,
the recording side of a record must be an organization the user's grants reach — the pledgee of
a pledge, the insurer of a policy, the guarantor or the lender of a guarantee
(`recording_side_error`). A pledge pledges only rights its pledgor holds: a patent whose holders
include the pledgor, a trademark whose holder is the pledgor (`unheld_rights`). The forms
(pages and API) and the import run the same two checks.

**Pledge amounts and the registry.** A pledge's secured amount is divided equally among the
rights it pledges (its patents and trademarks): the contract pledges the rights together and the
register does not split the amount, so an equal share is the only reading that keeps the sum of
the shares equal to the loan. A patent's `pledge_amount` is the sum of its shares over its
pledges that are not cancelled, so a 5,000 (10k yuan) pledge of fifty patents gives each patent
100, and does not make all fifty reach the high-value pledge threshold. Released pledges still
count: the high-value criterion "a high pledge-financing amount" measures the financing a patent
has secured, and a repaid loan was secured all the same; a cancelled registration never secured
anything, so a patent whose pledges are all cancelled is left with no amount (None).

After any change of a pledge (registration, change, edit, release, cancellation, deletion,
import), `sync_patents` recomputes the amounts of every patent the pledge covers, before and
after the change, and reclassifies them with `rights.highvalue.classify_queryset` inside the same
transaction, so the high-value flag never disagrees with the pledges that fed it. The amount has
one writer at a time: a patent with pledge rows here is computed from them (the registry's
patent form then shows it read-only); a patent with no pledge rows at all — never pledged here,
or its last pledge deleted or changed to other rights — keeps whatever amount it has, which the
registry may then edit again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.scope import ScopeChoices, grants_for, has_perm, perm_name
from ipcity.orgs.models import Organization
from ipcity.rights.highvalue import classify_queryset
from ipcity.rights.models import Patent, PatentHolder, Trademark

from .choices import ACTIVE_PLEDGE, PledgeStatus, RiskStatus
from .forms.finance import FORMS
from .models import Guarantee, InsurancePolicy, Pledge, RiskAlert

CHUNK = 500
CENT = Decimal("0.01")

# The side that keeps a record in its books, and what a user hears who names another.
RECORDING_SIDE = {
    Pledge: (
        ("pledgee",),
        gettext_lazy("You may record only pledges your institution takes: name it as the pledgee."),
    ),
    InsurancePolicy: (
        ("insurer",),
        gettext_lazy(
            "You may record only policies your institution writes: name it as the insurer."
        ),
    ),
    Guarantee: (
        ("guarantor", "lender"),
        gettext_lazy(
            "You may record only guarantees your institution gives or lends against: name it "
            "as the guarantor or the lender."
        ),
    ),
}
# Numbers the database keeps unique, and the message when a concurrent save took one.
NUMBER_FIELDS = {
    Pledge: ("registration_number", gettext_lazy("Another pledge has this registration number.")),
    InsurancePolicy: ("policy_number", gettext_lazy("Another policy has this number.")),
}


# --- permission and validation helpers ---------------------------------------------------------


def check_add(user, model) -> None:
    if user is not None and not has_perm(user, model, "add"):
        raise PermissionDenied(
            _("You may not add %(things)s.") % {"things": model._meta.verbose_name_plural}
        )


def check_change(user, obj, action: str = "change") -> None:
    if user is None:
        return
    if not type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(
            _("You may not change this %(thing)s.") % {"thing": type(obj)._meta.verbose_name}
        )


def _validated(form):
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form


def scope_org_ids(user, model, action: str = "add") -> set[int] | None:
    """The organizations whose `model` records `user` may `action`, by the same grants as
    `core.scope.scope_q` (the assignment's organization or the user's own; own, or it and its
    subordinates); None when the reach is unlimited (a district-wide grant, a superuser, the
    system)."""
    if user is None or user.is_superuser:
        return None
    grants = grants_for(user, perm_name(model, action))
    if any(g.scope == ScopeChoices.DISTRICT for g in grants):
        return None
    ids: set[int] = set()
    subtree = Q(pk__in=[])
    for grant in grants:
        if grant.org_id is None:
            continue
        ids.add(grant.org_id)
        if grant.scope == ScopeChoices.SUBTREE:
            subtree |= Q(path__startswith=grant.org_path)
    if any(g.scope == ScopeChoices.SUBTREE and g.org_id for g in grants):
        ids.update(Organization.objects.filter(subtree).values_list("pk", flat=True))
    return ids


def recording_side_error(model, orgs: dict, allowed: set[int] | None) -> tuple[str, str] | None:
    """(field, message) when none of the record's recording parties (RECORDING_SIDE) is among
    the `allowed` organizations; None when the record is the user's to keep. `orgs` maps party
    fields to organizations or their ids."""
    if allowed is None or model not in RECORDING_SIDE:
        return None
    fields, message = RECORDING_SIDE[model]
    for name in fields:
        org = orgs.get(name)
        if org is not None and getattr(org, "pk", org) in allowed:
            return None
    return fields[0], str(message)


# The party a record's financial product must belong to: a bank's loan product backs its own
# pledges, an insurer's product its own policies.
PRODUCT_OWNER = {Pledge: "pledgee", InsurancePolicy: "insurer"}


def product_error(model, product, org) -> str | None:
    """The message when `product` (object or None) does not belong to `org` (object or id), the
    party PRODUCT_OWNER names for `model`; None when it fits or there is nothing to check."""
    if product is None or org is None or model not in PRODUCT_OWNER:
        return None
    if product.institution_id == getattr(org, "pk", org):
        return None
    if model is Pledge:
        return str(_("This product is another institution's, not the pledgee's."))
    return str(_("This product is another institution's, not the insurer's."))


def unheld_rights(pledgor, patents=(), trademarks=()) -> dict[str, str]:
    """Field errors for pledged rights the pledgor does not hold: patents without the pledgor
    among their holders, trademarks whose holder is another. Rights as objects or ids."""
    pledgor_id = getattr(pledgor, "pk", pledgor)
    errors: dict[str, str] = {}
    patent_ids = list(dict.fromkeys(getattr(p, "pk", p) for p in patents))
    if patent_ids:
        held = set(
            PatentHolder.objects.filter(
                organization_id=pledgor_id, patent_id__in=patent_ids
            ).values_list("patent_id", flat=True)
        )
        missing = [pk for pk in patent_ids if pk not in held]
        if missing:
            numbers = dict(
                Patent.objects.filter(pk__in=missing).values_list("pk", "application_number")
            )
            errors["patents"] = _("The pledgor does not hold these patents: %(list)s") % {
                "list": "、".join(numbers[pk] for pk in missing if pk in numbers)
            }
    trademark_ids = list(dict.fromkeys(getattr(t, "pk", t) for t in trademarks))
    if trademark_ids:
        numbers = list(
            Trademark.objects.filter(pk__in=trademark_ids)
            .exclude(holder_id=pledgor_id)
            .order_by("registration_number")
            .values_list("registration_number", flat=True)
        )
        if numbers:
            errors["trademarks"] = _("The pledgor does not hold these trademarks: %(list)s") % {
                "list": "、".join(numbers)
            }
    return errors


def _in_scope(user, obj, action: str) -> bool:
    return user is None or type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists()


def _pledge_patent_ids(pledge: Pledge) -> set[int]:
    if pledge.pk is None:
        return set()
    return set(
        Pledge.patents.through.objects.filter(pledge=pledge).values_list("patent_id", flat=True)
    )


def _save(user, form, action: str, status: str | None = None, note: str = ""):
    """Save a validated form; the saved row must still be inside the user's `action` scope."""
    try:
        with transaction.atomic():
            obj = form.instance
            before = _pledge_patent_ids(obj) if isinstance(obj, Pledge) else set()
            obj = form.save(commit=False)
            if status is not None:
                obj.status = status
            if note:
                obj.notes = _append_note(obj.notes, note)
            if user is not None:
                obj._history_user = user
            obj.save()
            form.save_m2m()
            if not _in_scope(user, obj, action):
                raise ValidationError(
                    {
                        "__all__": [
                            _(
                                "The record would fall outside your scope: name one of your "
                                "organizations as a party."
                            )
                        ]
                    }
                )
            if isinstance(obj, Pledge):
                pledge_changed(obj, before)
    except IntegrityError:
        field, message = NUMBER_FIELDS.get(
            type(form.instance), ("__all__", _("A record with this number already exists."))
        )
        raise ValidationError({field: [str(message)]}) from None
    return obj


def _append_note(existing: str, note: str) -> str:
    line = f"[{timezone.localdate().isoformat()}] {note.strip()}"
    return f"{existing.rstrip()}\n{line}" if existing.strip() else line


# --- every finance record ----------------------------------------------------------------------


def create(user, model, data: dict):
    """Create a `model` row from form-style `data`."""
    check_add(user, model)
    form = _validated(FORMS[model](data=data, user=user))
    return _save(user, form, "add")


def update(user, obj, data: dict):
    """Correct `obj` with the values in `data`. Only the fields sent are validated and changed;
    the others keep their current value, even one the user may not see (a guarantor keeps the
    bank's pledge its guarantee backs)."""
    check_change(user, obj)
    form = _validated(_partial_form(user, obj, data))
    return _save(user, form, "change")


def _partial_form(user, obj, data: dict):
    data = dict(data.items())
    return FORMS[type(obj)](data=data, instance=obj, user=user, only=set(data))


def save_form(user, form):
    """Save a form the caller validated (the HTML views), with the same checks as above."""
    obj = form.instance
    if obj.pk:
        check_change(user, obj)
    else:
        check_add(user, type(obj))
    return _save(user, form, "change" if obj.pk else "add")


def delete(user, obj) -> None:
    """Delete `obj` (recorded in its history, so it can be restored); a pledge's patents get
    their amounts again without it."""
    check_change(user, obj, "delete")
    with transaction.atomic():
        patent_ids = _pledge_patent_ids(obj) if isinstance(obj, Pledge) else set()
        if user is not None:
            obj._history_user = user
        obj.delete()
        if patent_ids:
            sync_patents(patent_ids)


def record_imported(user, model, items: list[dict]) -> list:
    """Create the records of an import whose rows were checked (imports/finance.py).

    `items` hold field values with organizations and related records as ids, plus `patents`
    and `trademarks` id lists. Runs inside the caller's transaction. Every record must lie in
    the user's add scope, else PermissionDenied and the caller rolls back. Pledges then get their
    patents' amounts, classification and risk check once for the whole file.
    """
    check_add(user, model)
    created = []
    patent_ids: set[int] = set()
    for values in items:
        values = dict(values)
        patents = values.pop("patents", None) or []
        trademarks = values.pop("trademarks", None) or []
        obj = model(**values)
        if user is not None:
            obj._history_user = user
        obj.save()
        if patents:
            obj.patents.set(patents)
            patent_ids.update(patents)
        if trademarks:
            obj.trademarks.set(trademarks)
        created.append(obj)
    if user is not None and created:
        pks = [obj.pk for obj in created]
        inside = model.objects.restrict(user, "add").filter(pk__in=pks).count()
        if inside != len(pks):
            raise PermissionDenied(_("The records would fall outside your scope."))
    if model is Pledge and created:
        from . import risks

        if patent_ids:
            sync_patents(patent_ids)
        active = [obj.pk for obj in created if obj.status in ACTIVE_PLEDGE]
        if active:
            risks.scan(pledge_ids=active)
    return created


# --- pledges -------------------------------------------------------------------------------------


def register_pledge(user, data: dict) -> Pledge:
    return create(user, Pledge, data)


def change_pledge(user, pledge: Pledge, data: dict, note: str = "") -> Pledge:
    """Record a registered change of an active pledge: new contents, status changed. Fields
    missing from `data` keep their value."""
    check_change(user, pledge)
    _require_active(pledge, _("Only a registered pledge can be changed."))
    form = _validated(_partial_form(user, pledge, data))
    return change_pledge_form(user, form, note)


def change_pledge_form(user, form, note: str = "") -> Pledge:
    """`change_pledge` with a form the caller validated (the change page)."""
    pledge = form.instance
    check_change(user, pledge)
    _require_active(pledge, _("Only a registered pledge can be changed."))
    text = _("Change registered") + (f": {note.strip()}" if note and note.strip() else "")
    return _save(user, form, "change", status=PledgeStatus.CHANGED, note=text)


def release_pledge(user, pledge: Pledge, release_date: date, note: str = "") -> Pledge:
    """Record the release of an active pledge on `release_date`."""
    check_change(user, pledge)
    _require_active(pledge, _("Only a registered pledge can be released."))
    if release_date is None:
        raise ValidationError({"release_date": [_("Give the release date.")]})
    if release_date < pledge.registration_date:
        raise ValidationError(
            {"release_date": [_("The release cannot come before the registration.")]}
        )
    text = _("Released") + (f": {note.strip()}" if note and note.strip() else "")
    return _close(user, pledge, PledgeStatus.RELEASED, text, release_date)


def cancel_pledge(user, pledge: Pledge, note: str = "") -> Pledge:
    """Cancel a registration that should not stand; its amount no longer counts."""
    check_change(user, pledge)
    if pledge.status == PledgeStatus.CANCELLED:
        raise ValidationError({"__all__": [_("This pledge is already cancelled.")]})
    text = _("Cancelled") + (f": {note.strip()}" if note and note.strip() else "")
    return _close(user, pledge, PledgeStatus.CANCELLED, text, pledge.release_date)


def _require_active(pledge: Pledge, message: str) -> None:
    if pledge.status not in ACTIVE_PLEDGE:
        raise ValidationError({"__all__": [message]})


def _close(user, pledge: Pledge, status: str, note: str, release_date) -> Pledge:
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        locked.status = status
        locked.release_date = release_date
        locked.notes = _append_note(locked.notes, note)
        if user is not None:
            locked._history_user = user
        locked.save()
        _resolve_open_alerts(
            user,
            locked,
            _("Closed automatically: the pledge was %(status)s.")
            % {"status": locked.get_status_display().lower()},
        )
        pledge_changed(locked, set())
    for field in ("status", "release_date", "notes", "updated_at"):
        setattr(pledge, field, getattr(locked, field))
    return pledge


def _resolve_open_alerts(user, pledge: Pledge, note: str) -> int:
    alerts = list(RiskAlert.objects.filter(pledge=pledge).exclude(status=RiskStatus.RESOLVED))
    for alert in alerts:
        alert.status = RiskStatus.RESOLVED
        alert.handled_note = _append_note(alert.handled_note, note)
        if user is not None:
            alert._history_user = user
        alert.save()
    return len(alerts)


def pledge_changed(pledge: Pledge, patent_ids_before=()) -> None:
    """After a pledge changed: amounts and classification of its patents (those it covered
    before as well), then a risk check of its rights while it is active."""
    from . import risks

    patent_ids = set(patent_ids_before) | _pledge_patent_ids(pledge)
    if patent_ids:
        sync_patents(patent_ids)
    if pledge.status in ACTIVE_PLEDGE:
        risks.scan(pledge_ids=[pledge.pk])


def sync_patents(patent_ids) -> int:
    """Set `pledge_amount` of these patents to the sum of their equal shares of the pledges that
    are not cancelled (see the module docstring) and reclassify them; patents with no pledge rows
    at all are left alone. Returns how many amounts changed."""
    ids = sorted(set(patent_ids))
    changed = 0
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            links = list(
                Pledge.patents.through.objects.filter(patent_id__in=chunk).values_list(
                    "patent_id", "pledge_id", "pledge__status", "pledge__amount"
                )
            )
            linked = sorted({patent_id for patent_id, *_rest in links})
            if not linked:
                continue
            live = [
                (patent_id, pledge_id, amount)
                for patent_id, pledge_id, status, amount in links
                if status != PledgeStatus.CANCELLED
            ]
            counts = rights_counts({pledge_id for _p, pledge_id, _a in live})
            totals: dict[int, Decimal] = defaultdict(Decimal)
            for patent_id, pledge_id, amount in live:
                totals[patent_id] += Decimal(amount) / counts[pledge_id]
            dirty = []
            for patent in Patent.objects.filter(pk__in=linked).only("pk", "pledge_amount"):
                total = totals.get(patent.pk)
                if total is not None:
                    total = total.quantize(CENT, rounding=ROUND_HALF_UP)
                if patent.pledge_amount != total:
                    patent.pledge_amount = total
                    dirty.append(patent)
            if dirty:
                Patent.objects.bulk_update(dirty, ["pledge_amount"])
                changed += len(dirty)
            classify_queryset(Patent.objects.filter(pk__in=linked))
    return changed


def rights_counts(pledge_ids) -> dict[int, int]:
    """How many rights (patents and trademarks) each of these pledges pledges."""
    counts: Counter = Counter()
    ids = sorted(set(pledge_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for through in (Pledge.patents.through, Pledge.trademarks.through):
            rows = (
                through.objects.filter(pledge_id__in=chunk)
                .order_by()
                .values("pledge_id")
                .annotate(n=Count("pk"))
                .values_list("pledge_id", "n")
            )
            for pledge_id, n in rows:
                counts[pledge_id] += n
    return dict(counts)


# --- risk alerts -------------------------------------------------------------------------------


def acknowledge_alert(user, alert: RiskAlert, note: str = "") -> RiskAlert:
    """The bank, the pledgor or the office has seen the alert and is on it (any party that may
    change it; only the pledgee and the office resolve it)."""
    check_change(user, alert)
    if alert.status != RiskStatus.OPEN:
        raise ValidationError({"__all__": [_("Only an open alert can be acknowledged.")]})
    return _handle(user, alert, RiskStatus.ACKNOWLEDGED, _("Acknowledged"), note)


def may_resolve(user, alert: RiskAlert) -> bool:
    """Whether `user` may resolve the alert: the pledgee's side (the bank whose security it
    threatens) and the office (a district-wide grant). The pledgor may only acknowledge it, so
    it cannot silence the bank's alert."""
    if user is None or user.is_superuser:
        return True
    grants = grants_for(user, perm_name(RiskAlert, "change"))
    if any(g.scope == ScopeChoices.DISTRICT for g in grants):
        return True
    pledgee_id, path = Pledge.objects.filter(pk=alert.pledge_id).values_list(
        "pledgee_id", "pledgee__path"
    )[0]
    for grant in grants:
        if grant.org_id is None:
            continue
        if grant.scope == ScopeChoices.SUBTREE and path.startswith(grant.org_path):
            return True
        if grant.org_id == pledgee_id:
            return True
    return False


def resolve_alert(user, alert: RiskAlert, note: str) -> RiskAlert:
    """Close the alert, saying how it was handled (the pledgee or the office)."""
    check_change(user, alert)
    if not may_resolve(user, alert):
        raise PermissionDenied(_("Only the pledgee or the office may resolve this alert."))
    if alert.status == RiskStatus.RESOLVED:
        raise ValidationError({"__all__": [_("This alert is already resolved.")]})
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say how the risk was handled.")]})
    return _handle(user, alert, RiskStatus.RESOLVED, _("Resolved"), note)


def _handle(user, alert: RiskAlert, status: str, label: str, note: str) -> RiskAlert:
    who = getattr(user, "display_name", "") or getattr(user, "username", "")
    text = f"{label} ({who})" + (f": {note.strip()}" if note and note.strip() else "")
    with transaction.atomic():
        alert.status = status
        alert.handled_note = _append_note(alert.handled_note, text)
        if user is not None:
            alert._history_user = user
        alert.save()
    return alert
