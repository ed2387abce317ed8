"""Transactions (task 7): recording them, their source flags, and deriving them from the
registry's legal events without counting any twice.

`record_transaction` is the one way a transaction is created (the form, the API, the import,
the marketplace and the derivation all call it), so the flags and the year are always set the
same way; `update_transaction` is the one way one is changed.

Derivation (`derive_from_legal_events`) turns each dated transfer or licence event of the
registry into a transaction, once: an event already linked to a transaction (or dismissed by the
office) is skipped; a transaction that the event describes (one of its patents, the same kind
family, its registration number, or the counterparty named as assignee, within 30 days) is
linked to the event instead of being counted again, even when it already stands for the event
of another of its patents; and events of the same date, counterparty, kind and previous holder
(one deal covering several patents) become one transaction. Events without a date cannot be
counted for a year; they are listed for a person (`undated_events`), never given a guessed date,
until as many transactions as they stand for are recorded or linked.

A hand entry, import or marketplace record that repeats a recorded transaction (same patent,
kind family and assignee within 30 days) is refused with a link to it (`DuplicateTransaction`).
Only the office sets or removes links to legal events (`link_event`, `unlink_event`).

`stats(years, user)` is the aggregation the statistics page, the API and other pages share:
each figure comes with the list filter that shows exactly its rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.db.models import Count, Prefetch, Q, Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core import jobs
from ipcity.core.scope import has_perm, scope_q
from ipcity.orgs.choices import OrganizationKind
from ipcity.rights.attribution import District
from ipcity.rights.choices import LegalEventKind
from ipcity.rights.holders import normalize_name
from ipcity.rights.numbers import PatentNumberError, parse_application_number
from ipcity.rights.signals import patents_changed

from .choices import LICENCE_KINDS, TransactionKind, TransactionOrigin
from .models import Transaction
from .models.transfers import DismissedEvent, TransactionEvent
from .parties import PartyIndex, locate, orgs_in_scope

DERIVE_JOB = "utilization.derive_transactions"
MATCH_WINDOW = timedelta(days=30)
EVENT_KINDS = (LegalEventKind.TRANSFER, LegalEventKind.LICENCE)
# No transaction of the registry's rights predates China's patent law (in force 1985-04-01).
MIN_YEAR = 1985
MIN_DATE = date(MIN_YEAR, 1, 1)
MAX_DATE = date(2100, 12, 31)
# A registration number matches an event's text only as a whole number of at least this length.
MIN_NUMBER_LENGTH = 8
# "转让次数 3": an undated event standing for several transactions (at most this many).
MAX_SHARES = 99
_COUNT_IN_DETAIL = re.compile(r"(?:转让|许可)次数\s*[:：]?\s*(\d+)")
_NUMBER_TOKENS = re.compile(r"[0-9A-Z]+(?:[-/][0-9A-Z]+)*")
# Saving an organization with any of these changed may move its transactions' source flags.
PLACE_FIELDS = {"kind", "region", "region_id", "uscc", "address"}
_SPLIT_NUMBERS = re.compile(r"[;；,，、\n\r\t]+")
_SPLIT_NAMES = re.compile(r"\s*[;；]\s*")
# How a licence event or a cell names the kind of licence (first match wins).
LICENCE_WORDS = (
    ("非独占", TransactionKind.ORDINARY_LICENCE),
    ("非排他", TransactionKind.ORDINARY_LICENCE),
    ("non-exclusive", TransactionKind.ORDINARY_LICENCE),
    ("nonexclusive", TransactionKind.ORDINARY_LICENCE),
    ("non-sole", TransactionKind.ORDINARY_LICENCE),
    ("独占", TransactionKind.EXCLUSIVE_LICENCE),
    ("排他", TransactionKind.SOLE_LICENCE),
    ("普通", TransactionKind.ORDINARY_LICENCE),
    ("开放", TransactionKind.OPEN_LICENCE),
    ("exclusive", TransactionKind.EXCLUSIVE_LICENCE),
    ("sole", TransactionKind.SOLE_LICENCE),
    ("ordinary", TransactionKind.ORDINARY_LICENCE),
    ("open", TransactionKind.OPEN_LICENCE),
)


# -- kinds and flags ---------------------------------------------------------------------------


def family(kind: str) -> str:
    """'assignment' or 'licence': what a legal event of the registry can tell apart."""
    return "licence" if kind in LICENCE_KINDS else "assignment"


def family_kinds(event_kind: str) -> tuple[str, ...]:
    if event_kind == LegalEventKind.LICENCE:
        return tuple(str(k) for k in LICENCE_KINDS)
    return (str(TransactionKind.ASSIGNMENT),)


def kinds_like(kind: str) -> tuple[str, ...]:
    """The transaction kinds of `kind`'s family (all licences, or the assignment)."""
    return tuple(str(k) for k in TransactionKind.values if family(k) == family(kind))


def event_family(event_kind: str) -> str:
    return "licence" if event_kind == LegalEventKind.LICENCE else "assignment"


def event_count(event) -> int:
    """How many transactions an event stands for: a dated event one; an undated one the N of
    its "转让次数 N" / "许可次数 N" (at least one, at most MAX_SHARES)."""
    if event.date is not None:
        return 1
    found = _COUNT_IN_DETAIL.search(unicodedata.normalize("NFKC", event.detail or ""))
    return max(1, min(int(found.group(1)), MAX_SHARES)) if found else 1


def licence_kind(text: str) -> str | None:
    """The licence kind a text names (独占许可, 排他, exclusive…), or None."""
    folded = unicodedata.normalize("NFKC", str(text or "")).casefold()
    for word, kind in LICENCE_WORDS:
        if word in folded:
            return str(kind)
    return None


def _flags(assignor, assignee, assignor_in, assignee_in) -> tuple[bool, bool]:
    """(from_university, from_outside) for these parties and where they are."""
    from_university = bool(
        assignor is not None
        and assignor.kind == OrganizationKind.UNIVERSITY
        and assignee is not None
        and assignee.kind == OrganizationKind.ENTERPRISE
        and assignee_in is True
    )
    return from_university, bool(assignee_in is True and assignor_in is False)


