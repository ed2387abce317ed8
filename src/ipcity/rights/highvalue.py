"""High-value invention patents (高价值发明专利): versioned rule sets, classification, explanation.

CNIPA counts a *valid invention* patent as high-value when it meets any criterion of the rule set
in force for the year (DOMAIN.md §2). The rule sets and the SEI–IPC concordance are data
(data/highvalue_rules.json, data/sei_concordance.csv), created on migrate when missing and edited
by staff afterwards; every classification records the rule set it used.

The stored classification on a patent (`is_high_value`, `high_value_criteria`,
`high_value_rule`) is evaluated at the end of the current year. Indicators for another year use
`high_value_q()`, the same rules as SQL filters evaluated at that year's end.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q
from django.db.models.signals import post_migrate
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core import jobs
from ipcity.core.compiled import Compiled

from .choices import HighValueCriterion, PatentStatus, PatentType
from .models import HighValueRuleSet, Patent, SEIConcordance

DATA_DIR = Path(__file__).parent / "data"
RULES_FILE = DATA_DIR / "highvalue_rules.json"
CONCORDANCE_FILE = DATA_DIR / "sei_concordance.csv"
RECOMPUTE_JOB = "rights.recompute_high_value"
CHUNK = 1000

_IPC = re.compile(r"^[A-H](\d{2}([A-Z](\d{1,4}(/\d{2,6})?)?)?)?$")


# --- IPC codes --------------------------------------------------------------------------------


def normalize_ipc(raw: str) -> str:
    """The canonical form of an IPC code or prefix: no spaces, half-width, upper case, a main
    group written `/00` ("G06F 16" and "G06F16/00" are the same group); "" when not IPC-shaped.

    A version suffix as exports print it ("G06F16/30(2019.01)") is dropped.
    """
    text = unicodedata.normalize("NFKC", raw or "").split("(")[0]
    text = re.sub(r"\s+", "", text).upper()
    if not _IPC.match(text):
        return ""
    if len(text) > 4 and "/" not in text:
        text += "/00"
    return text


def split_ipc(text: str) -> list[str]:
    """The IPC codes of a patent's `ipc_codes` text, canonical, in order, without duplicates."""
    seen: dict[str, None] = {}
    for part in re.split(r"[;；,，\n]+", text or ""):
        code = normalize_ipc(part)
        if code:
            seen.setdefault(code, None)
    return list(seen)


def ipc_keys(code: str) -> list[str]:
    """Every concordance prefix that covers `code`: section, class, subclass, main group, itself.

    Prefixes are matched by hierarchy, not by string start, so `G06F1/00` never covers
    `G06F16/30`.
    """
    keys = [code[:1], code[:3], code[:4]]
    if "/" in code:
        keys += [code.split("/")[0] + "/00", code]
    return [k for k in dict.fromkeys(keys) if k]


def patent_ipc_codes(patent) -> list[str]:
    codes = split_ipc(patent.ipc_codes)
    main = normalize_ipc(patent.main_ipc)
    if main and main not in codes:
        codes.insert(0, main)
    return codes


# --- rule sets and concordance as data ---------------------------------------------------------


def load_rule_definitions() -> list[dict]:
    return json.loads(RULES_FILE.read_text(encoding="utf-8"))["rule_sets"]


def ensure_rule_sets() -> list[HighValueRuleSet]:
    """Create the rule sets of data/highvalue_rules.json that are missing, each with the shipped
    concordance. Existing rule sets are left as staff edited them."""
    created = []
    sample_rows = None
    for definition in load_rule_definitions():
        if HighValueRuleSet.objects.filter(code=definition["code"]).exists():
            continue
        threshold = definition.get("pledge_threshold")
        rule_set = HighValueRuleSet.objects.create(
            code=definition["code"],
            name=definition["name"],
            valid_from=definition["valid_from"],
            valid_to=definition.get("valid_to"),
            criteria=definition["criteria"],
            pledge_threshold=None if threshold is None else Decimal(str(threshold)),
            maintained_years=definition.get("maintained_years", 10),
            source=definition.get("source", "")[:300],
        )
        if sample_rows is None:
            sample_rows = read_concordance(CONCORDANCE_FILE)
        replace_concordance(rule_set, sample_rows)
        created.append(rule_set)
    return created


