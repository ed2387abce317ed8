"""The patent import format: CNIPA, incoPat and PatSnap exports, one patent per row.

Rows are checked one by one (numbers, dates, counts) and written in chunks: per chunk one
lookup of the patents already registered under those numbers, one of the holder organizations,
then bulk inserts and updates with their history. Re-importing a number updates its patent;
a decision a person made on its attribution is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.bulk import HistoryInserter, Inserter, Updater
from ipcity.core.imports import ImportFormat, Row, RowError, get_format, register

from .. import highvalue
from ..attribution import District, Signals
from ..choices import Attribution, AttributionSignal, LegalEventKind, PatentStatus
from ..holders import HolderMatcher, HolderOrg, Wanted, clean_uscc
from ..models import HolderAttribution, LegalEvent, Patent, PatentHolder
from ..numbers import PatentNumberError, parse_application_number
from ..search import SEARCH_FIELDS, build_search_text
from ..signals import send_patents_changed
from . import normalize as n
from .layouts import COLUMNS, LAYOUT_NAMES, LAYOUTS, detect_layout, layout_score

NUMBER_LABEL = "申请号"
# Fields a row may set; those of columns the file lacks keep their stored values.
PATENT_FIELDS = (
    "number_check_ok",
    "patent_type",
    "is_pct",
    "filing_date",
    "publication_number",
    "publication_date",
    "grant_date",
    "title",
    "abstract",
    "main_ipc",
    "ipc_codes",
    "inventors",
    "holder_names",
    "address",
    "legal_status",
    "lapse_date",
    "family_countries",
    "overseas_granted_family",
    "citations",
    "cited_by",
    "source",
)
ATTRIBUTION_FIELDS = ("attribution", "attribution_signal", "attribution_detail", "region_id")
# The high-value classification (rights.highvalue), made as each row is written.
DERIVED_FIELDS = ("is_high_value", "high_value_criteria", "high_value_rule_id")


@dataclass
class PatentImportContext:
    user: object
    district: District
    layout: str = ""
    matcher: HolderMatcher | None = None
    classifier: Classifier | None = None
    writers: _Writers | None = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    events: int = 0
    attribution: dict = field(
        default_factory=lambda: dict.fromkeys(
            (Attribution.IN_DISTRICT, Attribution.OUTSIDE, Attribution.UNRESOLVED), 0
        )
    )


class _Link(NamedTuple):
    """A holder link to insert (the attributes of a PatentHolder, without a model object)."""

    patent_id: int
    organization_id: int
    position: int
    name_as_recorded: str


@dataclass
class PatentRow:
    """A checked row, reduced to what writing needs (a chunk of these is all that is held)."""

    number: str
    fields: dict
    holders: list[Wanted]
    signals: Signals
    events: list[tuple[str, dt.date | None, str, str]]


class PatentImportFormat(ImportFormat):
    title = gettext_lazy("Patents")
    description = gettext_lazy(
        "A patent export in the CNIPA, incoPat or PatSnap layout (xlsx or csv), one patent per "
        "row, recognized by its headers. Rows update the patent with the same application number "
        "or add a new one; holders are matched to organizations by credit code, then by name, and "
        "created when missing. Every patent is attributed to the district or outside it where the "
        "export says so; the rest go to the attribution review list."
    )
    permissions = ("rights.add_patent", "rights.change_patent")
    success_url_name = "rights:patent_list"
    columns = COLUMNS
    streaming = True
    chunk_size = 2000
    max_cell_chars = 20000

    def __init__(self, layout: str = "auto"):
        if layout != "auto" and layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}")
        self.layout = layout
        self.key = "rights.patent" if layout == "auto" else f"rights.patent.{layout}"

    # -- the file --------------------------------------------------------------------------

    def map_headers(self, cells):
        found, ignored, problems = super().map_headers(cells)
        detected = detect_layout(cells)
        if self.layout == "auto" and detected is None and not problems:
            problems.append(
                _(
                    "The headers match none of the patent export layouts (CNIPA, incoPat, "
                    "PatSnap). The first row must hold the export's headers."
                )
            )
        elif self.layout != "auto" and not layout_score(cells, self.layout):
            problems.append(
                _("The headers do not look like a %(layout)s export (detected: %(other)s).")
                % {
                    "layout": LAYOUT_NAMES[self.layout],
                    "other": LAYOUT_NAMES.get(detected or "", _("none")),
                }
            )
        if "title" not in found and not problems:
            problems.append(_("Required column missing: %(columns)s.") % {"columns": "名称/标题"})
        return found, ignored, problems

    def prepare(self, user) -> PatentImportContext:
        return PatentImportContext(
            user=user,
            district=District.load(),
            matcher=HolderMatcher(user),
            classifier=Classifier(),
            writers=_Writers(),
        )

    def headers_found(self, context, header_cells, found) -> None:
        context.layout = self.layout if self.layout != "auto" else detect_layout(header_cells)

    # -- one row ---------------------------------------------------------------------------

    def clean_row(self, row: Row, ctx: PatentImportContext) -> None:
        v = row.values
        try:
            number = parse_application_number(v["number"])
        except PatentNumberError:
            raise RowError(
                _("“%(v)s” is not a CNIPA application number.") % {"v": v["number"]},
                NUMBER_LABEL,
            ) from None
        if not number.check_ok:
            row.warn(
                _(
                    "The check digit of %(n)s is wrong (expected %(c)s); "
                    "the row is kept and flagged."
                )
                % {"n": number.normalized, "c": _expected_check(number)},
                NUMBER_LABEL,
            )
        title = n.clean_text(v.get("title", ""))
        if not title:
            raise RowError(_("The title is empty."), "名称")
        f: dict = {
            "number_check_ok": number.check_ok,
            "patent_type": number.patent_type,
            "is_pct": number.is_pct,
            "title": title[:500],
            "source": ctx.layout or "",
        }
        for key in ("filing_date", "grant_date", "lapse_date", "abstract"):
            if key in v:
                f[key] = v[key]
        if "publication_number" in v:
            f["publication_number"] = n.clean_text(v["publication_number"])[:20]
        if "publication_date" in v or "first_publication_date" in v:
            f["publication_date"] = v.get("publication_date") or v.get("first_publication_date")
        codes = n.split_list(v.get("ipc", ""))
        main = (
            n.clean_text(v.get("main_ipc") or v.get("main_class") or "") or (codes[:1] or [""])[0]
        )
        if main:
            f["main_ipc"] = main[:32]
        if codes:
            f["ipc_codes"] = ";".join(codes)
        if "inventors" in v:
            f["inventors"] = ";".join(n.split_holders(v["inventors"]))
        self._status(row, v, f)
        if "family" in v or "family_countries" in v:
            countries = n.family_countries(v.get("family", ""), v.get("family_countries", ""))
            f["family_countries"] = ";".join(countries)[:300]
            f["overseas_granted_family"] = n.has_overseas_member(countries)
        for key in ("citations", "cited_by"):
            if key in v:
                f[key] = v[key]

        from_current = bool(v.get("holders"))
        names = n.split_holders(
            v.get("holders") or v.get("applicants") or v.get("std_holders")
        ) or n.split_holders(v.get("std_applicants") or v.get("first_applicant") or "")
        if not names:
            raise RowError(_("No holder (applicant) is named."), "申请人")
        f["holder_names"] = ";".join(names)
        addresses = [v.get("holder_address", ""), v.get("address", "")]
        if not from_current:
            addresses.reverse()
        addresses.append(v.get("registered_address", ""))
        addresses = [n.clean_text(a) for a in addresses if n.clean_text(a)]
        if addresses:
            f["address"] = addresses[0][:300]
        codes = [clean_uscc(c) for c in n.split_holders(v.get("uscc", ""))]
        if len(codes) != len(names):
            codes = codes[:1] if len(codes) == 1 else []
        codes += [""] * (len(names) - len(codes))
        holders = [
            Wanted(name[:200], code, addresses[0] if addresses and i == 0 else "")
            for i, (name, code) in enumerate(zip(names, codes, strict=True))
        ]
        signals = Signals(
            district=v.get("district", ""),
            city=v.get("city", ""),
            area_code=v.get("area_code", ""),
            province_code=v.get("province_code", ""),
            country=v.get("country", ""),
            uscc=codes[0],
            addresses=addresses,
        )
        row.values = {
            "patent": PatentRow(number.normalized, f, holders, signals, self._events(v, f))
        }

    def _status(self, row: Row, v: dict, f: dict) -> None:
        texts = (v.get("status", ""), v.get("validity", ""))
        if not any(texts):
            return
        status = n.map_status(*texts)
        if status == "lapsed_or_expired":
            status = n.resolve_generic_lapse(
                f["patent_type"], f.get("filing_date"), f.get("lapse_date")
            )
        if status is None:
            row.warn(
                _("Legal status “%(v)s” is not recognized; recorded as unknown.")
                % {"v": " / ".join(t for t in texts if t)},
                "法律状态",
            )
            status = PatentStatus.UNKNOWN
        f["legal_status"] = status

    def _events(self, v: dict, f: dict) -> list:
        events = []
        if f.get("grant_date"):
            events.append((LegalEventKind.GRANT, f["grant_date"], "", ""))
        ending = {
            PatentStatus.LAPSED: LegalEventKind.LAPSE,
            PatentStatus.EXPIRED: LegalEventKind.EXPIRY,
            PatentStatus.INVALIDATED: LegalEventKind.INVALIDATION,
        }.get(f.get("legal_status"))
        if ending:
            events.append((ending, f.get("lapse_date"), "", ""))
        counted = (
            (LegalEventKind.TRANSFER, "transfers", ("assignees",), "转让次数", ()),
            (LegalEventKind.LICENCE, "licences", ("licensees",), "许可次数", ("licence_type",)),
            (
                LegalEventKind.PLEDGE,
                "pledges",
                ("current_pledgee", "pledgees"),
                "质押次数",
                ("pledge_term", "pledgors"),
            ),
        )
        kinds = set()
        for kind, count_key, party_keys, label, extra in counted:
            count = v.get(count_key) or 0
            party = next((v[k] for k in party_keys if v.get(k)), "")
            if count or party:
                detail = "; ".join(
                    [f"{label} {count}"] + [f"{k}: {v[k]}" for k in extra if v.get(k)]
                )
                events.append((kind, None, n.clean_text(party)[:300], detail[:500]))
                kinds.add(kind)
        for kind in n.events_in(v.get("status", "")):
            if kind not in kinds:
                events.append((kind, None, "", n.clean_text(v["status"])[:500]))
        return events

    def duplicate_keys(self, row: Row, ctx):
        yield NUMBER_LABEL, row.values["patent"].number.split(".")[0]

    # -- writing ---------------------------------------------------------------------------

    def write_chunk(self, rows: list[Row], ctx: PatentImportContext, user) -> None:
        items: list[PatentRow] = [r.values["patent"] for r in rows]
        now = timezone.now()
        writers = ctx.writers
        existing = {
            p.application_number: p
            for p in Patent.objects.filter(application_number__in=[i.number for i in items])
        }
        orgs = ctx.matcher.resolve([h for item in items for h in item.holders])
        first_orgs = {orgs[item.holders[0].key].pk for item in items}
        decisions = {
            d.organization_id: d
            for d in HolderAttribution.objects.filter(organization_id__in=first_orgs)
        }
        created: list[Patent] = []
        changed: list[Patent] = []
        written: list[tuple[Patent, PatentRow, list[tuple[HolderOrg, str]]]] = []
        only_search: list[Patent] = []
        only_derived: list[Patent] = []
        for item in items:
            holders = _links(item, orgs)
            patent = existing.get(item.number)
            is_new = patent is None
            if is_new:
                patent = Patent(application_number=item.number, created_at=now)
                before = derived = old_text = None  # nothing to compare a new patent with
            else:
                before = {k: getattr(patent, k) for k in (*PATENT_FIELDS, *ATTRIBUTION_FIELDS)}
                derived = {k: getattr(patent, k) for k in DERIVED_FIELDS}
                old_text = patent.search_text
            for key, value in item.fields.items():
                setattr(patent, key, value)
            self._attribute(patent, item, holders[0][0], decisions, ctx)
            patent.search_text = _search_text(patent, item, holders)
            ctx.classifier.apply(patent)
            if is_new:
                created.append(patent)
            elif any(getattr(patent, k) != before[k] for k in before):
                patent.updated_at = now
                changed.append(patent)
            else:
                ctx.unchanged += 1
                if any(getattr(patent, k) != derived[k] for k in DERIVED_FIELDS):
                    only_derived.append(patent)
                elif patent.search_text != old_text:
                    only_search.append(patent)
            ctx.attribution[patent.attribution] += 1
            written.append((patent, item, holders))
        if created:
            writers.patents.insert(created, now)
            pks = dict(
                Patent.objects.filter(
                    application_number__in=[p.application_number for p in created]
                ).values_list("application_number", "pk")
            )
            for p in created:
                p.pk = pks[p.application_number]
            writers.patent_history.insert(created, user=user, date=now, kind="+")
        if changed:
            writers.patent_update.update(changed)
            writers.patent_history.insert(changed, user=user, date=now, kind="~")
        # Derived fields (the high-value classification, the search terms) change no history.
        writers.derived_update.update(only_derived)
        writers.search_update.update(only_search)
        ctx.created += len(created)
        ctx.updated += len(changed)
        self._write_holders(written, existing, writers)
        self._write_events(written, user, now, ctx, writers)

    def _attribute(self, patent, item: PatentRow, first: HolderOrg, decisions, ctx) -> None:
        if patent.pk and patent.attribution_signal == AttributionSignal.MANUAL:
            return  # a person's decision outlives later imports
        signals = item.signals
        signals.uscc = signals.uscc or first.uscc
        if first.address and first.address not in signals.addresses:
            signals.addresses = [*signals.addresses, first.address]
        signals.region_id = first.region_id
        decision = ctx.district.decide(signals)
        if not decision.resolved and first.pk in decisions:
            held = decisions[first.pk]
            patent.attribution = held.attribution
            patent.attribution_signal = AttributionSignal.MANUAL
            patent.attribution_detail = _("Decided for holder %(h)s") % {"h": first.name}
            patent.region_id = held.region_id
            return
        patent.attribution = decision.attribution
        patent.attribution_signal = decision.signal
        patent.attribution_detail = decision.detail[:300]
        if decision.attribution == Attribution.IN_DISTRICT:
            patent.region_id = decision.region_id
        else:
            patent.region_id = None

    def _write_holders(self, written, existing, writers) -> None:
        updated_pks = [p.pk for p, *_ in written if p.application_number in existing]
        current: dict[int, list[tuple[int, str]]] = {}
        for patent_id, org_id, name in (
            PatentHolder.objects.filter(patent_id__in=updated_pks)
            .order_by("patent_id", "position")
            .values_list("patent_id", "organization_id", "name_as_recorded")
        ):
            current.setdefault(patent_id, []).append((org_id, name))
        stale: list[int] = []
        links: list[_Link] = []
        for patent, _item, holders in written:
            wanted = [(h.pk, name[:200]) for h, name in holders]
            if current.get(patent.pk) == wanted:
                continue
            if patent.pk in current:
                stale.append(patent.pk)
            links.extend(_Link(patent.pk, pk, i, nm) for i, (pk, nm) in enumerate(wanted, start=1))
        if stale:
            PatentHolder.objects.filter(patent_id__in=stale).delete()
        writers.holders.insert(links)

    def _write_events(self, written, user, now, ctx, writers) -> None:
        pks = [p.pk for p, item, _h in written if item.events]
        have: dict[tuple, LegalEvent] = {}
        for event in LegalEvent.objects.filter(patent_id__in=pks):
            have[(event.patent_id, event.kind, event.date, event.counterparty)] = event
        new: list[LegalEvent] = []
        refreshed: list[LegalEvent] = []
        for patent, item, _h in written:
            for kind, date, party, detail in item.events:
                key = (patent.pk, kind, date, party)
                event = have.get(key)
                if event is None:
                    event = LegalEvent(
                        patent_id=patent.pk, kind=kind, date=date, counterparty=party, detail=detail
                    )
                    event.created_at = event.updated_at = now
                    have[key] = event
                    new.append(event)
                elif event.detail != detail and event.pk:
                    event.detail, event.updated_at = detail, now
                    refreshed.append(event)
        if new:
            writers.events.insert(new, now)
            _fill_event_pks(new)
            writers.event_history.insert(new, user=user, date=now, kind="+")
        if refreshed:
            writers.event_update.update(refreshed)
            writers.event_history.insert(refreshed, user=user, date=now, kind="~")
        ctx.events += len(new)

    def finish(self, ctx: PatentImportContext, user) -> dict:
        send_patents_changed(None, user)
        return {
            "created": ctx.created,
            "updated": ctx.updated,
            "unchanged": ctx.unchanged,
            "organizations": ctx.matcher.created if ctx.matcher else 0,
            "events": ctx.events,
            "in_district": ctx.attribution[Attribution.IN_DISTRICT],
            "outside": ctx.attribution[Attribution.OUTSIDE],
            "unresolved": ctx.attribution[Attribution.UNRESOLVED],
            "layout": ctx.layout or "",
        }


register(PatentImportFormat)


def _expected_check(number) -> str:
    from ..numbers import check_digit

    return check_digit(number.digits)


def _links(item: PatentRow, orgs) -> list[tuple[HolderOrg, str]]:
    """(organization, name as recorded) in export order; two names of one organization once."""
    seen: dict[int, tuple[HolderOrg, str]] = {}
    for wanted in item.holders:
        org = orgs[wanted.key]
        seen.setdefault(org.pk, (org, wanted.name))
    return list(seen.values())


def _search_text(patent: Patent, item: PatentRow, holders) -> str:
    fields = {name: getattr(patent, name, "") for name in (*SEARCH_FIELDS, "ipc_codes")}
    names = [h.name for h, _name in holders] + [w.name for w in item.holders]
    return build_search_text(fields, list(dict.fromkeys(names)))


class Classifier:
    """rights.highvalue's classification of one patent, made in memory before it is written,
    with the same result `classify_queryset` would store afterwards."""

    def __init__(self, year: int | None = None):
        self.year = year or highvalue.current_year()
        self.rule_set = highvalue.rule_set_for(self.year)
        self.prefixes = frozenset(highvalue.concordance_prefixes(self.rule_set))

    def apply(self, patent: Patent) -> None:
        if highvalue.is_eligible(patent):
            highvalue.reclassify(patent, self.rule_set, self.prefixes, self.year)
        elif patent.is_high_value or patent.high_value_criteria:
            # As classify_queryset clears an ineligible patent that is still flagged.
            patent.is_high_value, patent.high_value_criteria = False, []
            patent.high_value_rule = self.rule_set


class _Writers:
    """The prepared statements of one import (core.bulk)."""

    def __init__(self):
        self.patents = Inserter(Patent)
        self.patent_history = HistoryInserter(Patent)
        self.patent_update = Updater(
            Patent,
            [*PATENT_FIELDS, *ATTRIBUTION_FIELDS, *DERIVED_FIELDS, "search_text", "updated_at"],
        )
        self.derived_update = Updater(Patent, [*DERIVED_FIELDS, "search_text"])
        self.search_update = Updater(Patent, ["search_text"])
        self.holders = Inserter(PatentHolder)
        self.events = Inserter(LegalEvent)
        self.event_history = HistoryInserter(LegalEvent)
        self.event_update = Updater(LegalEvent, ["detail", "updated_at"])


def _fill_event_pks(events: list[LegalEvent]) -> None:
    """The primary keys of events just inserted, found by what identifies them."""
    # A new event's key matches no event the patent had before (those were found and kept).
    wanted = {(e.patent_id, e.kind, e.date, e.counterparty): e for e in events}
    rows = LegalEvent.objects.filter(patent_id__in={e.patent_id for e in events}).values_list(
        "pk", "patent_id", "kind", "date", "counterparty"
    )
    for pk, *key in rows.order_by("pk"):
        event = wanted.get(tuple(key))
        if event is not None:
            event.pk = pk
    missing = [e for e in events if e.pk is None]
    if missing:
        raise RuntimeError(f"{len(missing)} legal events were not found after their insert")


def import_format(layout: str = "auto") -> PatentImportFormat:
    """The registered format for "auto", or one that insists on the given layout."""
    if layout == "auto":
        return get_format("rights.patent")
    return PatentImportFormat(layout)