def set_flags(deal: Transaction, district: District | None = None) -> None:
    """Set `year`, `from_university`, `from_outside`, `has_district_party` and
    `district_region` from the dates and the parties.

    A party is in the district when any signal places it there (parties.locate: credit code,
    address, recorded region, a decision on the review list), so the district indicators count
    exactly the transactions the source flags speak of. `district_region` is where the district
    party stands (the assignee when it is in the district, else the assignor): its recorded
    region when that lies in the district, else the street or town its address names, else the
    one decided on the review list; None when nothing names one."""
    when = deal.registration_date or deal.contract_date or deal.start_date
    if when is not None:
        deal.year = when.year
    district = district or District.load()
    assignor_in = locate(deal.assignor, district).inside if deal.assignor else None
    assignee_in = locate(deal.assignee, district).inside if deal.assignee else None
    deal.from_university, deal.from_outside = _flags(
        deal.assignor, deal.assignee, assignor_in, assignee_in
    )

    def place(org) -> int | None:
        if org.region_id and org.region_id in district.region_ids:
            return org.region_id
        if org.address:
            found = district.read_address(org.address)
            if found is not None and found.region_id:
                return found.region_id
        from ipcity.rights.choices import Attribution
        from ipcity.rights.models import HolderAttribution

        return (
            HolderAttribution.objects.filter(
                organization_id=org.pk, attribution=Attribution.IN_DISTRICT
            )
            .values_list("region_id", flat=True)
            .first()
        )

    party = deal.assignee if assignee_in is True else deal.assignor if assignor_in else None
    deal.has_district_party = party is not None
    deal.district_region_id = place(party) if party is not None else None


def flag_reasons(deal: Transaction, district: District | None = None) -> list[dict]:
    """Why each source flag is set or not: [{flag, label, set, reason}], read from the parties'
    records as they are now (the stored flags were set from them when the transaction was
    saved)."""
    district = district or District.load()
    where_from = locate(deal.assignor, district)
    where_to = locate(deal.assignee, district)

    def place(loc) -> str:
        if loc.inside is True:
            return _("in the district (%(why)s)") % {"why": loc.detail}
        if loc.inside is False:
            return _("outside the district (%(why)s)") % {"why": loc.detail}
        return _("of unknown location (%(why)s)") % {"why": loc.detail}

    def kind_of(org) -> str:
        if org is None:
            return _("not linked to an organization")
        return str(org.get_kind_display()).lower()

    assignor = deal.assignor_label
    assignee = deal.assignee_name
    uni = {
        "flag": "from_university",
        "label": _("University or institute to district enterprise"),
        "set": deal.from_university,
    }
    if deal.from_university:
        uni["reason"] = _(
            "The assignor %(a)s is a university or research institute; the assignee %(b)s is "
            "an enterprise %(where)s."
        ) % {"a": assignor, "b": assignee, "where": place(where_to)}
    elif deal.assignor is None or deal.assignor.kind != OrganizationKind.UNIVERSITY:
        uni["reason"] = _(
            "The assignor %(a)s is not a university or research institute (%(k)s)."
        ) % {
            "a": assignor,
            "k": kind_of(deal.assignor),
        }
    elif deal.assignee is None or deal.assignee.kind != OrganizationKind.ENTERPRISE:
        uni["reason"] = _("The assignee %(b)s is not an enterprise (%(k)s).") % {
            "b": assignee,
            "k": kind_of(deal.assignee),
        }
    else:
        uni["reason"] = _("The assignee %(b)s is %(where)s.") % {
            "b": assignee,
            "where": place(where_to),
        }
    outside = {
        "flag": "from_outside",
        "label": _("Acquired from outside the district"),
        "set": deal.from_outside,
    }
    outside["reason"] = _("The assignor %(a)s is %(wa)s; the assignee %(b)s is %(wb)s.") % {
        "a": assignor,
        "wa": place(where_from),
        "b": assignee,
        "wb": place(where_to),
    }
    now = _flags(deal.assignor, deal.assignee, where_from.inside, where_to.inside)
    for flag, current in zip((uni, outside), now, strict=True):
        if flag["set"] != current:
            flag["reason"] += " " + _(
                "The parties' records changed since the transaction was saved; saving it again "
                "updates this flag."
            )
    return [uni, outside]


# -- input: rights and parties -----------------------------------------------------------------


def split_numbers(value) -> list[str]:
    """Numbers typed in one box or cell, separated by ";", ",", "、" or line breaks."""
    if value is None:
        return []
    parts = value if isinstance(value, list | tuple) else _SPLIT_NUMBERS.split(str(value))
    seen: list[str] = []
    for part in parts:
        part = str(part).strip()
        if part and part not in seen:
            seen.append(part)
    return seen


def normalize_patent_number(text: str) -> str | None:
    try:
        return parse_application_number(text).normalized
    except PatentNumberError:
        return None


def resolve_rights(patent_numbers, trademark_numbers) -> tuple[list, list]:
    """Patents (by application or patent number, either era) and trademarks (by registration
    number) from the registry; ValidationError naming each number that is malformed or unknown.
    """
    from ipcity.rights.models import Patent, Trademark

    errors: dict[str, list[str]] = {}
    wanted: dict[str, str] = {}
    malformed = []
    for text in split_numbers(patent_numbers):
        normalized = normalize_patent_number(text)
        if normalized is None:
            malformed.append(text)
        else:
            wanted.setdefault(normalized, text)
    patents = list(Patent.objects.filter(application_number__in=wanted).order_by("pk"))
    found = {p.application_number for p in patents}
    unknown = [text for number, text in wanted.items() if number not in found]
    if malformed:
        errors.setdefault("patents", []).append(
            _("Not an application or patent number: %(list)s.") % {"list": "、".join(malformed)}
        )
    if unknown:
        errors.setdefault("patents", []).append(
            _("Not in the patent registry: %(list)s.") % {"list": "、".join(unknown)}
        )
    marks = split_numbers(trademark_numbers)
    trademarks = list(Trademark.objects.filter(registration_number__in=marks).order_by("pk"))
    missing = sorted(set(marks) - {t.registration_number for t in trademarks})
    if missing:
        errors.setdefault("trademarks", []).append(
            _("Not in the trademark registry: %(list)s.") % {"list": "、".join(missing)}
        )
    if errors:
        raise ValidationError(errors)
    return patents, trademarks


def visible_orgs(user) -> set[int] | None:
    """Ids of the organizations `user` may view; None for every one (a district-wide grant, or
    the platform itself when `user` is None)."""
    from ipcity.orgs.models import Organization

    if user is None:
        return None
    return orgs_in_scope(user, Organization, "view")


def party_index(user=None, names=None, usccs=None) -> PartyIndex:
    """A PartyIndex over the organizations `user` may view (all for the platform or a
    district-wide grant), so a typed name or credit code never links to, or reveals, an
    organization the user cannot open."""
    index = PartyIndex(names=names, usccs=usccs)
    allowed = visible_orgs(user)
    if allowed is not None:
        index.by_uscc = {k: o for k, o in index.by_uscc.items() if o.pk in allowed}
        index.by_name = {
            k: kept for k, v in index.by_name.items() if (kept := [o for o in v if o.pk in allowed])
        }
    return index


