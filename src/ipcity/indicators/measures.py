"""What each counting indicator counts, as a queryset filter, and how it splits by dimension.

A `Measure` says which records an indicator counts for a year (`where`), where their street and
holder are, and which dimensions it is broken down by. The same filter serves the computation
(aggregates in SQL) and the drill-down (the records behind a value), so a drill-down always lists
exactly the records that were counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Region
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

    @property
    def end(self) -> date:
        return date(self.year, 12, 31)

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
    # The records counted for a year; a string instead says why the value is undefined.
    where: Callable[[Context], Q | str]
    region_path: str
    holder_path: str | None  # FK to the holder organization; None = a patent's first holder
    dims: tuple[str, ...]
    field_dims: dict[str, str] = field(default_factory=dict)
    note: Callable[[Context], str] | None = None
    uses_rules: bool = False


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
    return Q(**{f"{path}__region__code__startswith": ctx.district_code})


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
    ]
}


# --- querysets ---------------------------------------------------------------------------------


def _with_holder_fields(qs, measure: Measure):
    """Annotate the holder's kind and the first two characters of its industry code.

    A patent with several holders is attributed to its first-listed holder, so the groups of a
    dimension add up to the total.
    """
    if measure.holder_path is None:
        first = PatentHolder.objects.filter(patent=OuterRef("pk")).order_by("position", "pk")
        return qs.annotate(
            holder_kind=Subquery(first.values("organization__kind")[:1]),
            holder_industry2=Substr(Subquery(first.values("organization__industry")[:1]), 1, 2),
        )
    return qs.annotate(
        holder_kind=F(f"{measure.holder_path}__kind"),
        holder_industry2=Substr(f"{measure.holder_path}__industry", 1, 2),
    )


def records(measure: Measure, ctx: Context, user=None):
    """The records a measure counts for the year (restricted to what `user` may view, if given);
    None when the value is undefined."""
    where = measure.where(ctx)
    if isinstance(where, str):
        return None
    manager = measure.model.objects
    qs = manager.restrict(user, "view") if user is not None else manager.all()
    return qs.filter(where)


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
    if dimension in measure.field_dims:
        return qs.filter(**{measure.field_dims[dimension]: value})
    return qs.none()


def groups(qs, measure: Measure, ctx: Context, dimension: str) -> list[tuple[str, str, int]]:
    """[(value, label, count)] of one dimension, in one grouped query."""
    if dimension == Dimension.STREET:
        path = measure.region_path
        rows = (
            qs.values(f"{path}__code", f"{path}__name")
            .annotate(n=Count("pk"))
            .order_by(f"{path}__code")
        )
        return [
            (r[f"{path}__code"] or "", r[f"{path}__name"] or _("No street or town"), r["n"])
            for r in rows
        ]
    if dimension == Dimension.HOLDER_KIND:
        labels = dict(OrganizationKind.choices)
        rows = (
            _with_holder_fields(qs, measure)
            .values("holder_kind")
            .annotate(n=Count("pk"))
            .order_by("holder_kind")
        )
        return [
            (r["holder_kind"] or "", str(labels.get(r["holder_kind"], _("Unknown"))), r["n"])
            for r in rows
        ]
    if dimension == Dimension.INDUSTRY:
        rows = (
            _with_holder_fields(qs, measure)
            .values("holder_industry2")
            .annotate(n=Count("pk"))
            .order_by("holder_industry2")
        )
        folded: dict[str, int] = {}
        for r in rows:
            section = industry_section(r["holder_industry2"])
            folded[section] = folded.get(section, 0) + r["n"]
        return [
            (
                section,
                f"{section} {INDUSTRY_SECTIONS[section][0]}" if section else _("Unknown"),
                n,
            )
            for section, n in sorted(folded.items())
        ]
    if dimension == Dimension.HOLDER:
        if measure.holder_path is None:
            path = "holder_links__organization"
            counted = Count("pk", distinct=True)
        else:
            path = measure.holder_path
            counted = Count("pk")
        rows = (
            qs.filter(**{f"{path}__isnull": False})
            .values(path, f"{path}__name")
            .annotate(n=counted)
            .order_by("-n", f"{path}__name")[:TOP_HOLDERS]
        )
        return [(str(r[path]), r[f"{path}__name"], r["n"]) for r in rows]
    if dimension == Dimension.CRITERION:
        if not ctx.hv:
            return []
        labels = dict(HighValueCriterion.choices)
        counts = qs.aggregate(**{c: Count("pk", filter=q) for c, q in ctx.hv.items()})
        return [(c, str(labels[c]), counts[c]) for c in ctx.hv]
    if dimension in measure.field_dims:
        name = measure.field_dims[dimension]
        labels = dict(
            measure.model._meta.get_field(name).choices or [(k, k) for k in GIKind.values]
        )
        rows = qs.values(name).annotate(n=Count("pk")).order_by(name)
        return [(r[name], str(labels.get(r[name], r[name])), r["n"]) for r in rows]
    return []


def regions_by_code(codes) -> dict[str, Region]:
    return {r.code: r for r in Region.objects.filter(code__in=[c for c in codes if c])}
