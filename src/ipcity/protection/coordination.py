"""Working together: consultations and circulars with their follow-up items, listed supervision
(挂牌督办), special campaigns (专项行动) and their tagged cases, mediation outcomes.

Every state change goes through a function here, shared by the pages and the API; each checks
who may make it and writes inside one transaction.

Who may do what (on top of the permission of the row's model):
- a meeting is changed (and its follow-up items added) by its convening unit only;
- a follow-up item is recorded done by its responsible unit or the convening unit;
- a supervision is concluded by the supervising body; adding or concluding one sets or clears
  `Case.is_supervised` in the same transaction;
- an agency tags its own cases (those it may change) into a running campaign; the office
  (protection.change_campaign) or the owning agency takes a tag off;
- a mediation's outcome is recorded by whoever may change it (the mediator or the referring
  agency).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.scope import ScopeChoices, grants_for, has_perm
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization

from . import visibility
from .choices import CampaignStatus, CaseStatus, MediationOutcome
from .models import Agency, Campaign, Case, FollowUp, Mediation, Meeting, Supervision

# Organizations that may supervise a case or mediate a dispute (never an enterprise, a bank or
# a university).
SUPERVISOR_KINDS = (OrganizationKind.GOVERNMENT, OrganizationKind.JUDICIAL)
MEDIATOR_KINDS = (
    OrganizationKind.SERVICE,
    OrganizationKind.GOVERNMENT,
    OrganizationKind.STREET_TOWN,
    OrganizationKind.JUDICIAL,
    OrganizationKind.OTHER,
)


def today() -> datetime.date:
    return timezone.localdate()


# -- scope helpers --------------------------------------------------------------------------------


def orgs_in_scope(user, perm: str) -> QuerySet:
    """The organizations the user's grants of `perm` reach (the user acts for them)."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    q = Q()
    matched = False
    for grant in grants_for(user, perm):
        if grant.scope == ScopeChoices.DISTRICT:
            return Organization.objects.all()
        if grant.org_id is None:
            continue
        matched = True
        if grant.scope == ScopeChoices.SUBTREE:
            q |= Q(path__startswith=grant.org_path)
        else:
            q |= Q(pk=grant.org_id)
    return Organization.objects.filter(q) if matched else Organization.objects.none()


def convening_orgs(user, perm: str) -> QuerySet:
    """The units the user convenes meetings for: like `orgs_in_scope`, but a district-wide grant
    (the office) stands for the user's own unit only. Only the convening unit edits a meeting;
    reading every meeting district-wide does not make the office their convener."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    q = Q()
    matched = False
    for grant in grants_for(user, perm):
        if grant.scope == ScopeChoices.DISTRICT:
            org_id = grant.org_id or user.organization_id
            if org_id is not None:
                matched = True
                q |= Q(pk=org_id)
            continue
        if grant.org_id is None:
            continue
        matched = True
        if grant.scope == ScopeChoices.SUBTREE:
            q |= Q(path__startswith=grant.org_path)
        else:
            q |= Q(pk=grant.org_id)
    return Organization.objects.filter(q) if matched else Organization.objects.none()


def agency_orgs() -> QuerySet:
    """Organizations that are enforcement agencies (joint members, police, procuratorate)."""
    return Organization.objects.filter(pk__in=Agency.objects.values("organization_id")).order_by(
        "name"
    )


# -- meetings ------------------------------------------------------------------------------------


def may_change_meeting(user, meeting: Meeting) -> bool:
    """The convening unit's users with protection.change_meeting."""
    return (
        Meeting.objects.restrict(user, "change").filter(pk=meeting.pk).exists()
        and convening_orgs(user, "protection.change_meeting")
        .filter(pk=meeting.convened_by_id)
        .exists()
    )


