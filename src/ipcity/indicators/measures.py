"""What each indicator counts or sums, as a queryset filter, and how it splits by dimension.

A `Measure` says which records an indicator takes for a year (`where`), where their street and
holder are, and which dimensions it is broken down by. Most measures count the records; a value
measure (`value_field`) sums one of their fields instead (a pledge's amount), and still keeps the
number of records. The same filter serves the computation (aggregates in SQL) and the drill-down
(the records behind a value), so a drill-down always lists exactly the records that were counted
or summed.

A measure of organizations chosen through other records (enterprises financed: the pledgors of
the year's pledges; designated enterprises: the holders of designations) names that model as its
`source`. Reading its records needs the view permission of both models, and for a reader the
subquery reads only the source records that reader may view (`Context.rows`), so the drill-down
never reveals a pledge or a designation through the organization it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization, Region
from ipcity.rights import highvalue
from ipcity.rights.choices import (
    Attribution,
    CopyrightKind,
    GIKind,
    GIStage,
    HighValueCriterion,
    PatentStatus,
    PatentType,
    PlantVarietyStatus,
    TrademarkStatus,
)
from ipcity.rights.models import (
    Copyright,
    GeographicalIndication,
    HighValueRuleSet,
    Patent,
    PatentHolder,
    PlantVarietyRight,
    Trademark,
)
from ipcity.utilization.certificates import edition_q
from ipcity.utilization.certificates import valid_q as certificate_valid_q
from ipcity.utilization.choices import DesignationKind, PledgeStatus, StandardVersion
from ipcity.utilization.criteria import designation_valid_q
from ipcity.utilization.models import Certificate, Designation, InsurancePolicy, Pledge, Transaction

from .choices import INDUSTRY_SECTIONS, Dimension, industry_section, section_prefixes

TOP_HOLDERS = 20
ALL_SECTION_PREFIXES = [p for letter in INDUSTRY_SECTIONS for p in section_prefixes(letter)]


@dataclass(frozen=True)
class Context:
    """Everything a year's computation depends on besides the records."""

    year: int
    district_code: str
    rule_set: HighValueRuleSet | None
    hv: dict[str, Q]
    # The reader of a drill-down; None = the computation, which counts every record.
    user: object = None

    @property
    def end(self) -> date:
        return date(self.year, 12, 31)

    def rows(self, model):
        """The rows of `model` a filter may read: what the reader may view, or all of them."""
        if self.user is None:
            return model.objects.all()
        return model.objects.restrict(self.user, "view")

    @property
    def rule_version(self) -> str:
        return self.rule_set.code if self.rule_set else ""


def make_context(year: int) -> Context:
    rule_set = highvalue.rule_set_for(year)
    return Context(
        year=year,
        district_code=settings.IPCITY_REGION_CODE,
        rule_set=rule_set,
        hv=highvalue.high_value_q(rule_set, year),
    )


@dataclass(frozen=True)
class Measure:
    code: str
    model: type
    # The records taken for a year; a string instead says why the value is undefined.
    where: Callable[[Context], Q | str]
    region_path: str  # FK to the region the record is counted in (its street or town)
    holder_path: str | None  # FK to the holder organization; None = a patent's first holder
    dims: tuple[str, ...]
    field_dims: dict[str, str] = field(default_factory=dict)
    # Dimensions whose groups are filters rather than a field's values: {dimension: ctx ->
    # {value: (label, Q)}}; the groups must not overlap.
    q_dims: dict[str, Callable[[Context], dict[str, tuple[str, Q]]]] = field(default_factory=dict)
    note: Callable[[Context], str] | None = None
    uses_rules: bool = False
    # A value measure: the sum of this field over the records (0 when there are none);
    # None = the number of records.
    value_field: str | None = None
    # The model `where` chooses the records through (the pledges behind enterprises financed);
    # its view permission is needed as well, and a reader's subquery reads only what they view.
    source: type | None = None

    @property
    def is_sum(self) -> bool:
        return self.value_field is not None

    @property
    def models(self) -> tuple[type, ...]:
        """Every model whose view permission reading this measure's records needs."""
        return (self.model,) if self.source is None else (self.model, self.source)


