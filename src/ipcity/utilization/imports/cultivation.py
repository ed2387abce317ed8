"""Cultivation imports: enterprise designations, support records, enterprise facts and the
cultivation pool.

Every row names an enterprise by 企业名称 and/or 统一社会信用代码; it is matched to an existing
enterprise by credit code, then by exact name (full-width and half-width brackets and spaces
folded). An enterprise that is not registered, or a name or code of an organization that is not
an enterprise (a university, a government unit), is a row error: imports never create
organizations. A row that repeats an existing record (same enterprise, kind, level and year
for a designation; same enterprise and year for facts; same enterprise, kind, date and title for
support; same enterprise and track for the pool) updates it; the rest are created. Kinds and
levels are read from their codes, English or Chinese names and the usual short forms (优势企业,
国家级, 高新企业 …).

A row that updates a record is checked as the record will be: its stored values merged with the
cells the row fills (R&D staff no more than employees; validity ending after it starts).
Written designations and facts re-evaluate their enterprises' pool entries.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from ipcity.core.imports import Column, ImportFormat, ImportRefused, Row, RowError, register
from ipcity.core.imports import normalize_header as norm
from ipcity.core.scope import scope_q
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization
from ipcity.rights.imports.normalize import parse_count, parse_date

from .. import pool
from ..choices import DesignationKind, DesignationLevel, PoolStage, SupportKind
from ..criteria import evaluate_entries, evaluate_organizations, has_criteria
from ..forms.cultivation import MAX_YEAR, MIN_YEAR, organizations_for
from ..models import Designation, EnterpriseFacts, PoolEntry, SupportRecord

WRITE_BATCH = 500

KIND_SYNONYMS = {
    DesignationKind.IP_ADVANTAGE: ("知识产权优势企业", "优势企业"),
    DesignationKind.IP_DEMONSTRATION: ("知识产权示范企业", "示范企业"),
    DesignationKind.HIGH_TECH: ("高新技术企业", "高新企业", "国家高新技术企业"),
    DesignationKind.SPECIALIZED_SME: ("专精特新中小企业", "专精特新企业", "专精特新"),
    DesignationKind.LITTLE_GIANT: (
        "专精特新小巨人企业",
        "专精特新小巨人",
        "专精特新“小巨人”企业",
        "小巨人企业",
        "小巨人",
    ),
    DesignationKind.BENCHMARK: ("知识产权标杆企业", "标杆企业"),
    DesignationKind.OTHER: ("其他", "其它"),
}
LEVEL_SYNONYMS = {
    DesignationLevel.NATIONAL: ("国家级", "国家", "全国"),
    DesignationLevel.MUNICIPAL: ("市级", "北京市级", "北京市", "市", "省级", "省市级"),
    DesignationLevel.DISTRICT: ("区级", "区", "区县级", "通州区"),
}
STAGE_SYNONYMS = {
    PoolStage.CANDIDATE: ("候选", "候选企业", "入库"),
    PoolStage.CULTIVATED: ("培育", "培育中", "正在培育", "重点培育"),
    PoolStage.DESIGNATED: ("已认定", "认定", "已获认定"),
    PoolStage.WITHDRAWN: ("退出", "已退出", "出库", "移出"),
}
SUPPORT_SYNONYMS = {
    SupportKind.FUNDING: ("资金支持", "资金", "资助", "补贴", "补助", "奖励", "奖补"),
    SupportKind.TRAINING: ("培训", "教育培训"),
    SupportKind.TALENT: ("人才引进", "人才"),
    SupportKind.TECHNOLOGY: ("技术引进", "技术"),
    SupportKind.CONSULTING: ("咨询", "诊断", "咨询诊断", "辅导"),
    SupportKind.OTHER: ("其他", "其它"),
}


def _lookup(choices, synonyms) -> dict[str, str]:
    """Every name a choice goes by, folded: its code, English and Chinese labels, synonyms."""
    lookup: dict[str, str] = {}
    for choice in choices:
        names = [choice.value, str(choice.label), *synonyms.get(choice, ())]
        with translation.override("zh-hans"):
            names.append(str(choice.label))
        for name in names:
            lookup.setdefault(norm(name), choice.value)
    return lookup


def _fold_name(text: str) -> str:
    return norm(text)


def parse_year(text: str) -> int:
    value = unicodedata.normalize("NFKC", str(text)).strip().removesuffix("年")
    if re.fullmatch(r"\d{4}(\.0+)?", value):
        year = int(float(value))
        if MIN_YEAR <= year <= MAX_YEAR:
            return year
    raise RowError(
        _("“%(v)s” is not a year between %(min)d and %(max)d.")
        % {"v": text, "min": MIN_YEAR, "max": MAX_YEAR}
    )


def parse_amount(text: str) -> Decimal:
    value = unicodedata.normalize("NFKC", str(text)).strip().replace(",", "")
    value = value.removesuffix("万元").removesuffix("万").strip()
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise RowError(_("“%(v)s” is not an amount (in 10k yuan).") % {"v": text}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise RowError(_("“%(v)s” is not an amount (in 10k yuan).") % {"v": text})
    return amount.quantize(Decimal("0.01"))


def parse_uscc(text: str) -> str:
    value = (
        unicodedata.normalize("NFKC", str(text)).strip().upper().replace("-", "").replace(" ", "")
    )
    if not re.fullmatch(r"[0-9A-Z]{18}", value):
        raise RowError(_("A unified social credit code has 18 letters and digits."))
    return value


ENTERPRISE_COLUMNS = [
    Column(
        "name",
        "企业名称",
        ("企业", "单位名称", "名称", "enterprise", "enterprise name"),
        max_length=200,
    ),
    Column(
        "uscc",
        "统一社会信用代码",
        ("信用代码", "社会信用代码", "USCC", "unified social credit code"),
        parse=parse_uscc,
        max_length=40,
    ),
]


@dataclass
class EnterpriseContext:
    user: object
    by_uscc: dict[str, int]  # enterprises only
    by_name: dict[str, list[int]]  # enterprises only
    allowed: set[int] | None  # None: every organization
    lookups: dict[str, dict[str, str]] = field(default_factory=dict)
    existing: dict[tuple, int] = field(default_factory=dict)
    stored: dict[int, tuple] = field(default_factory=dict)  # pk → values the row checks merge
    others_by_uscc: dict[str, tuple[str, str]] = field(default_factory=dict)  # → (name, kind)
    others_by_name: dict[str, tuple[str, str]] = field(default_factory=dict)
    any_by_name: dict[str, list[int]] = field(default_factory=dict)  # every organization
    changeable: set[int] = field(default_factory=set)  # pool entries the user may change
    tracks: dict[tuple, bool] = field(default_factory=dict)  # (kind, level) → has criteria


def _matched(rows) -> list[int]:
    return [r.values["match"] for r in rows if r.values["match"]]


class _EnterpriseRowsFormat(ImportFormat):
    """Rows about existing enterprises of the user's scope."""

    model = None

    def enterprise_context(self, user) -> EnterpriseContext:
        by_uscc: dict[str, int] = {}
        by_name: dict[str, list[int]] = {}
        others_by_uscc: dict[str, tuple[str, str]] = {}
        others_by_name: dict[str, tuple[str, str]] = {}
        any_by_name: dict[str, list[int]] = {}
        kinds = dict(OrganizationKind.choices)
        rows = Organization.objects.values_list("pk", "name", "uscc", "kind")
        for pk, name, uscc, kind in rows.iterator(chunk_size=5000):
            folded = _fold_name(name)
            any_by_name.setdefault(folded, []).append(pk)
            if kind == OrganizationKind.ENTERPRISE:
                if uscc:
                    by_uscc[uscc.upper()] = pk
                by_name.setdefault(folded, []).append(pk)
            else:
                what = (name, str(kinds.get(kind, kind)))
                if uscc:
                    others_by_uscc[uscc.upper()] = what
                others_by_name.setdefault(folded, what)
        q = scope_q(self.model, user, "add")
        allowed = None
        if q is None:
            allowed = set()
        elif q:
            allowed = set(
                organizations_for(user, self.model, "add", enterprises=False).values_list(
                    "pk", flat=True
                )
            )
        return EnterpriseContext(
            user,
            by_uscc,
            by_name,
            allowed,
            others_by_uscc=others_by_uscc,
            others_by_name=others_by_name,
            any_by_name=any_by_name,
        )

    def match_enterprise(self, values: dict, ctx: EnterpriseContext) -> int:
        uscc, name = values.get("uscc", ""), values.get("name", "")
        if not uscc and not name:
            raise RowError(_("Name the enterprise or give its credit code."), "企业名称")
        pk = ctx.by_uscc.get(uscc) if uscc else None
        if pk is None and name:
            named = ctx.by_name.get(_fold_name(name), [])
            if len(named) > 1:
                raise RowError(
                    _("Several organizations have this name; add the credit code to pick one."),
                    "企业名称",
                )
            pk = named[0] if named else None
        if pk is None:
            other = (ctx.others_by_uscc.get(uscc) if uscc else None) or (
                ctx.others_by_name.get(_fold_name(name)) if name else None
            )
            if other is not None:
                raise RowError(
                    _("“%(name)s” is not an enterprise (registered as: %(kind)s).")
                    % {"name": other[0], "kind": other[1]},
                    "企业名称",
                )
            raise RowError(
                _("No registered enterprise “%(name)s” %(code)s; add it under Organizations first.")
                % {"name": name or "—", "code": f"({uscc})" if uscc else ""},
                "企业名称",
            )
        if ctx.allowed is not None and pk not in ctx.allowed:
            raise RowError(_("This enterprise is outside what you may record."), "企业名称")
        return pk

    def choice(self, ctx: EnterpriseContext, lookup: str, text: str, column: str, message):
        value = ctx.lookups[lookup].get(norm(text))
        if value is None:
            raise RowError(message % {"v": text}, column)
        return value

    def check_scope(self, user, pks: list[int]) -> None:
        """Written rows must lie inside the user's add scope; else the whole file is refused."""
        if not pks:
            return
        inside = self.model.objects.restrict(user, "add").filter(pk__in=pks).count()
        if inside != len(pks):
            raise ImportRefused(_("Some rows would fall outside your scope; nothing was written."))


