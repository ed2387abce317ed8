"""State changes of enterprise cultivation (task 5), shared by the pages, the API and the imports:
designations, criteria, enterprise facts, support records and the cultivation pool.

Each function checks the user's permission and scope, validates through the forms of
`forms/cultivation.py`, writes in one transaction and leaves a history record naming the user.
Field problems raise `ValidationError` (a dict of field errors); a missing permission raises
`PermissionDenied`. Pool entries are evaluated against their track's criteria when they are
created, when the enterprise's facts or designations change (here and in the imports), on
request, and every day (`daily.py`, for what changes elsewhere: certificates, patents, criteria);
"re-evaluate all" also runs as a background job. A track without active criteria would evaluate
against nothing, so no entry enters it.

The evaluation columns are written only by `criteria.evaluate_entries` (a bulk update of those
columns), and a person's changes to an entry save only their own columns under a row lock, so a
re-evaluation running meanwhile is never overwritten, nor overwrites a stage move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, UniqueConstraint
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from ipcity.core import jobs
from ipcity.core.scope import has_perm
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization

from . import criteria as evaluation
from .choices import DesignationKind, DesignationLevel, PoolStage
from .forms.cultivation import (
    NO_CRITERIA,
    CultivationCriterionForm,
    DesignationForm,
    EnterpriseFactsForm,
    PoolEntryEditForm,
    PoolEntryForm,
    SupportRecordForm,
)
from .models import (
    CultivationCriterion,
    Designation,
    EnterpriseFacts,
    PoolEntry,
    SupportRecord,
)

FORMS = {
    Designation: DesignationForm,
    CultivationCriterion: CultivationCriterionForm,
    EnterpriseFacts: EnterpriseFactsForm,
    SupportRecord: SupportRecordForm,
    PoolEntry: PoolEntryForm,
}
EDIT_FORMS = {**FORMS, PoolEntry: PoolEntryEditForm}

# Where an entry may go from each stage: one step forward or back, out of the pool from
# anywhere, and back in (as a candidate) after leaving.
STAGE_MOVES = {
    PoolStage.CANDIDATE: (PoolStage.CULTIVATED, PoolStage.WITHDRAWN),
    PoolStage.CULTIVATED: (PoolStage.CANDIDATE, PoolStage.DESIGNATED, PoolStage.WITHDRAWN),
    PoolStage.DESIGNATED: (PoolStage.CULTIVATED, PoolStage.WITHDRAWN),
    PoolStage.WITHDRAWN: (PoolStage.CANDIDATE,),
}
PIPELINE_STAGES = (PoolStage.CANDIDATE, PoolStage.CULTIVATED, PoolStage.DESIGNATED)
EVALUATE_JOB = "utilization.pool_evaluate"
EVALUATE_CHUNK = 500
FINDER_LIMIT = 200


# -- permission checks ---------------------------------------------------------------------------


def check_add(user, model) -> None:
    if not has_perm(user, model, "add"):
        raise PermissionDenied(
            _("You may not add %(things)s.") % {"things": model._meta.verbose_name_plural}
        )


def check_change(user, obj, action: str = "change") -> None:
    if not type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists():
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


def _inside(user, obj, action: str) -> None:
    """The saved row must still lie inside the user's scope; else everything rolls back."""
    if user is not None and not type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("The record would fall outside your scope."))


# -- designations, criteria, facts, support records ----------------------------------------------


def save_form(user, form):
    """Save a form the caller validated (the pages), with the checks of create/update."""
    obj = form.instance
    if obj.pk:
        check_change(user, obj)
    else:
        check_add(user, type(obj))
    if isinstance(obj, PoolEntry) and not obj.pk:
        return _create_entry(user, form)
    return _save(user, form, "change" if obj.pk else "add")