class Group(NamedTuple):
    """One group of a dimension: its value and label, the number of records in it and the
    measure's figure for it (that number again, or the sum of the value field)."""

    value: str
    label: str
    count: int
    figure: int | Decimal


# --- filters -----------------------------------------------------------------------------------


def _patents_held(ctx: Context) -> Q:
    return Q(
        attribution=Attribution.IN_DISTRICT,
        legal_status=PatentStatus.VALID,
        grant_date__lte=ctx.end,
    )


def _inventions_held(ctx: Context) -> Q:
    return _patents_held(ctx) & Q(patent_type=PatentType.INVENTION)


def _no_rules(ctx: Context) -> str:
    return _("No high-value rule set covers %(year)d.") % {"year": ctx.year}


def _high_value(ctx: Context) -> Q | str:
    if ctx.rule_set is None:
        return _no_rules(ctx)
    any_criterion = Q(pk__in=[])
    for q in ctx.hv.values():
        any_criterion |= q
    return _inventions_held(ctx) & any_criterion


def _criterion(criterion: str) -> Callable[[Context], Q | str]:
    def where(ctx: Context) -> Q | str:
        if ctx.rule_set is None:
            return _no_rules(ctx)
        if criterion not in ctx.hv:
            return _("%(criterion)s is not a criterion of %(rule)s.") % {
                "criterion": dict(HighValueCriterion.choices)[criterion],
                "rule": ctx.rule_set.code,
            }
        return _inventions_held(ctx) & ctx.hv[criterion]

    return where


def _pledge_note(ctx: Context) -> str:
    if (
        ctx.rule_set is not None
        and HighValueCriterion.PLEDGE in ctx.hv
        and ctx.rule_set.pledge_threshold is None
    ):
        return _(
            "No pledge threshold is set in %(rule)s, so the pledge criterion is never met."
        ) % {"rule": ctx.rule_set.code}
    return ""


def _in_district(path: str, ctx: Context) -> Q:
    """An organization (at `path`, "" for the organization itself) whose recorded region lies in
    the district."""
    prefix = f"{path}__" if path else ""
    return Q(**{f"{prefix}region__code__startswith": ctx.district_code})


# --- utilization (运用): pledges, insurance, transactions, certificates, designations ----------


def _pledges_registered(ctx: Context) -> Q:
    """Pledges registered in the year by a pledgor in the district, not cancelled (a released
    pledge was still registered that year)."""
    return (
        Q(registration_date__year=ctx.year)
        & ~Q(status=PledgeStatus.CANCELLED)
        & _in_district("pledgor", ctx)
    )


def _enterprises_financed(ctx: Context) -> Q:
    return Q(pk__in=ctx.rows(Pledge).filter(_pledges_registered(ctx)).values("pledgor"))


def _insured(ctx: Context) -> Q:
    return Q(start_date__year=ctx.year) & _in_district("insured", ctx)


def _transactions(ctx: Context) -> Q:
    """Transactions counted for the year with a party in the district, as the transaction
    stored it when saved (deals.set_flags: credit code, address, region or a person's decision,
    the signals the source flags are set from; either flag implies a district assignee)."""
    return Q(year=ctx.year, has_district_party=True)


def _transaction_sources(ctx: Context) -> dict[str, tuple[str, Q]]:
    """Where the rights came from, in groups that do not overlap: a university or institute
    (also when it lies outside the district), another holder outside the district, or a holder
    in the district or of unknown location."""
    return {
        "university": (
            _("From universities and institutes"),
            Q(from_university=True),
        ),
        "outside": (
            _("From other holders outside the district"),
            Q(from_university=False, from_outside=True),
        ),
        "other": (
            _("Within the district or of unknown source"),
            Q(from_university=False, from_outside=False),
        ),
    }


