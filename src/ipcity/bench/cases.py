"""Enforcement cases for the benchmark data set: the agencies and their certified officers, then
cases with their steps (`CaseEvent`), parties, rights and handlers.

A case's status is where its procedure stands on the reference day, following the transitions of
`protection.cases` (investigation, notice, decision, disclosure, execution, closing) with the
dates and fields each step sets there; the decision clock and the disclosure clock come from
`protection.clocks`. Rights named from the registry are in force and held by the complainant, so
the intake check (`protection.intake`) finds nothing; other rights carry its "not in the
registry" note. Repeat infringement (`CaseRelation`, `is_repeat`) is computed over all cases with
the rules of `protection.repeats.find`; respondents are told apart by credit code.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from . import vocab
from .database import NOW, Database, amount
from .world import MARK, REFERENCE_DATE, Plan, make_uscc, weighted

OUTCOMES = (
    ("penalty", 55),
    ("order_only", 5),
    ("no_penalty", 10),
    ("no_violation", 20),
    ("withdrawn", 10),
)
FIRST_OPENED = dt.date(2019, 1, 1)
LOCAL = ZoneInfo("Asia/Shanghai")


def _d(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(low, high))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class Clocks:
    """protection.clocks.due, remembered per day (working-day clocks read the calendar)."""

    def __init__(self):
        from ipcity.protection import clocks

        self.clocks = clocks
        self.memo: dict[tuple[str, dt.date], dt.date] = {}

    def due(self, code: str, start: dt.date) -> dt.date:
        key = (code, start)
        if key not in self.memo:
            self.memo[key] = self.clocks.due(code, start)
        return self.memo[key]


def write_cases(db: Database, plan: Plan, progress, chunk: int) -> dict[str, int]:
    with translation.override(settings.LANGUAGE_CODE):
        return _write(db, plan, progress, chunk)


def _write(db: Database, plan: Plan, progress, chunk: int) -> dict[str, int]:
    from ipcity.protection import parties as case_parties
    from ipcity.protection.models import (
        Agency,
        Case,
        CaseEvent,
        CaseHandler,
        CaseParty,
        CaseRelation,
        CaseRight,
        Officer,
    )

    rng = random.Random(f"{db.seed}:cases")
    world, pks = db.world, db.org_pks
    clocks = Clocks()
    counts: Counter = Counter()

    # Agencies, and officers enough for their cases (two handlers a case).
    agencies = [
        Agency(
            organization_id=pks[org],
            kind=kind,
            is_joint_member=True,
            case_prefix=prefix,
            accepts_public_leads=handles,
            created_at=NOW,
            updated_at=NOW,
        )
        for org, kind, prefix, handles in world.agencies
    ]
    load = Counter(c.agency for c in plan.cases)
    officers = []
    for a, (org, _kind, _prefix, handles) in enumerate(world.agencies):
        for k in range(4 + load[a] // 150 if handles else 0):
            officers.append(
                Officer(
                    organization_id=pks[org],
                    name=world.person_name(rng),
                    certificate_number=f"JZ{db.district.code}{a:02d}{k + 1:05d}",
                    issued_on=dt.date(2015, 1, 1) + _d(rng, 0, 1400),
                    valid_until=dt.date(2030, 12, 31) - _d(rng, 0, 300),
                    status="active",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    with transaction.atomic():
        Agency.objects.bulk_create(agencies)
        Officer.objects.bulk_create(officers)
    by_agency: dict[int, list[int]] = defaultdict(list)
    org_agency = {pks[org]: a for a, (org, *_rest) in enumerate(world.agencies)}
    for officer in officers:
        by_agency[org_agency[officer.organization_id]].append(officer.pk)
    counts["agencies"], counts["officers"] = len(agencies), len(officers)

    respondents = _respondents(db, plan.respondents)
    numbers: Counter = Counter()
    cases, extras = [], []
    for c in plan.cases:
        org, _kind, prefix, _handles = world.agencies[c.agency]
        if c.patent is not None:
            _pk, right_number, base, _events = db.registry.patents[c.patent]
        elif c.trademark is not None:
            _pk, right_number, base = db.registry.trademarks[c.trademark]
        else:
            right_number, base = c.number, None
        first = max(FIRST_OPENED, base + dt.timedelta(days=30)) if base else FIRST_OPENED
        last = REFERENCE_DATE - dt.timedelta(days=1)
        opened = first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))
        numbers[(c.agency, opened.year)] += 1
        seq = numbers[(c.agency, opened.year)]
        respondent = respondents[c.respondent]
        case = Case(
            agency_id=pks[org],
            number=f"{prefix}〔{opened.year}〕{seq}号",
            title=f"{respondent[0]}{rng.choice(vocab.CASE_TITLES[c.right_type])}",
            right_type=c.right_type,
            status="opened",
            conduct_date=opened - _d(rng, 5, 120),
            business_amount=amount(rng, 1_000, 500_000),
            opened_on=opened,
            decision_due=clocks.due("penalty_decision", opened),
            is_malicious=rng.random() < 0.03,
            is_group=rng.random() < 0.02,
            created_at=NOW,
            updated_at=NOW,
        )
        case.illegal_gain = (case.business_amount * rng.randint(5, 30) / 100).quantize(
            case.business_amount
        )
        steps = _steps(rng, case, weighted(rng, OUTCOMES), prefix, seq, clocks)
        cases.append(case)
        extras.append((c, respondent, right_number, steps))

    # Repeat infringement over all cases, by the rules of protection.repeats.find.
    relations = _relations(plan, cases, extras)
    for i, found in relations.items():
        cases[i].is_repeat = any(reason in ("same_right", "trademark_5y") for _e, reason in found)

    for start in range(0, len(cases), chunk):
        part = cases[start : start + chunk]
        with transaction.atomic():
            Case.objects.bulk_create(part)
            events, parties, rights, handlers = [], [], [], []
            for offset, case in enumerate(part):
                c, respondent, right_number, steps = extras[start + offset]
                before = ""
                for status, day, note in steps:
                    at = dt.datetime.combine(day, dt.time(10), tzinfo=LOCAL)
                    events.append(
                        CaseEvent(
                            case_id=case.pk, from_status=before, to_status=status, at=at, note=note
                        )
                    )
                    before = status
                holder = world.orgs[c.complainant]
                parties.append(
                    CaseParty(
                        case_id=case.pk,
                        role="complainant",
                        kind="organization",
                        name=holder.name,
                        name_key=case_parties.name_key(holder.name),
                        uscc=holder.uscc,
                        organization_id=pks[c.complainant],
                        address=holder.address,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
                name, uscc, address = respondent
                parties.append(
                    CaseParty(
                        case_id=case.pk,
                        role="respondent",
                        kind="organization",
                        name=name,
                        name_key=case_parties.name_key(name),
                        uscc=uscc,
                        address=address,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
                rights.append(
                    CaseRight(
                        case_id=case.pk,
                        right_type=c.right_type,
                        number=right_number,
                        patent_id=(
                            db.registry.patents[c.patent][0] if c.patent is not None else None
                        ),
                        trademark_id=(
                            db.registry.trademarks[c.trademark][0]
                            if c.trademark is not None
                            else None
                        ),
                        check_notes=_check_notes(c, right_number),
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
                staff = by_agency[c.agency]
                k = rng.randrange(len(staff))
                second = (k + 1 + rng.randrange(len(staff) - 1)) % len(staff)
                for officer, lead in ((staff[k], True), (staff[second], False)):
                    handlers.append(
                        CaseHandler(
                            case_id=case.pk,
                            officer_id=officer,
                            is_lead=lead,
                            assigned_on=case.opened_on,
                            created_at=NOW,
                            updated_at=NOW,
                        )
                    )
            CaseEvent.objects.bulk_create(events)
            CaseParty.objects.bulk_create(parties)
            CaseRight.objects.bulk_create(rights)
            CaseHandler.objects.bulk_create(handlers)
        counts["case events"] += len(events)
        counts["case parties"] += len(parties)
        counts["case rights"] += len(rights)
        counts["case handlers"] += len(handlers)
        progress.step("cases", start + len(part), len(cases))
    rows = [
        CaseRelation(
            case_id=cases[i].pk,
            earlier_id=cases[e].pk,
            reason=reason,
            detail=_detail(cases[e]),
        )
        for i, found in relations.items()
        for e, reason in found
    ]
    with transaction.atomic():
        CaseRelation.objects.bulk_create(rows, batch_size=2000)
    counts["cases"] = len(cases)
    counts["case relations"] = len(rows)
    return dict(counts)


def _respondents(db: Database, count: int) -> list[tuple[str, str, str]]:
    """(name, credit code, address) of each respondent; names and codes unique."""
    rng = random.Random(f"{db.seed}:respondents")
    places = db.world.places
    names: set[str] = set()
    found = []
    for r in range(count):
        while True:
            brand = rng.choice(vocab.BRAND_FIRST) + rng.choice(vocab.BRAND_SECOND)
            name = f"{places.province_name[:2]}{brand}{rng.choice(vocab.RESPONDENT_KINDS)}{MARK}"
            if name not in names:
                break
            name = f"{name[: -len(MARK)]}{r}{MARK}"
            if name not in names:
                break
        names.add(name)
        if rng.random() < 0.6:
            division, district = places.code, places.district_name
        else:
            district, division = rng.choice(vocab.BEIJING_DISTRICTS)
        road = rng.choice(vocab.ROAD_STEMS) + rng.choice(vocab.ROAD_KINDS)
        address = f"{places.province_name}{district}{road}{rng.randint(1, 300)}号"
        prefix = "91" if "公司" in name else "92"
        found.append((name, make_uscc(prefix, division, 50_000_000 + r), address))
    return found


def _steps(rng, case, outcome: str, prefix: str, seq: int, clocks: Clocks) -> list:
    """The case's steps up to the reference day: (status reached, day, event note); the case's
    fields are set as protection.cases sets them at each step."""
    from ipcity.protection.choices import CloseReason, DecisionKind

    opened = case.opened_on
    investigated = opened + _d(rng, 1, 10)
    plan: list[tuple[str, dt.date]] = [("investigating", investigated)]
    decided = None
    if outcome == "penalty":
        notice = investigated + _d(rng, 20, 60)
        decided = notice + _d(rng, 6, 25)
        disclosed = decided + _d(rng, 3, 25)
        executed = disclosed + _d(rng, 5, 40)
        plan += [
            ("notice", notice),
            ("decided", decided),
            ("disclosed", disclosed),
            ("executed", executed),
            ("closed", executed + _d(rng, 1, 30)),
        ]
    elif outcome == "order_only":
        decided = investigated + _d(rng, 20, 70)
        executed = decided + _d(rng, 10, 40)
        plan += [
            ("decided", decided),
            ("executed", executed),
            ("closed", executed + _d(rng, 1, 20)),
        ]
    elif outcome == "no_penalty":
        decided = investigated + _d(rng, 20, 70)
        plan += [("decided", decided), ("closed", decided + _d(rng, 1, 20))]
    else:
        plan += [("closed", investigated + _d(rng, 15, 80))]
    fine = (amount(rng, 1, 100) * 1000).quantize(case.business_amount)
    confiscate = rng.random() < 0.4
    steps = [("opened", opened, _("Case opened"))]
    for status, day in plan:
        if day > REFERENCE_DATE:
            break
        case.status = status
        if status == "investigating":
            note = _("Investigation started")
        elif status == "notice":
            case.notice_on = day
            note = _("Notice of proposed penalty served on %(date)s") % {"date": day}
        elif status == "decided":
            kind = "penalty" if outcome == "penalty" else outcome
            case.decision_kind = kind
            case.decided_on = day
            case.decision_number = f"{prefix}决〔{day.year}〕{seq}号"
            case.order_to_stop = kind in ("penalty", "order_only")
            if kind == "penalty":
                case.fine = fine
                case.confiscated_gain = case.illegal_gain if confiscate else None
                case.disclosure_due = clocks.due("disclosure", day)
            note = f"{DecisionKind(kind).label} {case.decision_number}"
        elif status == "disclosed":
            case.disclosed_on = day
            note = _("Disclosed on %(date)s") % {"date": day}
        elif status == "executed":
            case.executed_on = day
            note = _("Executed on %(date)s") % {"date": day}
        else:
            reason = {
                "penalty": "executed",
                "order_only": "executed",
                "no_penalty": "no_penalty",
            }.get(outcome, outcome)
            case.closed_on, case.close_reason = day, reason
            note = str(CloseReason(reason).label)
        steps.append((status, day, str(note)))
    return steps


def _check_notes(c, number: str) -> list[str]:
    """What protection.intake.check finds for the case's right and complainant."""
    if c.patent is not None or c.trademark is not None:
        return []  # in force and held by the complainant
    if c.right_type in ("trade_secret", "other"):
        return [_("There is no public registry for this kind of right; nothing was checked.")]
    return [_("%(number)s is not in the registry.") % {"number": number}]


