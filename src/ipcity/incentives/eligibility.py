"""The eligibility pre-check of application items against the registry.

Every item gets a list of checks, `{"code", "ok", "message"}`, in the words shown to the
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
from django.utils import timezone
from django.utils.translation import gettext as _

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
        for item in items:
            adapter = rules.adapter(item.rule.kind)
            record = adapter.record(item)
            if record is None:
                record = adapter.resolve(item.reference, application.applicant)
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
        return rules.adapter(item.rule.kind).reward_key(record, item.rule.program)

    @property
    def applicant_inside(self) -> bool | None:
        """Where the applicant is, by its record (credit code, address, region, a person)."""
        if not self._inside_known:
            from ipcity.utilization.parties import locate

            self._inside = locate(self.application.applicant).inside
            self._inside_known = True
        return self._inside


def _check(code: str, ok: bool, message: str) -> dict:
    return {"code": code, "ok": bool(ok), "message": str(message)}


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
                _("Nothing with the number “%(ref)s” was found for this rule in the registry.")
                % {"ref": item.reference},
            )
        ]
    checks = [_check("found", True, _("Found: %(what)s.") % {"what": adapter.describe(record)})]
    status = adapter.type_ok(record, rule)
    if status.message or not status.ok:
        checks.append(_check("kind", status.ok, status.message))
    status = adapter.granted(record, valid_ids=ctx.valid_certificates)
    checks.append(_check("granted", status.ok, status.message))
    if ctx.applicant_id in adapter.holder_ids(record):
        checks.append(_check("held", True, _("Held by the applicant.")))
    else:
        checks.append(
            _check("held", False, _("The registry does not list the applicant as its holder."))
        )
    if rule.in_district_required:
        inside = adapter.in_district(record, ctx.applicant_inside)
        if inside is True:
            checks.append(_check("district", True, _("Counts for the district.")))
        elif inside is False:
            checks.append(_check("district", False, _("Does not count for the district.")))
        else:
            checks.append(
                _check(
                    "district",
                    False,
                    _("Not yet known to count for the district; the office decides first."),
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
                    _("The %(what)s (%(date)s) is within %(start)s – %(end)s.") % values,
                )
            )
        else:
            checks.append(
                _check(
                    "window",
                    False,
                    _("The %(what)s (%(date)s) is outside %(start)s – %(end)s.") % values,
                )
            )
    needs_base = adapter.needs_base or (rule.amount is None and rule.rate_percent is not None)
    if needs_base and (item.claimed_base is None or item.claimed_base <= 0):
        checks.append(
            _check(
                "base",
                False,
                _("Enter the amount the subsidy is a share of (e.g. the interest paid)."),
            )
        )
    key = ctx.key(item)
    reward = ctx.rewards.get(key)
    if reward is not None and reward.item_id != item.pk:
        checks.append(
            _check(
                "rewarded",
                False,
                _("Already rewarded in “%(program)s”.") % {"program": reward.program.name},
            )
        )
    else:
        checks.append(_check("rewarded", True, _("Not rewarded before.")))
    if key in ctx.claimed:
        checks.append(
            _check(
                "claimed_elsewhere",
                False,
                _("Also claimed in another open application; it can be rewarded only once."),
            )
        )
    return checks


def evaluate(application, items) -> None:
    """Check `items` (all of one application, in order) in memory: sets `checks`, `eligible`,
    `computed_amount` and `reward_key` on each, applying the per-applicant limits in order."""
    ctx = _Context(application, items)
    usage: dict[int, rules.Usage] = {}
    seen_keys: set[str] = set()
    for item in items:
        checks = _record_checks(item, ctx)
        key = ctx.key(item)
        if key and key in seen_keys:
            checks.append(_check("duplicate", False, _("Already claimed in this application.")))
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
                        _("Over the limit of %(n)s items per applicant for this rule.")
                        % {"n": rule.max_items_per_applicant},
                    )
                )
            elif amount <= 0 and full > 0:
                checks.append(
                    _check(
                        "limit",
                        False,
                        _("The cap of %(amount)s yuan per applicant for this rule is used up.")
                        % {"amount": rules.yuan(rule.cap_per_applicant)},
                    )
                )
            elif amount < full:
                checks.append(
                    _check(
                        "limit",
                        True,
                        _("Reduced to %(amount)s yuan by the cap of %(cap)s yuan per applicant.")
                        % {"amount": rules.yuan(amount), "cap": rules.yuan(rule.cap_per_applicant)},
                    )
                )
            else:
                checks.append(_check("limit", True, _("Within the limits per applicant.")))
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