def _valid_certificates(ctx: Context) -> Q:
    return certificate_valid_q(ctx.end) & _in_district("organization", ctx)


def _editions_held(ctx: Context) -> dict[str, tuple[str, Q]]:
    """The edition each certificate held on 31 December (a 2013 certificate converted later
    still counts as 2013), as the certificate list's standard_version filter reads it."""
    return {v: (str(label), edition_q(v, ctx.end)) for v, label in StandardVersion.choices}


def _designated(kind: str) -> Callable[[Context], Q]:
    """Enterprises in the district holding a designation of `kind` (any level) in force on
    31 December (as the cultivation pages judge it) and designated by that year: each enterprise
    once, however many levels it holds."""

    def where(ctx: Context) -> Q:
        held = ctx.rows(Designation).filter(
            designation_valid_q(ctx.end), kind=kind, year__lte=ctx.year
        )
        return Q(pk__in=held.values("organization")) & _in_district("", ctx)

    return where


PATENT_DIMS = (Dimension.STREET, Dimension.INDUSTRY, Dimension.HOLDER_KIND, Dimension.HOLDER)
OTHER_DIMS = (Dimension.STREET, Dimension.INDUSTRY, Dimension.HOLDER_KIND)


def _hv_measure(criterion: str) -> Measure:
    return Measure(
        f"hv_{criterion}",
        Patent,
        _criterion(criterion),
        "region",
        None,
        (Dimension.STREET,),
        note=_pledge_note if criterion == HighValueCriterion.PLEDGE else None,
        uses_rules=True,
    )


TRANSACTION_PLACE = "district_region"
TRANSACTION_DIMS = (Dimension.STREET, Dimension.KIND)
TRANSACTION_SPLITS = (*TRANSACTION_DIMS, Dimension.SOURCE, Dimension.ORIGIN)
UTILIZATION_MEASURES = [
    Measure(
        "pledge_registration_amount",
        Pledge,
        _pledges_registered,
        "pledgor__region",
        "pledgor",
        (Dimension.STREET,),
        value_field="amount",
    ),
    Measure(
        "pledges_registered",
        Pledge,
        _pledges_registered,
        "pledgor__region",
        "pledgor",
        (Dimension.STREET,),
    ),
    Measure(
        "enterprises_financed",
        Organization,
        _enterprises_financed,
        "region",
        None,
        (Dimension.STREET,),
        source=Pledge,
    ),
    Measure(
        "insured_amount",
        InsurancePolicy,
        _insured,
        "insured__region",
        "insured",
        (Dimension.STREET, Dimension.KIND),
        field_dims={Dimension.KIND: "kind"},
        value_field="insured_amount",
    ),
    Measure(
        "transactions",
        Transaction,
        _transactions,
        TRANSACTION_PLACE,
        None,
        TRANSACTION_SPLITS,
        field_dims={Dimension.KIND: "kind", Dimension.ORIGIN: "origin"},
        q_dims={Dimension.SOURCE: _transaction_sources},
    ),
    Measure(
        "transaction_amount",
        Transaction,
        _transactions,
        TRANSACTION_PLACE,
        None,
        TRANSACTION_SPLITS,
        field_dims={Dimension.KIND: "kind", Dimension.ORIGIN: "origin"},
        q_dims={Dimension.SOURCE: _transaction_sources},
        value_field="amount",
    ),
    Measure(
        "university_transactions",
        Transaction,
        lambda ctx: _transactions(ctx) & Q(from_university=True),
        TRANSACTION_PLACE,
        None,
        TRANSACTION_DIMS,
        field_dims={Dimension.KIND: "kind"},
    ),
    Measure(
        "transactions_from_outside",
        Transaction,
        lambda ctx: _transactions(ctx) & Q(from_outside=True),
        TRANSACTION_PLACE,
        None,
        TRANSACTION_DIMS,
        field_dims={Dimension.KIND: "kind"},
    ),
    Measure(
        "valid_gbt29490_certificates",
        Certificate,
        _valid_certificates,
        "organization__region",
        "organization",
        (Dimension.STREET, Dimension.KIND),
        q_dims={Dimension.KIND: _editions_held},
    ),
    Measure(
        "ip_advantage_enterprises",
        Organization,
        _designated(DesignationKind.IP_ADVANTAGE),
        "region",
        None,
        (Dimension.STREET,),
        source=Designation,
    ),
    Measure(
        "ip_demonstration_enterprises",
        Organization,
        _designated(DesignationKind.IP_DEMONSTRATION),
        "region",
        None,
        (Dimension.STREET,),
        source=Designation,
    ),
]