def _on_post_migrate(sender=None, **kwargs) -> None:
    if getattr(sender, "label", None) == "rights":
        ensure_rule_sets()


post_migrate.connect(_on_post_migrate, dispatch_uid="ipcity.rights.highvalue.ensure_rule_sets")


class ConcordanceFileError(ValueError):
    """The concordance file cannot be loaded; the message names the row and the problem."""


@dataclass(frozen=True)
class ConcordanceRow:
    ipc_prefix: str
    industry_code: str
    industry_name: str
    source: str = ""


CONCORDANCE_COLUMNS = ("ipc_prefix", "industry_code", "industry_name")
_HEADER_SYNONYMS = {
    "ipc": "ipc_prefix",
    "ipc_prefix": "ipc_prefix",
    "ipc分类号": "ipc_prefix",
    "国际专利分类": "ipc_prefix",
    "industry_code": "industry_code",
    "产业代码": "industry_code",
    "战略性新兴产业代码": "industry_code",
    "industry_name": "industry_name",
    "产业名称": "industry_name",
    "战略性新兴产业名称": "industry_name",
    "source": "source",
    "来源": "source",
}


def read_concordance(source: Path | str | bytes) -> list[ConcordanceRow]:
    """Rows of a UTF-8 CSV concordance (a file path, or the uploaded file's bytes);
    ConcordanceFileError names the first bad row.

    Columns: ipc_prefix, industry_code, industry_name and optionally source.
    """
    if isinstance(source, bytes):
        raw = source
    else:
        path = Path(source)
        try:
            raw = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise ConcordanceFileError(_("%(path)s: no such file") % {"path": path}) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConcordanceFileError(_("The file is not UTF-8 encoded CSV text.")) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ConcordanceFileError(_("The file is empty."))
    columns = [_HEADER_SYNONYMS.get(h.strip().lower().replace(" ", "_"), "") for h in header]
    missing = [c for c in CONCORDANCE_COLUMNS if c not in columns]
    if missing:
        raise ConcordanceFileError(
            _("Missing column(s): %(columns)s") % {"columns": ", ".join(missing)}
        )
    rows: list[ConcordanceRow] = []
    seen = set()
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {col: cell.strip() for col, cell in zip(columns, cells, strict=False) if col}
        prefix = normalize_ipc(values.get("ipc_prefix", ""))
        if not prefix:
            raise ConcordanceFileError(
                _("Row %(row)d: “%(value)s” is not an IPC code or prefix.")
                % {"row": number, "value": values.get("ipc_prefix", "")}
            )
        if not values.get("industry_code") or not values.get("industry_name"):
            raise ConcordanceFileError(
                _("Row %(row)d: the industry code and name are required.") % {"row": number}
            )
        key = (prefix, values["industry_code"])
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            ConcordanceRow(
                prefix,
                values["industry_code"][:20],
                values["industry_name"][:200],
                values.get("source", ""),
            )
        )
    if not rows:
        raise ConcordanceFileError(_("The file has no concordance rows."))
    return rows


def replace_concordance(rule_set: HighValueRuleSet, rows: Iterable[ConcordanceRow]) -> int:
    """Make `rows` the rule set's whole concordance (a loaded file is the table, not a patch)."""
    rows = list(rows)
    with transaction.atomic():
        SEIConcordance.objects.filter(rule_set=rule_set).delete()
        SEIConcordance.objects.bulk_create(
            [
                SEIConcordance(
                    rule_set=rule_set,
                    ipc_prefix=row.ipc_prefix,
                    industry_code=row.industry_code,
                    industry_name=row.industry_name,
                )
                for row in rows
            ],
            batch_size=CHUNK,
        )
    return len(rows)


def sample_signature() -> frozenset:
    return frozenset((r.ipc_prefix, r.industry_code) for r in read_concordance(CONCORDANCE_FILE))


