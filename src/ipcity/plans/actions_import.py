"""Bringing a plan in from its document, and its division of work from a table.

Both go through a `PlanDraft`: the upload is parsed (nothing else is written when it cannot be),
the parsed content is kept on the draft with the unit matches, a person corrects it on the
preview page, and saving writes everything in one transaction. Unit names are matched to
organizations exactly or by short name; fuzzy matches wait for a person to confirm them; a name
that matches nothing is saved as written with no organization and listed on the plan's page.

Every function checks the user's permission (a `None` user is the command line or the demo
loader, trusted like manage.py itself). Field problems raise `ValidationError`; a missing
permission raises `PermissionDenied`; unreadable input raises `ParseError`/`DivisionError`.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm
from ipcity.orgs.models import Organization

from .choices import PlanStatus, SectionKind, UnitRole
from .division import match_task, read_division
from .matching import UnitMatcher
from .models import DraftKind, Plan, PlanDraft, PlanSection, PlanTask, TaskUnit
from .parsing import ParseError, parse_document, parse_text, split_units

__all__ = [
    "ParseError",
    "apply_division",
    "assign_unit",
    "create_division_draft",
    "create_plan_draft",
    "create_unit_organization",
    "import_plan",
    "save_plan_draft",
    "unmatched_units",
    "update_plan_draft",
]

PREAMBLE_TITLE = "前言"
SECTION_KINDS = {
    "part": SectionKind.PART,
    "mechanism": SectionKind.MECHANISM,
    "safeguard": SectionKind.SAFEGUARD,
}


def _stamp(obj, user):
    obj._history_user = user
    return obj


def _require_add(user) -> None:
    if user is not None and not has_perm(user, Plan, "add"):
        raise PermissionDenied(_("You may not import work plans."))


def _require_division(user) -> None:
    if user is not None and not (
        has_perm(user, PlanTask, "change")
        and has_perm(user, TaskUnit, "add")
        and has_perm(user, TaskUnit, "delete")
    ):
        raise PermissionDenied(_("Only the office edits the division of work."))


def _matcher(user) -> UnitMatcher:
    return UnitMatcher(user=user)


def _unit_names(parsed: dict) -> list[str]:
    names = []
    for task in parsed["tasks"]:
        for name in task["lead_units"] + task["co_units"]:
            if name not in names:
                names.append(name)
    return names


def match_units(parsed: dict, matcher: UnitMatcher, previous: dict | None = None) -> dict:
    """name → match, keeping what a person already chose for a name."""
    previous = previous or {}
    units = {}
    for name in _unit_names(parsed):
        units[name] = previous.get(name) or matcher.match(name).as_dict()
    return units


# -- the plan document --------------------------------------------------------------------------


def parse_upload(*, data: bytes | None = None, name: str = "", text: str = "") -> dict:
    """The draft form of an uploaded file or of pasted text; raises ParseError."""
    if data:
        return parse_document(data, name)
    if text and text.strip():
        return parse_text(text)
    raise ParseError(_("Upload the plan (.docx or .txt) or paste its text."))


def create_plan_draft(user, *, data: bytes | None = None, name: str = "", text: str = ""):
    """Parse the document and keep it for review; nothing is written when it cannot be read."""
    _require_add(user)
    parsed = parse_upload(data=data, name=name, text=text)
    parsed["units"] = match_units(parsed, _matcher(user))
    source = text if not data else ""
    if data and not source:
        from .parsing.text import read_document

        source = read_document(data, name)
    return PlanDraft.objects.create(
        kind=DraftKind.PLAN,
        source_name=name or _("Pasted text"),
        source_text=source,
        data=parsed,
        created_by=user,
    )


def _section_keys(sections: list[dict]) -> dict[str, dict]:
    keys = {}
    for section in sections:
        keys[section["key"]] = section
        keys.update(_section_keys(section.get("children", [])))
    return keys


def apply_corrections(parsed: dict, corrections: dict, user=None) -> dict:
    """The draft with a person's corrections: plan fields, task titles, sections and units, and
    the organization chosen for each unit name (an id, or None to leave it unmatched)."""
    for field in ("title", "doc_number", "issuer", "date"):
        if field in corrections:
            parsed[field] = (corrections[field] or "").strip() or (None if field == "date" else "")
    sections = _section_keys(parsed["sections"])
    for key, title in corrections.get("sections", {}).items():
        if key in sections and title.strip():
            sections[key]["title"] = title.strip()[:300]
    by_number = {str(t["number"]): t for t in parsed["tasks"]}
    for number, changes in corrections.get("tasks", {}).items():
        task = by_number.get(str(number))
        if task is None:
            continue
        if changes.get("title", "").strip():
            task["title"] = changes["title"].strip()[:300]
        key = changes.get("section_key")
        if key is not None and (key in sections or key == ""):
            task["section_key"] = key
            task["section"] = sections[key]["number"] if key else ""
        for role in ("lead_units", "co_units"):
            if role in changes:
                task[role] = split_units(changes[role])
        if "deadline" in changes:
            task["deadline"] = changes["deadline"] or None
    matcher = None
    units = parsed.get("units", {})
    for name in _unit_names(parsed):
        if name not in units:
            matcher = matcher or _matcher(user)
            units[name] = matcher.match(name).as_dict()
    chosen = corrections.get("units", {})
    visible = _visible_orgs(user, [v for v in chosen.values() if v])
    for name, org_id in chosen.items():
        if name not in units:
            continue
        if org_id and str(org_id).isdigit() and int(org_id) in visible:
            units[name].update(
                status="confirmed", organization=int(org_id), organization_name=visible[int(org_id)]
            )
        elif not org_id and units[name]["status"] == "confirmed":
            units[name].update(status="fuzzy" if units[name]["candidates"] else "none")
            units[name].update(organization=None, organization_name="")
    parsed["units"] = {name: units[name] for name in _unit_names(parsed)}
    return parsed


def _visible_orgs(user, ids) -> dict[int, str]:
    ids = [int(i) for i in ids if str(i).isdigit()]
    if not ids:
        return {}
    qs = Organization.objects.all() if user is None else Organization.objects.restrict(user)
    return dict(qs.filter(pk__in=ids).values_list("pk", "name"))


def update_plan_draft(user, draft: PlanDraft, corrections: dict) -> PlanDraft:
    _require_add(user)
    _require_open(draft)
    draft.data = apply_corrections(draft.data, corrections, user)
    draft.save(update_fields=["data"])
    return draft


def _require_open(draft: PlanDraft) -> None:
    if draft.saved_at:
        raise ValidationError(_("This draft has already been saved."))


def _check(parsed: dict) -> None:
    errors = []
    if not (parsed.get("title") or "").strip():
        errors.append(_("The plan needs a title."))
    if parsed.get("date"):
        try:
            dt.date.fromisoformat(parsed["date"])
        except (TypeError, ValueError):
            errors.append(_("The issue date must look like 2024-03-26."))
    if not parsed.get("tasks"):
        errors.append(_("The plan has no tasks."))
    for task in parsed.get("tasks", []):
        if not (task.get("title") or "").strip():
            errors.append(_("Task %(n)s needs a title.") % {"n": task["number"]})
        if task.get("deadline"):
            try:
                dt.date.fromisoformat(task["deadline"])
            except (TypeError, ValueError):
                errors.append(_("Task %(n)s has an unreadable deadline.") % {"n": task["number"]})
    numbers = [t["number"] for t in parsed.get("tasks", [])]
    if len(set(numbers)) != len(numbers):
        errors.append(_("Two tasks share a number."))
    doc_number = (parsed.get("doc_number") or "").strip()
    if doc_number and Plan.objects.filter(doc_number=doc_number).exists():
        errors.append(
            _("A plan with the document number %(n)s already exists.") % {"n": doc_number}
        )
    if errors:
        raise ValidationError(errors)


def _save_sections(plan, sections, parent, keys, counter, user) -> None:
    for section in sections:
        counter[0] += 1
        node = PlanSection(
            plan=plan,
            parent=parent,
            kind=SECTION_KINDS.get(section.get("kind"), SectionKind.OTHER),
            number=section["number"][:20],
            title=section["title"][:300] or section["number"],
            text=section.get("text", ""),
            order=counter[0],
        )
        _stamp(node, user).save()
        keys[section["key"]] = node
        _save_sections(plan, section.get("children", []), node, keys, counter, user)


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def save_parsed_plan(user, parsed: dict, source_text: str = "") -> Plan:
    """Write the plan, its sections, tasks and units in one transaction."""
    _require_add(user)
    _check(parsed)
    units = parsed.get("units") or {}
    with transaction.atomic():
        plan = Plan(
            title=parsed["title"].strip()[:300],
            doc_number=(parsed.get("doc_number") or "")[:100],
            issuer=(parsed.get("issuer") or "")[:200],
            issued_on=_date(parsed.get("date")),
            target_year=parsed.get("target_year"),
            status=PlanStatus.ACTIVE,
            source_text=source_text,
            attachments_named=list(parsed.get("attachments", [])),
        )
        _stamp(plan, user).save()
        counter = [0]
        keys: dict[str, PlanSection] = {}
        if parsed.get("preamble"):
            counter[0] += 1
            preamble = PlanSection(
                plan=plan,
                kind=SectionKind.PREAMBLE,
                title=PREAMBLE_TITLE,
                text=parsed["preamble"],
                order=counter[0],
            )
            _stamp(preamble, user).save()
        _save_sections(plan, parsed["sections"], None, keys, counter, user)
        for item in parsed["tasks"]:
            task = PlanTask(
                plan=plan,
                section=keys.get(item.get("section_key") or ""),
                number=item["number"],
                title=item["title"].strip()[:300],
                text=item.get("text", ""),
                deadline=_date(item.get("deadline")),
            )
            _stamp(task, user).save()
            for role, names in (
                (UnitRole.LEAD, item["lead_units"]),
                (UnitRole.CO, item["co_units"]),
            ):
                for order, name in enumerate(names):
                    match = units.get(name) or {}
                    org = match.get("organization") if match.get("status") != "fuzzy" else None
                    _stamp(
                        TaskUnit(
                            task=task,
                            role=role,
                            name_as_written=name[:200],
                            organization_id=org,
                            order=order,
                        ),
                        user,
                    ).save()
    return plan


def save_plan_draft(user, draft: PlanDraft, corrections: dict | None = None) -> Plan:
    _require_add(user)
    _require_open(draft)
    with transaction.atomic():
        if corrections:
            draft.data = apply_corrections(draft.data, corrections, user)
        plan = save_parsed_plan(user, draft.data, draft.source_text)
        draft.plan = plan
        draft.saved_at = timezone.now()
        draft.save(update_fields=["data", "plan", "saved_at"])
    return plan


def import_plan(user, *, data: bytes | None = None, name: str = "", text: str = ""):
    """Parse and save in one go (the command line): confident unit matches are applied, fuzzy
    ones are left for a person. Returns (plan, parsed)."""
    _require_add(user)
    parsed = parse_upload(data=data, name=name, text=text)
    parsed["units"] = match_units(parsed, _matcher(user))
    if data:
        from .parsing.text import read_document

        text = read_document(data, name)
    return save_parsed_plan(user, parsed, text), parsed


# -- units left unmatched -----------------------------------------------------------------------


def unmatched_units(user, plan: Plan) -> list[dict]:
    """Names of units with no organization on the plan's tasks the user sees, with the tasks
    that name them and the organizations the matcher proposes."""
    tasks = PlanTask.objects.restrict(user, "view").filter(plan=plan)
    rows = (
        TaskUnit.objects.filter(task__in=tasks, organization__isnull=True)
        .select_related("task")
        .order_by("name_as_written", "task__number")
    )
    grouped: dict[str, dict] = {}
    for unit in rows:
        entry = grouped.setdefault(
            unit.name_as_written, {"name": unit.name_as_written, "tasks": []}
        )
        if unit.task.number not in entry["tasks"]:
            entry["tasks"].append(unit.task.number)
    if grouped:
        matcher = _matcher(user)
        for entry in grouped.values():
            entry["candidates"] = matcher.match(entry["name"]).candidates
    return list(grouped.values())


def _units_to_resolve(user, plan: Plan, name: str):
    tasks = PlanTask.objects.restrict(user, "change").filter(plan=plan)
    return TaskUnit.objects.filter(
        task__in=tasks, name_as_written=name, organization__isnull=True
    ).select_related("task")


def assign_unit(user, plan: Plan, name: str, organization: Organization) -> int:
    """Give every unmatched unit called `name` on the plan this organization."""
    _require_division(user)
    if not Organization.objects.restrict(user).filter(pk=organization.pk).exists():
        raise PermissionDenied(_("You may not see this organization."))
    count = 0
    with transaction.atomic():
        for unit in _units_to_resolve(user, plan, name):
            twin = TaskUnit.objects.filter(
                task=unit.task, role=unit.role, organization=organization
            )
            if twin.exists():
                _stamp(unit, user).delete()
            else:
                unit.organization = organization
                _stamp(unit, user).save()
            count += 1
    if not count:
        raise ValidationError(_("No unmatched unit of this plan is called %(n)s.") % {"n": name})
    return count


def create_unit_organization(user, plan: Plan, name: str) -> Organization:
    """Create a government unit under the name as written and assign it (a person's choice)."""
    from ipcity.orgs.actions import create_organization
    from ipcity.orgs.choices import OrganizationKind

    _require_division(user)
    if not _units_to_resolve(user, plan, name).exists():
        raise ValidationError(_("No unmatched unit of this plan is called %(n)s.") % {"n": name})
    with transaction.atomic():
        org = create_organization(
            user, {"kind": OrganizationKind.GOVERNMENT, "name": name[:200], "is_active": True}
        )
        assign_unit(user, plan, name, org)
    return org


# -- the division of work -----------------------------------------------------------------------


def create_division_draft(user, plan: Plan, data: bytes, name: str) -> PlanDraft:
    """Read the table, match its rows to the plan's tasks and its units to organizations."""
    _require_division(user)
    table = read_division(data, name)
    tasks = list(PlanTask.objects.restrict(user, "change").filter(plan=plan).order_by("number"))
    matcher = _matcher(user)
    rows = []
    units: dict[str, dict] = {}
    for row in table.rows:
        task_id, how = match_task(row, tasks)
        rows.append({**row.as_dict(), "task_id": task_id, "matched_by": how})
        for unit in row.lead_units + row.co_units:
            if unit not in units:
                units[unit] = matcher.match(unit).as_dict()
    data = {
        "rows": rows,
        "units": units,
        "warnings": table.warnings,
        "header_row": table.header_row,
        "mapping": table.mapping,
    }
    return PlanDraft.objects.create(
        kind=DraftKind.DIVISION, plan=plan, source_name=name, data=data, created_by=user
    )


def apply_division(user, draft: PlanDraft, corrections: dict | None = None) -> dict:
    """Write the rows to their tasks: the units named replace the task's units, the deadline,
    milestones and expected outputs are set. Unknown units are kept as written, unmatched."""
    _require_division(user)
    _require_open(draft)
    corrections = corrections or {}
    data = draft.data
    tasks = {
        t.pk: t for t in PlanTask.objects.restrict(user, "change").filter(plan_id=draft.plan_id)
    }
    chosen = corrections.get("units", {})
    visible = _visible_orgs(user, [v for v in chosen.values() if v])
    row_tasks = corrections.get("rows", {})
    summary = {"tasks": 0, "units": 0, "unmatched": [], "skipped": 0}
    with transaction.atomic():
        for row in data["rows"]:
            task_id = row_tasks.get(str(row["row"]), row.get("task_id"))
            task = tasks.get(int(task_id)) if str(task_id or "").isdigit() else None
            if task is None:
                summary["skipped"] += 1
                continue
            row["task_id"] = task.pk
            for unit in task.units.all():
                _stamp(unit, user).delete()
            for role, names in ((UnitRole.LEAD, row["lead_units"]), (UnitRole.CO, row["co_units"])):
                for order, name in enumerate(names):
                    match = data["units"].get(name, {})
                    org = chosen.get(name)
                    if org and str(org).isdigit() and int(org) in visible:
                        match.update(status="confirmed", organization=int(org))
                    org_id = match.get("organization") if match.get("status") != "fuzzy" else None
                    _stamp(
                        TaskUnit(
                            task=task,
                            role=role,
                            name_as_written=name[:200],
                            organization_id=org_id,
                            order=order,
                        ),
                        user,
                    ).save()
                    summary["units"] += 1
                    if org_id is None and name not in summary["unmatched"]:
                        summary["unmatched"].append(name)
            if "deadline" in data.get("mapping", {}):
                task.deadline = _date(row.get("deadline"))
            if row.get("milestones"):
                task.milestones = row["milestones"]
            if row.get("outputs"):
                task.expected_outputs = row["outputs"]
            _stamp(task, user).save()
            summary["tasks"] += 1
        draft.saved_at = timezone.now()
        draft.data = {**data, "summary": summary}
        draft.save(update_fields=["data", "saved_at"])
    return summary