MEASURES: dict[str, Measure] = {
    m.code: m
    for m in [
        Measure("valid_invention_patents", Patent, _inventions_held, "region", None, PATENT_DIMS),
        Measure(
            "high_value_invention_patents",
            Patent,
            _high_value,
            "region",
            None,
            (*PATENT_DIMS, Dimension.CRITERION),
            note=_pledge_note,
            uses_rules=True,
        ),
        *[_hv_measure(c) for c in HighValueCriterion.values],
        Measure(
            "valid_patents",
            Patent,
            _patents_held,
            "region",
            None,
            (*OTHER_DIMS, Dimension.PATENT_TYPE),
            field_dims={Dimension.PATENT_TYPE: "patent_type"},
        ),
        Measure(
            "pct_applications",
            Patent,
            lambda ctx: Q(
                attribution=Attribution.IN_DISTRICT, is_pct=True, filing_date__year=ctx.year
            ),
            "region",
            None,
            (*OTHER_DIMS, Dimension.PATENT_TYPE),
            field_dims={Dimension.PATENT_TYPE: "patent_type"},
        ),
        Measure(
            "valid_trademarks",
            Trademark,
            lambda ctx: Q(
                attribution=Attribution.IN_DISTRICT,
                status=TrademarkStatus.REGISTERED,
                registration_date__lte=ctx.end,
            ),
            "region",
            "holder",
            (*OTHER_DIMS, Dimension.HOLDER),
        ),
        Measure(
            "madrid_registrations",
            Trademark,
            lambda ctx: Q(
                attribution=Attribution.IN_DISTRICT,
                status=TrademarkStatus.REGISTERED,
                registration_date__lte=ctx.end,
                is_madrid=True,
            ),
            "region",
            "holder",
            OTHER_DIMS,
        ),
        Measure(
            "geographical_indications",
            GeographicalIndication,
            lambda ctx: (
                Q(stage=GIStage.REGISTERED, registered_date__lte=ctx.end)
                & _in_district("applicant", ctx)
            ),
            "applicant__region",
            "applicant",
            (*OTHER_DIMS, Dimension.KIND),
            field_dims={Dimension.KIND: "kind"},
        ),
        Measure(
            "plant_variety_rights",
            PlantVarietyRight,
            lambda ctx: (
                Q(status=PlantVarietyStatus.GRANTED, grant_date__lte=ctx.end)
                & _in_district("holder", ctx)
            ),
            "holder__region",
            "holder",
            OTHER_DIMS,
        ),
        Measure(
            "software_copyrights",
            Copyright,
            lambda ctx: (
                Q(kind=CopyrightKind.SOFTWARE, registration_date__year=ctx.year)
                & _in_district("holder", ctx)
            ),
            "holder__region",
            "holder",
            (*OTHER_DIMS, Dimension.HOLDER),
        ),
        *UTILIZATION_MEASURES,
    ]
}


# --- querysets ---------------------------------------------------------------------------------


