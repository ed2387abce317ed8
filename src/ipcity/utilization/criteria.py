"""Cultivation criteria (task 5): what each measure finds for an enterprise, and whether the
criteria of a track are met.

A track is the designation a pool entry prepares for (`target_kind` + `target_level`). Its
criteria are the active `CultivationCriterion` rows of that kind whose level is the track's
level or blank (a blank level applies to every level of the kind).

`evaluate(organization_ids, criteria)` computes every measure the criteria need for many
enterprises at once: one aggregate query per measure, grouped by organization, over chunks of
`CHUNK` enterprises. The number of queries therefore depends on the criteria, never on the
number of enterprises or of their patents.

Each result item is plain JSON, stored on `PoolEntry.evaluation`:
`{"code", "name", "metric", "comparison", "threshold", "required", "met", "value", "detail",
"ref"}`; `value` is None when the data is missing (no facts reported, a place nothing decides),
which never meets a criterion. `detail`/`ref` say where the value came from (a facts year and
row, a certificate number, a designation as "year level-code", translated when shown).

A designation is in force from `valid_from` (or always, when no start is recorded) through
`valid_until`. When no end is recorded, the default term of its kind applies when one is data
(`data/designation_terms.json`: 3 years for high-tech enterprises, for example): through
`valid_from` + term - 1 day, or, without a start either, through 31 December of
`year` + term - 1. A kind without a default term and without a recorded end has an unknown
validity: it is never in force ("valid today", `has_designation`, the stage move), so a
designation is never counted as valid forever.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ipcity.rights.attribution import District
from ipcity.rights.choices import CopyrightKind, PatentStatus, PatentType, TrademarkStatus

from .choices import Comparison, CriterionMetric, DesignationKind, DesignationLevel
from .parties import locate_many, organizations_to_locate

CHUNK = 2000
DATA = Path(__file__).resolve().parent / "data"

COUNT_METRICS = (
    CriterionMetric.VALID_INVENTIONS,
    CriterionMetric.VALID_PATENTS,
    CriterionMetric.HIGH_VALUE_INVENTIONS,
    CriterionMetric.INVENTION_FILINGS_3Y,
    CriterionMetric.REGISTERED_TRADEMARKS,
    CriterionMetric.SOFTWARE_COPYRIGHTS,
)
FACT_METRICS = (
    CriterionMetric.RD_STAFF,
    CriterionMetric.RD_STAFF_SHARE,
    CriterionMetric.RD_EXPENSE_SHARE,
)
BOOLEAN_METRICS = (
    CriterionMetric.VALID_GBT29490,
    CriterionMetric.HAS_DESIGNATION,
    CriterionMetric.IN_DISTRICT,
)


# -- the criteria of a track ---------------------------------------------------------------------


def track_q(target_kind: str, target_level: str = "") -> Q:
    """Criteria of a track: its kind, at its level or at no particular level."""
    return Q(target_kind=target_kind) & (Q(target_level=target_level) | Q(target_level=""))


def criteria_for(target_kind: str, target_level: str = "") -> list:
    from .models import CultivationCriterion

    return list(
        CultivationCriterion.objects.filter(track_q(target_kind, target_level), is_active=True)
    )


def criteria_by_track(tracks: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list]:
    """{(kind, level): its active criteria}, for several tracks in one query."""
    from .models import CultivationCriterion

    tracks = set(tracks)
    kinds = {kind for kind, _level in tracks}
    rows = list(CultivationCriterion.objects.filter(target_kind__in=kinds, is_active=True))
    return {
        (kind, level): [c for c in rows if c.target_kind == kind and c.target_level in (level, "")]
        for kind, level in tracks
    }


def has_criteria(target_kind: str, target_level: str = "") -> bool:
    """Whether the track has an active criterion: a track without one evaluates against
    nothing, so nothing may enter it."""
    from .models import CultivationCriterion

    return CultivationCriterion.objects.filter(
        track_q(target_kind, target_level), is_active=True
    ).exists()


def tracks() -> list[tuple[str, str, str]]:
    """(kind, level, label) of every track that has active criteria, for choices."""
    from .models import CultivationCriterion

    pairs = set(
        CultivationCriterion.objects.filter(is_active=True).values_list(
            "target_kind", "target_level"
        )
    )
    kinds, levels = dict(DesignationKind.choices), dict(DesignationLevel.choices)
    order = {k: i for i, k in enumerate(DesignationKind.values)}
    return [
        (kind, level, track_label(kind, level, kinds, levels))
        for kind, level in sorted(pairs, key=lambda p: (order.get(p[0], 99), p[1]))
    ]


def track_label(kind: str, level: str, kinds=None, levels=None) -> str:
    kinds = kinds or dict(DesignationKind.choices)
    levels = levels or dict(DesignationLevel.choices)
    label = str(kinds.get(kind, kind))
    return f"{levels[level]} · {label}" if level in levels else label


def parse_designation_parameter(parameter: str) -> tuple[str, str]:
    """'ip_advantage' or 'ip_advantage:municipal' → (kind, level); level '' means any."""
    kind, _sep, level = (parameter or "").strip().partition(":")
    return kind.strip(), level.strip()


# -- results -------------------------------------------------------------------------------------


@dataclass
class EnterpriseEvaluation:
    organization_id: int
    items: list[dict] = field(default_factory=list)

    @property
    def met(self) -> int:
        return sum(1 for item in self.items if item["met"])

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def required_missed(self) -> int:
        return sum(1 for item in self.items if item["required"] and not item["met"])

    @property
    def meets_all(self) -> bool:
        """Every required criterion met (a track without criteria meets nothing)."""
        return bool(self.items) and self.required_missed == 0


def compare(value, comparison: str, threshold) -> bool:
    if value is None:
        return False
    if comparison == Comparison.TRUE:
        return bool(value)
    if threshold is None:
        return False
    number = Decimal(int(value)) if isinstance(value, bool) else Decimal(str(value))
    limit = Decimal(str(threshold))
    if comparison == Comparison.GTE:
        return number >= limit
    if comparison == Comparison.GT:
        return number > limit
    if comparison == Comparison.LTE:
        return number <= limit
    if comparison == Comparison.EQ:
        return number == limit
    return False


def _json_number(value):
    """JSON for a measure or threshold: whole numbers as integers (5, not 5.0)."""
    if value is None or isinstance(value, bool | int):
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


# -- the measures --------------------------------------------------------------------------------


@dataclass
class Found:
    """A measure's value for one enterprise, and where it came from."""

    value: object
    detail: str = ""
    ref: int | None = None


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _patent_counts(ids, metric, today) -> dict[int, int]:
    from ipcity.rights.models import PatentHolder

    q = Q(organization_id__in=ids)
    if metric == CriterionMetric.VALID_INVENTIONS:
        q &= Q(patent__patent_type=PatentType.INVENTION, patent__legal_status=PatentStatus.VALID)
    elif metric == CriterionMetric.VALID_PATENTS:
        q &= Q(patent__legal_status=PatentStatus.VALID)
    elif metric == CriterionMetric.HIGH_VALUE_INVENTIONS:
        q &= Q(
            patent__patent_type=PatentType.INVENTION,
            patent__legal_status=PatentStatus.VALID,
            patent__is_high_value=True,
        )
    elif metric == CriterionMetric.INVENTION_FILINGS_3Y:
        q &= Q(
            patent__patent_type=PatentType.INVENTION,
            patent__filing_date__gt=years_ago(today, 3),
            patent__filing_date__lte=today,
        )
    rows = (
        PatentHolder.objects.filter(q)
        .values("organization_id")
        .annotate(n=Count("patent_id", distinct=True))
        .values_list("organization_id", "n")
    )
    return dict(rows)