@register
class DesignationImportFormat(_EnterpriseRowsFormat):
    key = "utilization.designation"
    model = Designation
    title = gettext_lazy("Enterprise designations")
    description = gettext_lazy(
        "One designation per row: the enterprise (by credit code or exact name; it must already "
        "be registered), the designation and its level, the year, validity, certificate number "
        "and the notice that announced it. A row for a designation already recorded (same "
        "enterprise, designation, level and year) updates it."
    )
    permissions = ("utilization.add_designation", "utilization.change_designation")
    success_url_name = "utilization:designation_list"
    columns = [
        *ENTERPRISE_COLUMNS,
        Column(
            "kind",
            "称号",
            ("称号/类型", "类型", "称号类型", "认定类型", "荣誉称号", "designation", "kind"),
            True,
            help=gettext_lazy("e.g. 知识产权优势企业, 国家级知识产权示范企业, 高新技术企业."),
        ),
        Column("level", "级别", ("层级", "认定级别", "level")),
        Column(
            "year", "年度", ("认定年度", "年份", "year", "year designated"), True, parse=parse_year
        ),
        Column(
            "valid_from", "有效期起", ("有效期开始", "起始日期", "valid from"), parse=parse_date
        ),
        Column(
            "valid_until",
            "有效期至",
            ("有效期截止", "截止日期", "到期日期", "有效期止", "valid until"),
            parse=parse_date,
        ),
        Column("certificate_number", "证书编号", ("证书号", "certificate number"), max_length=100),
        Column(
            "source_document",
            "来源文件",
            ("认定文件", "文件", "发文", "文号", "source document"),
            max_length=300,
        ),
        Column("notes", "备注", ("notes",), max_length=1000),
    ]

    def prepare(self, user) -> EnterpriseContext:
        ctx = self.enterprise_context(user)
        ctx.lookups["kind"] = _lookup(DesignationKind, KIND_SYNONYMS)
        ctx.lookups["level"] = _lookup(DesignationLevel, LEVEL_SYNONYMS)
        rows = Designation.objects.values_list(
            "pk", "organization_id", "kind", "level", "year", "valid_from", "valid_until"
        )
        for pk, org, kind, level, year, start, end in rows.iterator(chunk_size=5000):
            ctx.existing[(org, kind, level, year)] = pk
            ctx.stored[pk] = (start, end)
        return ctx

    def _kind_and_level(self, values, ctx) -> tuple[str, str]:
        text, level_text = values["kind"], values.get("level", "")
        kind = ctx.lookups["kind"].get(norm(text))
        prefix_level = ""
        if kind is None:
            # 国家级知识产权示范企业: a level written before the designation.
            folded = norm(text)
            for name, level in sorted(ctx.lookups["level"].items(), key=lambda i: -len(i[0])):
                if folded.startswith(name) and folded[len(name) :] in ctx.lookups["kind"]:
                    kind = ctx.lookups["kind"][folded[len(name) :]]
                    prefix_level = level
                    break
        if kind is None:
            raise RowError(_("Unknown designation “%(v)s”.") % {"v": text}, "称号")
        if level_text:
            level = self.choice(ctx, "level", level_text, "级别", _("Unknown level “%(v)s”."))
            if prefix_level and level != prefix_level:
                raise RowError(_("The designation and the level name different levels."), "级别")
        elif prefix_level:
            level = prefix_level
        else:
            raise RowError(_("This column is required."), "级别")
        return kind, level

    def clean_row(self, row: Row, ctx: EnterpriseContext) -> None:
        values = row.values
        values["organization"] = self.match_enterprise(values, ctx)
        values["kind"], values["level"] = self._kind_and_level(values, ctx)
        key = (values["organization"], values["kind"], values["level"], values["year"])
        values["match"] = ctx.existing.get(key)
        # An update keeps the dates the row leaves empty: check the record as it will be.
        start, end = ctx.stored.get(values["match"], (None, None))
        start, end = values.get("valid_from", start), values.get("valid_until", end)
        if start and end and end < start:
            column = "有效期至" if "valid_until" in values else "有效期起"
            message = _("The end of validity comes before its start.")
            if "valid_from" not in values or "valid_until" not in values:
                message = _(
                    "The end of validity (%(end)s) would come before its start (%(start)s) "
                    "with the dates already recorded."
                ) % {"end": end.isoformat(), "start": start.isoformat()}
            raise RowError(message, column)

    def duplicate_keys(self, row: Row, ctx):
        v = row.values
        yield (
            _("enterprise, designation, level and year"),
            (f"{v['organization']}|{v['kind']}|{v['level']}|{v['year']}"),
        )

    FIELDS = ("valid_from", "valid_until", "certificate_number", "source_document", "notes")

    def write(self, rows, ctx: EnterpriseContext, user, progress) -> dict:
        new, changed, unchanged = [], 0, 0
        existing = Designation.objects.in_bulk(_matched(rows))
        for done, row in enumerate(rows, start=1):
            v = row.values
            if v["match"]:
                obj = existing[v["match"]]
                fields = [f for f in self.FIELDS if f in v and getattr(obj, f) != v[f]]
                if fields:
                    for name in fields:
                        setattr(obj, name, v[name])
                    obj._history_user = user
                    obj.save()
                    changed += 1
                else:
                    unchanged += 1
            else:
                new.append(
                    Designation(
                        organization_id=v["organization"],
                        kind=v["kind"],
                        level=v["level"],
                        year=v["year"],
                        valid_from=v.get("valid_from"),
                        valid_until=v.get("valid_until"),
                        certificate_number=v.get("certificate_number", ""),
                        source_document=v.get("source_document", ""),
                        notes=v.get("notes", ""),
                    )
                )
            if done % WRITE_BATCH == 0:
                progress(done)
        created = bulk_create_with_history(
            new, Designation, batch_size=WRITE_BATCH, default_user=user
        )
        self.check_scope(user, [o.pk for o in created] + _matched(rows))
        evaluate_organizations({r.values["organization"] for r in rows})
        progress(len(rows))
        return {"created": len(created), "updated": changed, "unchanged": unchanged}