def _with_holder_fields(qs, measure: Measure):
    """Annotate the holder's kind and the first two characters of its industry code.

    A patent with several holders is attributed to its first-listed holder, so the groups of a
    dimension add up to the total.
    """
    if measure.holder_path is None:
        first = _first_holder()
        return qs.annotate(
            holder_kind=Subquery(first.values("organization__kind")[:1]),
            holder_industry2=Substr(Subquery(first.values("organization__industry")[:1]), 1, 2),
        )
    return qs.annotate(
        holder_kind=F(f"{measure.holder_path}__kind"),
        holder_industry2=Substr(f"{measure.holder_path}__industry", 1, 2),
    )


def _first_holder():
    """A patent's first-listed holder link (of the outer query's patent)."""
    return PatentHolder.objects.filter(patent=OuterRef("pk")).order_by("position", "pk")


PAIR_SEPARATOR = "|"  # not in an organization kind (a choice value)


def _with_holder_pair(qs):
    """Annotate `holder_pair`: the first holder's kind and the first two characters of its
    industry code in one value, "enterprise|C3" (None without a holder); `_split_pairs` gives
    the two back. One correlated subquery per patent instead of two: the year's largest
    breakdown (137,869 patents on 1,000,000) spent 2.2 of its 3.9 s in them on PostgreSQL."""
    pair = Concat(
        "organization__kind", Value(PAIR_SEPARATOR), Substr("organization__industry", 1, 2)
    )
    return qs.annotate(holder_pair=Subquery(_first_holder().values_list(pair)[:1]))


def _split_pairs(rows: list[dict]) -> None:
    for row in rows:
        pair = row.pop("holder_pair")
        kind, industry2 = (None, None) if pair is None else pair.split(PAIR_SEPARATOR, 1)
        row["holder_kind"], row["holder_industry2"] = kind, industry2


def _metrics(measure: Measure, counted=None, filter: Q | None = None) -> dict:
    """Aggregates of a group: `n` records and, for a value measure, `s` the sum."""
    metrics = {"n": counted or Count("pk", filter=filter)}
    if measure.is_sum:
        metrics["s"] = Sum(measure.value_field, filter=filter)
    return metrics


def _figure(measure: Measure, n: int, s) -> int | Decimal:
    if not measure.is_sum:
        return n
    return s if s is not None else Decimal(0)


def figure(qs, measure: Measure) -> tuple[int, int | Decimal]:
    """(number of records, the measure's figure) of a queryset of its records, in one query: the
    figure is that number, or for a value measure the sum of its field (0 when there are none)."""
    if not measure.is_sum:
        n = qs.count()
        return n, n
    row = qs.aggregate(**_metrics(measure))
    return row["n"], _figure(measure, row["n"], row["s"])


def may_read(user, measure: Measure) -> bool:
    """Whether `user` may read the records behind `measure`: the view permission of its model
    and of the model it chooses them through."""
    return all(has_perm(user, model, "view") for model in measure.models)


def records(measure: Measure, ctx: Context, user=None, queryset=None):
    """The records a measure takes for the year; None when the value is undefined.

    Given a `user`, only what they may view: the records themselves and, for a measure with a
    `source`, the source records its filter reads (nothing at all without the permissions).
    `queryset` (already restricted to the user) replaces the model's rows, as an export passes
    it."""
    if user is not None:
        ctx = replace(ctx, user=user)
    where = measure.where(ctx)
    if isinstance(where, str):
        return None
    if queryset is None:
        queryset = ctx.rows(measure.model)
    if user is not None and not may_read(user, measure):
        return queryset.none()
    return queryset.filter(where)