def duplicate_message(model) -> str:
    """What to say when a save meets one of `model`'s unique constraints."""
    if model is CultivationCriterion:
        return _("A criterion with this code already exists.")
    for constraint in model._meta.constraints:
        message = getattr(constraint, "violation_error_message", None)
        if isinstance(constraint, UniqueConstraint) and message:
            return str(message)
    return _("This record already exists.")


# Records an entry's evaluation reads: saving one re-evaluates that enterprise's entries.
EVALUATED_FROM = (Designation, EnterpriseFacts)


def _save(user, form, action: str):
    before = None
    if form.instance.pk and isinstance(form.instance, EVALUATED_FROM):
        before = (
            type(form.instance)
            .objects.filter(pk=form.instance.pk)
            .values_list("organization_id", flat=True)
            .first()
        )
    try:
        with transaction.atomic():
            obj = form.save(commit=False)
            obj._history_user = user
            if isinstance(obj, PoolEntry) and obj.pk:
                _save_entry(obj, [*form._meta.fields, "updated_at"])
            else:
                obj.save()
            form.save_m2m()
            _inside(user, obj, action)
            if isinstance(obj, EVALUATED_FROM):
                evaluation.evaluate_organizations({obj.organization_id, before})
    except IntegrityError:
        raise ValidationError({"__all__": [duplicate_message(type(form.instance))]}) from None
    return obj


def _save_entry(entry: PoolEntry, fields) -> None:
    """Save a person's change to an entry: its own columns only, with the row locked, so the
    evaluation columns a re-evaluation writes meanwhile are kept."""
    PoolEntry.objects.select_for_update().filter(pk=entry.pk).values_list("pk").first()
    entry.save(update_fields=list(fields))


def deleted(obj) -> None:
    """After a designation or facts row was deleted: re-evaluate its enterprise's entries."""
    if isinstance(obj, EVALUATED_FROM):
        evaluation.evaluate_organizations([obj.organization_id])


def create(user, model, data: dict):
    """Create a `model` row from form-style `data` (ids for foreign keys). A pool entry names
    its track as `track` ("kind:level") or as `target_kind` and `target_level`."""
    check_add(user, model)
    if model is PoolEntry:
        return _create_entry(user, _validated_entry_form(user, data))
    form = _validated(FORMS[model](data=data, user=user))
    return _save(user, form, "add")


def _validated_entry_form(user, data: dict):
    data = dict(data)
    by_fields = "track" not in data
    if by_fields:
        kind = data.pop("target_kind", "") or ""
        level = data.pop("target_level", "") or ""
        data["track"] = f"{kind}:{level}" if kind else ""
    form = PoolEntryForm(data=data, user=user)
    if form.is_valid():
        return form
    errors = form.errors.as_data()
    if by_fields and "track" in errors:
        errors["target_kind"] = errors.pop("track")
    raise ValidationError(errors)


def update(user, obj, data: dict):
    """Change `obj` with `data`; fields missing from `data` keep their value."""
    check_change(user, obj)
    form_class = EDIT_FORMS[type(obj)]
    values = _form_values(obj, form_class)
    values.update(data)
    form = _validated(form_class(data=values, instance=obj, user=user))
    return _save(user, form, "change")


# -- the pool ------------------------------------------------------------------------------------


def _create_entry(user, form) -> PoolEntry:
    # The form offers enterprises only, so nothing else enters the pool.
    try:
        with transaction.atomic():
            entry = form.save(commit=False)
            entry.year = entry.year or timezone.localdate().year
            entry._history_user = user
            entry.save()
            _inside(user, entry, "add")
            evaluation.evaluate_entries([entry])
    except IntegrityError:
        raise ValidationError({"__all__": [duplicate_message(PoolEntry)]}) from None
    return entry


def add_to_pool(
    user, organization, target_kind: str, target_level: str = "", year=None, notes: str = ""
) -> PoolEntry:
    """Put one enterprise in the pool for a track and evaluate it at once."""
    return create(
        user,
        PoolEntry,
        {
            "organization": getattr(organization, "pk", organization),
            "target_kind": target_kind,
            "target_level": target_level or "",
            "year": year or "",
            "notes": notes,
        },
    )