def _holder_counts(model, q: Q, ids) -> dict[int, int]:
    rows = (
        model.objects.filter(q, holder_id__in=ids)
        .values("holder_id")
        .annotate(n=Count("pk"))
        .values_list("holder_id", "n")
    )
    return dict(rows)


def measure_counts(ids, metric, today) -> dict[int, Found]:
    from ipcity.rights.models import Copyright, Trademark

    if metric == CriterionMetric.REGISTERED_TRADEMARKS:
        counts = _holder_counts(Trademark, Q(status=TrademarkStatus.REGISTERED), ids)
    elif metric == CriterionMetric.SOFTWARE_COPYRIGHTS:
        counts = _holder_counts(Copyright, Q(kind=CopyrightKind.SOFTWARE), ids)
    else:
        counts = _patent_counts(ids, metric, today)
    return {pk: Found(counts.get(pk, 0)) for pk in ids}


def measure_certificates(ids, today) -> dict[int, Found]:
    """A GB/T 29490 certificate valid today (utilization.certificates.valid_q)."""
    from .certificates import valid_q
    from .models import Certificate

    found: dict[int, Found] = {}
    rows = (
        Certificate.objects.filter(valid_q(today), organization_id__in=ids)
        .order_by("organization_id", "-expiry_date", "pk")
        .values_list("organization_id", "pk", "number", "expiry_date")
    )
    for org_id, pk, number, expiry in rows:
        if org_id not in found:
            found[org_id] = Found(True, f"{number} ({expiry:%Y-%m-%d})", pk)
    return {pk: found.get(pk, Found(False)) for pk in ids}