def filter_group(qs, measure: Measure, ctx: Context, dimension: str, value: str):
    """Narrow `qs` to one group of a dimension, exactly as `groups()` counted it."""
    if dimension == Dimension.TOTAL:
        return qs
    if dimension == Dimension.STREET:
        if not value:
            return qs.filter(**{f"{measure.region_path}__isnull": True})
        return qs.filter(**{f"{measure.region_path}__code": value})
    if dimension in (Dimension.INDUSTRY, Dimension.HOLDER_KIND):
        qs = _with_holder_fields(qs, measure)
        if dimension == Dimension.HOLDER_KIND:
            if not value:
                return qs.filter(Q(holder_kind__isnull=True) | Q(holder_kind=""))
            return qs.filter(holder_kind=value)
        if value in INDUSTRY_SECTIONS:
            return qs.filter(holder_industry2__in=section_prefixes(value))
        return qs.filter(
            Q(holder_industry2__isnull=True) | ~Q(holder_industry2__in=ALL_SECTION_PREFIXES)
        )
    if dimension == Dimension.HOLDER:
        path = "holder_links__organization" if measure.holder_path is None else measure.holder_path
        return qs.filter(**{path: value or None})
    if dimension == Dimension.CRITERION:
        return qs.filter(ctx.hv[value]) if value in ctx.hv else qs.none()
    if dimension in measure.q_dims:
        found = measure.q_dims[dimension](ctx).get(value)
        return qs.filter(found[1]) if found else qs.none()
    if dimension in measure.field_dims:
        return qs.filter(**{measure.field_dims[dimension]: value})
    return qs.none()


def groups(qs, measure: Measure, ctx: Context, dimension: str) -> list[Group]:
    """The groups of one dimension with their record counts and figures, in one grouped query."""

    def grouped(rows, key: str, label) -> list[Group]:
        return [
            Group(r[key] or "", label(r), r["n"], _figure(measure, r["n"], r.get("s")))
            for r in rows
        ]

    if dimension == Dimension.STREET:
        code, name = f"{measure.region_path}__code", f"{measure.region_path}__name"
        rows = qs.values(code, name).annotate(**_metrics(measure)).order_by(code)
        return grouped(rows, code, lambda r: r[name] or _("No street or town"))
    if dimension == Dimension.HOLDER_KIND:
        labels = dict(OrganizationKind.choices)
        rows = (
            _with_holder_fields(qs, measure)
            .values("holder_kind")
            .annotate(**_metrics(measure))
            .order_by("holder_kind")
        )
        return grouped(
            rows, "holder_kind", lambda r: str(labels.get(r["holder_kind"], _("Unknown")))
        )
    if dimension == Dimension.INDUSTRY:
        rows = (
            _with_holder_fields(qs, measure)
            .values("holder_industry2")
            .annotate(**_metrics(measure))
            .order_by("holder_industry2")
        )
        folded: dict[str, list] = {}
        for r in rows:
            section = industry_section(r["holder_industry2"])
            entry = folded.setdefault(section, [0, None])
            entry[0] += r["n"]
            if r.get("s") is not None:
                entry[1] = (entry[1] or 0) + r["s"]
        return [
            Group(
                section,
                f"{section} {INDUSTRY_SECTIONS[section][0]}" if section else _("Unknown"),
                n,
                _figure(measure, n, s),
            )
            for section, (n, s) in sorted(folded.items())
        ]
    if dimension == Dimension.HOLDER:
        return _top_holders(qs, measure)
    if dimension == Dimension.CRITERION:
        if not ctx.hv:
            return []
        labels = dict(HighValueCriterion.choices)
        aggregates = {}
        for c, q in ctx.hv.items():
            for key, aggregate in _metrics(measure, filter=q).items():
                aggregates[f"{key}_{c}"] = aggregate
        row = qs.aggregate(**aggregates)
        return [
            Group(
                c, str(labels[c]), row[f"n_{c}"], _figure(measure, row[f"n_{c}"], row.get(f"s_{c}"))
            )
            for c in ctx.hv
        ]
    if dimension in measure.q_dims:
        found = measure.q_dims[dimension](ctx)
        aggregates = {}
        for i, (_label, q) in enumerate(found.values()):
            for key, aggregate in _metrics(measure, filter=q).items():
                aggregates[f"{key}_{i}"] = aggregate
        row = qs.aggregate(**aggregates)
        return [
            Group(value, label, row[f"n_{i}"], _figure(measure, row[f"n_{i}"], row.get(f"s_{i}")))
            for i, (value, (label, _q)) in enumerate(found.items())
            if row[f"n_{i}"]
        ]
    if dimension in measure.field_dims:
        name = measure.field_dims[dimension]
        labels = _field_labels(measure, name)
        rows = qs.values(name).annotate(**_metrics(measure)).order_by(name)
        return grouped(rows, name, lambda r: str(labels.get(r[name], r[name])))
    return []


