"""Import formats of IP finance records: pledges, valuations, insurance policies, guarantees.

One record per row. Parties are matched to existing organizations by unified social credit code
(when the sheet gives one), then by exact name (brackets of either width); rights by patent
application number (either era, with or without ZL/CN and the dot) and trademark registration
number. A party or right the platform does not know is a row error: nothing is created on the
side. The rules are the forms' (utilization.pledges): the recording side of a row (the pledgee,
the insurer, the guarantor or lender) must be an organization the uploader records for (a bank
its own pledges; a valuation needs any of its parties), and a pledge pledges only rights its
pledgor holds. Registration and policy numbers are read half-width, as the forms read them. Rows
are written through `utilization.pledges.record_imported` inside the
framework's one transaction, so a file with a bad row writes nothing unless the uploader chooses
to import only the good rows.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.imports import Column, ImportFormat, ImportRefused, Row, RowError, register
from ipcity.core.scope import perm_name
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization
from ipcity.rights.imports.normalize import parse_date
from ipcity.rights.models import Patent, Trademark

from .. import pledges
from ..choices import InsuranceKind, PledgeStatus, ProductKind, ValuationMethod
from ..forms.finance import compact, name_variants, normalize_application_number, split_numbers
from ..models import FinancialProduct, Guarantee, InsurancePolicy, Pledge, Valuation

MAX_AMOUNT = Decimal("999999999999.99")

METHOD_SYNONYMS = {
    ValuationMethod.INCOME: ("收益法", "收益现值法"),
    ValuationMethod.MARKET: ("市场法", "市场比较法"),
    ValuationMethod.COST: ("成本法", "重置成本法"),
    ValuationMethod.OTHER: ("其他",),
}
INSURANCE_SYNONYMS = {
    InsuranceKind.ENFORCEMENT: ("执行保险", "知识产权执行保险", "维权费用保险"),
    InsuranceKind.INFRINGEMENT_LIABILITY: ("侵权责任保险", "侵权责任险", "被侵权损失保险"),
    InsuranceKind.PLEDGE_LOAN: ("质押融资保证保险", "质押融资保险", "履约保证保险"),
    InsuranceKind.OVERSEAS: ("海外侵权责任保险", "海外知识产权保险", "海外保险"),
    InsuranceKind.OTHER: ("其他",),
}


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).casefold()


def parse_amount(text: str) -> Decimal:
    value = unicodedata.normalize("NFKC", str(text)).replace(",", "").strip()
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = None
    if amount is None:
        raise RowError(_("“%(v)s” is not an amount (10k yuan, e.g. 500 or 85.5).") % {"v": text})
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise RowError(_("“%(v)s” is not an amount (10k yuan, e.g. 500 or 85.5).") % {"v": text})
    return amount.quantize(Decimal("0.01"))


def parse_rate(text: str) -> Decimal:
    value = unicodedata.normalize("NFKC", str(text)).replace("%", "").strip()
    try:
        rate = Decimal(value)
    except InvalidOperation:
        rate = None
    if rate is None:
        raise RowError(_("“%(v)s” is not a rate in percent.") % {"v": text})
    if not rate.is_finite() or not (0 <= rate <= 100):
        raise RowError(_("“%(v)s” is not a rate in percent.") % {"v": text})
    return rate.quantize(Decimal("0.001"))


YES = {"是", "有", "在售", "yes", "y", "true", "1", "√", "✓"}
NO = {"否", "无", "停售", "no", "n", "false", "0", "×"}


def parse_yes_no(text: str) -> bool:
    value = _norm(text)
    if value in YES or value == _norm(_("Yes")):
        return True
    if value in NO or value == _norm(_("No")):
        return False
    raise RowError(_("“%(v)s” is not yes (是) or no (否).") % {"v": text})


def parse_months(text: str) -> int:
    value = unicodedata.normalize("NFKC", str(text)).strip().removesuffix("个月").strip()
    try:
        months = Decimal(value)
    except InvalidOperation:
        months = None
    if months is None or not months.is_finite() or months != months.to_integral_value():
        raise RowError(_("“%(v)s” is not a number of months.") % {"v": text})
    if not (0 < months <= 32767):
        raise RowError(_("“%(v)s” is not a number of months.") % {"v": text})
    return int(months)


def _choice_lookup(choices, synonyms: dict) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in choices:
        names = [value, str(label), *synonyms.get(value, ())]
        with translation.override("zh-hans"):
            names.append(str(label))
        for name in names:
            lookup.setdefault(_norm(name), value)
    return lookup


@dataclass
class FinanceContext:
    user: object
    by_uscc: dict[str, int]
    by_name: dict[str, list[int]]
    patents: dict[str, int]
    trademarks: dict[str, int]
    allowed: set[int] | None  # organizations the user may add records for; None = all
    taken: set[str] = field(default_factory=set)  # numbers already in the database
    pledges: dict[str, int] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)
    products: dict[tuple[int, str], int] = field(default_factory=dict)  # (institution, name)
    existing: set[tuple] = field(default_factory=set)  # keys of records already in the database
    financial: set[int] = field(default_factory=set)  # financial institutions


def _party_columns(key: str, label: str, synonyms=(), required=True) -> list[Column]:
    return [
        Column(
            key,
            label,
            tuple(synonyms),
            required,
            max_length=200,
            help=gettext_lazy("Matched by credit code (next column), then by exact name."),
        ),
        Column(
            f"{key}_uscc",
            f"{label}统一社会信用代码",
            (f"{label}信用代码", f"{label}代码"),
            max_length=40,
        ),
    ]


PATENTS_COLUMN = Column(
    "patents",
    "专利号",
    ("专利申请号", "申请号", "质押专利", "专利", "patents"),
    max_length=5000,
    help=gettext_lazy("Application numbers, separated by ; or line breaks."),
)
TRADEMARKS_COLUMN = Column(
    "trademarks",
    "商标注册号",
    ("商标号", "注册号", "trademarks"),
    max_length=5000,
    help=gettext_lazy("Registration numbers, separated by ;."),
)


PRODUCT_COLUMN = Column(
    "product",
    "金融产品",
    ("产品", "融资产品", "保险产品", "product"),
    max_length=200,
    help=gettext_lazy("The exact name of one of the institution's products."),
)


class FinanceImportFormat(ImportFormat):
    model = None
    parties: tuple[str, ...] = ()  # party column keys; at least one must be the user's
    fk_keys: tuple[str, ...] = ()  # other values that are ids of related records
    required_parties: tuple[str, ...] = ()

    @property
    def permissions(self):
        return (perm_name(self.model, "add"),)

    def prepare(self, user) -> FinanceContext:
        by_uscc: dict[str, int] = {}
        by_name: dict[str, list[int]] = {}
        rows = Organization.objects.values_list("pk", "name", "uscc")
        for pk, name, uscc in rows.iterator(chunk_size=5000):
            if uscc:
                by_uscc.setdefault(uscc.upper(), pk)
            by_name.setdefault(name.strip(), []).append(pk)
        patents = dict(Patent.objects.values_list("application_number", "pk").iterator(5000))
        trademarks = {}
        if any(c.key == "trademarks" for c in self.columns):
            trademarks = dict(
                Trademark.objects.values_list("registration_number", "pk").iterator(5000)
            )
        return FinanceContext(
            user,
            by_uscc,
            by_name,
            patents,
            trademarks,
            pledges.scope_org_ids(user, self.model, "add"),
        )

    # -- helpers for clean_row -------------------------------------------------------------------

    def label(self, key: str) -> str:
        return next(c.label for c in self.columns if c.key == key)

    def party(self, row: Row, key: str, ctx: FinanceContext) -> int | None:
        name = row.values.get(key, "")
        uscc = "".join(str(row.values.get(f"{key}_uscc", "")).split()).upper()
        if uscc and uscc in ctx.by_uscc:
            return ctx.by_uscc[uscc]
        if not name:
            if uscc:
                raise RowError(
                    _("No organization has the credit code “%(v)s”.") % {"v": uscc},
                    f"{self.label(key)}统一社会信用代码",
                )
            return None
        found: list[int] = []
        for variant in name_variants(name):
            for pk in ctx.by_name.get(variant, []):
                if pk not in found:
                    found.append(pk)
        if len(found) > 1:
            raise RowError(
                _("Several organizations are named “%(v)s”; add the credit code.") % {"v": name},
                self.label(key),
            )
        if not found:
            raise RowError(
                _("No organization named “%(v)s”; add it to the organizations first.")
                % {"v": name},
                self.label(key),
            )
        return found[0]

    def rights(self, row: Row, ctx: FinanceContext) -> None:
        patents: list[int] = []
        for text in split_numbers(row.values.get("patents", "")):
            number = normalize_application_number(text)
            if number is None:
                raise RowError(
                    _("“%(v)s” is not a patent application number.") % {"v": text},
                    self.label("patents"),
                )
            if number not in ctx.patents:
                raise RowError(
                    _("Patent %(v)s is not in the registry.") % {"v": text}, self.label("patents")
                )
            if ctx.patents[number] not in patents:
                patents.append(ctx.patents[number])
        row.values["patents"] = patents
        if "trademarks" in row.values:
            marks: list[int] = []
            for text in split_numbers(row.values["trademarks"]):
                if text not in ctx.trademarks:
                    raise RowError(
                        _("Trademark %(v)s is not in the registry.") % {"v": text},
                        self.label("trademarks"),
                    )
                marks.append(ctx.trademarks[text])
            row.values["trademarks"] = list(dict.fromkeys(marks))

    def clean_parties(self, row: Row, ctx: FinanceContext, extra=()) -> None:
        ids = list(extra)
        for key in self.parties:
            pk = self.party(row, key, ctx)
            row.values.pop(f"{key}_uscc", None)
            row.values[key] = pk
            if pk is None and key in self.required_parties:
                raise RowError(_("This column is required."), self.label(key))
            if pk is not None:
                ids.append(pk)
        if self.model in pledges.RECORDING_SIDE:
            error = pledges.recording_side_error(self.model, row.values, ctx.allowed)
            if error:
                raise RowError(error[1], self.label(error[0]))
        elif ctx.allowed is not None and not any(pk in ctx.allowed for pk in ids):
            raise RowError(_("None of this row's parties is an organization you may record for."))

    def load_products(self, ctx: FinanceContext) -> None:
        ctx.products = {
            (institution, name.strip()): pk
            for pk, institution, name in FinancialProduct.objects.values_list(
                "pk", "institution_id", "name"
            ).iterator(5000)
        }

    def product(self, row: Row, ctx: FinanceContext) -> None:
        """The product named in the row, among the products of the party that must offer it
        (utilization.pledges.PRODUCT_OWNER): the pledgee's, the insurer's."""
        name = row.values.get("product", "")
        row.values["product"] = None
        if not name:
            return
        owner = pledges.PRODUCT_OWNER[self.model]
        found = ctx.products.get((row.values[owner], name.strip()))
        if found is None:
            raise RowError(
                _("%(party)s offers no product named “%(v)s”.")
                % {"party": self.label(owner), "v": name},
                self.label("product"),
            )
        row.values["product"] = found

    @staticmethod
    def date_order(row: Row, start: str, end: str, column: str) -> None:
        if row.values.get(start) and row.values.get(end) and row.values[end] < row.values[start]:
            raise RowError(_("The end comes before the start."), column)

    # -- writing ---------------------------------------------------------------------------------

    def item(self, row: Row) -> dict:
        """The model field values of a checked row."""
        values = {}
        for key, value in row.values.items():
            if key in self.parties or key in self.fk_keys:
                values[f"{key}_id"] = value
            else:
                values[key] = value
        return values

    def write(self, rows, ctx: FinanceContext, user, progress) -> dict:
        try:
            created = pledges.record_imported(user, self.model, [self.item(r) for r in rows])
        except PermissionDenied as exc:
            raise ImportRefused(str(exc) or _("You may not add these records.")) from None
        progress(len(rows))
        return {"created": len(created)}


@register
class PledgeImportFormat(FinanceImportFormat):
    key = "utilization.pledge"
    model = Pledge
    title = gettext_lazy("IP pledges")
    description = gettext_lazy(
        "One pledge registration per row: pledgor, pledgee, the pledged patents or trademarks, "
        "the secured amount in 10k yuan and the registration date. Parties must exist among the "
        "organizations and rights in the registry, and the pledgor must hold the pledged rights. "
        "A release date marks the pledge released. Each row must name your own institution as "
        "the pledgee."
    )
    success_url_name = "utilization:pledge_list"
    parties = ("pledgor", "pledgee")
    fk_keys = ("product",)
    required_parties = ("pledgor", "pledgee")
    columns = [
        Column(
            "registration_number",
            "登记号",
            ("质押登记号", "登记编号", "质押登记编号", "registration number"),
            max_length=100,
        ),
        Column(
            "registration_date",
            "登记日期",
            ("质押登记日", "登记日", "质押登记日期", "registration date"),
            True,
            parse=parse_date,
        ),
        *_party_columns("pledgor", "出质人", ("出质人名称", "pledgor")),
        *_party_columns("pledgee", "质权人", ("质权人名称", "pledgee")),
        PATENTS_COLUMN,
        TRADEMARKS_COLUMN,
        Column(
            "amount",
            "担保金额（万元）",
            ("担保金额", "质押金额", "融资金额", "担保债权数额", "金额", "amount"),
            True,
            parse=parse_amount,
        ),
        Column("debt_kind", "主债权种类", ("债权种类", "debt"), max_length=100),
        Column("contract_number", "合同编号", ("质押合同编号", "合同号"), max_length=100),
        Column(
            "term_start", "债务履行期起", ("期限起", "起始日期", "借款起始日"), parse=parse_date
        ),
        Column("term_end", "债务履行期止", ("期限止", "到期日期", "借款到期日"), parse=parse_date),
        Column("release_date", "解除日期", ("质押解除日期", "解押日期"), parse=parse_date),
        PRODUCT_COLUMN,
        Column("notes", "备注", ("说明", "notes"), max_length=1000),
    ]

    def prepare(self, user):
        ctx = super().prepare(user)
        self.load_products(ctx)
        ctx.taken = set(
            Pledge.objects.exclude(registration_number="").values_list(
                "registration_number", flat=True
            )
        )
        return ctx

    def clean_row(self, row: Row, ctx: FinanceContext) -> None:
        values = row.values
        number = values["registration_number"] = compact(values.get("registration_number", ""))
        if number and number in ctx.taken:
            raise RowError(_("A pledge with this registration number exists."), "登记号")
        self.clean_parties(row, ctx)
        if values["pledgor"] == values["pledgee"]:
            raise RowError(_("The pledgee cannot be the pledgor."), "质权人")
        self.product(row, ctx)
        self.rights(row, ctx)
        if not values["patents"] and not values.get("trademarks"):
            raise RowError(_("Name at least one pledged patent or trademark."), "专利号")
        unheld = pledges.unheld_rights(
            values["pledgor"], values["patents"], values.get("trademarks") or []
        )
        if unheld:
            key, message = next(iter(unheld.items()))
            raise RowError(message, self.label(key))
        if values["amount"] <= 0:
            raise RowError(_("Must be more than zero."), "担保金额（万元）")
        self.date_order(row, "term_start", "term_end", "债务履行期止")
        end = values.get("term_end")
        if end and end < values["registration_date"]:
            raise RowError(_("The term ends before the registration."), "债务履行期止")
        release = values.get("release_date")
        if release and release < values["registration_date"]:
            raise RowError(_("The release cannot come before the registration."), "解除日期")
        values["status"] = PledgeStatus.RELEASED if release else PledgeStatus.REGISTERED

    def duplicate_keys(self, row: Row, ctx):
        if row.values.get("registration_number"):
            yield "登记号", row.values["registration_number"]


@register
class ValuationImportFormat(FinanceImportFormat):
    key = "utilization.valuation"
    model = Valuation
    title = gettext_lazy("IP valuations")
    description = gettext_lazy(
        "One valuation per row: the rights holder, the valued patents or trademarks, the method, "
        "the value in 10k yuan and the valuation date. An appraiser the platform does not know "
        "is kept as written."
    )
    success_url_name = "utilization:valuation_list"
    parties = ("owner", "commissioned_by")
    fk_keys = ("appraiser",)
    required_parties = ("owner",)
    columns = [
        *_party_columns("owner", "权利人", ("专利权人", "企业名称", "owner")),
        PATENTS_COLUMN,
        TRADEMARKS_COLUMN,
        Column("method", "评估方法", ("方法", "method"), True, max_length=50),
        Column(
            "value",
            "评估价值（万元）",
            ("评估价值", "评估值", "价值", "value"),
            True,
            parse=parse_amount,
        ),
        Column("date", "评估基准日", ("评估日期", "基准日", "date"), True, parse=parse_date),
        Column(
            "appraiser",
            "评估机构",
            ("评估公司", "appraiser"),
            max_length=200,
            help=gettext_lazy("Matched by exact name; kept as written when unknown."),
        ),
        *_party_columns("commissioned_by", "委托方", ("委托单位",), required=False),
        Column("report_number", "报告编号", ("评估报告编号", "报告号"), max_length=100),
        Column("purpose", "评估目的", ("目的", "purpose"), max_length=200),
    ]

    def prepare(self, user):
        ctx = super().prepare(user)
        ctx.choices = _choice_lookup(ValuationMethod.choices, METHOD_SYNONYMS)
        ctx.existing = set(
            Valuation.objects.exclude(report_number="").values_list("owner_id", "report_number")
        )
        return ctx

    def clean_row(self, row: Row, ctx) -> None:
        values = row.values
        appraiser_text = values.pop("appraiser", "")
        appraiser = None
        if appraiser_text:
            found = {pk for v in name_variants(appraiser_text) for pk in ctx.by_name.get(v, [])}
            if len(found) == 1:
                appraiser = found.pop()
            else:
                values["appraiser_name"] = appraiser_text
                row.warn(_("Appraiser not among the organizations; kept as written."), "评估机构")
        else:
            raise RowError(_("Name the appraiser."), "评估机构")
        self.clean_parties(row, ctx, extra=[appraiser] if appraiser else [])
        values["appraiser"] = appraiser
        method = ctx.choices.get(_norm(values["method"]))
        if method is None:
            raise RowError(_("Unknown method “%(v)s”.") % {"v": values["method"]}, "评估方法")
        values["method"] = method
        if values["value"] <= 0:
            raise RowError(_("Must be more than zero."), "评估价值（万元）")
        values["report_number"] = compact(values.get("report_number", ""))
        if (values["owner"], values["report_number"]) in ctx.existing:
            raise RowError(
                _("This holder already has a valuation with this report number."), "报告编号"
            )
        self.rights(row, ctx)

    def duplicate_keys(self, row: Row, ctx):
        if row.values.get("report_number"):
            yield "报告编号", f"{row.values['owner']}:{row.values['report_number']}"


@register
class InsurancePolicyImportFormat(FinanceImportFormat):
    key = "utilization.insurancepolicy"
    model = InsurancePolicy
    title = gettext_lazy("IP insurance policies")
    description = gettext_lazy(
        "One policy per row: policy number, insured, insurer, kind, insured amount in 10k yuan "
        "and the start date; the insured patents optional."
    )
    success_url_name = "utilization:insurancepolicy_list"
    parties = ("insured", "insurer")
    fk_keys = ("product",)
    required_parties = ("insured", "insurer")
    columns = [
        Column("policy_number", "保单号", ("保险单号", "policy number"), True, max_length=100),
        *_party_columns("insured", "被保险人", ("投保人", "insured")),
        *_party_columns("insurer", "保险人", ("保险公司", "insurer")),
        Column("kind", "险种", ("保险类型", "kind"), True, max_length=50),
        PATENTS_COLUMN,
        Column(
            "insured_amount",
            "保险金额（万元）",
            ("保险金额", "保额", "insured amount"),
            True,
            parse=parse_amount,
        ),
        Column("premium", "保费（万元）", ("保费", "premium"), parse=parse_amount),
        Column("subsidy", "保费补贴（万元）", ("保费补贴", "补贴"), parse=parse_amount),
        Column("start_date", "起保日期", ("保险起期", "起始日期"), True, parse=parse_date),
        Column("end_date", "终止日期", ("保险止期", "到期日期"), parse=parse_date),
        PRODUCT_COLUMN,
    ]

    def prepare(self, user):
        ctx = super().prepare(user)
        ctx.taken = set(InsurancePolicy.objects.values_list("policy_number", flat=True))
        ctx.choices = _choice_lookup(InsuranceKind.choices, INSURANCE_SYNONYMS)
        self.load_products(ctx)
        return ctx

    def clean_row(self, row: Row, ctx) -> None:
        values = row.values
        values["policy_number"] = compact(values["policy_number"])
        if not values["policy_number"]:
            raise RowError(_("This column is required."), "保单号")
        if values["policy_number"] in ctx.taken:
            raise RowError(_("A policy with this number exists."), "保单号")
        self.clean_parties(row, ctx)
        kind = ctx.choices.get(_norm(values["kind"]))
        if kind is None:
            raise RowError(_("Unknown kind “%(v)s”.") % {"v": values["kind"]}, "险种")
        values["kind"] = kind
        self.product(row, ctx)
        if values["insured_amount"] <= 0:
            raise RowError(_("Must be more than zero."), "保险金额（万元）")
        self.rights(row, ctx)
        self.date_order(row, "start_date", "end_date", "终止日期")

    def duplicate_keys(self, row: Row, ctx):
        yield "保单号", row.values["policy_number"]


@register
class GuaranteeImportFormat(FinanceImportFormat):
    key = "utilization.guarantee"
    model = Guarantee
    title = gettext_lazy("Guarantees")
    description = gettext_lazy(
        "One guarantee per row: guarantor, borrower, lender, the guaranteed amount in 10k yuan "
        "and the start date; a pledge registration number links the pledge it backs."
    )
    success_url_name = "utilization:guarantee_list"
    parties = ("guarantor", "borrower", "lender")
    fk_keys = ("pledge",)
    required_parties = ("guarantor", "borrower")
    columns = [
        Column("contract_number", "合同编号", ("担保合同编号", "合同号"), max_length=100),
        *_party_columns("guarantor", "担保机构", ("担保人", "担保公司", "guarantor")),
        *_party_columns("borrower", "借款人", ("借款企业", "被担保人", "borrower")),
        *_party_columns(
            "lender", "贷款银行", ("贷款人", "贷款机构", "债权人", "lender"), required=False
        ),
        Column("pledge", "质押登记号", ("质押登记编号",), max_length=100),
        Column(
            "amount",
            "担保金额（万元）",
            ("担保金额", "金额", "amount"),
            True,
            parse=parse_amount,
        ),
        Column("fee_rate", "担保费率（%）", ("担保费率", "费率"), parse=parse_rate),
        Column("start_date", "起始日期", ("担保起始日", "开始日期"), True, parse=parse_date),
        Column("end_date", "到期日期", ("担保到期日", "结束日期"), parse=parse_date),
    ]

    def prepare(self, user):
        ctx = super().prepare(user)
        ctx.pledges = dict(
            Pledge.objects.restrict(user, "view")
            .exclude(registration_number="")
            .values_list("registration_number", "pk")
        )
        ctx.existing = set(
            Guarantee.objects.exclude(contract_number="").values_list(
                "guarantor_id", "contract_number"
            )
        )
        return ctx

    def clean_row(self, row: Row, ctx) -> None:
        values = row.values
        self.clean_parties(row, ctx)
        values["contract_number"] = compact(values.get("contract_number", ""))
        if (values["guarantor"], values["contract_number"]) in ctx.existing:
            raise RowError(
                _("This guarantor already has a guarantee with this contract number."), "合同编号"
            )
        number = compact(values.get("pledge", ""))
        if number and number not in ctx.pledges:
            raise RowError(
                _("No pledge you can see has the registration number “%(v)s”.") % {"v": number},
                "质押登记号",
            )
        values["pledge"] = ctx.pledges[number] if number else None
        if values["amount"] <= 0:
            raise RowError(_("Must be more than zero."), "担保金额（万元）")
        self.date_order(row, "start_date", "end_date", "到期日期")

    def duplicate_keys(self, row: Row, ctx):
        if row.values.get("contract_number"):
            yield "合同编号", f"{row.values['guarantor']}:{row.values['contract_number']}"


@register
class FinancialProductImportFormat(FinanceImportFormat):
    key = "utilization.financialproduct"
    model = FinancialProduct
    title = gettext_lazy("IP finance products")
    description = gettext_lazy(
        "One product per row: the offering financial institution (by credit code or exact name), "
        "the product name and kind; rate, maximum amount in 10k yuan, term in months, contact "
        "and whether it is offered now are optional. A product the institution already offers "
        "under the same name is refused."
    )
    success_url_name = "utilization:financialproduct_list"
    parties = ("institution",)
    required_parties = ("institution",)
    columns = [
        *_party_columns("institution", "金融机构", ("机构", "机构名称", "银行", "institution")),
        Column("name", "产品名称", ("名称", "name"), True, max_length=200),
        Column("kind", "产品类型", ("类型", "类别", "kind"), True, max_length=50),
        Column("rate", "利率或费率", ("利率", "费率", "rate"), max_length=100),
        Column(
            "max_amount",
            "最高额度（万元）",
            ("最高额度", "额度", "max amount"),
            parse=parse_amount,
        ),
        Column("term_months", "期限（月）", ("期限", "term"), parse=parse_months),
        Column("contact", "联系方式", ("联系人", "contact"), max_length=200),
        Column("is_active", "在售", ("是否在售", "active"), parse=parse_yes_no),
        Column("description", "产品说明", ("说明", "描述", "description"), max_length=1000),
    ]

    def prepare(self, user):
        ctx = super().prepare(user)
        ctx.choices = _choice_lookup(ProductKind.choices, {})
        ctx.financial = set(
            Organization.objects.filter(kind=OrganizationKind.FINANCIAL).values_list(
                "pk", flat=True
            )
        )
        ctx.existing = {
            (institution, name.strip())
            for institution, name in FinancialProduct.objects.values_list("institution_id", "name")
        }
        return ctx

    def clean_row(self, row: Row, ctx) -> None:
        values = row.values
        self.clean_parties(row, ctx)
        if values["institution"] not in ctx.financial:
            raise RowError(_("This organization is not a financial institution."), "金融机构")
        values["name"] = values["name"].strip()
        if (values["institution"], values["name"]) in ctx.existing:
            raise RowError(_("The institution already offers a product of this name."), "产品名称")
        kind = ctx.choices.get(_norm(values["kind"]))
        if kind is None:
            raise RowError(_("Unknown kind “%(v)s”.") % {"v": values["kind"]}, "产品类型")
        values["kind"] = kind
        if values.get("max_amount") is not None and values["max_amount"] <= 0:
            raise RowError(_("Must be more than zero."), "最高额度（万元）")
        if values.get("is_active") is None:
            values.pop("is_active", None)

    def duplicate_keys(self, row: Row, ctx):
        yield "产品名称", f"{row.values['institution']}:{row.values['name']}"
