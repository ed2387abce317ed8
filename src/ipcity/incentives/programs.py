"""Programme actions: create with rules, publish, close, copy to a new year.

A programme is written by its organizer (the office); drafts are seen only by the organizer's
users, published and closed ones by every holder of the view permission. Rules are data; the
checks here are the ones a form, the API and a copied programme all need.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm

from .choices import ProgramStatus, RuleKind
from .models import Program, Rule

RULE_FIELDS = (
    "kind",
    "label",
    "amount",
    "rate_percent",
    "cap_per_item",
    "cap_per_applicant",
    "max_items_per_applicant",
    "date_from",
    "date_to",
    "in_district_required",
    "params",
)
PROGRAM_FIELDS = (
    "code",
    "name",
    "year",
    "organizer",
    "policy_basis",
    "description",
    "required_materials",
    "call_opens",
    "call_closes",
    "budget",
    "contact",
)
TEMPLATES_FILE = Path(__file__).parent / "data" / "programme_templates.json"


def rule_errors(values: dict) -> dict:
    """The problems of one rule's values, by field (empty when it is fine)."""
    errors: dict = {}
    kind = values.get("kind")
    amount = values.get("amount")
    rate = values.get("rate_percent")
    if amount is None and rate is None:
        errors["amount"] = [_("Give an amount per item or a rate.")]
    if amount is not None and rate is not None:
        errors["rate_percent"] = [_("Give either an amount per item or a rate, not both.")]
    if rate is not None and kind != RuleKind.PLEDGE_INTEREST:
        errors["rate_percent"] = [
            _(
                "A rate needs an amount it is a share of; only the pledge-loan interest "
                "subsidy has one."
            )
        ]
    if kind == RuleKind.PLEDGE_INTEREST and rate is None:
        errors["rate_percent"] = [_("The interest subsidy is a rate of the interest paid.")]
    start, end = values.get("date_from"), values.get("date_to")
    if start and end and start > end:
        errors["date_to"] = [_("The window ends before it starts.")]
    for name in ("amount", "cap_per_item", "cap_per_applicant"):
        value = values.get(name)
        if value is not None and Decimal(value) < 0:
            errors[name] = [_("Enter an amount of zero or more.")]
    params_problems = params_errors(kind, values.get("params"))
    if params_problems:
        errors["params"] = params_problems
    return errors


# The extra conditions (`Rule.params`) each rule kind understands, with the values allowed.
def _param_choices() -> dict:
    from ipcity.utilization.choices import DesignationKind, DesignationLevel

    return {
        RuleKind.DESIGNATION: {
            "kinds": set(DesignationKind.values),
            "levels": set(DesignationLevel.values),
        }
    }


def params_errors(kind, params) -> list:
    """Problems with a rule's extra conditions: only keys its kind understands, each a list of
    known values."""
    if params in (None, ""):
        return []
    if not isinstance(params, dict):
        return [_("The parameters are a set of named conditions.")]
    allowed = _param_choices().get(kind, {})
    problems = []
    for key, value in params.items():
        if key not in allowed:
            problems.append(_("This kind of rule has no condition “%(key)s”.") % {"key": key})
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(_("“%(key)s” is a list of values.") % {"key": key})
            continue
        unknown = sorted(set(value) - allowed[key])
        if unknown:
            problems.append(
                _("Unknown values for “%(key)s”: %(values)s.")
                % {"key": key, "values": ", ".join(unknown)}
            )
    return problems


def program_errors(values: dict, program=None) -> dict:
    """Errors of a programme's own fields; `program` is the saved row when editing (its
    approvals have reserved `committed_amount`, so the budget may not drop below that)."""
    errors: dict = {}
    opens, closes = values.get("call_opens"), values.get("call_closes")
    if opens and closes and opens > closes:
        errors["call_closes"] = [_("The call closes before it opens.")]
    budget = values.get("budget")
    if budget is not None and Decimal(budget) < 0:
        errors["budget"] = [_("Enter an amount of zero or more.")]
    elif (
        budget is not None
        and program is not None
        and program.pk
        and Decimal(budget) < program.committed_amount
    ):
        errors["budget"] = [
            _("Approvals have already reserved %(amount)s yuan; the budget cannot be lower.")
            % {"amount": f"{program.committed_amount:,.2f}"}
        ]
    year = values.get("year")
    if year is not None and not 2000 <= int(year) <= 2100:
        errors["year"] = [_("Enter a year.")]
    return errors