def _top_holders(qs, measure: Measure) -> list[Group]:
    """The `TOP_HOLDERS` holders with the most records (the largest sums; none last), ties in
    the order of their names.

    The records are grouped by the holder's key alone and only the holders at the top are named
    afterwards: a name in the grouping reads the holder's row for every record (137,869 times for
    the valid patents of a city). Groups tied with the last one kept are read too, however many,
    so that the names order them."""
    if measure.holder_path is None:  # every holder of a patent
        path, counted = "holder_links__organization", Count("pk", distinct=True)
    else:
        path, counted = measure.holder_path, Count("pk")
    key = "s" if measure.is_sum else "n"
    grouped = (
        qs.filter(**{f"{path}__isnull": False}).values(path).annotate(**_metrics(measure, counted))
    )

    def rank(row) -> tuple:
        return (row[key] is None, -(row[key] or 0))

    window = TOP_HOLDERS * 5
    rows = list(grouped.order_by(F(key).desc(nulls_last=True), path)[:window])
    if len(rows) > TOP_HOLDERS:
        cut = rows[TOP_HOLDERS - 1]
        if len(rows) == window and rank(rows[-1]) == rank(cut):  # the tie runs past the window
            rows = list(
                grouped if cut[key] is None else grouped.filter(**{f"{key}__gte": cut[key]})
            )
        rows = [r for r in rows if rank(r) <= rank(cut)]
    names = dict(
        Organization.objects.filter(pk__in=[r[path] for r in rows]).values_list("pk", "name")
    )
    rows.sort(key=lambda r: (*rank(r), names.get(r[path], "")))
    return [
        Group(str(r[path]), names.get(r[path], ""), r["n"], _figure(measure, r["n"], r.get("s")))
        for r in rows[:TOP_HOLDERS]
    ]


def _field_labels(measure: Measure, name: str) -> dict:
    return dict(measure.model._meta.get_field(name).choices or [(k, k) for k in GIKind.values])