@functools.cache
def designation_terms() -> dict[str, int]:
    """{designation kind: default term in years}, from data/designation_terms.json; kinds
    without a known term are absent."""
    data = json.loads((DATA / "designation_terms.json").read_text(encoding="utf-8"))
    return {
        kind: int(item["years"])
        for kind, item in data["terms"].items()
        if kind in DesignationKind.values and item.get("years")
    }


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def designation_end(designation) -> dt.date | None:
    """The last day a designation is in force: the recorded end, else the one its kind's
    default term gives, else None (unknown)."""
    if designation.valid_until:
        return designation.valid_until
    years = designation_terms().get(designation.kind)
    if not years:
        return None
    if designation.valid_from:
        return _add_years(designation.valid_from, years) - dt.timedelta(days=1)
    if designation.year:
        return dt.date(designation.year + years - 1, 12, 31)
    return None


def designation_is_current(designation, today: dt.date | None = None) -> bool:
    """In force on `today` (see the module docstring): the Python twin of
    `designation_valid_q`."""
    today = today or timezone.localdate()
    if designation.valid_from and designation.valid_from > today:
        return False
    end = designation_end(designation)
    return end is not None and end >= today


def designation_valid_q(today: dt.date, prefix: str = "") -> Q:
    """Designations in force on `today`: started (or no start recorded) and with a known end
    (recorded, or from the kind's default term) not yet past. No end and no default term: not
    in force, whatever the year."""
    p = prefix
    started = Q(**{f"{p}valid_from__isnull": True}) | Q(**{f"{p}valid_from__lte": today})
    ends = Q(**{f"{p}valid_until__gte": today})
    for kind, years in sorted(designation_terms().items()):
        implied = Q(**{f"{p}valid_from__gt": years_ago(today, years)}) | Q(
            **{f"{p}valid_from__isnull": True, f"{p}year__gte": today.year - years + 1}
        )
        ends |= Q(**{f"{p}valid_until__isnull": True, f"{p}kind": kind}) & implied
    return started & ends


def measure_designations(ids, parameter: str, today) -> dict[int, Found]:
    from .models import Designation

    kind, level = parse_designation_parameter(parameter)
    q = designation_valid_q(today) & Q(organization_id__in=ids)
    if kind:
        q &= Q(kind=kind)
    if level:
        q &= Q(level=level)
    found: dict[int, Found] = {}
    rows = (
        Designation.objects.filter(q)
        .order_by("organization_id", "-year", "pk")
        .values_list("organization_id", "pk", "year", "level")
    )
    for org_id, pk, year, lvl in rows:
        if org_id not in found:
            # The level's code: translated when shown (source_of), never stored translated.
            found[org_id] = Found(True, f"{year} {lvl}", pk)
    return {pk: found.get(pk, Found(False)) for pk in ids}


def _fact_value(metric, facts) -> object:
    if metric == CriterionMetric.RD_STAFF:
        return facts.rd_staff
    if metric == CriterionMetric.RD_STAFF_SHARE:
        if facts.rd_staff is None or not facts.employees:
            return None
        return (Decimal(facts.rd_staff) * 100 / Decimal(facts.employees)).quantize(Decimal("0.01"))
    if metric == CriterionMetric.RD_EXPENSE_SHARE:
        if facts.rd_expense is None or not facts.revenue:
            return None
        return (facts.rd_expense * 100 / facts.revenue).quantize(Decimal("0.01"))
    return None


def load_facts(ids) -> dict[int, list]:
    """{organization id: its EnterpriseFacts, newest year first}, one query."""
    from .models import EnterpriseFacts

    by_org: dict[int, list] = {}
    rows = EnterpriseFacts.objects.filter(organization_id__in=ids).order_by(
        "organization_id", "-year"
    )
    for facts in rows.only(
        "pk", "organization_id", "year", "employees", "rd_staff", "revenue", "rd_expense"
    ):
        by_org.setdefault(facts.organization_id, []).append(facts)
    return by_org