@register
class SupportRecordImportFormat(_EnterpriseRowsFormat):
    key = "utilization.supportrecord"
    model = SupportRecord
    title = gettext_lazy("Support records")
    description = gettext_lazy(
        "One piece of support per row: the enterprise (by credit code or exact name; it must "
        "already be registered), the kind of support, the date, the amount in 10k yuan, a title, "
        "a description and the unit that provided it. A row repeating a record (same "
        "enterprise, kind, date and title) updates it."
    )
    permissions = ("utilization.add_supportrecord", "utilization.change_supportrecord")
    success_url_name = "utilization:supportrecord_list"
    columns = [
        *ENTERPRISE_COLUMNS,
        Column("kind", "支持类型", ("类型", "支持方式", "kind"), True),
        Column("date", "日期", ("支持日期", "时间", "date"), True, parse=parse_date),
        Column(
            "amount",
            "金额（万元）",
            ("金额", "资助金额", "支持金额", "amount", "amount (10k yuan)"),
            parse=parse_amount,
        ),
        Column(
            "title", "项目名称", ("支持事项", "事项", "项目", "标题", "title"), True, max_length=200
        ),
        Column("description", "说明", ("内容", "描述", "备注", "description"), max_length=1000),
        Column(
            "provider",
            "提供单位",
            ("支持单位", "实施单位", "provided by", "provider"),
            max_length=200,
            help=gettext_lazy("The exact name of a registered organization."),
        ),
    ]

    def prepare(self, user) -> EnterpriseContext:
        ctx = self.enterprise_context(user)
        ctx.lookups["kind"] = _lookup(SupportKind, SUPPORT_SYNONYMS)
        ctx.existing = {
            (org, kind, date, norm(title)): pk
            for pk, org, kind, date, title in SupportRecord.objects.values_list(
                "pk", "organization_id", "kind", "date", "title"
            ).iterator(chunk_size=5000)
        }
        return ctx

    def clean_row(self, row: Row, ctx: EnterpriseContext) -> None:
        values = row.values
        values["organization"] = self.match_enterprise(values, ctx)
        values["kind"] = self.choice(
            ctx, "kind", values["kind"], "支持类型", _("Unknown kind of support “%(v)s”.")
        )
        if values.get("provider"):
            named = ctx.any_by_name.get(_fold_name(values["provider"]), [])
            if len(named) != 1:
                raise RowError(
                    _("No single registered organization is named “%(v)s”.")
                    % {"v": values["provider"]},
                    "提供单位",
                )
            values["provider"] = named[0]
        key = (values["organization"], values["kind"], values["date"], norm(values["title"]))
        values["match"] = ctx.existing.get(key)

    def duplicate_keys(self, row: Row, ctx):
        v = row.values
        yield (
            _("enterprise, kind, date and title"),
            (f"{v['organization']}|{v['kind']}|{v['date']}|{norm(v['title'])}"),
        )

    def write(self, rows, ctx, user, progress) -> dict:
        new, changed, unchanged = [], 0, 0
        existing = SupportRecord.objects.in_bulk(
            [r.values["match"] for r in rows if r.values["match"]]
        )
        for done, row in enumerate(rows, start=1):
            v = row.values
            fields = {
                "amount": v.get("amount"),
                "description": v.get("description", ""),
                "provider_id": v.get("provider"),
            }
            if v["match"]:
                obj = existing[v["match"]]
                diff = {
                    k: val
                    for k, val in fields.items()
                    if val not in (None, "") and getattr(obj, k) != val
                }
                if diff:
                    for name, value in diff.items():
                        setattr(obj, name, value)
                    obj._history_user = user
                    obj.save()
                    changed += 1
                else:
                    unchanged += 1
            else:
                new.append(
                    SupportRecord(
                        organization_id=v["organization"],
                        kind=v["kind"],
                        date=v["date"],
                        title=v["title"],
                        **fields,
                    )
                )
            if done % WRITE_BATCH == 0:
                progress(done)
        created = bulk_create_with_history(
            new, SupportRecord, batch_size=WRITE_BATCH, default_user=user
        )
        self.check_scope(user, [o.pk for o in created] + _matched(rows))
        progress(len(rows))
        return {"created": len(created), "updated": changed, "unchanged": unchanged}