def _check_track(target_kind: str, target_level: str, need_criteria: bool = False) -> None:
    errors = {}
    if target_kind not in DesignationKind.values:
        errors["target_kind"] = [_("Unknown designation kind.")]
    if target_level and target_level not in DesignationLevel.values:
        errors["target_level"] = [_("Unknown level.")]
    if errors:
        raise ValidationError(errors)
    if need_criteria and not evaluation.has_criteria(target_kind, target_level):
        raise ValidationError({"track": [str(NO_CRITERIA)]})


def holders_q(target_kind: str, target_level: str = "", today: dt.date | None = None):
    """Organizations holding a designation of the track in force today (any level when the
    track has none): they need no cultivation toward it."""
    held = Designation.objects.filter(
        evaluation.designation_valid_q(today or timezone.localdate()), kind=target_kind
    )
    if target_level:
        held = held.filter(level=target_level)
    return Q(pk__in=held.values("organization_id"))


def add_candidates(
    user, organization_ids, target_kind: str, target_level: str = "", year=None
) -> list[PoolEntry]:
    """Put several enterprises in the pool for one track (the candidate finder's bulk add).
    A track without active criteria is refused. Enterprises already in the track, already
    holding its designation, not visible to the user or not enterprises are skipped; the rest
    are created and evaluated together."""
    check_add(user, PoolEntry)
    _check_track(target_kind, target_level, need_criteria=True)
    wanted = {int(pk) for pk in organization_ids}
    taken = set(
        PoolEntry.objects.filter(
            target_kind=target_kind, target_level=target_level, organization_id__in=wanted
        ).values_list("organization_id", flat=True)
    )
    ids = list(
        Organization.objects.restrict(user, "view")
        .filter(pk__in=wanted - taken, kind=OrganizationKind.ENTERPRISE)
        .exclude(holders_q(target_kind, target_level))
        .order_by("name")
        .values_list("pk", flat=True)
    )
    if not ids:
        return []
    year = year or timezone.localdate().year
    entries = [
        PoolEntry(organization_id=pk, target_kind=target_kind, target_level=target_level, year=year)
        for pk in ids
    ]
    try:
        with transaction.atomic():
            created = bulk_create_with_history(entries, PoolEntry, default_user=user)
            if any(e.pk is None for e in created):
                created = list(
                    PoolEntry.objects.filter(
                        organization_id__in=ids, target_kind=target_kind, target_level=target_level
                    )
                )
            inside = PoolEntry.objects.restrict(user, "add").filter(pk__in=[e.pk for e in created])
            if inside.count() != len(created):
                raise PermissionDenied(_("The records would fall outside your scope."))
            evaluation.evaluate_entries(created)
    except IntegrityError:
        raise ValidationError(
            {"__all__": [_("Someone added some of these enterprises meanwhile; try again.")]}
        ) from None
    return created


def evaluate_entry(user, entry: PoolEntry) -> PoolEntry:
    check_change(user, entry)
    evaluation.evaluate_entries([entry])
    return entry


def allowed_moves(stage: str) -> tuple[str, ...]:
    return STAGE_MOVES.get(stage, ())