def measure_facts(ids, metric, facts_by_org) -> dict[int, Found]:
    """From the latest year's facts that give the measure (older years when the latest left it
    empty); None when no year does."""
    result = {}
    for pk in ids:
        result[pk] = Found(None)
        for facts in facts_by_org.get(pk, ()):
            value = _fact_value(metric, facts)
            if value is not None:
                result[pk] = Found(value, str(facts.year), facts.pk)
                break
    return result


def measure_in_district(ids, district=None) -> dict[int, Found]:
    """Where each enterprise's record places it (parties.locate_many): two queries for the
    organizations with their regions and the review-list decisions, however many there are."""
    district = district or District.load()
    found = locate_many(organizations_to_locate(ids), district)
    return {pk: Found(found[pk].inside) if pk in found else Found(None) for pk in ids}


# -- evaluation ----------------------------------------------------------------------------------


class _Measures:
    """Computes each needed measure once per chunk of enterprises."""

    def __init__(self, ids: list[int], today: dt.date, district: District | None = None):
        self.ids = ids
        self.today = today
        self._cache: dict[tuple[str, str], dict[int, Found]] = {}
        self._facts = None
        self.district = district

    def get(self, metric: str, parameter: str = "") -> dict[int, Found]:
        key = (metric, parameter if metric == CriterionMetric.HAS_DESIGNATION else "")
        if key not in self._cache:
            self._cache[key] = self._compute(metric, key[1])
        return self._cache[key]

    def _compute(self, metric: str, parameter: str) -> dict[int, Found]:
        if metric in COUNT_METRICS:
            return measure_counts(self.ids, metric, self.today)
        if metric == CriterionMetric.VALID_GBT29490:
            return measure_certificates(self.ids, self.today)
        if metric == CriterionMetric.HAS_DESIGNATION:
            return measure_designations(self.ids, parameter, self.today)
        if metric in FACT_METRICS:
            if self._facts is None:
                self._facts = load_facts(self.ids)
            return measure_facts(self.ids, metric, self._facts)
        if metric == CriterionMetric.IN_DISTRICT:
            return measure_in_district(self.ids, self.district)
        return {pk: Found(None) for pk in self.ids}


def criterion_item(criterion, found: Found) -> dict:
    return {
        "code": criterion.code,
        "name": criterion.name,
        "metric": criterion.metric,
        "parameter": criterion.parameter,
        "comparison": criterion.comparison,
        "threshold": _json_number(criterion.threshold),
        "required": criterion.is_required,
        "met": compare(found.value, criterion.comparison, criterion.threshold),
        "value": _json_number(found.value),
        "detail": found.detail,
        "ref": found.ref,
    }


def evaluate(organization_ids: Iterable[int], criteria, today: dt.date | None = None):
    """{organization id: EnterpriseEvaluation} against `criteria` (a track's, in order)."""
    today = today or timezone.localdate()
    ids = list(dict.fromkeys(int(pk) for pk in organization_ids))
    criteria = sorted(criteria, key=lambda c: (c.order, c.code))
    result = {pk: EnterpriseEvaluation(pk) for pk in ids}
    if not criteria:
        return result
    district = None
    if any(c.metric == CriterionMetric.IN_DISTRICT for c in criteria):
        district = District.load()
    for chunk in _chunks(ids):
        measures = _Measures(chunk, today, district)
        for criterion in criteria:
            values = measures.get(criterion.metric, criterion.parameter)
            for pk in chunk:
                result[pk].items.append(criterion_item(criterion, values[pk]))
    return result


def evaluate_entries(entries, today: dt.date | None = None) -> int:
    """Evaluate pool entries against their tracks' criteria and store the results; a few
    queries per track, however many entries. Returns the number of entries evaluated."""
    from .models import PoolEntry

    entries = list(entries)
    if not entries:
        return 0
    now = timezone.now()
    by_track: dict[tuple[str, str], list] = {}
    for entry in entries:
        by_track.setdefault((entry.target_kind, entry.target_level), []).append(entry)
    criteria = criteria_by_track(by_track)
    for track, group in by_track.items():
        results = evaluate([e.organization_id for e in group], criteria[track], today)
        for entry in group:
            apply_evaluation(entry, results[entry.organization_id], now)
    PoolEntry.objects.bulk_update(
        entries,
        ["criteria_met", "criteria_total", "meets_all", "evaluation", "evaluated_at"],
        batch_size=500,
    )
    return len(entries)