def is_sample_concordance(rule_set: HighValueRuleSet) -> bool:
    """True while the rule set still uses the sample concordance shipped with ipcity."""
    sample = sample_signature()
    rows = SEIConcordance.objects.filter(rule_set=rule_set)
    if rows.count() != len(sample):
        return False
    return frozenset(rows.values_list("ipc_prefix", "industry_code")) == sample


def concordance_prefixes(rule_set: HighValueRuleSet | None) -> frozenset[str]:
    if rule_set is None:
        return frozenset()
    return frozenset(
        normalize_ipc(p) for p in rule_set.concordance.values_list("ipc_prefix", flat=True)
    )


# --- classification --------------------------------------------------------------------------


def current_year() -> int:
    return timezone.localdate().year


def year_end(year: int) -> date:
    return date(year, 12, 31)


def _rule_set_fields() -> list[str]:
    return [field.attname for field in HighValueRuleSet._meta.concrete_fields]


def _in_force(year):
    return (
        HighValueRuleSet.objects.filter(valid_from__lte=year)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=year))
        .order_by("-valid_from", "-pk")
    )


def _rule_set_in_force(year):
    return _in_force(year).values_list(*_rule_set_fields())[:1]


# Read by every patent page (its high-value explanation) and every import (core.compiled). The
# stand-in year is within the years' column range (a value outside it makes no query at all),
# and the query's only parameter.
RULE_SET_IN_FORCE = Compiled(_rule_set_in_force, 32_719)


# The years' column range (PositiveSmallIntegerField): a year outside it is compared by the ORM,
# which knows no row can hold it, rather than sent as a small integer the database refuses.
YEARS = range(0, 32_768)


def rule_set_for(year: int) -> HighValueRuleSet | None:
    """The rule set in force in `year`, or None when no rule set covers it."""
    if int(year) not in YEARS:
        return _in_force(year).first()
    row = RULE_SET_IN_FORCE.first(int(year))
    if row is None:
        return None
    return HighValueRuleSet.from_db(DEFAULT_DB_ALIAS, _rule_set_fields(), row)


def is_eligible(patent) -> bool:
    return patent.patent_type == PatentType.INVENTION and patent.legal_status == PatentStatus.VALID


def _maintained_cutoff(rule_set: HighValueRuleSet, year: int) -> date:
    # "More than N years" at the year end: filed strictly before the same day N years earlier.
    return date(year - rule_set.maintained_years, 12, 31)


def _criterion_met(criterion: str, patent, rule_set, prefixes, year: int) -> bool:
    if criterion == HighValueCriterion.SEI:
        return any(key in prefixes for code in patent_ipc_codes(patent) for key in ipc_keys(code))
    if criterion == HighValueCriterion.OVERSEAS_FAMILY:
        return bool(patent.overseas_granted_family)
    if criterion == HighValueCriterion.MAINTAINED_10Y:
        return bool(patent.filing_date) and patent.filing_date < _maintained_cutoff(rule_set, year)
    if criterion == HighValueCriterion.PLEDGE:
        return (
            rule_set.pledge_threshold is not None
            and patent.pledge_amount is not None
            and patent.pledge_amount >= rule_set.pledge_threshold
        )
    if criterion == HighValueCriterion.AWARD:
        return bool((patent.awards or "").strip())
    return False


def classify(
    patent, rule_set: HighValueRuleSet | None, concordance_prefixes: Iterable[str], year=None
) -> list[str]:
    """The criteria of `rule_set` that `patent` meets at the end of `year` (default: this year).

    Only valid invention patents can be high-value; anything else meets nothing.
    """
    if rule_set is None or not is_eligible(patent):
        return []
    year = year or current_year()
    prefixes = (
        concordance_prefixes
        if isinstance(concordance_prefixes, set | frozenset)
        else frozenset(concordance_prefixes)
    )
    return [c for c in rule_set.criteria if _criterion_met(c, patent, rule_set, prefixes, year)]


def reclassify(patent, rule_set: HighValueRuleSet | None, prefixes: frozenset, year: int) -> bool:
    """Set the classification fields of an eligible `patent` to what `classify` finds; True
    when any of them changed (the row then needs writing)."""
    met = classify(patent, rule_set, prefixes, year)
    if (
        patent.high_value_criteria == met
        and patent.is_high_value == bool(met)
        and patent.high_value_rule_id == (rule_set.pk if rule_set else None)
    ):
        return False
    patent.high_value_criteria = met
    patent.is_high_value = bool(met)
    patent.high_value_rule = rule_set
    return True