def resolve_party(org, name: str = "", user=None):
    """(organization, name as recorded): a picked organization names itself when no name is
    typed; a typed name (or credit code) is matched to an organization by credit code or exact
    name, among those `user` may view (all when `user` is None), and kept as typed when
    nothing, or more than one, matches."""
    name = " ".join(str(name or "").split())
    if org is not None:
        return org, name or org.name
    if name:
        return party_index(user, names=[name], usccs=[name.upper()]).match(name), name
    return None, ""


def may_derive(user) -> bool:
    """Deriving and reviewing the registry's events is the office's work: a district-wide grant
    to add transactions."""
    if user is None or not user.is_authenticated:
        return False
    q = scope_q(Transaction, user, "add")
    return q is not None and not q


# -- creating and changing ---------------------------------------------------------------------


class DuplicateTransaction(ValidationError):
    """A hand entry, import or marketplace record that repeats a recorded transaction (the same
    patent, kind family and assignee within MATCH_WINDOW). `existing` is the recorded one;
    `visible` says whether the user may open it: the message names its page only then."""

    def __init__(self, existing: Transaction, visible: bool = True):
        self.existing = existing
        self.visible = visible
        if visible:
            message = _(
                "This transaction is already recorded: %(deal)s, %(url)s (the same patent, kind "
                "and assignee within %(days)d days). Complete that one instead of recording it "
                "again."
            ) % {"deal": existing, "url": existing.get_absolute_url(), "days": MATCH_WINDOW.days}
        else:
            message = _(
                "A transaction with the same patent, kind and assignee within %(days)d days is "
                "already recorded (one you cannot open); ask the district office to complete it "
                "instead of recording it again."
            ) % {"days": MATCH_WINDOW.days}
        super().__init__({"__all__": [message]})


RACE_MESSAGE = gettext_lazy(
    "The same transaction or legal event was recorded by someone else at the same moment; "
    "nothing was written. Reload and check before saving again."
)


ASSIGNMENT_TERM_MESSAGE = gettext_lazy(
    "An assignment has no licence term: leave the licence dates empty."
)


def _check(
    *,
    kind,
    assignor_name,
    assignee_name,
    has_rights,
    amount,
    contract_date,
    registration_date,
    start_date,
    end_date,
    origin,
) -> dict:
    """What every way in checks: parties, at least one right, dates within MIN_DATE..MAX_DATE,
    amount, licence term."""
    errors: dict[str, list[str]] = {}
    if kind not in TransactionKind.values:
        errors["kind"] = [_("Unknown transaction kind.")]
    if not assignor_name and origin != TransactionOrigin.LEGAL_EVENT:
        errors["assignor"] = [_("Name the assignor or licensor.")]
    if not assignee_name:
        errors["assignee"] = [_("Name the assignee or licensee.")]
    if not has_rights:
        errors["patents"] = [_("Name at least one patent or trademark from the registry.")]
    dates = {
        "contract_date": contract_date,
        "registration_date": registration_date,
        "start_date": start_date,
        "end_date": end_date,
    }
    if not (contract_date or registration_date or start_date):
        errors["contract_date"] = [_("Give the contract or registration date.")]
    for name, value in dates.items():
        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            errors.setdefault(name, []).append(
                _("Give a date from %(first)s to %(last)s.")
                % {"first": MIN_DATE.isoformat(), "last": MAX_DATE.isoformat()}
            )
    if amount is not None and amount < 0:
        errors["amount"] = [_("The amount cannot be negative.")]
    if kind == TransactionKind.ASSIGNMENT:
        for name, value in (("start_date", start_date), ("end_date", end_date)):
            if value is not None:
                errors.setdefault(name, []).append(str(ASSIGNMENT_TERM_MESSAGE))
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = [_("The licence cannot end before it starts.")]
    return errors


def _event_problems(event, patent_ids, kind) -> list[str]:
    """Why `event` cannot be one a transaction of `kind` on `patent_ids` stands for."""
    if event.kind not in EVENT_KINDS:
        return [_("Only transfer and licence events describe a transaction.")]
    problems = []
    if event.patent_id not in patent_ids:
        problems.append(
            _(
                "The legal event is on patent %(number)s, which is not among the transaction's "
                "patents."
            )
            % {"number": event.patent.application_number}
        )
    if kind in TransactionKind.values and event_family(event.kind) != family(kind):
        problems.append(
            _(
                "A transfer event describes an assignment and a licence event a licence; this "
                "transaction is of the other kind."
            )
        )
    return problems


def shares_left(event) -> int:
    """How many more transactions `event` may stand for."""
    return max(0, event_count(event) - TransactionEvent.objects.filter(legal_event=event).count())


def _attach(deal: Transaction, event) -> TransactionEvent:
    """Link `event` to `deal` on its first free share (inside the caller's atomic block); a
    dismissed event counts again."""
    taken = set(TransactionEvent.objects.filter(legal_event=event).values_list("share", flat=True))
    share = next((s for s in range(1, event_count(event) + 1) if s not in taken), None)
    if share is None:
        raise ValidationError(
            {
                "legal_event": [
                    _(
                        "The legal event is already linked to as many transactions as it stands "
                        "for (%(n)d)."
                    )
                    % {"n": event_count(event)}
                ]
            }
        )
    link = TransactionEvent.objects.create(transaction=deal, legal_event=event, share=share)
    DismissedEvent.objects.filter(legal_event=event).delete()
    return link


def _gap(dates, others) -> timedelta | None:
    """The shortest distance between a date of `dates` and one of `others`."""
    gaps = [abs(a - b) for a in dates if a for b in others if b]
    return min(gaps) if gaps else None


def _assignee_keys(deal) -> set[str]:
    keys = _keys(deal.assignee_name)
    if deal.assignee is not None:
        keys.add(normalize_name(deal.assignee.name))
    keys.discard("")
    return keys