def check_meeting(user, *, convened_by, participants, cases, action: str) -> None:
    """The convening unit is the user's own, participants are agencies, cases are listed to the
    user; raises ValidationError naming the field."""
    errors: dict[str, list[str]] = {}
    perm = f"protection.{action}_meeting"
    if convened_by is None or not convening_orgs(user, perm).filter(pk=convened_by.pk).exists():
        errors["convened_by"] = [_("Convene meetings only for your own unit.")]
    part_ids = {o.pk for o in participants}
    if part_ids - set(agency_orgs().filter(pk__in=part_ids).values_list("pk", flat=True)):
        errors["participants"] = [_("Participants must be enforcement agencies.")]
    case_ids = {c.pk for c in cases}
    listed = set(visibility.listed_cases(user).filter(pk__in=case_ids).values_list("pk", flat=True))
    if case_ids - listed:
        errors["cases"] = [_("Choose cases from the list you may see.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_meeting(user, meeting: Meeting, *, participants, cases, **fields) -> Meeting:
    """Create (no pk) or change a meeting with its participants and cases."""
    action = "change" if meeting.pk else "add"
    if action == "add" and not has_perm(user, Meeting, "add"):
        raise PermissionDenied(_("You may not convene meetings."))
    if action == "change" and not may_change_meeting(user, meeting):
        raise PermissionDenied(_("Only the convening unit changes this meeting."))
    for name, value in fields.items():
        setattr(meeting, name, value)
    check_meeting(
        user,
        convened_by=meeting.convened_by if meeting.convened_by_id else None,
        participants=participants,
        cases=cases,
        action=action,
    )
    meeting._history_user = user
    meeting.full_clean(exclude=["participants", "cases"])
    meeting.save()
    meeting.participants.set(participants)
    meeting.cases.set(cases)
    return meeting


@transaction.atomic
def add_follow_up(user, meeting: Meeting, *, text: str, responsible, due_on=None) -> FollowUp:
    if not has_perm(user, FollowUp, "add") or not may_change_meeting(user, meeting):
        raise PermissionDenied(_("Only the convening unit adds follow-up items."))
    if not (text or "").strip():
        raise ValidationError({"text": _("Say what is to be done.")})
    if responsible is None:
        raise ValidationError({"responsible": _("Name the responsible unit.")})
    if due_on is not None and due_on < meeting.held_on:
        raise ValidationError({"due_on": _("The due date cannot be before the meeting.")})
    item = FollowUp(meeting=meeting, text=text.strip(), responsible=responsible, due_on=due_on)
    item._history_user = user
    item.save()
    return item


def may_record_follow_up(user, item: FollowUp) -> bool:
    return FollowUp.objects.restrict(user, "change").filter(pk=item.pk).exists()


@transaction.atomic
def record_follow_up(user, item: FollowUp, *, done_on=None, result: str = "") -> FollowUp:
    """The responsible unit (or the convener) records the item done, with its result."""
    if not may_record_follow_up(user, item):
        raise PermissionDenied(_("Only the responsible unit records this item."))
    done_on = done_on or today()
    if done_on > today():
        raise ValidationError({"done_on": _("The date cannot be in the future.")})
    if not (result or "").strip():
        raise ValidationError({"result": _("Say what was done.")})
    item.done_on = done_on
    item.result = result.strip()
    item._history_user = user
    item.save(update_fields=["done_on", "result", "updated_at"])
    return item


def is_overdue_follow_up(item: FollowUp, on: datetime.date | None = None) -> bool:
    return item.done_on is None and item.due_on is not None and item.due_on < (on or today())


# -- listed supervision ---------------------------------------------------------------------------


def supervisor_choices(user) -> QuerySet:
    return (
        orgs_in_scope(user, "protection.add_supervision")
        .filter(kind__in=SUPERVISOR_KINDS, is_active=True)
        .order_by("name")
    )


@transaction.atomic
def add_supervision(
    user, *, case: Case, supervisor, level, listed_on, due_on, requirements=""
) -> Supervision:
    if not has_perm(user, Supervision, "add"):
        raise PermissionDenied(_("You may not list cases for supervision."))
    if not visibility.listed_cases(user).filter(pk=case.pk).exists():
        raise ValidationError({"case": _("Choose a case from the list you may see.")})
    # Lock the case row: a double submission (or two supervisors at once) waits here, then
    # finds the first one's open supervision.
    case = Case.objects.select_for_update(of=("self",)).select_related("agency").get(pk=case.pk)
    if Supervision.objects.filter(case=case, concluded_on__isnull=True).exists():
        raise ValidationError(
            {
                "case": _(
                    "Case %(number)s is already under listed supervision; conclude that "
                    "supervision before listing it again."
                )
                % {"number": case.number}
            }
        )
    errors: dict[str, list[str]] = {}
    if supervisor is None or not supervisor_choices(user).filter(pk=supervisor.pk).exists():
        errors["supervisor"] = [_("Supervise only on behalf of your own unit.")]
    elif supervisor.pk == case.agency_id or (
        supervisor.path and supervisor.path.startswith(case.agency.path)
    ):
        errors["supervisor"] = [_("A case is supervised by the office or a higher unit.")]
    if due_on is not None and listed_on is not None and due_on < listed_on:
        errors["due_on"] = [_("The deadline cannot be before the listing.")]
    if not case.is_open:
        errors["case"] = [_("Only open cases are listed for supervision.")]
    if errors:
        raise ValidationError(errors)
    row = Supervision(
        case=case,
        supervisor=supervisor,
        level=level,
        listed_on=listed_on,
        due_on=due_on,
        requirements=(requirements or "").strip(),
    )
    row._history_user = user
    row.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the constraint one_open_supervision_per_case
        raise ValidationError(
            {
                "case": _("Case %(number)s is already under listed supervision.")
                % {"number": case.number}
            }
        ) from None
    Case.objects.filter(pk=case.pk).update(is_supervised=True, updated_at=timezone.now())
    return row


def may_conclude(user, row: Supervision) -> bool:
    """The supervising body's users with protection.change_supervision."""
    return (
        row.concluded_on is None
        and Supervision.objects.restrict(user, "change").filter(pk=row.pk).exists()
        and orgs_in_scope(user, "protection.change_supervision")
        .filter(pk=row.supervisor_id)
        .exists()
    )


@transaction.atomic
def conclude_supervision(user, row: Supervision, *, concluded_on, conclusion: str) -> Supervision:
    if row.concluded_on is not None:
        raise ValidationError(_("This supervision is already concluded."))
    if not may_conclude(user, row):
        raise PermissionDenied(_("Only the supervising body concludes the supervision."))
    errors = {}
    if concluded_on is None:
        errors["concluded_on"] = [_("Give the date.")]
    elif concluded_on < row.listed_on or concluded_on > today():
        errors["concluded_on"] = [_("The date must lie between the listing and today.")]
    if not (conclusion or "").strip():
        errors["conclusion"] = [_("Say how the supervision was concluded.")]
    if errors:
        raise ValidationError(errors)
    row.concluded_on = concluded_on
    row.conclusion = conclusion.strip()
    row._history_user = user
    row.save(update_fields=["concluded_on", "conclusion", "updated_at"])
    still_open = (
        Supervision.objects.filter(case_id=row.case_id, concluded_on__isnull=True)
        .exclude(pk=row.pk)
        .exists()
    )
    if not still_open:
        Case.objects.filter(pk=row.case_id).update(is_supervised=False, updated_at=timezone.now())
    return row


def is_overdue_supervision(row: Supervision, on: datetime.date | None = None) -> bool:
    return row.concluded_on is None and row.due_on < (on or today())


# -- campaigns -----------------------------------------------------------------------------------


def taggable_cases(user, campaign: Campaign | None = None) -> QuerySet:
    """The user's own cases (seen in full, changeable) not yet tagged into `campaign`."""
    qs = Case.objects.restrict(user, "change").select_related("agency")
    if campaign is not None:
        qs = qs.exclude(campaigns=campaign)
    return qs.order_by("-opened_on", "-pk")


@transaction.atomic
def tag(user, campaign: Campaign, case: Case) -> None:
    if campaign.status != CampaignStatus.RUNNING:
        raise ValidationError(_("Cases are tagged into a running campaign only."))
    if not Case.objects.restrict(user, "change").filter(pk=case.pk).exists():
        raise PermissionDenied(_("Tag only your own agency's cases."))
    campaign.cases.add(case)


def may_untag(user, case: Case) -> bool:
    return (
        has_perm(user, Campaign, "change")
        or Case.objects.restrict(user, "change").filter(pk=case.pk).exists()
    )


@transaction.atomic
def untag(user, campaign: Campaign, case: Case) -> None:
    if not may_untag(user, case):
        raise PermissionDenied(_("You may not take this case off the campaign."))
    campaign.cases.remove(case)


def tagged_cases(user, campaign: Campaign) -> QuerySet:
    """The campaign's cases whose summary the user may read."""
    return Case.objects.filter(
        campaigns=campaign, pk__in=visibility.listed_cases(user).values("pk")
    )


def campaign_results(user, campaign: Campaign) -> dict:
    """The results figures over the tagged cases the reader sees at least in summary.

    Each figure carries `params`: the case-list filters that list exactly the cases it counts.
    """
    qs = tagged_cases(user, campaign)
    base = {"campaign": campaign.pk}
    totals = qs.aggregate(
        count=Count("pk"),
        fines=Sum("fine"),
        fined=Count("pk", filter=Q(fine__isnull=False)),
        transfers=Count("pk", filter=Q(is_transferred=True)),
        repeats=Count("pk", filter=Q(is_repeat=True)),
    )
    groups = (
        qs.order_by()
        .values("agency", "agency__name", "status")
        .annotate(n=Count("pk"), fines=Sum("fine"))
    )
    statuses = list(CaseStatus)
    agencies: dict[int, dict] = {}
    by_status = {s.value: 0 for s in statuses}
    for row in groups:
        entry = agencies.setdefault(
            row["agency"],
            {
                "id": row["agency"],
                "name": row["agency__name"],
                "counts": {s.value: 0 for s in statuses},
                "total": 0,
                "fines": Decimal(0),
            },
        )
        entry["counts"][row["status"]] = row["n"]
        entry["total"] += row["n"]
        entry["fines"] += row["fines"] or Decimal(0)
        by_status[row["status"]] += row["n"]
    rows = []
    for entry in sorted(agencies.values(), key=lambda e: e["name"]):
        agency_params = {**base, "agency": entry["id"]}
        rows.append(
            {
                "agency": {"id": entry["id"], "name": entry["name"]},
                "cells": [
                    {
                        "status": s.value,
                        "value": entry["counts"][s.value],
                        "params": {**agency_params, "status": s.value},
                    }
                    for s in statuses
                ],
                "total": {"value": entry["total"], "params": agency_params},
                "fines": {"value": entry["fines"], "params": agency_params},
            }
        )
    return {
        "statuses": [{"value": s.value, "label": str(s.label)} for s in statuses],
        "rows": rows,
        "by_status": [
            {"status": s.value, "value": by_status[s.value], "params": {**base, "status": s.value}}
            for s in statuses
        ],
        "count": {"value": totals["count"], "params": base},
        "fines": {"value": totals["fines"] or Decimal(0), "params": base},
        "fined": {"value": totals["fined"], "params": base},
        "transfers": {"value": totals["transfers"], "params": {**base, "is_transferred": "true"}},
        "repeats": {"value": totals["repeats"], "params": {**base, "is_repeat": "true"}},
    }


# -- mediation -----------------------------------------------------------------------------------


def mediator_choices() -> QuerySet:
    return Organization.objects.filter(kind__in=MEDIATOR_KINDS, is_active=True).order_by("name")


def referring_choices(user) -> QuerySet:
    return orgs_in_scope(user, "protection.add_mediation").filter(
        pk__in=Agency.objects.values("organization_id")
    )


def check_mediation_parties(user, *, agency, mediator, action: str = "add") -> None:
    errors: dict[str, list[str]] = {}
    if mediator is None or not mediator_choices().filter(pk=mediator.pk).exists():
        errors["mediator"] = [_("Choose a mediation organization.")]
    if agency is not None and not referring_choices(user).filter(pk=agency.pk).exists():
        errors["agency"] = [_("Refer disputes only on behalf of your own agency.")]
    if not errors:
        mine = orgs_in_scope(user, f"protection.{action}_mediation")
        ids = [o.pk for o in (agency, mediator) if o is not None]
        if not mine.filter(pk__in=ids).exists():
            errors["agency"] = [_("Name your own agency as the referring agency.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_mediation(user, mediation: Mediation, **fields) -> Mediation:
    """Create (no pk) or change the details of a mediation (the quick path: no lead needed)."""
    action = "change" if mediation.pk else "add"
    if action == "add" and not has_perm(user, Mediation, "add"):
        raise PermissionDenied(_("You may not record mediations."))
    if (
        action == "change"
        and not Mediation.objects.restrict(user, "change").filter(pk=mediation.pk).exists()
    ):
        raise PermissionDenied(_("You may not change this mediation."))
    for name, value in fields.items():
        setattr(mediation, name, value)
    check_mediation_parties(
        user,
        agency=mediation.agency if mediation.agency_id else None,
        mediator=mediation.mediator if mediation.mediator_id else None,
        action=action,
    )
    if mediation.started_on and mediation.started_on > today():
        raise ValidationError({"started_on": _("The date cannot be in the future.")})
    if action == "add":
        mediation.recorded_by = user
    mediation._history_user = user
    mediation.full_clean(exclude=["lead", "recorded_by"])
    mediation.save()
    return mediation


@transaction.atomic
def record_outcome(
    user, mediation: Mediation, *, outcome, concluded_on, agreement_amount=None, notes=""
) -> Mediation:
    if not Mediation.objects.restrict(user, "change").filter(pk=mediation.pk).exists():
        raise PermissionDenied(_("You may not record the outcome of this mediation."))
    outcome = getattr(outcome, "value", outcome) or ""
    errors: dict[str, list[str]] = {}
    if outcome not in (
        MediationOutcome.AGREEMENT,
        MediationOutcome.FAILED,
        MediationOutcome.WITHDRAWN,
    ):
        errors["outcome"] = [_("Choose the outcome.")]
    if concluded_on is None:
        errors["concluded_on"] = [_("Give the date.")]
    elif concluded_on < mediation.started_on or concluded_on > today():
        errors["concluded_on"] = [_("The date must lie between the start and today.")]
    if outcome == MediationOutcome.AGREEMENT:
        if agreement_amount is not None and agreement_amount < 0:
            errors["agreement_amount"] = [_("The amount cannot be negative.")]
    elif agreement_amount is not None:
        errors["agreement_amount"] = [_("An amount is recorded only with an agreement.")]
    if errors:
        raise ValidationError(errors)
    mediation.outcome = outcome
    mediation.concluded_on = concluded_on
    mediation.agreement_amount = agreement_amount
    if (notes or "").strip():
        mediation.notes = "\n".join(filter(None, [mediation.notes, notes.strip()]))
    mediation._history_user = user
    mediation.save()
    return mediation
