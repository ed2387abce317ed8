"""The eligibility pre-check of application items against the registry.

Every item gets a list of checks, `{"code", "ok", "msg", "params"}` (`message()` gives their
words in the reader's language), shown to the
applicant next to the item and to the reviewers: the record exists, is of the kind the rule
rewards, is granted/registered/valid, is held by the applicant, counts for the district (when
the rule says so), its qualifying date falls in the rule's window, the per-applicant limits,
not rewarded already (a `Reward` row with its key, in any programme), and — as a warning that
does not make the item ineligible — not claimed in another live application.

`refresh(application)` checks all items of an application with a fixed number of queries
(records, holders, rewards, other claims and the applicant's location are read in bulk), so
an application with many items is as cheap to check as one with a few. Reviewers call it again
at approval, because the registry changes.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from . import rules
from .choices import ApplicationStatus
from .models import ApplicationItem, Reward

DEAD_STATUSES = (ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED)
# Checks shown in amber: they do not make an item ineligible on their own.
WARNING_CODES = frozenset({"claimed_elsewhere"})


def items_of(application):
    """The application's items with everything the checks read, in order."""
    from ipcity.rights.models import PatentHolder

    return (
        ApplicationItem.objects.filter(application=application)
        .select_related(
            "rule__program",
            "patent",
            "trademark",
            "certificate",
            "designation",
            "pledge",
        )
        .prefetch_related(
            Prefetch(
                "patent__holder_links",
                queryset=PatentHolder.objects.only("pk", "patent_id", "organization_id"),
            )
        )
        .order_by("pk")
    )


def is_eligible(checks: list[dict]) -> bool:
    return all(c["ok"] or c["code"] in WARNING_CODES for c in checks)


class _Context:
    """What the checks of one application's items read, loaded once."""

    def __init__(self, application, items):
        self.application = application
        self.applicant_id = application.applicant_id
        self._inside = None
        self._inside_known = False
        records = {}
        unresolved: dict = {}
        for item in items:
            adapter = rules.adapter(item.rule.kind)
            record = adapter.record(item)
            records[id(item)] = record
            if record is None:
                unresolved.setdefault(adapter, []).append(item)
        # Numbers not yet found are looked up a kind at a time, not an item at a time.
        for adapter, waiting in unresolved.items():
            found = adapter.resolve_many({i.reference for i in waiting}, application.applicant)
            for item in waiting:
                record = found.get(item.reference)
                if record is not None:
                    setattr(item, adapter.field, record)
                    records[id(item)] = record
        self.records = records
        keys = {self.key(item) for item in items if records[id(item)] is not None}
        keys.discard("")
        self.rewards = {
            r.reward_key: r
            for r in Reward.objects.filter(reward_key__in=keys).select_related("program")
        }
        self.claimed = set(
            ApplicationItem.objects.filter(reward_key__in=keys)
            .exclude(application_id=application.pk)
            .exclude(application__status__in=DEAD_STATUSES)
            .values_list("reward_key", flat=True)
        )
        cert_ids = [i.certificate_id for i in items if i.certificate_id]
        self.valid_certificates = rules.valid_certificate_ids(cert_ids) if cert_ids else set()

    def record(self, item):
        return self.records.get(id(item))

    def key(self, item) -> str:
        record = self.records.get(id(item))
        if record is None:
            return ""
        return rules.adapter(item.rule.kind).reward_key(record, item.rule)

    @property
    def applicant_inside(self) -> bool | None:
        """Where the applicant is, by its record (credit code, address, region, a person)."""
        if not self._inside_known:
            from ipcity.utilization.parties import locate

            self._inside = locate(self.application.applicant).inside
            self._inside_known = True
        return self._inside


def _check(code: str, ok: bool, msg: str, params: dict | None = None) -> dict:
    """One check as stored: the untranslated message and its values (text values in their
    untranslated form too), so `message()` shows it in the reader's language."""
    return {"code": code, "ok": bool(ok), "msg": str(msg), "params": _portable(params or {})}


def _portable(params: dict) -> dict:
    return {
        key: value if isinstance(value, int | float | bool) or value is None else str(value)
        for key, value in params.items()
    }