@register
class EnterpriseFactsImportFormat(_EnterpriseRowsFormat):
    key = "utilization.enterprisefacts"
    model = EnterpriseFacts
    title = gettext_lazy("Enterprise facts")
    description = gettext_lazy(
        "One enterprise and year per row: employees, R&D staff, revenue and R&D expenditure "
        "(10k yuan). The enterprise must already be registered; a row for a year already "
        "recorded updates the cells the file fills."
    )
    permissions = ("utilization.add_enterprisefacts", "utilization.change_enterprisefacts")
    success_url_name = "utilization:enterprisefacts_list"
    NUMBERS = ("employees", "rd_staff", "revenue", "rd_expense")
    columns = [
        *ENTERPRISE_COLUMNS,
        Column("year", "年度", ("年份", "year"), True, parse=parse_year),
        Column(
            "employees",
            "职工人数",
            ("从业人员", "员工人数", "职工总数", "employees"),
            parse=parse_count,
        ),
        Column("rd_staff", "研发人员", ("研发人员数", "R&D人员", "R&D staff"), parse=parse_count),
        Column(
            "revenue",
            "营业收入（万元）",
            ("营业收入", "收入", "revenue", "revenue (10k yuan)"),
            parse=parse_amount,
        ),
        Column(
            "rd_expense",
            "研发投入（万元）",
            ("研发投入", "研发费用", "R&D expenditure", "R&D expenditure (10k yuan)"),
            parse=parse_amount,
        ),
        Column("source", "来源", ("数据来源", "source"), max_length=200),
    ]

    def prepare(self, user) -> EnterpriseContext:
        ctx = self.enterprise_context(user)
        rows = EnterpriseFacts.objects.values_list(
            "pk", "organization_id", "year", "employees", "rd_staff"
        )
        for pk, org, year, employees, rd_staff in rows.iterator(chunk_size=5000):
            ctx.existing[(org, year)] = pk
            ctx.stored[pk] = (employees, rd_staff)
        return ctx

    def clean_row(self, row: Row, ctx: EnterpriseContext) -> None:
        values = row.values
        values["organization"] = self.match_enterprise(values, ctx)
        values["match"] = ctx.existing.get((values["organization"], values["year"]))
        # An update keeps the numbers the row leaves empty: check the record as it will be.
        employees, rd_staff = ctx.stored.get(values["match"], (None, None))
        employees = values.get("employees", employees)
        rd_staff = values.get("rd_staff", rd_staff)
        if employees is not None and rd_staff is not None and rd_staff > employees:
            message = _("More R&D staff than employees.")
            if "employees" not in values or "rd_staff" not in values:
                message = _(
                    "More R&D staff (%(rd)d) than employees (%(employees)d) with the numbers "
                    "already recorded for that year."
                ) % {"rd": rd_staff, "employees": employees}
            raise RowError(message, "研发人员" if "rd_staff" in values else "职工人数")

    def duplicate_keys(self, row: Row, ctx):
        yield _("enterprise and year"), f"{row.values['organization']}|{row.values['year']}"

    def write(self, rows, ctx, user, progress) -> dict:
        new, changed, unchanged = [], 0, 0
        existing = EnterpriseFacts.objects.in_bulk(
            [r.values["match"] for r in rows if r.values["match"]]
        )
        for done, row in enumerate(rows, start=1):
            v = row.values
            fields = {k: v[k] for k in (*self.NUMBERS, "source") if k in v}
            if v["match"]:
                obj = existing[v["match"]]
                diff = {k: val for k, val in fields.items() if getattr(obj, k) != val}
                if diff:
                    for name, value in diff.items():
                        setattr(obj, name, value)
                    obj._history_user = user
                    obj.save()
                    changed += 1
                else:
                    unchanged += 1
            else:
                new.append(
                    EnterpriseFacts(organization_id=v["organization"], year=v["year"], **fields)
                )
            if done % WRITE_BATCH == 0:
                progress(done)
        created = bulk_create_with_history(
            new, EnterpriseFacts, batch_size=WRITE_BATCH, default_user=user
        )
        self.check_scope(user, [o.pk for o in created] + _matched(rows))
        evaluate_organizations({r.values["organization"] for r in rows})
        progress(len(rows))
        return {"created": len(created), "updated": changed, "unchanged": unchanged}


