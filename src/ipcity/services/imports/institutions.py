"""The service institution import ("services.institution"): one directory entry per row.

The organization is matched by its unified social credit code, else by its exact name (it must
be recorded first; organizations are never created here). An organization already in the
directory is updated; services offered are given as names or codes separated by 、 , ; or /,
and replace the ones recorded. Kinds and services are read in Chinese, in English or as their
codes. Every row is checked before anything is written, and the file is written all or
nothing."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.imports import Column, ImportFormat, ImportRefused, Row, RowError, register
from ipcity.core.imports import normalize_header as norm
from ipcity.orgs.models import Organization

from .. import institutions
from ..choices import InstitutionKind, ServiceKind
from ..models import Institution

YES = {"是", "有", "yes", "y", "true", "1", "√", "✓"}
NO = {"否", "无", "no", "n", "false", "0", "×"}
KIND_SYNONYMS = {
    InstitutionKind.PATENT_AGENCY: ("专利代理", "专利代理机构"),
    InstitutionKind.TRADEMARK_AGENCY: ("商标代理", "商标代理机构"),
    InstitutionKind.LAW_FIRM: ("律所", "律师事务所"),
    InstitutionKind.APPRAISER: ("评估机构", "资产评估"),
    InstitutionKind.BANK: ("银行",),
    InstitutionKind.INSURER: ("保险", "保险公司"),
    InstitutionKind.PROTECTION_CENTER: ("保护中心", "知识产权保护中心"),
    InstitutionKind.SERVICE_HALL: ("服务大厅", "工作站"),
    InstitutionKind.SERVICE_POINT: ("服务站", "服务点", "公共服务网点"),
    InstitutionKind.OTHER: ("其他",),
}
SERVICE_SYNONYMS = {
    ServiceKind.CONSULTATION: ("咨询", "政策咨询"),
    ServiceKind.RIGHTS_PROTECTION: ("维权", "维权援助"),
    ServiceKind.MEDIATION: ("调解", "纠纷调解"),
    ServiceKind.POLICY_BRIEFING: ("政策宣讲", "政策解读"),
    ServiceKind.EARLY_WARNING: ("预警", "预警分析"),
    ServiceKind.OVERSEAS: ("海外维权",),
    ServiceKind.FINANCING: ("融资", "融资对接"),
    ServiceKind.AGENCY: ("代理", "申请代理"),
    ServiceKind.VALUATION: ("评估", "价值评估"),
    ServiceKind.TRAINING: ("培训",),
}
SEPARATORS = re.compile(r"[、,，;；/\n]+")


def _lookup(choices, synonyms) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for choice in choices:
        names = [choice.value, str(choice.label), *synonyms.get(choice, ())]
        with translation.override("zh-hans"):
            names.append(str(choice.label))
        for name in names:
            lookup.setdefault(norm(name), choice.value)
    return lookup


def parse_yes_no(text: str) -> bool:
    value = norm(unicodedata.normalize("NFKC", text))
    if value in YES:
        return True
    if value in NO:
        return False
    raise RowError(_("“%(v)s” is not yes (是) or no (否).") % {"v": text})


@dataclass
class InstitutionImportContext:
    kinds: dict[str, str]
    services: dict[str, str]
    by_uscc: dict[str, int]
    by_name: dict[str, list[int]]
    existing: dict[int, int]  # organization pk -> institution pk
    changeable: set[int]
    user: object = None


@register
class InstitutionImportFormat(ImportFormat):
    key = "services.institution"
    title = gettext_lazy("Service institutions")
    description = gettext_lazy(
        "One institution per row. The organization must be recorded (matched by credit code or "
        "by exact name); an organization already in the directory is updated. Services are "
        "separated by 、 or commas and replace the ones recorded. The whole file is written, or "
        "nothing."
    )
    permissions = ("services.add_institution", "services.change_institution")
    success_url_name = "services:institution_list"
    columns = [
        Column(
            "organization",
            "机构名称",
            ("单位名称", "名称", "统一社会信用代码", "organization"),
            True,
            max_length=200,
            help=gettext_lazy("The organization's name or its unified social credit code."),
        ),
        Column("kind", "机构类型", ("类型", "kind"), True, max_length=40),
        Column("services", "服务内容", ("服务项目", "提供服务", "services"), max_length=500),
        Column("contact_name", "联系人", ("contact",), max_length=100),
        Column("phone", "联系电话", ("电话", "phone"), max_length=40),
        Column("email", "电子邮箱", ("邮箱", "email"), max_length=254),
        Column("website", "网址", ("网站", "website"), max_length=200),
        Column("address", "地址", ("服务地址", "address"), max_length=300),
        Column("opening_hours", "服务时间", ("办公时间", "opening hours"), max_length=200),
        Column(
            "accepts_requests",
            "受理服务请求",
            ("服务网点", "accepts requests"),
            parse=parse_yes_no,
        ),
        Column("published", "公开展示", ("公开", "published"), parse=parse_yes_no),
        Column("description", "简介", ("机构简介", "description"), max_length=1000),
    ]

    def prepare(self, user) -> InstitutionImportContext:
        by_uscc: dict[str, int] = {}
        by_name: dict[str, list[int]] = {}
        for pk, name, uscc in Organization.objects.values_list("pk", "name", "uscc").iterator():
            if uscc:
                by_uscc[uscc.upper()] = pk
            by_name.setdefault(norm(name), []).append(pk)
        return InstitutionImportContext(
            kinds=_lookup(InstitutionKind, KIND_SYNONYMS),
            services=_lookup(ServiceKind, SERVICE_SYNONYMS),
            by_uscc=by_uscc,
            by_name=by_name,
            existing=dict(Institution.objects.values_list("organization_id", "pk")),
            changeable=set(
                Institution.objects.restrict(user, "change").values_list("pk", flat=True)
            ),
            user=user,
        )

    def clean_row(self, row: Row, ctx: InstitutionImportContext) -> None:
        values = row.values
        values["org_id"] = self._match(values["organization"], ctx)
        kind = ctx.kinds.get(norm(values["kind"]))
        if kind is None:
            raise RowError(
                _("Unknown institution kind “%(v)s”.") % {"v": values["kind"]}, "机构类型"
            )
        values["kind_value"] = kind
        services = []
        for part in SEPARATORS.split(values.get("services") or ""):
            if not part.strip():
                continue
            service = ctx.services.get(norm(part))
            if service is None:
                raise RowError(_("Unknown service “%(v)s”.") % {"v": part.strip()}, "服务内容")
            if service not in services:
                services.append(service)
        values["service_list"] = services
        if values.get("email"):
            try:
                validate_email(values["email"])
            except ValidationError:
                raise RowError(_("Enter a valid email address."), "电子邮箱") from None
        existing = ctx.existing.get(values["org_id"])
        values["existing"] = existing
        if existing and existing not in ctx.changeable:
            raise RowError(
                _("This organization is in the directory already and you may not change it."),
                "机构名称",
            )

    def _match(self, text: str, ctx) -> int:
        key = "".join(text.split()).upper()
        if len(key) == 18 and key in ctx.by_uscc:
            return ctx.by_uscc[key]
        named = ctx.by_name.get(norm(text), [])
        if len(named) > 1:
            raise RowError(
                _("Several organizations have this name; use the credit code."), "机构名称"
            )
        if not named:
            raise RowError(
                _("No organization named or coded “%(v)s”; record the organization first.")
                % {"v": text},
                "机构名称",
            )
        return named[0]

    def duplicate_keys(self, row: Row, ctx):
        yield "机构名称", str(row.values["org_id"])

    def write(self, rows, ctx: InstitutionImportContext, user, progress) -> dict:
        created = updated = 0
        fields = ("contact_name", "phone", "email", "website", "address", "opening_hours")
        for done, row in enumerate(rows, start=1):
            values = row.values
            if values["existing"]:
                institution = Institution.objects.get(pk=values["existing"])
            else:
                institution = Institution(organization_id=values["org_id"])
            institution.kind = values["kind_value"]
            for name in fields:
                if values.get(name):
                    setattr(institution, name, values[name])
            if values.get("description"):
                institution.description = values["description"]
            for name in ("accepts_requests", "published"):
                if values.get(name) is not None:
                    setattr(institution, name, values[name])
            new = institution.pk is None
            try:
                institutions.save_institution(
                    user,
                    institution,
                    services=values["service_list"] if values.get("services") else None,
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
            created += new
            updated += not new
            if done % 100 == 0:
                progress(done)
        progress(len(rows))
        return {"created": created, "updated": updated}