_CLASSIFY_FIELDS = (
    "pk",
    "patent_type",
    "legal_status",
    "filing_date",
    "main_ipc",
    "ipc_codes",
    "overseas_granted_family",
    "awards",
    "pledge_amount",
    "is_high_value",
    "high_value_criteria",
    "high_value_rule",
)


def classify_queryset(
    qs=None, year: int | None = None, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Classify the patents of `qs` (default: all) under the rule set of `year` (default: this
    year) and store the result, in chunks; only changed rows are written.

    Called after every import and whenever a rule set or its concordance changes. The stored
    fields are derived data, so they are written with bulk_update and no history records.
    """
    qs = Patent.objects.all() if qs is None else qs
    year = year or current_year()
    rule_set = rule_set_for(year)
    prefixes = concordance_prefixes(rule_set)
    eligible = Q(patent_type=PatentType.INVENTION, legal_status=PatentStatus.VALID)
    cleared = (
        qs.exclude(eligible)
        .filter(Q(is_high_value=True) | ~Q(high_value_criteria=[]))
        .update(is_high_value=False, high_value_criteria=[], high_value_rule=rule_set)
    )
    candidates = qs.filter(eligible).only(*_CLASSIFY_FIELDS).order_by("pk")
    total = candidates.count()
    done = changed = high_value = 0
    last_pk = 0
    while True:
        # Keyset chunks: rows are rewritten while we read, which an open cursor would not bear.
        chunk = list(candidates.filter(pk__gt=last_pk)[:CHUNK])
        if not chunk:
            break
        last_pk = chunk[-1].pk
        dirty = []
        for patent in chunk:
            if reclassify(patent, rule_set, prefixes, year):
                dirty.append(patent)
            if patent.is_high_value:
                high_value += 1
        if dirty:
            Patent.objects.bulk_update(
                dirty, ["is_high_value", "high_value_criteria", "high_value_rule"]
            )
        changed += len(dirty)
        done += len(chunk)
        if progress:
            progress(done, total)
    return {
        "year": year,
        "rule_set": rule_set.code if rule_set else None,
        "classified": total,
        "high_value": high_value,
        "changed": changed + cleared,
    }


def high_value_q(rule_set: HighValueRuleSet | None, year: int) -> dict[str, Q]:
    """{criterion: Q} for the rule set's criteria evaluated at the end of `year`, for counting in
    SQL. Membership of the strategic emerging industries comes from the stored classification
    (it needs the concordance, which SQL cannot match by IPC hierarchy cheaply)."""
    if rule_set is None:
        return {}
    never = Q(pk__in=[])
    parts = {
        HighValueCriterion.SEI: Q(high_value_criteria__icontains='"sei"'),
        HighValueCriterion.OVERSEAS_FAMILY: Q(overseas_granted_family=True),
        HighValueCriterion.MAINTAINED_10Y: Q(filing_date__lt=_maintained_cutoff(rule_set, year)),
        HighValueCriterion.PLEDGE: (
            never
            if rule_set.pledge_threshold is None
            else Q(pledge_amount__gte=rule_set.pledge_threshold)
        ),
        HighValueCriterion.AWARD: ~Q(awards=""),
    }
    return {str(c): parts[c] for c in rule_set.criteria if c in parts}


# --- explanation -------------------------------------------------------------------------------


def _evidence(criterion: str, patent, rule_set, year: int) -> str:
    if criterion == HighValueCriterion.SEI:
        codes = patent_ipc_codes(patent)
        if not codes:
            return _("No IPC codes are recorded.")
        keys = {k for code in codes for k in ipc_keys(code)}
        row = rule_set.concordance.filter(ipc_prefix__in=keys).order_by("-ipc_prefix").first()
        if row is None:
            return _("None of the IPC codes %(codes)s is in the concordance.") % {
                "codes": "; ".join(codes)
            }
        code = next(c for c in codes if row.ipc_prefix in ipc_keys(c))
        return _("IPC %(code)s matches %(prefix)s: %(industry)s (%(industry_code)s).") % {
            "code": code,
            "prefix": row.ipc_prefix,
            "industry": row.industry_name,
            "industry_code": row.industry_code,
        }
    if criterion == HighValueCriterion.OVERSEAS_FAMILY:
        if patent.overseas_granted_family:
            return _("A granted overseas family member is recorded (family: %(countries)s).") % {
                "countries": patent.family_countries or "—"
            }
        return _("No granted overseas family member is recorded.")
    if criterion == HighValueCriterion.MAINTAINED_10Y:
        if not patent.filing_date:
            return _("No filing date is recorded.")
        return _(
            "Filed %(filed)s; more than %(years)d years at %(end)s needs a filing date "
            "before %(cutoff)s."
        ) % {
            "filed": patent.filing_date.isoformat(),
            "years": rule_set.maintained_years,
            "end": year_end(year).isoformat(),
            "cutoff": _maintained_cutoff(rule_set, year).isoformat(),
        }
    if criterion == HighValueCriterion.PLEDGE:
        if rule_set.pledge_threshold is None:
            return _("No pledge threshold is set for %(rule)s, so this criterion is never met.") % {
                "rule": rule_set.code
            }
        if patent.pledge_amount is None:
            return _("No pledge-financing amount is recorded.")
        return _("Pledge amount %(amount)s against a threshold of %(threshold)s (10k yuan).") % {
            "amount": patent.pledge_amount,
            "threshold": rule_set.pledge_threshold,
        }
    if criterion == HighValueCriterion.AWARD:
        if (patent.awards or "").strip():
            return _("Awards: %(awards)s") % {"awards": patent.awards}
        return _("No award is recorded.")
    return ""


def explain(patent, year: int | None = None) -> list[dict]:
    """Why the patent is (or is not) high-value: one entry per criterion of the rule set in force,
    `{"criterion", "label", "met", "evidence"}`; a single "eligibility" entry when the patent is
    not a valid invention patent or no rule set covers the year."""
    year = year or current_year()
    rule_set = rule_set_for(year)
    if rule_set is None:
        return [
            {
                "criterion": "eligibility",
                "label": _("Rule set"),
                "met": False,
                "evidence": _("No high-value rule set covers %(year)d.") % {"year": year},
            }
        ]
    if not is_eligible(patent):
        return [
            {
                "criterion": "eligibility",
                "label": _("Eligibility"),
                "met": False,
                "evidence": _(
                    "Only valid invention patents can be high-value; "
                    "this one is %(type)s, %(status)s."
                )
                % {
                    "type": patent.get_patent_type_display(),
                    "status": patent.get_legal_status_display(),
                },
            }
        ]
    met = set(classify(patent, rule_set, concordance_prefixes(rule_set), year))
    labels = dict(HighValueCriterion.choices)
    return [
        {
            "criterion": criterion,
            "label": str(labels.get(criterion, criterion)),
            "met": criterion in met,
            "evidence": _evidence(criterion, patent, rule_set, year),
        }
        for criterion in rule_set.criteria
    ]


# --- recomputation in the background -----------------------------------------------------------


def request_recompute(user=None, reason: str = "", year: int | None = None):
    """Queue the reclassification of every patent (after a rule or concordance change)."""
    return jobs.submit(
        RECOMPUTE_JOB,
        _("Recompute high-value classification"),
        user,
        {"year": year, "reason": reason},
    )


@jobs.job_handler(RECOMPUTE_JOB)
def run_recompute(job, ctx):
    year = job.params.get("year") or None
    if job.params.get("reason"):
        ctx.log(job.params["reason"])
    ctx.progress(0, 0, _("Classifying valid invention patents"))
    result = classify_queryset(year=year, progress=lambda done, total: ctx.progress(done, total))
    ctx.log(
        _("%(n)d patents classified under %(rule)s, %(hv)d high-value, %(changed)d changed.")
        % {
            "n": result["classified"],
            "rule": result["rule_set"] or "—",
            "hv": result["high_value"],
            "changed": result["changed"],
        }
    )
    return result