def _check_writer(user, program=None, action="change") -> None:
    if program is None:
        if not has_perm(user, Program, "add"):
            raise PermissionDenied(_("You may not create programmes."))
        return
    if not Program.objects.restrict(user, action).filter(pk=program.pk).exists():
        raise PermissionDenied(_("You may not change this programme."))


def create(user, *, rules=(), **fields) -> Program:
    """A draft programme with its rules (a list of dicts of `RULE_FIELDS`)."""
    _check_writer(user)
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"unknown programme fields: {sorted(unknown)}")
    errors = program_errors(fields)
    if Program.objects.filter(code=fields.get("code")).exists():
        errors["code"] = [_("Another programme has this code.")]
    if errors:
        raise ValidationError(errors)
    kinds = [r.get("kind") for r in rules]
    if len(kinds) != len(set(kinds)):
        raise ValidationError({"rules": [_("Each kind of reward takes one rule.")]})
    for index, values in enumerate(rules):
        problems = rule_errors(values)
        if problems:
            raise ValidationError(
                {"rules": [_("Rule %(n)s: %(text)s") % {"n": index + 1, "text": _join(problems)}]}
            )
    with transaction.atomic():
        program = Program(status=ProgramStatus.DRAFT, **fields)
        program.full_clean(exclude=["committed_amount", "paid_amount"])
        program._history_user = user
        program.save()
        for values in rules:
            rule = Rule(program=program, **{k: v for k, v in values.items() if k in RULE_FIELDS})
            rule._history_user = user
            rule.full_clean()
            rule.save()
        if not Program.objects.restrict(user, "add").filter(pk=program.pk).exists():
            raise PermissionDenied(_("You may not create programmes for this organizer."))
    return program


def _join(errors: dict) -> str:
    return " ".join(str(m) for messages in errors.values() for m in messages)


def _locked(user, program, action="change") -> Program:
    _check_writer(user, program, action)
    return Program.objects.select_for_update().get(pk=program.pk)


def publish(user, program) -> Program:
    """Open the programme to everybody who may read programmes."""
    with transaction.atomic():
        locked = _locked(user, program)
        if locked.status != ProgramStatus.DRAFT:
            raise ValidationError(_("Only a draft programme can be published."))
        if not locked.rules.exists():
            raise ValidationError(_("Add at least one rule before publishing."))
        locked.status = ProgramStatus.PUBLISHED
        locked._history_user = user
        locked.save()
    return locked


def close(user, program) -> Program:
    """No more applications or resubmissions; reviews, notices and payments go on."""
    with transaction.atomic():
        locked = _locked(user, program)
        if locked.status != ProgramStatus.PUBLISHED:
            raise ValidationError(_("Only a published programme can be closed."))
        locked.status = ProgramStatus.CLOSED
        locked._history_user = user
        locked.save()
    return locked


def _shift(day: datetime.date | None, years: int) -> datetime.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _new_code(code: str, old_year: int, year: int) -> str:
    base = code.replace(str(old_year), str(year)) if str(old_year) in code else f"{code}-{year}"
    candidate, n = base[:32], 2
    while Program.objects.filter(code=candidate).exists():
        candidate = f"{base[:28]}-{n}"
        n += 1
    return candidate


def copy_to_year(user, program, year: int | None = None) -> Program:
    """A draft for `year` (default: the next) with the same rules, dates moved by the years
    between, nothing approved or paid."""
    _check_writer(user)
    if not Program.objects.restrict(user, "view").filter(pk=program.pk).exists():
        raise PermissionDenied(_("You may not copy this programme."))
    year = int(year or program.year + 1)
    years = year - program.year
    fields = {name: getattr(program, name) for name in PROGRAM_FIELDS}
    fields.update(
        code=_new_code(program.code, program.year, year),
        name=program.name.replace(str(program.year), str(year))
        if str(program.year) in program.name
        else f"{program.name} ({year})",
        year=year,
        call_opens=_shift(program.call_opens, years),
        call_closes=_shift(program.call_closes, years),
    )
    rules = []
    for rule in program.rules.order_by("pk"):
        values = {name: getattr(rule, name) for name in RULE_FIELDS}
        values["date_from"] = _shift(rule.date_from, years)
        values["date_to"] = _shift(rule.date_to, years)
        rules.append(values)
    return create(user, rules=rules, **fields)


def templates() -> list[dict]:
    """Typical programmes with their rules (data/programme_templates.json)."""
    try:
        return json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