def _relations(plan: Plan, cases, extras) -> dict[int, list[tuple[int, str]]]:
    """{case index: [(earlier case index, reason)]} as protection.repeats.find would answer."""
    groups: dict[int, list[int]] = defaultdict(list)
    for i, c in enumerate(plan.cases):
        groups[c.respondent].append(i)
    found: dict[int, list[tuple[int, str]]] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        for i in members:
            case, right = cases[i], extras[i][2].lower()
            day = case.conduct_date or case.opened_on
            five, two = _years_before(day, 5), _years_before(day, 2)
            earlier = []
            for e in members:
                other = cases[e]
                if e == i or other.decided_on is None or other.decided_on >= day:
                    continue
                if other.decision_kind not in ("penalty", "order_only"):
                    continue
                same = other.right_type == case.right_type and extras[e][2].lower() == right
                if same or other.decided_on >= five:
                    earlier.append((other.decided_on, e, same))
            earlier.sort(key=lambda x: (-x[0].toordinal(), x[1]))
            rows = []
            for decided, e, same in earlier:
                other = cases[e]
                if same:
                    rows.append((e, "same_right"))
                if other.decision_kind != "penalty":
                    continue
                if case.right_type == other.right_type == "trademark" and decided >= five:
                    rows.append((e, "trademark_5y"))
                if decided >= two:
                    rows.append((e, "prior_penalty_2y"))
            if rows:
                found[i] = rows
    return found


def _detail(earlier) -> str:
    decided = earlier.decided_on.isoformat() if earlier.decided_on else ""
    return f"{earlier.number} · {earlier.get_decision_kind_display()} · {decided}"[:300]