def move_stage(
    user,
    entry: PoolEntry,
    stage: str,
    *,
    level: str = "",
    year: int | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    certificate_number: str = "",
    source_document: str = "",
    designation: Designation | None = None,
) -> PoolEntry:
    """Move an entry to `stage`. Reaching "designated" links the designation obtained: the one
    given, an existing one of the enterprise for that kind, level and year, or a new one."""
    check_change(user, entry)
    if stage not in PoolStage.values:
        raise ValidationError({"stage": [_("Unknown stage.")]})
    if stage == entry.stage:
        return entry
    if stage not in allowed_moves(entry.stage):
        raise ValidationError(
            {
                "stage": [
                    _("An entry cannot move from “%(from)s” to “%(to)s”.")
                    % {
                        "from": entry.get_stage_display(),
                        "to": PoolStage(stage).label,
                    }
                ]
            }
        )
    with transaction.atomic():
        # Lock the row and save only the columns a move changes: a re-evaluation running
        # meanwhile writes the evaluation columns and keeps them.
        locked = PoolEntry.objects.select_for_update().filter(pk=entry.pk).first()
        if locked is None or locked.stage != entry.stage:
            raise ValidationError(
                {"stage": [_("This entry was changed meanwhile; reload the page and try again.")]}
            )
        created = None
        if stage == PoolStage.DESIGNATED:
            entry.designation, created = _designation_for(
                user,
                entry,
                designation=designation,
                level=level,
                year=year,
                valid_from=valid_from,
                valid_until=valid_until,
                certificate_number=certificate_number,
                source_document=source_document,
            )
        else:
            # Only a designated entry links the designation obtained; moving back unlinks it.
            entry.designation = None
        entry.stage = stage
        entry._history_user = user
        entry.save(update_fields=["stage", "designation", "updated_at"])
        if created is not None:
            evaluation.evaluate_organizations([entry.organization_id])
            entry.refresh_from_db(
                fields=["criteria_met", "criteria_total", "meets_all", "evaluation", "evaluated_at"]
            )
    return entry


def _not_current(designation) -> ValidationError:
    return ValidationError(
        {
            "designation": [
                _(
                    "“%(designation)s” (%(year)s) is not in force today: link a current "
                    "designation, or record its validity first."
                )
                % {"designation": designation.title, "year": designation.year}
            ]
        }
    )


def _designation_for(user, entry, *, designation, level, year, **fields):
    """(the designation to link, the one created or None). It must be the enterprise's, of the
    entry's kind and level (when the entry has one) and in force today."""
    today = timezone.localdate()
    if designation is not None:
        if (
            designation.organization_id != entry.organization_id
            or designation.kind != entry.target_kind
            or (entry.target_level and designation.level != entry.target_level)
        ):
            raise ValidationError(
                {"designation": [_("This designation is not the one this entry prepares for.")]}
            )
        if not evaluation.designation_is_current(designation, today):
            raise _not_current(designation)
        return designation, None
    level = level or entry.target_level
    if not level:
        raise ValidationError({"level": [_("Choose the level of the designation obtained.")]})
    if level not in DesignationLevel.values:
        raise ValidationError({"level": [_("Unknown level.")]})
    if entry.target_level and level != entry.target_level:
        raise ValidationError(
            {
                "level": [
                    _("This entry prepares for the %(level)s level.")
                    % {"level": entry.get_target_level_display()}
                ]
            }
        )
    year = year or today.year
    existing = Designation.objects.filter(
        organization_id=entry.organization_id, kind=entry.target_kind, level=level, year=year
    ).first()
    if existing is not None:
        if not evaluation.designation_is_current(existing, today):
            raise _not_current(existing)
        return existing, None
    start, end = fields.get("valid_from"), fields.get("valid_until")
    if start and end and end < start:
        raise ValidationError({"valid_until": [_("The end of validity comes before its start.")]})
    check_add(user, Designation)
    designation = Designation(
        organization_id=entry.organization_id,
        kind=entry.target_kind,
        level=level,
        year=year,
        valid_from=start,
        valid_until=end,
        certificate_number=(fields.get("certificate_number") or "")[:100],
        source_document=(fields.get("source_document") or "")[:300],
    )
    if not evaluation.designation_is_current(designation, today):
        raise ValidationError(
            {
                "valid_until": [
                    _(
                        "The designation would not be in force today: give its validity "
                        "(this kind has no default term, or the term is over)."
                    )
                ]
            }
        )
    designation._history_user = user
    designation.save()
    _inside(user, designation, "add")
    return designation, designation


