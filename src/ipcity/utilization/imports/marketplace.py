"""The technology offer import: one offer per row, with the patents offered by application
number. Every row is checked by the same form as the page (patents held by the owner, IPC codes,
kinds), and written through `listings.create_listing`, drafts unless the row says published.
An offer the owner already has under the same title (compared as normalized text) is a row
error, so uploading a workbook again adds nothing twice."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.imports import Column, ImportFormat, ImportRefused, Row, RowError, register
from ipcity.core.imports import normalize_header as norm
from ipcity.orgs.models import Organization

from ..choices import ListingStatus, TransactionKind
from ..forms.marketplace import DemandListingForm, SupplyListingForm
from ..listings import acts_for_any, create_listing
from ..models import DemandListing, SupplyListing

KIND_SYNONYMS = {
    TransactionKind.ASSIGNMENT: ("转让", "专利转让", "权利转让"),
    TransactionKind.EXCLUSIVE_LICENCE: ("独占", "独占许可", "独占实施许可"),
    TransactionKind.SOLE_LICENCE: ("排他", "排他许可", "排他实施许可"),
    TransactionKind.ORDINARY_LICENCE: ("普通", "普通许可", "普通实施许可", "一般许可"),
    TransactionKind.OPEN_LICENCE: ("开放", "开放许可"),
}
PUBLISHED_WORDS = ("发布", "已发布", "上架", "公开", "是", "published", "publish", "yes", "y", "1")
DRAFT_WORDS = ("草稿", "暂存", "未发布", "否", "draft", "no", "n", "0")


def _kind_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for kind in TransactionKind:
        names = [kind.value, str(kind.label), *KIND_SYNONYMS.get(kind, ())]
        with translation.override("zh-hans"):
            names.append(str(kind.label))
        for name in names:
            lookup.setdefault(norm(name), kind.value)
    return lookup


def parse_kinds(text: str) -> list[str]:
    lookup = _kind_lookup()
    kinds = []
    for part in text.replace("；", ";").replace("、", ";").replace(",", ";").split(";"):
        if not part.strip():
            continue
        kind = lookup.get(norm(part))
        if kind is None:
            raise RowError(
                _("Unknown kind “%(v)s”: use assignment, exclusive, sole, ordinary or open.")
                % {"v": part.strip()}
            )
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def title_key(title: str) -> str:
    """A title as compared for duplicates: width, case and spaces folded."""
    return norm(title)


def parse_status(text: str) -> str:
    value = norm(text)
    if value in {norm(w) for w in PUBLISHED_WORDS}:
        return ListingStatus.PUBLISHED
    if value in {norm(w) for w in DRAFT_WORDS}:
        return ListingStatus.DRAFT
    raise RowError(_("Write 发布 (published) or 草稿 (draft)."))


@dataclass
class OfferImportContext:
    user: object
    office: bool
    by_name: dict[str, list[int]]
    by_uscc: dict[str, int]
    existing: set[tuple[int, str]]


@register
class SupplyListingImportFormat(ImportFormat):
    key = "utilization.supplylisting"
    title = gettext_lazy("Technology offers")
    description = gettext_lazy(
        "One offer per row. Patents are given by application number and must be held by the "
        "offering organization; an offer's IPC codes default to its patents' codes. Rows become "
        "drafts unless the status column says published."
    )
    permissions = ("utilization.add_supplylisting",)
    success_url_name = "utilization:supplylisting_list"
    model = SupplyListing
    form_class = SupplyListingForm
    owner_label = "供给方"
    title_label = "技术名称"
    duplicate_message = gettext_lazy("This organization already has an offer with this title.")
    own_only_message = gettext_lazy("You may only offer for your own organization.")
    columns = [
        Column(
            "title", "技术名称", ("标题", "名称", "成果名称", "项目名称", "title"), True, None, 200
        ),
        Column(
            "owner",
            "供给方",
            ("权利人", "单位名称", "专利权人", "统一社会信用代码", "owner"),
            max_length=200,
            help=gettext_lazy(
                "Name or credit code of the offering organization; empty means your own."
            ),
        ),
        Column(
            "patents",
            "专利申请号",
            ("申请号", "专利号", "patents", "application numbers"),
            max_length=5000,
        ),
        Column("kinds", "交易方式", ("转化方式", "许可方式", "kinds"), parse=parse_kinds),
        Column("ipc_codes", "IPC分类号", ("IPC", "分类号", "ipc codes"), max_length=500),
        Column("keywords", "关键词", ("关键字", "keywords"), max_length=300),
        Column("asking_price", "报价（万元）", ("报价", "价格", "价格（万元）", "asking price")),
        Column("description", "技术简介", ("简介", "描述", "说明", "description")),
        Column("status", "状态", ("发布状态", "是否发布", "status"), parse=parse_status),
    ]

    def prepare(self, user) -> OfferImportContext:
        by_name: dict[str, list[int]] = {}
        by_uscc: dict[str, int] = {}
        rows = Organization.objects.values_list("pk", "name", "uscc")
        for pk, name, uscc in rows.iterator(chunk_size=5000):
            by_name.setdefault(norm(name), []).append(pk)
            if uscc:
                by_uscc[uscc.upper()] = pk
        office = acts_for_any(user, self.model)
        titles = self.model.objects.all()
        if not office:
            titles = titles.filter(owner_id=getattr(user, "organization_id", None))
        existing = {
            (owner_id, title_key(title))
            for owner_id, title in titles.values_list("owner_id", "title").iterator(chunk_size=5000)
        }
        return OfferImportContext(user, office, by_name, by_uscc, existing)

    def _owner(self, values: dict, ctx: OfferImportContext) -> int | None:
        text = values.get("owner", "")
        own = getattr(ctx.user, "organization_id", None)
        if not text:
            if own is None:
                raise RowError(
                    _("Your account is not linked to an organization."), self.owner_label
                )
            return own
        key = norm(text)
        pk = ctx.by_uscc.get(key.upper())
        if pk is None:
            named = ctx.by_name.get(key, [])
            if len(named) > 1:
                raise RowError(
                    _("Several organizations have this name; use its credit code."),
                    self.owner_label,
                )
            pk = named[0] if named else None
        if pk is None:
            raise RowError(_("No organization named “%(v)s”.") % {"v": text}, self.owner_label)
        if not ctx.office and pk != own:
            raise RowError(str(self.own_only_message), self.owner_label)
        return pk

    def form_data(self, values: dict, owner: int) -> dict:
        return {
            "owner": owner,
            "title": values["title"],
            "patents": values.get("patents", ""),
            "kinds": values.get("kinds", []),
            "ipc_codes": values.get("ipc_codes", ""),
            "keywords": values.get("keywords", ""),
            "asking_price": values.get("asking_price", ""),
            "description": values.get("description", ""),
        }

    def clean_row(self, row: Row, ctx: OfferImportContext) -> None:
        values = row.values
        owner = self._owner(values, ctx)
        if (owner, title_key(values["title"])) in ctx.existing:
            raise RowError(str(self.duplicate_message), self.title_label)
        form = self.form_class(data=self.form_data(values, owner), user=ctx.user)
        if not form.is_valid():
            labels = {c.key: c.label for c in self.columns}
            field, errors = next(iter(form.errors.items()))
            raise RowError(" ".join(errors), labels.get(field, ""))
        values["owner_id"] = owner

    def duplicate_keys(self, row: Row, ctx):
        yield "技术名称", f"{row.values['owner_id']}|{title_key(row.values['title'])}"

    def write(self, rows, ctx: OfferImportContext, user, progress) -> dict:
        created = 0
        published = 0
        for row in rows:
            publish_now = row.values.get("status") == ListingStatus.PUBLISHED
            try:
                create_listing(
                    user,
                    self.model,
                    self.form_data(row.values, row.values["owner_id"]),
                    publish_now=publish_now,
                )
            except (ValidationError, PermissionDenied) as exc:
                message = " ".join(getattr(exc, "messages", [str(exc)]))
                raise ImportRefused(
                    _("Row %(row)d: %(message)s") % {"row": row.number, "message": message}
                ) from None
            created += 1
            published += publish_now
            if created % 50 == 0:
                progress(created)
        progress(created)
        return {"created": created, "updated": 0, "published": published}


@register
class DemandListingImportFormat(SupplyListingImportFormat):
    """Technology needs: the same rules as offers (one per row, checked by the page's form,
    a need the owner already has under the same title is a row error), with a budget instead
    of patents and an asking price."""

    key = "utilization.demandlisting"
    title = gettext_lazy("Technology needs")
    description = gettext_lazy(
        "One need per row: what the organization looks for, its IPC codes, the transaction "
        "kinds it would accept and its budget. Rows become drafts unless the status column "
        "says published."
    )
    permissions = ("utilization.add_demandlisting",)
    success_url_name = "utilization:demandlisting_list"
    model = DemandListing
    form_class = DemandListingForm
    owner_label = "需求方"
    title_label = "需求名称"
    duplicate_message = gettext_lazy("This organization already has a need with this title.")
    own_only_message = gettext_lazy("You may only post needs for your own organization.")
    columns = [
        Column(
            "title", "需求名称", ("标题", "名称", "技术需求", "需求标题", "title"), True, None, 200
        ),
        Column(
            "owner",
            "需求方",
            ("单位名称", "需求单位", "统一社会信用代码", "owner"),
            max_length=200,
            help=gettext_lazy(
                "Name or credit code of the organization that needs it; empty means your own."
            ),
        ),
        Column("kinds", "交易方式", ("转化方式", "许可方式", "kinds"), parse=parse_kinds),
        Column("ipc_codes", "IPC分类号", ("IPC", "分类号", "ipc codes"), max_length=500),
        Column("keywords", "关键词", ("关键字", "keywords"), max_length=300),
        Column("budget", "预算（万元）", ("预算", "budget")),
        Column("description", "需求描述", ("简介", "描述", "说明", "description")),
        Column("status", "状态", ("发布状态", "是否发布", "status"), parse=parse_status),
    ]

    def form_data(self, values: dict, owner: int) -> dict:
        return {
            "owner": owner,
            "title": values["title"],
            "kinds": values.get("kinds", []),
            "ipc_codes": values.get("ipc_codes", ""),
            "keywords": values.get("keywords", ""),
            "budget": values.get("budget", ""),
            "description": values.get("description", ""),
        }

    def duplicate_keys(self, row: Row, ctx):
        yield "需求名称", f"{row.values['owner_id']}|{title_key(row.values['title'])}"