def breakdown(qs, measure: Measure, ctx: Context) -> tuple[int, int | Decimal, dict]:
    """(number of records, figure, {dimension: [Group]}): what figure() and groups() give for
    every dimension of the measure, in one grouped query (and one more for the top holders).

    The records are grouped by every field a dimension splits them by at once (street, holder
    type, industry code, the fields of field_dims), with a conditional count (and sum) for each
    criterion and each filter group; each dimension's groups are those rows added up. One scan
    of the records instead of one per dimension."""
    records = qs
    street_code = f"{measure.region_path}__code"
    street_name = f"{measure.region_path}__name"
    keys: list[str] = []
    if Dimension.STREET in measure.dims:
        keys += [street_code, street_name]
    if Dimension.HOLDER_KIND in measure.dims or Dimension.INDUSTRY in measure.dims:
        if measure.holder_path is None:
            qs = _with_holder_pair(qs)
            keys.append("holder_pair")
        else:
            qs = _with_holder_fields(qs, measure)
            keys += [
                k
                for dim, k in (
                    (Dimension.HOLDER_KIND, "holder_kind"),
                    (Dimension.INDUSTRY, "holder_industry2"),
                )
                if dim in measure.dims
            ]
    keys += [measure.field_dims[d] for d in measure.dims if d in measure.field_dims]
    metrics = _metrics(measure)
    # dimension -> [(value, label, aggregate prefix)] of its filter groups; listed when empty too
    cases: dict[str, list[tuple[str, str, str]]] = {}
    listed_empty: set[str] = set()
    for dim in measure.dims:
        if dim == Dimension.CRITERION:
            labels = dict(HighValueCriterion.choices)
            found = {c: (str(labels[c]), q) for c, q in ctx.hv.items()}
            listed_empty.add(dim)
        elif dim in measure.q_dims:
            found = measure.q_dims[dim](ctx)
        else:
            continue
        cases[dim] = []
        for value, (label, q) in found.items():
            prefix = f"case{len(metrics)}"
            for key, aggregate in _metrics(measure, filter=q).items():
                metrics[f"{prefix}_{key}"] = aggregate
            cases[dim].append((value, label, prefix))
    if keys:
        rows = list(qs.values(*keys).annotate(**metrics).order_by())
        if "holder_pair" in keys:
            _split_pairs(rows)
    else:
        rows = [qs.aggregate(**metrics)]

    def add(rows, n: str, s: str) -> tuple[int, Decimal | None]:
        sums = [r[s] for r in rows if r.get(s) is not None]
        return sum(r[n] or 0 for r in rows), (sum(sums, Decimal(0)) if sums else None)

    def fold(key, label) -> list[Group]:
        """The rows added up by `key(row)`; `label(row)` names a group."""
        by: dict = {}
        for r in rows:
            by.setdefault(key(r), []).append(r)
        ordered = sorted(by.items(), key=lambda item: (item[0] is not None, item[0] or ""))
        return [
            Group(value or "", label(members[0]), *_counted(measure, *add(members, "n", "s")))
            for value, members in ordered
        ]

    per_dim: dict[str, list[Group]] = {}
    for dim in measure.dims:
        if dim == Dimension.STREET:
            per_dim[dim] = fold(
                lambda r: r[street_code], lambda r: r[street_name] or _("No street or town")
            )
        elif dim == Dimension.HOLDER_KIND:
            kinds = dict(OrganizationKind.choices)
            per_dim[dim] = fold(
                lambda r: r["holder_kind"],
                lambda r, kinds=kinds: str(kinds.get(r["holder_kind"], _("Unknown"))),
            )
        elif dim == Dimension.INDUSTRY:
            per_dim[dim] = [
                g._replace(
                    label=f"{g.value} {INDUSTRY_SECTIONS[g.value][0]}" if g.value else _("Unknown")
                )
                for g in fold(lambda r: industry_section(r["holder_industry2"]), lambda r: "")
            ]
        elif dim in cases:
            per_dim[dim] = []
            for value, label, prefix in cases[dim]:
                n, figure = _counted(measure, *add(rows, f"{prefix}_n", f"{prefix}_s"))
                if n or dim in listed_empty:
                    per_dim[dim].append(Group(value, label, n, figure))
        elif dim in measure.field_dims:
            name = measure.field_dims[dim]
            labels = _field_labels(measure, name)
            per_dim[dim] = fold(
                lambda r, name=name: r[name],
                lambda r, name=name, labels=labels: str(labels.get(r[name], r[name])),
            )
        else:  # the top holders (counted over every holder of a record), as groups() has them
            per_dim[dim] = groups(records, measure, ctx, dim)
    n, figure = _counted(measure, *add(rows, "n", "s"))
    return n, figure, per_dim


def _counted(measure: Measure, n: int, s) -> tuple[int, int | Decimal]:
    return n, _figure(measure, n, s)


def regions_by_code(codes) -> dict[str, Region]:
    return {r.code: r for r in Region.objects.filter(code__in=[c for c in codes if c])}