# -- finding candidates --------------------------------------------------------------------------


@dataclass
class Candidate:
    organization: Organization
    evaluation: evaluation.EnterpriseEvaluation

    @property
    def missed(self) -> list[dict]:
        return [item for item in self.evaluation.items if not item["met"]]


def find_candidates(
    user,
    target_kind: str,
    target_level: str = "",
    mode: str = "all",
    street=None,
    limit: int = FINDER_LIMIT,
    today: dt.date | None = None,
) -> tuple[list[Candidate], int]:
    """Enterprises the user may see that are not yet in the track, do not already hold its
    designation (in force today) and meet all its required criteria (`mode="all"`) or miss at
    most one of them while meeting at least half of all (`mode="most"`); best first. Returns
    (the first `limit`, how many there are)."""
    _check_track(target_kind, target_level)
    criteria = evaluation.criteria_for(target_kind, target_level)
    if not criteria:
        return [], 0
    in_track = PoolEntry.objects.filter(target_kind=target_kind, target_level=target_level)
    orgs = (
        Organization.objects.restrict(user, "view")
        .filter(kind=OrganizationKind.ENTERPRISE, is_active=True)
        .exclude(pk__in=in_track.values("organization_id"))
        .exclude(holders_q(target_kind, target_level, today))
    )
    if street is not None:
        orgs = orgs.filter(region=street)
    ids = list(orgs.values_list("pk", flat=True))
    results = evaluation.evaluate(ids, criteria, today)

    def keep(ev) -> bool:
        if mode == "most":
            return ev.required_missed <= 1 and ev.met * 2 >= ev.total
        return ev.meets_all

    matching = [ev for ev in results.values() if keep(ev)]
    matching.sort(key=lambda ev: (ev.required_missed, -ev.met, ev.organization_id))
    top = matching[:limit]
    by_pk = Organization.objects.select_related("region").in_bulk(
        [ev.organization_id for ev in top]
    )
    return [Candidate(by_pk[ev.organization_id], ev) for ev in top], len(matching)


# -- re-evaluating the pool ----------------------------------------------------------------------


def request_reevaluation(user, reason: str = ""):
    """Queue the re-evaluation of every pool entry the user may change (after criteria edits,
    or when the registry has moved on)."""
    if not has_perm(user, PoolEntry, "change"):
        raise PermissionDenied(_("You may not re-evaluate the cultivation pool."))
    return jobs.submit(
        EVALUATE_JOB, _("Re-evaluate the cultivation pool"), user, {"reason": reason[:300]}
    )


def reevaluate_all(user=None, progress=None, today: dt.date | None = None) -> int:
    """Evaluate every entry (the user's change scope when given) in chunks; one transaction."""
    entries = (
        PoolEntry.objects.all() if user is None else PoolEntry.objects.restrict(user, "change")
    )
    ids = list(entries.order_by("pk").values_list("pk", flat=True))
    total = len(ids)
    done = 0
    if progress:
        progress(0, total)
    with transaction.atomic():
        for start in range(0, total, EVALUATE_CHUNK):
            chunk = list(PoolEntry.objects.filter(pk__in=ids[start : start + EVALUATE_CHUNK]))
            done += evaluation.evaluate_entries(chunk, today)
            if progress:
                progress(done, total)
    return done


@jobs.job_handler(EVALUATE_JOB)
def run_reevaluation(job, ctx):
    if job.params.get("reason"):
        ctx.log(job.params["reason"])
    ctx.progress(0, 0, _("Evaluating pool entries against the criteria"))
    count = reevaluate_all(job.created_by, progress=lambda done, total: ctx.progress(done, total))
    ctx.log(_("%(n)d pool entries evaluated.") % {"n": count})
    return {"evaluated": count}