def evaluate_organizations(organization_ids: Iterable[int], today: dt.date | None = None) -> int:
    """Re-evaluate every pool entry of these enterprises, after their facts or designations
    changed (the evaluation is derived: it follows the data, whoever changed it). Returns the
    number of entries evaluated."""
    from .models import PoolEntry

    ids = sorted({int(pk) for pk in organization_ids if pk})
    done = 0
    for chunk in _chunks(ids):
        done += evaluate_entries(
            PoolEntry.objects.filter(organization_id__in=chunk).order_by("pk"), today
        )
    return done


def apply_evaluation(entry, evaluation: EnterpriseEvaluation, when=None) -> None:
    entry.evaluation = evaluation.items
    entry.criteria_met = evaluation.met
    entry.criteria_total = evaluation.total
    entry.meets_all = evaluation.meets_all
    entry.evaluated_at = when or timezone.now()


# -- where a value came from ---------------------------------------------------------------------


def designation_detail(detail: str) -> str:
    """'2024 district' (as stored) → '2024 District' in the reader's language."""
    year, _sep, level = (detail or "").partition(" ")
    label = dict(DesignationLevel.choices).get(level)
    return f"{year} {label}" if label else detail


def _url(name: str, args=None, params: dict | None = None) -> str:
    try:
        url = reverse(name, args=args or [])
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def source_of(item: dict, organization_id: int) -> tuple[str, str]:
    """(what the value was read from, a link to those records) for one evaluation item."""
    metric = item.get("metric")
    detail = item.get("detail") or ""
    holder = {"holder": organization_id}
    if metric == CriterionMetric.VALID_INVENTIONS:
        return _("Patent registry: valid invention patents held"), _url(
            "rights:patent_list",
            params={**holder, "patent_type": "invention", "legal_status": "valid"},
        )
    if metric == CriterionMetric.VALID_PATENTS:
        return _("Patent registry: valid patents held"), _url(
            "rights:patent_list", params={**holder, "legal_status": "valid"}
        )
    if metric == CriterionMetric.HIGH_VALUE_INVENTIONS:
        return _("Patent registry: high-value invention patents"), _url(
            "rights:patent_list",
            params={
                **holder,
                "patent_type": "invention",
                "legal_status": "valid",
                "high_value": "true",
            },
        )
    if metric == CriterionMetric.INVENTION_FILINGS_3Y:
        return _("Patent registry: invention applications filed in the last 3 years"), _url(
            "rights:patent_list", params={**holder, "patent_type": "invention"}
        )
    if metric == CriterionMetric.REGISTERED_TRADEMARKS:
        return _("Trademark registry: registered trademarks held"), _url(
            "rights:trademark_list", params={**holder, "status": "registered"}
        )
    if metric == CriterionMetric.SOFTWARE_COPYRIGHTS:
        return _("Copyright registry: software copyrights held"), _url(
            "rights:copyright_list", params={**holder, "kind": "software"}
        )
    if metric == CriterionMetric.VALID_GBT29490:
        text = _("GB/T 29490 certificates")
        if detail:
            text = _("GB/T 29490 certificate %(number)s") % {"number": detail}
        if item.get("ref"):
            return text, _url("utilization:certificate_detail", args=[item["ref"]])
        return text, _url("utilization:certificate_list", params={"organization": organization_id})
    if metric in FACT_METRICS:
        if item.get("ref"):
            return _("Enterprise facts of %(year)s") % {"year": detail}, _url(
                "utilization:enterprisefacts_detail", args=[item["ref"]]
            )
        return _("No enterprise facts reported"), _url(
            "utilization:enterprisefacts_list", params={"organization": organization_id}
        )
    if metric == CriterionMetric.HAS_DESIGNATION:
        if item.get("ref"):
            return _("Designation of %(what)s") % {"what": designation_detail(detail)}, _url(
                "utilization:designation_detail", args=[item["ref"]]
            )
        return _("Enterprise designations"), _url(
            "utilization:designation_list",
            params={"organization": organization_id, "current": "true"},
        )
    if metric == CriterionMetric.IN_DISTRICT:
        return _("Organization record: credit code, address, region"), _url(
            "orgs:organization_detail", args=[organization_id]
        )
    return "", ""