def find_duplicate(
    *, kind, patent_ids, assignee=None, assignee_name="", dates=(), exclude=None
) -> Transaction | None:
    """A recorded transaction with one of `patent_ids`, a kind of the same family and the same
    assignee (organization, or name), dated within MATCH_WINDOW of `dates`; else None."""
    dates = [d for d in dates if d]
    patent_ids = list(patent_ids)
    if not patent_ids or not dates or kind not in TransactionKind.values:
        return None
    low, high = min(dates) - MATCH_WINDOW, max(dates) + MATCH_WINDOW
    near = (
        Q(registration_date__range=(low, high))
        | Q(contract_date__range=(low, high))
        | Q(start_date__range=(low, high))
    )
    qs = (
        Transaction.objects.filter(near, kind__in=kinds_like(kind))
        .filter(pk__in=Transaction.objects.filter(patents__in=patent_ids).values("pk"))
        .select_related("assignee")
        .order_by("pk")
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    names = _keys(assignee_name)
    if assignee is not None:
        names.add(normalize_name(assignee.name))
    names.discard("")
    for other in qs[:100]:
        same = assignee is not None and other.assignee_id == assignee.pk
        if same or names & _assignee_keys(other):
            gap = _gap(dates, _transaction_dates(other))
            if gap is not None and gap <= MATCH_WINDOW:
                return other
    return None


def _refuse_duplicates(deal: Transaction, patent_ids, user, *, similar: bool = True) -> None:
    """Inside the writing transaction: a registration number recorded twice, or (for what is
    not derived from the registry) the same transaction recorded again."""
    if deal.registration_number:
        same = Transaction.objects.filter(registration_number=deal.registration_number)
        if deal.pk:
            same = same.exclude(pk=deal.pk)
        if same.exists():
            raise ValidationError(
                {
                    "registration_number": [
                        _("A transaction with this registration number is already recorded.")
                    ]
                }
            )
    if similar and deal.origin != TransactionOrigin.LEGAL_EVENT:
        other = find_duplicate(
            kind=deal.kind,
            patent_ids=patent_ids,
            assignee=deal.assignee,
            assignee_name=deal.assignee_name,
            dates=_transaction_dates(deal),
            exclude=deal.pk,
        )
        if other is not None:
            visible = (
                user is None
                or Transaction.objects.restrict(user, "view").filter(pk=other.pk).exists()
            )
            raise DuplicateTransaction(other, visible)


def record_transaction(
    user,
    *,
    kind: str,
    assignor=None,
    assignor_name: str = "",
    assignee=None,
    assignee_name: str = "",
    patents=(),
    trademarks=(),
    amount=None,
    contract_date=None,
    start_date=None,
    end_date=None,
    registration_number: str = "",
    registration_date=None,
    supply_listing=None,
    demand_listing=None,
    legal_event=None,
    origin: str = TransactionOrigin.MANUAL,
    notes: str = "",
) -> Transaction:
    """Create a transaction as `user`; it must fall inside the user's scope (a party of it, or
    a district-wide grant), else nothing is written and PermissionDenied is raised. `user=None`
    is the platform itself (the derivation). Only the office (or the platform) links it to a
    `legal_event`, which must be on one of its patents and of its kind family."""
    return _create(
        user,
        user,
        kind=kind,
        assignor=assignor,
        assignor_name=assignor_name,
        assignee=assignee,
        assignee_name=assignee_name,
        patents=patents,
        trademarks=trademarks,
        amount=amount,
        contract_date=contract_date,
        start_date=start_date,
        end_date=end_date,
        registration_number=registration_number,
        registration_date=registration_date,
        supply_listing=supply_listing,
        demand_listing=demand_listing,
        legal_events=[legal_event] if legal_event is not None else [],
        origin=origin,
        notes=notes,
    )


def _create(
    user,
    history_user,
    *,
    patents=(),
    trademarks=(),
    district=None,
    legal_events=(),
    **fields,
) -> Transaction:
    if user is not None and not has_perm(user, Transaction, "add"):
        raise PermissionDenied(_("You may not record transactions."))
    events = list(legal_events)
    if fields.get("legal_event") is not None:
        events.append(fields["legal_event"])
    fields.pop("legal_event", None)
    if events and user is not None and not may_derive(user):
        raise PermissionDenied(
            _("Only the district office links transactions to the registry's legal events.")
        )
    patents, trademarks = list(patents or ()), list(trademarks or ())
    fields["assignor_name"] = (
        fields.get("assignor_name") or (fields["assignor"].name if fields.get("assignor") else "")
    ).strip()[:300]
    fields["assignee_name"] = (
        fields.get("assignee_name") or (fields["assignee"].name if fields.get("assignee") else "")
    ).strip()[:300]
    fields["registration_number"] = (fields.get("registration_number") or "").strip()[:100]
    fields["notes"] = fields.get("notes") or ""
    errors = _check(
        kind=fields["kind"],
        assignor_name=fields["assignor_name"],
        assignee_name=fields["assignee_name"],
        has_rights=bool(patents or trademarks),
        amount=fields.get("amount"),
        contract_date=fields.get("contract_date"),
        registration_date=fields.get("registration_date"),
        start_date=fields.get("start_date"),
        end_date=fields.get("end_date"),
        origin=fields.get("origin"),
    )
    patent_ids = {p.pk for p in patents}
    for event in events:
        problems = _event_problems(event, patent_ids, fields["kind"])
        if problems:
            errors.setdefault("legal_event", []).extend(problems)
    if errors:
        raise ValidationError(errors)
    try:
        with db_transaction.atomic():
            deal = Transaction(**fields)
            deal.recorded_by_id = getattr(user, "organization_id", None)
            _refuse_duplicates(deal, patent_ids, user)
            set_flags(deal, district)
            if history_user is not None:
                deal._history_user = history_user
            deal.save()
            if patents:
                deal.patents.set(patents)
            if trademarks:
                deal.trademarks.set(trademarks)
            for event in events:
                _attach(deal, event)
            if (
                user is not None
                and not Transaction.objects.restrict(user, "add").filter(pk=deal.pk).exists()
            ):
                raise PermissionDenied(_("The record would fall outside your scope."))
    except IntegrityError:
        raise ValidationError({"__all__": [str(RACE_MESSAGE)]}) from None
    return deal


EDITABLE = (
    "kind",
    "assignor",
    "assignor_name",
    "assignee",
    "assignee_name",
    "amount",
    "contract_date",
    "start_date",
    "end_date",
    "registration_number",
    "registration_date",
    "supply_listing",
    "demand_listing",
    "notes",
)
# Changing any of these may make the transaction repeat another one.
_IDENTITY = {
    "kind",
    "assignee",
    "assignee_name",
    "contract_date",
    "registration_date",
    "start_date",
}


def update_transaction(user, deal: Transaction, *, patents=None, trademarks=None, **fields):
    """Change `deal` as `user` (who must be allowed to change it, and still be after); fields
    not given keep their value; `patents`/`trademarks`, when given, replace the lists. The
    legal events it stands for are changed with `link_event`/`unlink_event` (the office's),
    and must stay on its patents and of its kind family."""
    if not Transaction.objects.restrict(user, "change").filter(pk=deal.pk).exists():
        raise PermissionDenied(_("You may not change this transaction."))
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(deal, name, value)
    if "assignor" in fields and "assignor_name" not in fields:
        deal.assignor_name = deal.assignor.name if deal.assignor else ""
    if "assignee" in fields and "assignee_name" not in fields:
        deal.assignee_name = deal.assignee.name if deal.assignee else ""
    deal.assignor_name = (deal.assignor_name or "").strip()[:300]
    deal.assignee_name = (deal.assignee_name or "").strip()[:300]
    deal.registration_number = (deal.registration_number or "").strip()[:100]
    patent_ids = (
        {p.pk for p in patents}
        if patents is not None
        else set(deal.patents.values_list("pk", flat=True))
    )
    has_marks = bool(trademarks) if trademarks is not None else deal.trademarks.exists()
    errors = _check(
        kind=deal.kind,
        assignor_name=deal.assignor_name,
        assignee_name=deal.assignee_name,
        has_rights=bool(patent_ids) or has_marks,
        amount=deal.amount,
        contract_date=deal.contract_date,
        registration_date=deal.registration_date,
        start_date=deal.start_date,
        end_date=deal.end_date,
        origin=deal.origin,
    )
    for link in deal.event_links.select_related("legal_event__patent"):
        if _event_problems(link.legal_event, patent_ids, deal.kind):
            errors.setdefault("legal_events", []).append(
                _(
                    "It stands for the registry's %(kind)s event of patent %(number)s: keep that "
                    "patent and a kind of the same family, or ask the district office to unlink "
                    "the event."
                )
                % {
                    "kind": link.legal_event.get_kind_display().lower(),
                    "number": link.legal_event.patent.application_number,
                }
            )
    if errors:
        raise ValidationError(errors)
    similar = patents is not None or bool(_IDENTITY & set(fields))
    try:
        with db_transaction.atomic():
            _refuse_duplicates(deal, patent_ids, user, similar=similar)
            set_flags(deal)
            deal._history_user = user
            deal.save()
            if patents is not None:
                deal.patents.set(patents)
            if trademarks is not None:
                deal.trademarks.set(trademarks)
            if not Transaction.objects.restrict(user, "change").filter(pk=deal.pk).exists():
                raise PermissionDenied(_("The record would fall outside your scope."))
    except IntegrityError:
        raise ValidationError({"__all__": [str(RACE_MESSAGE)]}) from None
    return deal


def _dismiss(event, user, reason: str) -> None:
    """Keep a dated event out of the derivation (an undated one is never derived)."""
    if event.date is None:
        return
    DismissedEvent.objects.update_or_create(
        legal_event=event,
        defaults={"reason": reason[:300], "dismissed_by": user if user is not None else None},
    )


def dismissed_on_delete(deal: Transaction) -> list:
    """The dated legal events that deleting `deal` takes out of the derivation."""
    return list(
        deal.legal_events.filter(date__isnull=False).select_related("patent").order_by("date", "pk")
    )


def delete_transaction(user, deal: Transaction) -> None:
    """Delete `deal` (as the office); the dated legal events it stood for are recorded as
    dismissed, so deriving again does not bring it back."""
    if not Transaction.objects.restrict(user, "delete").filter(pk=deal.pk).exists():
        raise PermissionDenied(_("You may not delete this transaction."))
    with db_transaction.atomic():
        reason = _("Transaction “%(deal)s” deleted.") % {"deal": deal}
        for event in dismissed_on_delete(deal):
            _dismiss(event, user, reason)
        deal._history_user = user
        deal.delete()


def link_event(user, deal: Transaction, event) -> TransactionEvent:
    """Let `deal` stand for `event` (the office's work): the event must be on one of its patents,
    of its kind family, and not yet linked to as many transactions as it stands for."""
    if not may_derive(user):
        raise PermissionDenied(
            _("Only the district office links transactions to the registry's legal events.")
        )
    if not Transaction.objects.restrict(user, "change").filter(pk=deal.pk).exists():
        raise PermissionDenied(_("You may not change this transaction."))
    problems = _event_problems(event, set(deal.patents.values_list("pk", flat=True)), deal.kind)
    if problems:
        raise ValidationError({"legal_event": problems})
    try:
        with db_transaction.atomic():
            if TransactionEvent.objects.filter(transaction=deal, legal_event=event).exists():
                raise ValidationError(
                    {"legal_event": [_("The transaction already stands for this legal event.")]}
                )
            link = _attach(deal, event)
            deal._history_user = user
            deal.save(update_fields=["updated_at"])
    except IntegrityError:
        raise ValidationError({"__all__": [str(RACE_MESSAGE)]}) from None
    return link


def unlink_event(user, deal: Transaction, event) -> None:
    """Take `event` off `deal` (the office's work). A dated event is then recorded as
    dismissed, so the next derivation neither links it back nor counts it on its own; recording
    it again (linking it) counts it. A derived transaction keeps at least one event (delete it
    instead), and loses the patent of the event taken off."""
    if not may_derive(user):
        raise PermissionDenied(
            _("Only the district office removes links to the registry's legal events.")
        )
    if not Transaction.objects.restrict(user, "change").filter(pk=deal.pk).exists():
        raise PermissionDenied(_("You may not change this transaction."))
    links = list(deal.event_links.select_related("legal_event"))
    link = next((x for x in links if x.legal_event_id == event.pk), None)
    if link is None:
        raise ValidationError(
            {"legal_event": [_("The transaction does not stand for this legal event.")]}
        )
    derived = deal.origin == TransactionOrigin.LEGAL_EVENT
    if derived and len(links) == 1:
        raise ValidationError(
            {
                "legal_event": [
                    _(
                        "A transaction derived from the registry stands for its legal event: "
                        "delete the transaction instead (the event is then not derived again)."
                    )
                ]
            }
        )
    with db_transaction.atomic():
        link.delete()
        _dismiss(
            event,
            user,
            _("Unlinked from transaction “%(deal)s”.") % {"deal": deal},
        )
        if derived and not any(
            x.legal_event.patent_id == event.patent_id for x in links if x.pk != link.pk
        ):
            deal.patents.remove(event.patent_id)
        deal._history_user = user
        deal.save(update_fields=["updated_at"])


def likely_transactions(events) -> dict[int, list[Transaction]]:
    """For each event (by pk): recorded transactions it may stand for, to link instead of
    recording a new one: one of its patents, its kind family, the counterparty named as
    assignee (any assignee when the event names none), not linked to it yet. One query."""
    events = list(events)
    if not events:
        return {}
    kinds = {k for e in events for k in family_kinds(e.kind)}
    deals = list(
        Transaction.objects.filter(
            pk__in=Transaction.objects.filter(patents__in=[e.patent_id for e in events]).values(
                "pk"
            ),
            kind__in=kinds,
        )
        .select_related("assignee")
        .prefetch_related(
            Prefetch("patents", queryset=_patent_model().objects.only("id")),
            Prefetch(
                "event_links",
                queryset=TransactionEvent.objects.only("id", "transaction_id", "legal_event_id"),
            ),
        )
        .order_by("-year", "pk")[:500]
    )
    found: dict[int, list[Transaction]] = {}
    for event in events:
        counterparties = _keys(event.counterparty)
        found[event.pk] = [
            deal
            for deal in deals
            if deal.kind in family_kinds(event.kind)
            and any(p.pk == event.patent_id for p in deal.patents.all())
            and not any(x.legal_event_id == event.pk for x in deal.event_links.all())
            and (not counterparties or counterparties & _assignee_keys(deal))
        ]
    return found


def _patent_model():
    from ipcity.rights.models import Patent

    return Patent


# -- source flags when a party's record changes ------------------------------------------------


def refresh_flags(org_ids, chunk: int = 500) -> int:
    """Recompute (with set_flags) the stored flags of the transactions of these organizations,
    reading them in chunks and writing only the rows and fields that changed; returns how many
    changed."""
    ids = [pk for pk in org_ids if pk]
    if not ids:
        return 0
    district = District.load()
    names = [f.attname for f in Transaction._meta.concrete_fields if not f.primary_key]
    qs = (
        Transaction.objects.filter(Q(assignor_id__in=ids) | Q(assignee_id__in=ids))
        .select_related("assignor", "assignee")
        .order_by("pk")
    )
    total = 0
    pending: list[Transaction] = []
    touched: set[str] = set()

    def flush():
        nonlocal total
        if pending:
            Transaction.objects.bulk_update(pending, sorted(touched), batch_size=chunk)
            total += len(pending)
            pending.clear()
            touched.clear()

    for deal in qs.iterator(chunk_size=chunk):
        before = {name: getattr(deal, name) for name in names}
        set_flags(deal, district)
        changed = {name for name in names if getattr(deal, name) != before[name]}
        if changed:
            pending.append(deal)
            touched.update(changed)
        if len(pending) >= chunk:
            flush()
    flush()
    return total


@receiver(post_save, sender="orgs.Organization", dispatch_uid="ipcity.utilization.deals.org")
def _organization_saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    """An organization's kind, region, credit code or address moves its transactions' flags."""
    if raw or created:
        return
    if update_fields is not None and not PLACE_FIELDS & set(update_fields):
        return
    refresh_flags([instance.pk])


@receiver(
    post_save, sender="rights.HolderAttribution", dispatch_uid="ipcity.utilization.deals.ha_save"
)
@receiver(
    post_delete,
    sender="rights.HolderAttribution",
    dispatch_uid="ipcity.utilization.deals.ha_delete",
)
def _attribution_changed(sender, instance, raw=False, **kwargs):
    """A decision on the attribution review list places (or no longer places) an organization."""
    if raw:
        return
    refresh_flags([instance.organization_id])


# -- derivation from the registry's legal events ----------------------------------------------


def _names(text: str) -> list[str]:
    return [n for n in _SPLIT_NAMES.split(" ".join(str(text or "").split())) if n]


def _keys(text: str) -> set[str]:
    return {normalize_name(n) for n in _names(text)}


def _events(patent_ids=None):
    from ipcity.rights.models import LegalEvent

    qs = LegalEvent.objects.filter(kind__in=EVENT_KINDS)
    if patent_ids is not None:
        qs = qs.filter(patent_id__in=list(patent_ids))
    return qs


def pending_events(patent_ids=None):
    """Dated transfer and licence events not yet linked to a transaction, nor dismissed."""
    return _events(patent_ids).filter(
        date__isnull=False,
        transaction_links__isnull=True,
        transaction_dismissal__isnull=True,
    )


def undated_events(patent_ids=None):
    """Transfer and licence events without a date that still stand for a transaction not
    recorded: one without any, or one saying "转让次数 N" with fewer than N recorded. They
    cannot be counted for a year until someone records (or links) the transactions."""
    events = _events(patent_ids).filter(date__isnull=True, transaction_dismissal__isnull=True)
    # Events with links are few (each was recorded by a person): read them to find the full.
    full = [
        pk
        for pk, detail, recorded in events.filter(transaction_links__isnull=False)
        .annotate(recorded=Count("transaction_links"))
        .values_list("pk", "detail", "recorded")
        if recorded >= _shares(None, detail)
    ]
    return (
        events.exclude(pk__in=full)
        .select_related("patent")
        .order_by("patent__application_number", "kind", "pk")
    )


def _shares(when, detail) -> int:
    return event_count(_EventText(when, detail))


class _EventText:
    def __init__(self, when, detail):
        self.date, self.detail = when, detail


def _transaction_dates(deal: Transaction) -> list[date]:
    return [d for d in (deal.registration_date, deal.contract_date, deal.start_date) if d]


def _plain_number(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", str(text or "")).upper())


def _numbers_in(text: str) -> set[str]:
    """The whole numbers an event's text holds (registration, filing numbers), long enough to
    identify something."""
    folded = unicodedata.normalize("NFKC", str(text or "")).upper()
    found = {_plain_number(token) for token in _NUMBER_TOKENS.findall(folded)}
    return {n for n in found if len(n) >= MIN_NUMBER_LENGTH}


def _describes(deal: Transaction, event, counterparties: set[str]) -> tuple | None:
    """How well `event` describes `deal` (a sort key: its registration number first, then the
    counterparty named as assignee; then the distance in days), or None when it does not: the
    dates must lie within MATCH_WINDOW either way."""
    gap = _gap(_transaction_dates(deal), [event.date])
    if gap is None or gap > MATCH_WINDOW:
        return None
    number = _plain_number(deal.registration_number)
    if len(number) >= MIN_NUMBER_LENGTH and number in _numbers_in(event.detail):
        return (0, gap)
    if _assignee_keys(deal) & counterparties:
        return (1, gap)
    return None


class _Derivation:
    """One run over the pending events: link each to a recorded transaction it describes, else
    group it with the events of the same deal, and create one transaction per group."""

    def __init__(self, todo, district, history_user, result):
        self.todo = todo
        self.district = district
        self.history_user = history_user
        self.result = result
        patent_ids = {e.patent_id for e in todo}
        # Every dated transfer of these patents, to know who held each before an event.
        self.transfers: dict[int, list] = defaultdict(list)
        for event in (
            _events(patent_ids)
            .filter(kind=LegalEventKind.TRANSFER, date__isnull=False)
            .order_by("date", "pk")
        ):
            self.transfers[event.patent_id].append(event)
        # Recorded transactions on these patents, and the patents of the events they stand for.
        self.by_patent: dict[int, list[Transaction]] = defaultdict(list)
        self.linked_patents: dict[int, set[int]] = defaultdict(set)
        for deal in (
            Transaction.objects.filter(
                pk__in=Transaction.objects.filter(patents__in=patent_ids).values("pk")
            )
            .select_related("assignee")
            .prefetch_related(
                Prefetch("patents", queryset=_patent_model().objects.only("id")),
                Prefetch(
                    "event_links",
                    queryset=TransactionEvent.objects.select_related("legal_event").only(
                        "id", "transaction_id", "legal_event__id", "legal_event__patent_id"
                    ),
                ),
            )
        ):
            self.linked_patents[deal.pk] = {
                link.legal_event.patent_id for link in deal.event_links.all()
            }
            for patent in deal.patents.all():
                if patent.pk in patent_ids:
                    self.by_patent[patent.pk].append(deal)
        # Transactions derived earlier on these dates: a deal's further events join them.
        self.derived: dict[tuple, Transaction] = {}
        for deal in Transaction.objects.filter(
            origin=TransactionOrigin.LEGAL_EVENT,
            registration_date__in={e.date for e in todo},
        ).order_by("pk"):
            self.derived.setdefault(
                self._key(
                    deal.registration_date,
                    deal.assignee_name,
                    deal.kind,
                    deal.assignor_id,
                    deal.assignor_name,
                ),
                deal,
            )
        names: set[str] = set()
        for event in todo:
            names |= set(_names(event.counterparty))
            names |= set(_names(event.patent.holder_names))
            for previous in self.transfers[event.patent_id]:
                names |= set(_names(previous.counterparty))
        self.index = PartyIndex(names=names)

    @staticmethod
    def _key(when, counterparty, kind, assignor_id, assignor_name) -> tuple:
        return (
            when,
            frozenset(_keys(counterparty)),
            str(kind),
            assignor_id or normalize_name(assignor_name or ""),
        )

    def run(self, progress=None) -> None:
        groups: dict[tuple, list] = {}
        total = len(self.todo)
        for done, event in enumerate(self.todo, start=1):
            deal = self._match(event)
            if deal is not None:
                self._link(deal, event)
            else:
                kind, note = self._kind(event)
                assignor, assignor_name = self._assignor(event)
                key = self._key(
                    event.date,
                    event.counterparty,
                    kind,
                    assignor.pk if assignor else None,
                    assignor_name,
                )
                groups.setdefault(key, []).append((event, kind, note, assignor, assignor_name))
            if progress is not None and done < total:
                progress(done, total)
        for key, members in groups.items():
            existing = self.derived.get(key)
            if existing is not None:
                for event, *_rest in members:
                    self._link(existing, event)
            else:
                self.derived[key] = self._new(members)
        if progress is not None:
            progress(total, total)

    def _match(self, event) -> Transaction | None:
        counterparties = _keys(event.counterparty)
        kinds = family_kinds(event.kind)
        best = None
        for deal in self.by_patent.get(event.patent_id, ()):
            if deal.kind not in kinds or event.patent_id in self.linked_patents[deal.pk]:
                continue
            score = _describes(deal, event, counterparties)
            if score is not None and (best is None or score < best[0]):
                best = (score, deal)
        return best[1] if best is not None else None

    def _link(self, deal: Transaction, event) -> None:
        _attach(deal, event)
        if event.patent_id not in {p.pk for p in deal.patents.all()}:
            deal.patents.add(event.patent_id)
        self.linked_patents[deal.pk].add(event.patent_id)
        if self.history_user is not None:
            deal._history_user = self.history_user
        deal.save(update_fields=["updated_at"])
        self.result["linked"] += 1

    @staticmethod
    def _kind(event) -> tuple[str, str]:
        if event.kind != LegalEventKind.LICENCE:
            return str(TransactionKind.ASSIGNMENT), ""
        kind = licence_kind(event.detail)
        if kind is not None:
            return kind, ""
        return str(TransactionKind.ORDINARY_LICENCE), _(
            "The event does not say which licence; recorded as an ordinary licence."
        )

    def _party(self, names: list[str]) -> tuple[object | None, str]:
        return self.index.match(names[0]), "; ".join(names)

    def _assignor(self, event) -> tuple[object | None, str]:
        """Who held the patent before `event`. The patent's current holders say so only when no
        transfer follows the event (and, for a transfer, only those who are not its
        counterparty); otherwise the counterparty of the transfer before it; else nobody knows:
        (None, '')."""
        patent = event.patent
        counterparties = _keys(event.counterparty)
        mark = (event.date, event.pk)
        transfers = [e for e in self.transfers[patent.pk] if e.pk != event.pk]
        earlier = [e for e in transfers if (e.date, e.pk) < mark]
        later = [e for e in transfers if (e.date, e.pk) > mark]
        if event.kind == LegalEventKind.TRANSFER or later:
            for previous in reversed(earlier):
                names = [
                    n
                    for n in _names(previous.counterparty)
                    if normalize_name(n) not in counterparties
                ]
                if names:
                    return self._party(names)
            if later:
                return None, ""
        links = [
            link
            for link in patent.holder_links.all()
            if normalize_name(link.name_as_recorded or link.organization.name) not in counterparties
            and normalize_name(link.organization.name) not in counterparties
        ]
        if links:
            names = [link.name_as_recorded or link.organization.name for link in links]
            return links[0].organization, "; ".join(names)
        names = [n for n in _names(patent.holder_names) if normalize_name(n) not in counterparties]
        if names:
            return self._party(names)
        return None, ""

    def _new(self, members) -> Transaction:
        first, kind, _note, assignor, assignor_name = members[0]
        events = [m[0] for m in members]
        patents = list({e.patent_id: e.patent for e in events}.values())
        notes: list[str] = []
        for event, _kind, note, *_rest in members:
            for text in (event.detail, note):
                if text and text not in notes:
                    notes.append(text)
        names = _names(first.counterparty)
        assignee = self.index.match(names[0]) if len(names) == 1 else None
        deal = _create(
            None,
            self.history_user,
            district=self.district,
            kind=kind,
            assignor=assignor,
            assignor_name=assignor_name,
            assignee=assignee,
            assignee_name=first.counterparty or str(_("(unknown)")),
            patents=patents,
            registration_date=first.date,
            legal_events=events,
            origin=TransactionOrigin.LEGAL_EVENT,
            notes="\n".join(notes),
        )
        for event in events:
            self.linked_patents[deal.pk].add(event.patent_id)
        self.result["created"] += 1
        return deal


def derive_from_legal_events(
    user=None, patent_ids=None, *, progress=None, history_user=None
) -> dict:
    """Create or link a transaction for each dated transfer or licence event not yet linked
    (nor dismissed by the office).

    `user` (when given) must be the office (a district-wide grant to add transactions);
    `user=None` is the platform itself. All-or-nothing: one transaction for the whole run.
    Returns counts: dated events looked at, transactions created, events linked to transactions
    already recorded (by hand, import or an earlier derivation), events already linked, events
    dismissed, and undated events left for review.
    """
    from ipcity.rights.models import PatentHolder

    if user is not None and not may_derive(user):
        raise PermissionDenied(_("Only the office derives transactions from the registry."))
    history_user = history_user or user
    ids = None if patent_ids is None else [int(pk) for pk in patent_ids]
    dated = _events(ids).filter(date__isnull=False)
    result = {
        "events": 0,
        "created": 0,
        "linked": 0,
        "already_linked": 0,
        "dismissed": 0,
        "undated": undated_events(ids).count(),
    }
    district = District.load()
    with db_transaction.atomic():
        result["events"] = dated.count()
        result["already_linked"] = dated.filter(transaction_links__isnull=False).distinct().count()
        result["dismissed"] = dated.filter(
            transaction_links__isnull=True, transaction_dismissal__isnull=False
        ).count()
        todo = list(
            pending_events(ids)
            .select_related("patent")
            .prefetch_related(
                Prefetch(
                    "patent__holder_links",
                    queryset=PatentHolder.objects.select_related("organization").order_by(
                        "position"
                    ),
                )
            )
            .order_by("date", "pk")
        )
        if todo:
            _Derivation(todo, district, history_user, result).run(progress)
    return result


def request_derive(user, patent_ids=None):
    """Queue the derivation as a background job (after the current transaction commits)."""
    ids = None if patent_ids is None else sorted({int(pk) for pk in patent_ids})
    if ids is None:
        title = _("Derive transactions from the registry's legal events")
    else:
        title = _("Derive transactions from the legal events of %(n)d patents") % {"n": len(ids)}
    return jobs.submit(DERIVE_JOB, title, user, {"patent_ids": ids})


@jobs.job_handler(DERIVE_JOB)
def run_derive(job, ctx):
    creator = job.created_by
    ctx.progress(0, 0, _("Deriving transactions from legal events"))
    try:
        result = derive_from_legal_events(
            creator if may_derive(creator) else None,
            job.params.get("patent_ids"),
            progress=lambda done, total: ctx.progress(done, total),
            history_user=creator,
        )
    except (IntegrityError, ValidationError):
        # Another derivation (or a person) linked the same event meanwhile: the unique link
        # kept it counted once, and this run wrote nothing.
        raise RuntimeError(
            _("Another derivation ran at the same time and nothing was written; run it again.")
        ) from None
    summary = _(
        "%(events)d dated events: %(created)d transactions created, %(linked)d recorded "
        "ones linked, %(already)d already linked, %(dismissed)d dismissed by the office; "
        "%(undated)d events without a date to review."
    ) % {
        "events": result["events"],
        "created": result["created"],
        "linked": result["linked"],
        "already": result["already_linked"],
        "dismissed": result["dismissed"],
        "undated": result["undated"],
    }
    ctx.log(summary)
    # The job's message is what its page shows once finished: what was done, not the
    # "Deriving …" of the run.
    ctx.progress(ctx.done, ctx.total, _("Derivation finished: %(summary)s") % {"summary": summary})
    return result


@receiver(patents_changed, dispatch_uid="ipcity.utilization.deals.derive")
def queue_derivation(sender=None, patent_ids=None, user=None, **kwargs):
    """Changed patents (or an import: all of them) may bring transfer or licence events: queue
    the derivation when any dated one is still unlinked."""
    if not pending_events(patent_ids).exists():
        return None
    creator = user if user is not None and getattr(user, "is_authenticated", False) else None
    return request_derive(creator, patent_ids)


# -- statistics --------------------------------------------------------------------------------


def stats_columns() -> list[dict]:
    """The figures per year: all, each kind, each origin, and the two source flags; each with
    the list filter that shows its rows."""
    columns = [{"key": "all", "group": "total", "label": _("All"), "q": Q(), "params": {}}]
    for value, label in TransactionKind.choices:
        columns.append(
            {
                "key": f"kind_{value}",
                "group": "kind",
                "label": label,
                "q": Q(kind=value),
                "params": {"kind": value},
            }
        )
    for value, label in TransactionOrigin.choices:
        columns.append(
            {
                "key": f"origin_{value}",
                "group": "source",
                "label": label,
                "q": Q(origin=value),
                "params": {"origin": value},
            }
        )
    columns.append(
        {
            "key": "from_university",
            "group": "source",
            "label": _("University or institute to district enterprise"),
            "q": Q(from_university=True),
            "params": {"from_university": "true"},
        }
    )
    columns.append(
        {
            "key": "from_outside",
            "group": "source",
            "label": _("Acquired from outside the district"),
            "q": Q(from_outside=True),
            "params": {"from_outside": "true"},
        }
    )
    return columns


def stats(years, user) -> dict:
    """Count and amount (10k yuan) of the transactions `user` may see, per year in `years`,
    by kind and by source, in one query.

    Returns {"years", "columns": [{key, group, label}], "rows": [{year, cells}], "total":
    {cells}}; each cell is {key, count, amount, params}, where `params` filters the transaction
    list to exactly the rows counted (year, or year_min/year_max for the total).
    """
    years = sorted({int(y) for y in years if int(y) >= MIN_YEAR})
    columns = stats_columns()
    aggregates = {}
    for column in columns:
        aggregates[f"n_{column['key']}"] = Count("pk", filter=column["q"])
        aggregates[f"a_{column['key']}"] = Sum("amount", filter=column["q"])
    qs = Transaction.objects.restrict(user, "view").filter(year__in=years)
    found = {row["year"]: row for row in qs.order_by().values("year").annotate(**aggregates)}

    def cells(data, year_params):
        return [
            {
                "key": c["key"],
                "count": (data or {}).get(f"n_{c['key']}") or 0,
                "amount": (data or {}).get(f"a_{c['key']}") or Decimal("0"),
                "params": {**year_params, **c["params"]},
            }
            for c in columns
        ]

    rows = [{"year": y, "cells": cells(found.get(y), {"year": y})} for y in years]
    total_data = {}
    for data in found.values():
        for key, value in data.items():
            if key != "year" and value is not None:
                total_data[key] = total_data.get(key, 0) + value
    total_params = {"year_min": years[0], "year_max": years[-1]} if years else {}
    return {
        "years": years,
        "columns": [{k: c[k] for k in ("key", "group", "label")} for c in columns],
        "rows": rows,
        "total": {"cells": cells(total_data, total_params)},
    }


def default_stats_year(user) -> int:
    """The latest year with transactions the user sees (not after this year), else this year."""
    this_year = timezone.localdate().year
    latest = (
        Transaction.objects.restrict(user, "view")
        .filter(year__lte=this_year)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return latest or this_year
