"""Reward rules as data: what each rule kind rewards and how an item's amount is computed.

A rule's figures (amount, rate, caps, window) are its data; its *kind* decides how a number
typed by the applicant is found in the registry, which date qualifies it, and the key under
which the reward ledger (`Reward.reward_key`) remembers it, so the same thing is never rewarded
twice, in this programme or any other:

- patents (invention, utility model, design granted, high-value invention): the application
  number, normalized as the registry stores it; the grant date; `patent:<pk>` (a patent is
  rewarded once, whichever of these rules it is claimed under: no stacking of a grant reward
  and a high-value reward on the same patent);
- trademarks: the registration number; the registration date; `trademark:<pk>`;
- GB/T 29490 certificates: the number, among the applicant's own certificates; the issue date;
  `certificate:<pk>`;
- designations: the certificate number or the record id, among the applicant's own; the year
  designated; `designation:<pk>`;
- pledge loans: the registration number, among the applicant's own pledges; the loan term (or
  the registration date); `pledge:<pk>:<year>`, the year of the rule's window or else of the
  programme (interest is subsidized year by year), and the claimed interest is at most the
  secured amount.

Certificates, designations and pledges are private records, so they are found only among the
applicant's; patents and trademarks are public, so a number held by someone else is found and
then refused as "not held by the applicant".
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from ipcity.rights.choices import Attribution, PatentStatus, PatentType, TrademarkStatus
from ipcity.rights.numbers import PatentNumberError, parse_application_number

from .choices import RuleKind

CENT = Decimal("0.01")
ZERO = Decimal("0")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _plain(reference: str) -> str:
    return re.sub(r"\s+", "", str(reference or "")).strip()


@dataclass(frozen=True)
class Status:
    """The result of one check on a record: passed or not, with the words to show as an
    untranslated message and its values, so each reader sees it in their own language."""

    ok: bool
    message: str
    params: dict | None = None


class Adapter:
    """How one rule kind reaches its records. Subclasses set `field` (the item's foreign key)
    and answer the questions the eligibility check asks."""

    field: str = ""
    noun = ""
    needs_base = False

    def normalize(self, reference: str) -> str:
        return _plain(reference)

    def resolve(self, reference: str, applicant):
        """The record the reference names, or None."""
        raise NotImplementedError

    def resolve_many(self, references, applicant) -> dict:
        """{reference: record} for the references found (one query a kind where it can)."""
        found = {}
        for reference in references:
            record = self.resolve(reference, applicant)
            if record is not None:
                found[reference] = record
        return found

    def record(self, item):
        return getattr(item, self.field, None)

    def type_ok(self, record, rule) -> Status:
        return Status(True, "")

    def granted(self, record, valid_ids=None) -> Status:
        raise NotImplementedError

    def holder_ids(self, record) -> set[int]:
        raise NotImplementedError

    def in_district(self, record, applicant_inside: bool | None) -> bool | None:
        """True/False when known; `applicant_inside` is where the applicant is (looked up once
        per application) for records placed by their holder."""
        return applicant_inside

    def qualifying_date(self, record) -> datetime.date | None:
        raise NotImplementedError

    def date_label(self) -> str:
        return _("date")

    def in_window(self, record, rule) -> bool | None:
        day = self.qualifying_date(record)
        if day is None:
            return None
        if rule.date_from and day < rule.date_from:
            return False
        return not (rule.date_to and day > rule.date_to)

    def reward_key(self, record, rule) -> str:
        raise NotImplementedError

    def max_base(self, record) -> Decimal | None:
        """The largest base a subsidy on this record may claim (None: no bound)."""
        return None

    def describe(self, record) -> str:
        return str(record)


class PatentAdapter(Adapter):
    field = "patent"
    patent_type = PatentType.INVENTION

    def normalize(self, reference: str) -> str:
        try:
            return parse_application_number(reference).normalized
        except PatentNumberError:
            return _plain(reference).upper()

    def resolve(self, reference, applicant):
        from ipcity.rights.models import Patent

        return (
            Patent.objects.filter(application_number=self.normalize(reference))
            .prefetch_related("holder_links")
            .first()
        )

    def resolve_many(self, references, applicant) -> dict:
        from ipcity.rights.models import Patent

        numbers = {reference: self.normalize(reference) for reference in references}
        patents = {
            p.application_number: p
            for p in Patent.objects.filter(
                application_number__in=set(numbers.values())
            ).prefetch_related("holder_links")
        }
        return {ref: patents[n] for ref, n in numbers.items() if n in patents}

    def type_ok(self, record, rule) -> Status:
        if record.patent_type != self.patent_type:
            return Status(
                False,
                gettext_noop("This is a patent of type “%(type)s”; the rule rewards “%(rule)s”."),
                {"type": record.get_patent_type_display(), "rule": rule.get_kind_display()},
            )
        return Status(
            True, gettext_noop("Patent type: %(type)s."), {"type": record.get_patent_type_display()}
        )

    def granted(self, record, valid_ids=None) -> Status:
        if record.grant_date is None or record.legal_status == PatentStatus.PENDING:
            return Status(False, gettext_noop("The patent has not been granted."))
        if record.legal_status != PatentStatus.VALID:
            return Status(
                False,
                gettext_noop("The patent is not in force (%(status)s)."),
                {"status": record.get_legal_status_display()},
            )
        return Status(
            True,
            gettext_noop("Granted on %(date)s and in force."),
            {"date": record.grant_date.isoformat()},
        )

    def holder_ids(self, record) -> set[int]:
        return {link.organization_id for link in record.holder_links.all()}

    def in_district(self, record, applicant_inside):
        if record.attribution == Attribution.IN_DISTRICT:
            return True
        if record.attribution == Attribution.OUTSIDE:
            return False
        return None

    def qualifying_date(self, record):
        return record.grant_date

    def date_label(self) -> str:
        return _("grant date")

    def reward_key(self, record, rule) -> str:
        return f"patent:{record.pk}"

    def describe(self, record) -> str:
        return f"{record.application_number} {record.title}"


class UtilityAdapter(PatentAdapter):
    patent_type = PatentType.UTILITY_MODEL


class DesignAdapter(PatentAdapter):
    patent_type = PatentType.DESIGN


class HighValueAdapter(PatentAdapter):
    def type_ok(self, record, rule) -> Status:
        status = super().type_ok(record, rule)
        if not status.ok:
            return status
        if not record.is_high_value:
            return Status(
                False, gettext_noop("The patent is not classified as a high-value patent.")
            )
        return Status(True, gettext_noop("Classified as a high-value invention patent."))


class TrademarkAdapter(Adapter):
    field = "trademark"

    def normalize(self, reference: str) -> str:
        return _plain(reference).upper()

    def resolve(self, reference, applicant):
        from ipcity.rights.models import Trademark

        return Trademark.objects.filter(registration_number=self.normalize(reference)).first()

    def granted(self, record, valid_ids=None) -> Status:
        if record.status != TrademarkStatus.REGISTERED or record.registration_date is None:
            return Status(
                False,
                gettext_noop("The trademark is not registered (%(status)s)."),
                {"status": record.get_status_display()},
            )
        return Status(
            True,
            gettext_noop("Registered on %(date)s."),
            {"date": record.registration_date.isoformat()},
        )

    def holder_ids(self, record) -> set[int]:
        return {record.holder_id} if record.holder_id else set()

    def in_district(self, record, applicant_inside):
        if record.attribution == Attribution.IN_DISTRICT:
            return True
        if record.attribution == Attribution.OUTSIDE:
            return False
        return applicant_inside

    def qualifying_date(self, record):
        return record.registration_date

    def date_label(self) -> str:
        return _("registration date")

    def reward_key(self, record, rule) -> str:
        return f"trademark:{record.pk}"


class CertificateAdapter(Adapter):
    field = "certificate"

    def resolve(self, reference, applicant):
        from ipcity.utilization.models import Certificate

        return Certificate.objects.filter(
            organization=applicant, number__iexact=self.normalize(reference)
        ).first()

    def granted(self, record, valid_ids: set[int] | None = None) -> Status:
        if valid_ids is None:
            valid_ids = valid_certificate_ids([record.pk])
        if record.pk not in valid_ids:
            return Status(
                False,
                gettext_noop("The certificate is not valid today (%(status)s, expires %(date)s)."),
                {"status": record.get_status_display(), "date": record.expiry_date.isoformat()},
            )
        return Status(
            True, gettext_noop("Valid until %(date)s."), {"date": record.expiry_date.isoformat()}
        )

    def holder_ids(self, record) -> set[int]:
        return {record.organization_id}

    def qualifying_date(self, record):
        return record.issue_date

    def date_label(self) -> str:
        return _("issue date")

    def reward_key(self, record, rule) -> str:
        return f"certificate:{record.pk}"

    def describe(self, record) -> str:
        return f"{record.number} ({record.body_name})"


def valid_certificate_ids(pks) -> set[int]:
    """The certificates among `pks` valid today (one query for any number of them)."""
    from ipcity.utilization.certificates import valid_q
    from ipcity.utilization.models import Certificate

    today = timezone.localdate()
    return set(
        Certificate.objects.filter(valid_q(today), pk__in=list(pks)).values_list("pk", flat=True)
    )


class DesignationAdapter(Adapter):
    field = "designation"

    def resolve(self, reference, applicant):
        from ipcity.utilization.models import Designation

        text = self.normalize(reference)
        qs = Designation.objects.filter(organization=applicant)
        found = qs.filter(certificate_number__iexact=text).first() if text else None
        if found is None and text.isdigit() and len(text) < 18:
            found = qs.filter(pk=int(text)).first()
        return found

    def type_ok(self, record, rule) -> Status:
        kinds = (rule.params or {}).get("kinds") or []
        levels = (rule.params or {}).get("levels") or []
        if (kinds and record.kind not in kinds) or (levels and record.level not in levels):
            return Status(
                False,
                gettext_noop("“%(title)s” is not a designation this rule rewards."),
                {"title": record.title},
            )
        return Status(True, "%(title)s", {"title": record.title})

    def granted(self, record, valid_ids=None) -> Status:
        today = timezone.localdate()
        if record.valid_until and record.valid_until < today:
            return Status(
                False,
                gettext_noop("The designation expired on %(date)s."),
                {"date": record.valid_until.isoformat()},
            )
        return Status(True, gettext_noop("Designated in %(year)s."), {"year": record.year})

    def holder_ids(self, record) -> set[int]:
        return {record.organization_id}

    def qualifying_date(self, record):
        return record.valid_from or datetime.date(record.year, 1, 1)

    def date_label(self) -> str:
        return _("year designated")

    def in_window(self, record, rule) -> bool | None:
        # A designation qualifies by its year: any day of the year inside the window counts.
        if rule.date_from and record.year < rule.date_from.year:
            return False
        return not (rule.date_to and record.year > rule.date_to.year)

    def reward_key(self, record, rule) -> str:
        return f"designation:{record.pk}"

    def describe(self, record) -> str:
        return f"{record.title} ({record.year})"


class PledgeAdapter(Adapter):
    field = "pledge"
    needs_base = True

    def resolve(self, reference, applicant):
        from ipcity.utilization.models import Pledge

        text = self.normalize(reference)
        if not text:
            return None
        return Pledge.objects.filter(pledgor=applicant, registration_number__iexact=text).first()

    def granted(self, record, valid_ids=None) -> Status:
        from ipcity.utilization.choices import PledgeStatus

        if record.status == PledgeStatus.CANCELLED:
            return Status(False, gettext_noop("The pledge registration was cancelled."))
        return Status(
            True,
            gettext_noop("Registered on %(date)s."),
            {"date": record.registration_date.isoformat()},
        )

    def holder_ids(self, record) -> set[int]:
        return {record.pledgor_id}

    def qualifying_date(self, record):
        return record.registration_date

    def date_label(self) -> str:
        return _("loan term")

    def in_window(self, record, rule) -> bool | None:
        # The loan qualifies when its term overlaps the window (interest paid in the window).
        start = record.term_start or record.registration_date
        end = record.term_end or record.release_date
        if rule.date_to and start and start > rule.date_to:
            return False
        return not (rule.date_from and end and end < rule.date_from)

    def max_base(self, record) -> Decimal | None:
        # Interest paid cannot exceed the secured amount (stored in 10,000 yuan).
        return Decimal(record.amount) * 10000 if record.amount is not None else None

    def reward_key(self, record, rule) -> str:
        # Interest is subsidized year by year: the year of the rule's window, else the
        # programme's year.
        day = rule.date_to or rule.date_from
        return f"pledge:{record.pk}:{day.year if day else rule.program.year}"

    def describe(self, record) -> str:
        return f"{record.registration_number} ({record.pledgee})"


ADAPTERS: dict[str, Adapter] = {
    RuleKind.INVENTION_GRANT: PatentAdapter(),
    RuleKind.UTILITY_GRANT: UtilityAdapter(),
    RuleKind.DESIGN_GRANT: DesignAdapter(),
    RuleKind.HIGH_VALUE_INVENTION: HighValueAdapter(),
    RuleKind.TRADEMARK_REGISTRATION: TrademarkAdapter(),
    RuleKind.GBT29490_CERTIFICATE: CertificateAdapter(),
    RuleKind.DESIGNATION: DesignationAdapter(),
    RuleKind.PLEDGE_INTEREST: PledgeAdapter(),
}

RECORD_FIELDS = ("patent", "trademark", "certificate", "designation", "pledge")


def adapter(kind: str) -> Adapter:
    return ADAPTERS[kind]


def resolve(rule, reference: str, applicant):
    """The record `reference` names for `rule`'s kind (None when the registry has none)."""
    return adapter(rule.kind).resolve(reference, applicant)


def record_of(item):
    return adapter(item.rule.kind).record(item)


def qualifying_date(rule, record):
    return adapter(rule.kind).qualifying_date(record)


def reward_key(rule, record) -> str:
    return adapter(rule.kind).reward_key(record, rule)


# --- amounts ------------------------------------------------------------------------------


def base_amount(rule, item) -> Decimal:
    """The amount of one item before the per-applicant limits: the rule's amount per item, or
    its rate of the claimed base, capped by the cap per item."""
    if rule.amount is not None:
        value = Decimal(rule.amount)
    elif rule.rate_percent is not None:
        if item.claimed_base is None:
            return ZERO
        value = Decimal(item.claimed_base) * Decimal(rule.rate_percent) / Decimal(100)
    else:
        value = ZERO
    if rule.cap_per_item is not None:
        value = min(value, Decimal(rule.cap_per_item))
    return money(max(value, ZERO))


@dataclass
class Usage:
    """What earlier eligible items of the same rule in one application already took."""

    count: int = 0
    amount: Decimal = ZERO


def compute(rule, item, used: Usage | None = None) -> Decimal:
    """The amount for `item` under `rule`, given what earlier items of the same rule in the
    application already used (`used`): zero past `max_items_per_applicant`, and reduced so the
    total stays within `cap_per_applicant`."""
    used = used or Usage()
    if rule.max_items_per_applicant is not None and used.count >= rule.max_items_per_applicant:
        return money(ZERO)
    value = base_amount(rule, item)
    if rule.cap_per_applicant is not None:
        value = min(value, max(Decimal(rule.cap_per_applicant) - used.amount, ZERO))
    return money(value)


# --- plain words ----------------------------------------------------------------------------


def yuan(value) -> str:
    return f"{Decimal(value):,.2f}".rstrip("0").rstrip(".") if value is not None else ""


def describe_rule(rule) -> str:
    """The rule in plain words: "Invention patent granted: 5,000 yuan per item, at most 10 per
    applicant"."""
    parts = []
    if rule.amount is not None:
        parts.append(_("%(amount)s yuan per item") % {"amount": yuan(rule.amount)})
    elif rule.rate_percent is not None:
        parts.append(_("%(rate)s%% of the claimed amount") % {"rate": yuan(rule.rate_percent)})
    if rule.cap_per_item is not None:
        parts.append(_("at most %(amount)s yuan per item") % {"amount": yuan(rule.cap_per_item)})
    if rule.max_items_per_applicant is not None:
        parts.append(_("at most %(n)s items per applicant") % {"n": rule.max_items_per_applicant})
    if rule.cap_per_applicant is not None:
        parts.append(
            _("at most %(amount)s yuan per applicant") % {"amount": yuan(rule.cap_per_applicant)}
        )
    if rule.date_from or rule.date_to:
        parts.append(
            _("%(what)s from %(start)s to %(end)s")
            % {
                "what": adapter(rule.kind).date_label(),
                "start": rule.date_from.isoformat() if rule.date_from else "…",
                "end": rule.date_to.isoformat() if rule.date_to else "…",
            }
        )
    if rule.in_district_required:
        parts.append(_("must count for the district"))
    separator = pgettext("list separator", ", ")
    return f"{rule.label or rule.get_kind_display()}: {separator.join(parts)}"


def yuan_display(value) -> str:
    """An amount with thousands separators and two places: 5,000.00."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}"
