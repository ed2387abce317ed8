"""The transaction import: a sheet of assignments and licences, one per row.

Parties are matched to organizations by credit code (a column of its own, or the party cell
holding one), then by exact name; a party that matches nothing (or several) is kept as the
name written. Rights are application numbers (several separated by ';') and trademark
registration numbers, each of which must be in the registry. A row whose registration number is
already recorded, that repeats a recorded transaction (the same patent, kind family and assignee
within 30 days, e.g. one derived from the registry), or that repeats another row, is an error:
nothing is counted twice. Parties are matched only to organizations the uploader may view.

The column labels are the headers of the list's export, so an export can be imported again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.imports import Column, ImportFormat, ImportRefused, Row, RowError, register
from ipcity.core.imports import normalize_header as norm
from ipcity.orgs.forms import uscc_check
from ipcity.rights.attribution import District
from ipcity.rights.imports.normalize import parse_date
from ipcity.rights.models import Patent, Trademark

from .. import deals
from ..choices import TransactionKind, TransactionOrigin
from ..models import Transaction
from ..parties import PartyIndex, orgs_in_scope

ASSIGNOR = "转让人/许可人"
ASSIGNEE = "受让人/被许可人"
PATENTS = "专利号/申请号"
TRADEMARKS = "商标注册号"
KIND = "类型"
AMOUNT = "金额（万元）"
CONTRACT_DATE = "合同日期"
REGISTRATION = "登记号/备案号"
REGISTRATION_DATE = "登记日期"
START_DATE = "许可起始日"
END_DATE = "许可截止日"
NOTES = "备注"

KIND_WORDS = {
    TransactionKind.ASSIGNMENT: ("转让", "专利权转让", "专利转让", "权利转移", "商标转让"),
    TransactionKind.EXCLUSIVE_LICENCE: ("独占许可", "独占实施许可", "独占"),
    TransactionKind.SOLE_LICENCE: ("排他许可", "排他实施许可", "排他"),
    TransactionKind.ORDINARY_LICENCE: ("普通许可", "普通实施许可", "普通"),
    TransactionKind.OPEN_LICENCE: ("开放许可", "专利开放许可", "开放"),
}


def _kinds() -> dict[str, str]:
    table = {}
    for kind, words in KIND_WORDS.items():
        table[norm(kind.value)] = kind.value
        table[norm(str(kind.label))] = kind.value
        for word in words:
            table[norm(word)] = kind.value
    return table


def parse_kind(text: str) -> str:
    kind = _kinds().get(norm(text))
    if kind is None:
        if "许可" in text:
            raise RowError(
                _("Say which licence: 独占许可, 排他许可, 普通许可 or 开放许可 (not “%(v)s”).")
                % {"v": text}
            )
        raise RowError(
            _("Unknown kind “%(v)s”: use 转让, 独占许可, 排他许可, 普通许可 or 开放许可.")
            % {"v": text}
        )
    return kind


def parse_amount(text: str) -> Decimal:
    value = text.replace(",", "").replace("，", "").strip()
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise RowError(_("“%(v)s” is not an amount in 10k yuan.") % {"v": text}) from None
    if not amount.is_finite() or amount < 0:
        raise RowError(_("The amount cannot be negative."))
    if amount >= Decimal("1e12"):
        raise RowError(_("The amount is too large."))
    return amount.quantize(Decimal("0.01"))


def parse_uscc(text: str) -> str:
    try:
        code, _warning = uscc_check(text)
    except ValidationError as exc:
        raise RowError(exc.messages[0]) from None
    return code


@dataclass
class TransactionImportContext:
    user: object
    parties: PartyIndex
    patents: dict[str, int]  # normalized application number → pk
    trademarks: dict[str, int]
    registered: set[str]  # registration numbers already recorded
    allowed: set[int] | None  # organizations the user may record for; None = all
    district: District | None = None
    written: list[int] = field(default_factory=list)


@register
class TransactionImportFormat(ImportFormat):
    key = "utilization.transaction"
    title = gettext_lazy("Transfers and licences")
    description = gettext_lazy(
        "One transaction per row. Parties are matched to organizations by credit code or exact "
        "name, else kept as written; patents (application numbers, several separated by ';') "
        "and trademarks must be in the registry. A registration number already recorded is "
        "refused, so nothing is counted twice."
    )
    permissions = ("utilization.add_transaction",)
    success_url_name = "utilization:transaction_list"
    columns = [
        Column(
            "assignor",
            ASSIGNOR,
            ("转让人", "许可人", "转让方", "许可方", "出让人", "让与人", "转让人或许可人"),
            True,
            max_length=300,
        ),
        Column(
            "assignor_uscc",
            "转让人统一社会信用代码",
            ("转让人信用代码", "许可人统一社会信用代码", "许可人信用代码"),
            parse=parse_uscc,
        ),
        Column(
            "assignee",
            ASSIGNEE,
            ("受让人", "被许可人", "受让方", "被许可方", "受让人或被许可人"),
            True,
            max_length=300,
        ),
        Column(
            "assignee_uscc",
            "受让人统一社会信用代码",
            ("受让人信用代码", "被许可人统一社会信用代码", "被许可人信用代码"),
            parse=parse_uscc,
        ),
        Column(
            "patents",
            PATENTS,
            ("专利号", "申请号", "专利申请号", "专利"),
            max_length=2000,
            help=gettext_lazy("Several separated by ';'."),
        ),
        Column("trademarks", TRADEMARKS, ("商标号", "商标注册证号", "商标"), max_length=1000),
        Column("kind", KIND, ("交易类型", "转让许可类型", "许可类型"), True, parse=parse_kind),
        Column(
            "amount",
            AMOUNT,
            ("金额", "交易金额", "合同金额", "转让金额", "许可费"),
            parse=parse_amount,
            help=gettext_lazy("In 10k yuan."),
        ),
        Column("contract_date", CONTRACT_DATE, ("签订日期", "合同签订日期"), parse=parse_date),
        Column(
            "registration_number",
            REGISTRATION,
            ("登记号", "备案号", "合同登记号", "合同备案号"),
            max_length=100,
        ),
        Column(
            "registration_date",
            REGISTRATION_DATE,
            ("备案日期", "登记公告日", "生效日期"),
            parse=parse_date,
        ),
        Column("start_date", START_DATE, ("许可开始日期", "许可期限起"), parse=parse_date),
        Column("end_date", END_DATE, ("许可结束日期", "许可期限止"), parse=parse_date),
        Column("notes", NOTES, ("说明",), max_length=5000),
    ]

    def prepare(self, user) -> TransactionImportContext:
        return TransactionImportContext(
            user=user,
            parties=deals.party_index(user),
            patents=dict(Patent.objects.values_list("application_number", "pk")),
            trademarks=dict(Trademark.objects.values_list("registration_number", "pk")),
            registered=set(
                Transaction.objects.exclude(registration_number="").values_list(
                    "registration_number", flat=True
                )
            ),
            allowed=orgs_in_scope(user, Transaction, "add"),
        )

    def clean_row(self, row: Row, ctx: TransactionImportContext) -> None:
        values = row.values
        found = {}
        for side, label in (("assignor", ASSIGNOR), ("assignee", ASSIGNEE)):
            name = " ".join(values[side].split())
            org = ctx.parties.match(name, values.get(f"{side}_uscc", ""))
            if values.get(f"{side}_uscc") and org is None:
                row.warn(
                    _("No organization has the credit code %(c)s; kept as a name.")
                    % {"c": values[f"{side}_uscc"]},
                    label,
                )
            elif org is None and ctx.parties.ambiguous(name):
                row.warn(
                    _(
                        "Several organizations are named “%(v)s”; kept as a name (add the credit "
                        "code to link one)."
                    )
                    % {"v": name},
                    label,
                )
            if org is not None and name.upper() == org.uscc:
                name = org.name  # the cell held the credit code
            values[f"{side}_org"] = org.pk if org is not None else None
            found[side] = org
            values[side] = name
        patents = []
        for text in deals.split_numbers(values.get("patents", "")):
            number = deals.normalize_patent_number(text)
            if number is None:
                raise RowError(
                    _("“%(v)s” is not an application or patent number.") % {"v": text}, PATENTS
                )
            if number not in ctx.patents:
                raise RowError(_("%(v)s is not in the patent registry.") % {"v": text}, PATENTS)
            patents.append(ctx.patents[number])
        marks = []
        for text in deals.split_numbers(values.get("trademarks", "")):
            if text not in ctx.trademarks:
                raise RowError(
                    _("%(v)s is not in the trademark registry.") % {"v": text}, TRADEMARKS
                )
            marks.append(ctx.trademarks[text])
        if not patents and not marks:
            raise RowError(_("Name at least one patent or trademark from the registry."), PATENTS)
        values["patent_ids"], values["trademark_ids"] = sorted(set(patents)), sorted(set(marks))
        dates = {
            "contract_date": CONTRACT_DATE,
            "registration_date": REGISTRATION_DATE,
            "start_date": START_DATE,
            "end_date": END_DATE,
        }
        if not (
            values.get("registration_date")
            or values.get("contract_date")
            or values.get("start_date")
        ):
            raise RowError(_("Give the contract or registration date."), CONTRACT_DATE)
        for key, label in dates.items():
            value = values.get(key)
            if value and not deals.MIN_DATE <= value <= deals.MAX_DATE:
                raise RowError(
                    _("Give a date from %(first)s to %(last)s.")
                    % {"first": deals.MIN_DATE.isoformat(), "last": deals.MAX_DATE.isoformat()},
                    label,
                )
        start, end = values.get("start_date"), values.get("end_date")
        if values.get("kind") == TransactionKind.ASSIGNMENT and (start or end):
            raise RowError(str(deals.ASSIGNMENT_TERM_MESSAGE), START_DATE if start else END_DATE)
        if start and end and end < start:
            raise RowError(_("The licence cannot end before it starts."), END_DATE)
        number = values.get("registration_number", "")
        if number and number in ctx.registered:
            raise RowError(
                _("A transaction with this registration number is already recorded."),
                REGISTRATION,
            )
        if ctx.allowed is not None and not (
            {values["assignor_org"], values["assignee_org"]} & ctx.allowed
        ):
            raise RowError(
                _("Your organization is not a party to this transaction; you may not record it.")
            )
        existing = deals.find_duplicate(
            kind=values["kind"],
            patent_ids=values["patent_ids"],
            assignee=found["assignee"],
            assignee_name=values["assignee"],
            dates=[values.get(k) for k in ("registration_date", "contract_date", "start_date")],
        )
        if existing is not None:
            visible = Transaction.objects.restrict(ctx.user, "view").filter(pk=existing.pk)
            raise RowError(str(deals.DuplicateTransaction(existing, visible.exists()).messages[0]))

    def duplicate_keys(self, row: Row, ctx):
        values = row.values
        if values.get("registration_number"):
            yield REGISTRATION, values["registration_number"]
        yield (
            _("transaction"),
            "|".join(
                [
                    values["kind"],
                    norm(values["assignor"]),
                    norm(values["assignee"]),
                    ",".join(map(str, values["patent_ids"])),
                    ",".join(map(str, values["trademark_ids"])),
                    str(values.get("contract_date") or values.get("registration_date") or ""),
                ]
            ),
        )

    def write(self, rows, ctx: TransactionImportContext, user, progress) -> dict:
        from ipcity.orgs.models import Organization
        from ipcity.rights.models import Patent as PatentModel
        from ipcity.rights.models import Trademark as TrademarkModel

        ctx.district = District.load()
        org_ids = {r.values[k] for r in rows for k in ("assignor_org", "assignee_org")} - {None}
        orgs = Organization.objects.in_bulk(org_ids)
        patents = PatentModel.objects.in_bulk({p for r in rows for p in r.values["patent_ids"]})
        marks = TrademarkModel.objects.in_bulk({t for r in rows for t in r.values["trademark_ids"]})
        flags = {"from_university": 0, "from_outside": 0}
        for done, row in enumerate(rows, start=1):
            v = row.values
            try:
                deal = deals._create(
                    user,
                    user,
                    district=ctx.district,
                    kind=v["kind"],
                    assignor=orgs.get(v["assignor_org"]),
                    assignor_name=v["assignor"],
                    assignee=orgs.get(v["assignee_org"]),
                    assignee_name=v["assignee"],
                    patents=[patents[pk] for pk in v["patent_ids"]],
                    trademarks=[marks[pk] for pk in v["trademark_ids"]],
                    amount=v.get("amount"),
                    contract_date=v.get("contract_date"),
                    start_date=v.get("start_date"),
                    end_date=v.get("end_date"),
                    registration_number=v.get("registration_number", ""),
                    registration_date=v.get("registration_date"),
                    origin=TransactionOrigin.IMPORT,
                    notes=v.get("notes", ""),
                )
            except ValidationError as exc:
                raise ImportRefused(
                    _("Row %(row)d: %(problem)s")
                    % {"row": row.number, "problem": " ".join(exc.messages)}
                ) from None
            except PermissionDenied:
                raise ImportRefused(
                    _("Row %(row)d falls outside your scope; nothing was written.")
                    % {"row": row.number}
                ) from None
            flags["from_university"] += deal.from_university
            flags["from_outside"] += deal.from_outside
            ctx.written.append(deal.pk)
            if done % 50 == 0:
                progress(done)
        progress(len(rows))
        return {"created": len(rows), **flags}