@register
class PoolEntryImportFormat(_EnterpriseRowsFormat):
    """The cultivation pool: one enterprise and track (designation and level) per row.

    A row for an enterprise already in the pool for that track updates its year, notes and
    stage; a stage change follows the moves of the pool pages (pool.move_stage). Reaching
    "designated" records the designation obtained, so it is done on the entry's page: a row
    asking for it is refused (a designated entry staying designated is fine). Every entry
    written is evaluated against the criteria at the end."""

    key = "utilization.poolentry"
    model = PoolEntry
    title = gettext_lazy("Cultivation pool")
    description = gettext_lazy(
        "One enterprise and designation track per row: the enterprise (by credit code or exact "
        "name; it must already be registered), the designation it works toward and its level "
        "(empty: any level), the stage, the year it entered and notes. A row for an enterprise "
        "already in the pool for that track updates it; the entries are evaluated after the "
        "import."
    )
    permissions = ("utilization.add_poolentry", "utilization.change_poolentry")
    success_url_name = "utilization:poolentry_list"
    columns = [
        *ENTERPRISE_COLUMNS,
        Column(
            "kind",
            "培育方向",
            ("培育称号", "目标称号", "拟认定称号", "称号", "prepares for", "target kind"),
            True,
            help=gettext_lazy("The designation worked toward, e.g. 知识产权优势企业."),
        ),
        Column(
            "level",
            "级别",
            ("层级", "目标级别", "level", "target level"),
            help=gettext_lazy("Empty: any level."),
        ),
        Column(
            "stage",
            "阶段",
            ("培育阶段", "状态", "stage"),
            help=gettext_lazy("候选, 培育中 or 退出; empty: candidate for a new entry."),
        ),
        Column(
            "year",
            "年度",
            ("入库年度", "年份", "year", "year entered"),
            parse=parse_year,
            help=gettext_lazy("Empty: this year for a new entry."),
        ),
        Column("notes", "备注", ("notes",), max_length=1000),
    ]

    def prepare(self, user) -> EnterpriseContext:
        ctx = self.enterprise_context(user)
        ctx.lookups["kind"] = _lookup(DesignationKind, KIND_SYNONYMS)
        ctx.lookups["level"] = _lookup(DesignationLevel, LEVEL_SYNONYMS)
        ctx.lookups["stage"] = _lookup(PoolStage, STAGE_SYNONYMS)
        for pk, org, kind, level, stage in PoolEntry.objects.values_list(
            "pk", "organization_id", "target_kind", "target_level", "stage"
        ).iterator(chunk_size=5000):
            ctx.existing[(org, kind, level)] = pk
            ctx.stored[pk] = (stage,)
        ctx.changeable = set(
            PoolEntry.objects.restrict(user, "change").values_list("pk", flat=True)
        )
        return ctx

    def clean_row(self, row: Row, ctx: EnterpriseContext) -> None:
        values = row.values
        values["organization"] = self.match_enterprise(values, ctx)
        values["kind"] = self.choice(
            ctx, "kind", values["kind"], "培育方向", _("Unknown designation “%(v)s”.")
        )
        level = values.get("level", "")
        if level:
            level = self.choice(ctx, "level", level, "级别", _("Unknown level “%(v)s”."))
        values["level"] = level
        track = (values["kind"], level)
        if track not in ctx.tracks:
            ctx.tracks[track] = has_criteria(*track)
        if not ctx.tracks[track]:
            raise RowError(
                _("This designation track has no active criteria; add criteria for it first."),
                "培育方向",
            )
        if values.get("stage"):
            values["stage"] = self.choice(
                ctx, "stage", values["stage"], "阶段", _("Unknown stage “%(v)s”.")
            )
        match = values["match"] = ctx.existing.get((values["organization"], *track))
        stage = values.get("stage")
        if match is None:
            if stage == PoolStage.DESIGNATED:
                raise RowError(_designate_on_page(), "阶段")
            return
        if match not in ctx.changeable:
            raise RowError(_("You may not change this pool entry."), "企业名称")
        (current,) = ctx.stored[match]
        if stage and stage != current:
            if stage == PoolStage.DESIGNATED:
                raise RowError(_designate_on_page(), "阶段")
            if stage not in pool.STAGE_MOVES.get(current, ()):
                raise RowError(
                    _("The entry cannot move from “%(from)s” to “%(to)s”.")
                    % {"from": PoolStage(current).label, "to": PoolStage(stage).label},
                    "阶段",
                )

    def duplicate_keys(self, row: Row, ctx):
        v = row.values
        yield (
            _("enterprise, designation and level"),
            f"{v['organization']}|{v['kind']}|{v['level']}",
        )

    def write(self, rows, ctx: EnterpriseContext, user, progress) -> dict:
        new, changed, unchanged, written = [], 0, 0, []
        existing = PoolEntry.objects.in_bulk(_matched(rows))
        this_year = timezone.localdate().year
        for done, row in enumerate(rows, start=1):
            v = row.values
            if v["match"]:
                entry = existing[v["match"]]
                fields = [f for f in ("year", "notes") if f in v and getattr(entry, f) != v[f]]
                stage = v.get("stage")
                if fields:
                    for name in fields:
                        setattr(entry, name, v[name])
                    entry._history_user = user
                    entry.save(update_fields=[*fields, "updated_at"])
                if stage and stage != entry.stage:
                    try:
                        pool.move_stage(user, entry, stage)
                    except ValidationError as exc:
                        raise ImportRefused(
                            _("Row %(row)d: %(problem)s")
                            % {"row": row.number, "problem": " ".join(exc.messages)}
                        ) from None
                    fields.append("stage")
                if fields:
                    changed += 1
                else:
                    unchanged += 1
                written.append(entry)
            else:
                new.append(
                    PoolEntry(
                        organization_id=v["organization"],
                        target_kind=v["kind"],
                        target_level=v["level"],
                        stage=v.get("stage") or PoolStage.CANDIDATE,
                        year=v.get("year") or this_year,
                        notes=v.get("notes", ""),
                    )
                )
            if done % WRITE_BATCH == 0:
                progress(done)
        created = bulk_create_with_history(
            new, PoolEntry, batch_size=WRITE_BATCH, default_user=user
        )
        if any(e.pk is None for e in created):
            raise ImportRefused(_("The pool changed meanwhile; import the file again."))
        self.check_scope(user, [o.pk for o in created] + _matched(rows))
        evaluate_entries([*created, *written])
        progress(len(rows))
        return {"created": len(created), "updated": changed, "unchanged": unchanged}


def _designate_on_page():
    return _("An entry becomes designated on its page, where the designation obtained is recorded.")