def message(check: dict) -> str:
    """The words of a stored check in the active language."""
    if "msg" not in check:  # stored before messages were kept untranslated
        return str(check.get("message") or check.get("code") or "")
    params = {
        key: gettext(value) if isinstance(value, str) and value else value
        for key, value in (check.get("params") or {}).items()
    }
    text = gettext(check["msg"]) if check["msg"] else ""
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):
        return text


def shown(checks: list[dict]) -> list[dict]:
    """Checks with their words in the active language (`message`) and the amber warnings
    marked (`warning`), for pages, the API and reviewers' reasons."""
    return [
        {
            "code": c.get("code", ""),
            "ok": bool(c.get("ok")),
            "message": message(c),
            "warning": c.get("code") in WARNING_CODES and not c.get("ok"),
        }
        for c in checks
    ]


def _record_checks(item, ctx: _Context) -> list[dict]:
    """Every check that does not depend on the other items."""
    rule = item.rule
    adapter = rules.adapter(rule.kind)
    record = ctx.record(item)
    if record is None:
        return [
            _check(
                "found",
                False,
                gettext_noop(
                    "Nothing with the number “%(ref)s” was found for this rule in the registry."
                ),
                {"ref": item.reference},
            )
        ]
    checks = [
        _check("found", True, gettext_noop("Found: %(what)s."), {"what": adapter.describe(record)})
    ]
    status = adapter.type_ok(record, rule)
    if status.message or not status.ok:
        checks.append(_check("kind", status.ok, status.message, status.params))
    status = adapter.granted(record, valid_ids=ctx.valid_certificates)
    checks.append(_check("granted", status.ok, status.message, status.params))
    if ctx.applicant_id in adapter.holder_ids(record):
        checks.append(_check("held", True, gettext_noop("Held by the applicant.")))
    else:
        checks.append(
            _check(
                "held",
                False,
                gettext_noop("The registry does not list the applicant as its holder."),
            )
        )
    if rule.in_district_required:
        inside = adapter.in_district(record, ctx.applicant_inside)
        if inside is True:
            checks.append(_check("district", True, gettext_noop("Counts for the district.")))
        elif inside is False:
            checks.append(
                _check("district", False, gettext_noop("Does not count for the district."))
            )
        else:
            checks.append(
                _check(
                    "district",
                    False,
                    gettext_noop(
                        "Not yet known to count for the district; the office decides first."
                    ),
                )
            )
    if rule.date_from or rule.date_to:
        window = adapter.in_window(record, rule)
        day = adapter.qualifying_date(record)
        values = {
            "what": adapter.date_label(),
            "date": day.isoformat() if day else "—",
            "start": rule.date_from.isoformat() if rule.date_from else "…",
            "end": rule.date_to.isoformat() if rule.date_to else "…",
        }
        if window:
            checks.append(
                _check(
                    "window",
                    True,
                    gettext_noop("The %(what)s (%(date)s) is within %(start)s – %(end)s."),
                    values,
                )
            )
        else:
            checks.append(
                _check(
                    "window",
                    False,
                    gettext_noop("The %(what)s (%(date)s) is outside %(start)s – %(end)s."),
                    values,
                )
            )
    needs_base = adapter.needs_base or (rule.amount is None and rule.rate_percent is not None)
    if needs_base and (item.claimed_base is None or item.claimed_base <= 0):
        checks.append(
            _check(
                "base",
                False,
                gettext_noop(
                    "Enter the amount the subsidy is a share of (e.g. the interest paid)."
                ),
            )
        )
    elif needs_base:
        ceiling = adapter.max_base(record)
        if ceiling is not None and item.claimed_base > ceiling:
            checks.append(
                _check(
                    "base",
                    False,
                    gettext_noop(
                        "The amount claimed (%(base)s yuan) is more than the secured amount "
                        "(%(ceiling)s yuan)."
                    ),
                    {"base": rules.yuan(item.claimed_base), "ceiling": rules.yuan(ceiling)},
                )
            )
    key = ctx.key(item)
    reward = ctx.rewards.get(key)
    if reward is not None and reward.item_id != item.pk:
        checks.append(
            _check(
                "rewarded",
                False,
                gettext_noop("Already rewarded in “%(program)s”."),
                {"program": reward.program.name},
            )
        )
    else:
        checks.append(_check("rewarded", True, gettext_noop("Not rewarded before.")))
    if key in ctx.claimed:
        checks.append(
            _check(
                "claimed_elsewhere",
                False,
                gettext_noop(
                    "Also claimed in another open application; it can be rewarded only once."
                ),
            )
        )
    return checks


def evaluate(application, items) -> None:
    """Check `items` (all of one application, in order) in memory: sets `checks`, `eligible`,
    `computed_amount` and `reward_key` on each, applying the per-applicant limits in order."""
    # Values shown in a message (type and status labels, date names) are kept untranslated,
    # so `message()` puts them in the reader's language.
    with translation.override(None):
        _evaluate(application, items)


def _evaluate(application, items) -> None:
    ctx = _Context(application, items)
    usage: dict[int, rules.Usage] = {}
    seen_keys: set[str] = set()
    for item in items:
        checks = _record_checks(item, ctx)
        key = ctx.key(item)
        if key and key in seen_keys:
            checks.append(
                _check("duplicate", False, gettext_noop("Already claimed in this application."))
            )
            key = ""
        elif key:
            seen_keys.add(key)
        amount = Decimal("0")
        if is_eligible(checks):
            rule = item.rule
            used = usage.setdefault(rule.pk, rules.Usage())
            amount = rules.compute(rule, item, used)
            full = rules.base_amount(rule, item)
            if (
                rule.max_items_per_applicant is not None
                and used.count >= rule.max_items_per_applicant
            ):
                checks.append(
                    _check(
                        "limit",
                        False,
                        gettext_noop("Over the limit of %(n)s items per applicant for this rule."),
                        {"n": rule.max_items_per_applicant},
                    )
                )
            elif amount <= 0 and full > 0:
                checks.append(
                    _check(
                        "limit",
                        False,
                        gettext_noop(
                            "The cap of %(amount)s yuan per applicant for this rule is used up."
                        ),
                        {"amount": rules.yuan(rule.cap_per_applicant)},
                    )
                )
            elif amount < full:
                checks.append(
                    _check(
                        "limit",
                        True,
                        gettext_noop(
                            "Reduced to %(amount)s yuan by the cap of %(cap)s yuan per applicant."
                        ),
                        {"amount": rules.yuan(amount), "cap": rules.yuan(rule.cap_per_applicant)},
                    )
                )
            else:
                checks.append(
                    _check("limit", True, gettext_noop("Within the limits per applicant."))
                )
            if is_eligible(checks):
                used.count += 1
                used.amount += amount
            else:
                amount = Decimal("0")
        item.checks = checks
        item.eligible = is_eligible(checks)
        item.computed_amount = rules.money(amount)
        item.reward_key = key


def check_item(item) -> list[dict]:
    """The checks of one item, in the context of its application (the limits per applicant
    count the items before it). Nothing is saved."""
    application = item.application
    items = [i for i in items_of(application) if i.pk != item.pk]
    if item.pk is None:
        items.append(item)
    else:
        items.append(item)
        items.sort(key=lambda i: i.pk)
    evaluate(application, items)
    return item.checks


def refresh(application) -> list:
    """Check every item again and save the results and the application's requested amount.
    Returns the items, checked."""
    items = list(items_of(application))
    evaluate(application, items)
    now = timezone.now()
    for item in items:
        item.checked_at = now
    fields = [
        "checks",
        "eligible",
        "computed_amount",
        "reward_key",
        "checked_at",
        *rules.RECORD_FIELDS,
    ]
    # Keys first cleared, then set: two items swapping a key must not collide on the unique
    # (application, reward_key) constraint in between.
    if items:
        ApplicationItem.objects.filter(pk__in=[i.pk for i in items]).update(reward_key="")
        ApplicationItem.objects.bulk_update(items, fields)
    total = sum((i.computed_amount for i in items if i.eligible), Decimal("0"))
    application.requested_amount = rules.money(total)
    type(application).objects.filter(pk=application.pk).update(
        requested_amount=application.requested_amount
    )
    return items
