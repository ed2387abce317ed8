"""The GB/T 29490 certificate import ("utilization.certificate"): one certificate per row.

The enterprise is matched to an existing organization by unified social credit code, then by
exact name (organizations are imported or added first, never created here). A certificate
number already in the database updates that certificate. 标准版本 accepts 2013 / 2023 or the
standard's full name (GB/T 29490-2013). 有效期至 may be empty: the issue date plus the edition's
validity. 监督审核日期 lists the surveillance audits held (dates separated by ;); they are
recorded as passed, and a 2023 certificate issued before the 2023 edition took effect was
converted at the first of them held after that date.

Rows are written through the shared actions of `utilization.certificates` and checked by the
certificate form itself, so the import and the pages apply one set of rules: only enterprises
hold certificates, numbers match whatever their case, dates obey the editions' data (validity,
conversion within the transition). A status that differs from the recorded one is a status
change as of the day of the import, with the rules of the status changes (a 2013 certificate
not converted is not reinstated after the transition; a certificate is marked expired only once
its expiry date has come); a row the rules refuse is reported with its reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.imports import Column, ImportFormat, ImportRefused, Row, RowError, register
from ipcity.core.imports import normalize_header as norm
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.forms import uscc_check
from ipcity.orgs.models import Organization
from ipcity.rights.imports.normalize import parse_date, split_list

from .. import certificates
from ..choices import CertificateStatus, StandardVersion
from ..models import Certificate
from ..parties import orgs_in_scope

STATUS_SYNONYMS = {
    CertificateStatus.VALID: ("有效", "正常", "保持", "valid"),
    CertificateStatus.SUSPENDED: ("暂停", "暂停使用", "suspended"),
    CertificateStatus.WITHDRAWN: ("撤销", "撤消", "注销", "withdrawn"),
    CertificateStatus.EXPIRED: ("过期", "失效", "到期", "已过期", "expired"),
}
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _status_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for status in CertificateStatus:
        names = [status.value, str(status.label), *STATUS_SYNONYMS.get(status, ())]
        with translation.override("zh-hans"):
            names.append(str(status.label))
        for name in names:
            lookup.setdefault(norm(name), status.value)
    return lookup


def parse_version(text: str) -> str:
    value = unicodedata.normalize("NFKC", text)
    found = {y for y in _YEAR.findall(value) if y in StandardVersion.values}
    if len(found) != 1:
        raise RowError(
            _("“%(v)s” is not an edition of GB/T 29490 (use 2013 or 2023).") % {"v": text}
        )
    return found.pop()


def parse_dates(text: str) -> list:
    return sorted({parse_date(part) for part in split_list(text)})


@dataclass
class CertificateImportContext:
    editions: dict
    statuses: dict[str, str]
    by_uscc: dict[str, int]
    by_name: dict[str, list[int]]
    usccs: dict[int, str]
    not_enterprises: set[int]
    may_add: set[int] | None  # organizations the user may add certificates for; None: all
    may_change: set[int] | None  # … and change them for
    existing: dict[str, int]  # certificate number, case folded → pk
    changeable: set[int]
    user: object = None
    today: object = None
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


@register
class CertificateImportFormat(ImportFormat):
    key = "utilization.certificate"
    title = gettext_lazy("GB/T 29490 certificates")
    description = gettext_lazy(
        "One certificate per row. The enterprise must exist (matched by credit code, then by "
        "exact name). A certificate number already recorded (in any case) updates that "
        "certificate; a different status is changed as of today, under the rules of the status "
        "changes. An empty expiry means the issue date plus the edition's validity; "
        "surveillance audit dates are the audits held, separated by ;."
    )
    permissions = ("utilization.add_certificate", "utilization.change_certificate")
    success_url_name = "utilization:certificate_list"
    columns = [
        Column(
            "org_name",
            "企业名称",
            ("企业", "获证企业", "获证组织", "单位名称", "名称", "enterprise"),
            True,
            max_length=200,
        ),
        Column(
            "uscc",
            "统一社会信用代码",
            ("信用代码", "社会信用代码", "USCC"),
            parse=uscc_check,
            max_length=40,
        ),
        Column(
            "version",
            "标准版本",
            ("版本", "认证标准", "标准", "standard version", "standard_version"),
            True,
            parse=parse_version,
            max_length=60,
            help=gettext_lazy("2013 or 2023, or the standard's name: GB/T 29490-2013."),
        ),
        Column(
            "number",
            "证书编号",
            ("证书号", "编号", "certificate number", "number"),
            True,
            max_length=100,
        ),
        Column(
            "body_name",
            "认证机构",
            ("发证机构", "认证机构名称", "certification body"),
            True,
            max_length=200,
        ),
        Column(
            "issue_date",
            "发证日期",
            ("颁证日期", "发证时间", "注册日期", "issue date"),
            True,
            parse=parse_date,
        ),
        Column(
            "expiry_date",
            "有效期至",
            ("到期日期", "有效期截止日期", "证书有效期至", "有效期", "expiry date"),
            parse=parse_date,
            help=gettext_lazy("Empty: the issue date plus the edition's validity."),
        ),
        Column(
            "status",
            "状态",
            ("证书状态", "status"),
            max_length=20,
            help=gettext_lazy(
                "有效, 暂停, 撤销 or 过期; empty: valid for a new certificate, unchanged for a "
                "recorded one."
            ),
        ),
        Column(
            "audits",
            "监督审核日期",
            ("监督审核", "监督审核时间", "surveillance audits"),
            parse=parse_dates,
            help=gettext_lazy("Dates of the surveillance audits held, separated by ;."),
        ),
    ]

    # -- checking --------------------------------------------------------------------------

    def prepare(self, user) -> CertificateImportContext:
        by_uscc, by_name, usccs, others = {}, {}, {}, set()
        rows = Organization.objects.values_list("pk", "name", "uscc", "kind")
        for pk, name, uscc, kind in rows.iterator(chunk_size=5000):
            if kind != OrganizationKind.ENTERPRISE:
                others.add(pk)
            if uscc:
                by_uscc[uscc] = pk
                usccs[pk] = uscc
            by_name.setdefault(norm(name), []).append(pk)
        existing = {
            number.casefold(): pk
            for number, pk in Certificate.objects.values_list("number", "pk").iterator()
        }
        return CertificateImportContext(
            editions=certificates.editions(),
            statuses=_status_lookup(),
            by_uscc=by_uscc,
            by_name=by_name,
            usccs=usccs,
            not_enterprises=others,
            may_add=orgs_in_scope(user, Certificate, "add"),
            may_change=orgs_in_scope(user, Certificate, "change"),
            existing=existing,
            changeable=set(
                Certificate.objects.restrict(user, "change").values_list("pk", flat=True)
            ),
            user=user,
            today=certificates.current_date(),
        )

    def clean_row(self, row: Row, ctx: CertificateImportContext) -> None:
        """The row's own checks, then the very checks the certificate form applies (through the
        form itself), then the status change's rules: the preview refuses what the write would."""
        values = row.values
        uscc, warning = values.pop("uscc", ("", ""))
        if warning:
            row.warn(warning, "统一社会信用代码")
        values["number"] = " ".join(values["number"].split())
        org = values["organization"] = self._match(values["org_name"], uscc, row, ctx)
        existing = ctx.existing.get(values["number"].casefold())
        values["existing"] = existing
        if existing and existing not in ctx.changeable:
            raise RowError(
                _("This certificate is recorded already and you may not change it."), "证书编号"
            )
        cert = Certificate.objects.get(pk=existing) if existing else None
        if org in ctx.not_enterprises and not (cert and cert.organization_id == org):
            raise RowError(
                _("This organization is not an enterprise; only enterprises hold certificates."),
                "企业名称",
            )
        allowed = ctx.may_change if cert else ctx.may_add
        if allowed is not None and org not in allowed:
            raise RowError(_("You may not add certificates for this enterprise."), "企业名称")
        if "status" in values:
            status = ctx.statuses.get(norm(values["status"]))
            if status is None:
                raise RowError(_("Unknown status “%(v)s”.") % {"v": values["status"]}, "状态")
            values["status"] = status
        version = values["version"]
        edition = ctx.editions.get(version)
        issue = values["issue_date"]
        if not values.get("expiry_date"):
            values["expiry_date"] = certificates.default_expiry(issue, edition)
        expiry = values["expiry_date"]
        audits = values.get("audits") or []
        for day in audits:
            if not issue < day <= expiry:
                raise RowError(
                    _("The audit of %(d)s is not between the issue date and the expiry.")
                    % {"d": day.isoformat()},
                    "监督审核日期",
                )
            if day > ctx.today:
                raise RowError(
                    _("The audit of %(d)s is in the future; list only audits held.")
                    % {"d": day.isoformat()},
                    "监督审核日期",
                )
        values["converted_on"] = self._converted_on(values, cert, edition, audits)
        data = {
            "organization": org,
            "standard_version": version,
            "body_name": values["body_name"],
            "issue_date": issue,
            "expiry_date": expiry,
            "converted_on": values["converted_on"] or "",
        }
        if cert is None:
            data.update(number=values["number"], status=values.get("status") or "")
        values["data"] = data
        form = certificates.certificate_form(ctx.user, data, cert, ctx.editions)
        if not form.is_valid():
            raise _row_error(form.errors.as_data())
        values["status_action"] = None
        status = values.get("status")
        if cert is not None and status and status != cert.status:
            # The form left the row's values on `cert` (unsaved): the change is judged on them.
            action = certificates.ACTION_FOR_STATUS[status]
            try:
                certificates.check_status_change(cert, action, ctx.today)
            except ValidationError as exc:
                raise RowError(
                    _("The status cannot become “%(status)s”: %(problem)s")
                    % {
                        "status": CertificateStatus(status).label,
                        "problem": " ".join(exc.messages),
                    },
                    "状态",
                ) from None
            values["status_action"] = action

    def _converted_on(self, values, cert, edition, audits):
        """When the certificate was converted to 2023: as recorded already, or, for a 2023
        certificate issued before that edition took effect, the first audit held since."""
        version = values["version"]
        if cert is not None and cert.converted_on:
            if version != StandardVersion.V2023:
                raise RowError(
                    _(
                        "This certificate was converted to the 2023 edition on %(date)s; the "
                        "row's edition is out of date."
                    )
                    % {"date": cert.converted_on.isoformat()},
                    "标准版本",
                )
            return cert.converted_on
        if edition is None or version != StandardVersion.V2023:
            return None
        if values["issue_date"] >= edition.effective_from:
            return None
        converted_on = next((d for d in audits if d >= edition.effective_from), None)
        if converted_on is None:
            raise RowError(
                _(
                    "Issued before the 2023 edition took effect, so it was converted at a "
                    "surveillance audit: list that audit's date in 监督审核日期."
                ),
                "监督审核日期",
            )
        return converted_on

    def _match(self, name: str, uscc: str, row: Row, ctx) -> int:
        if uscc and uscc in ctx.by_uscc:
            pk = ctx.by_uscc[uscc]
            if pk not in ctx.by_name.get(norm(name), []):
                row.warn(_("The credit code belongs to an organization of another name."))
            return pk
        named = ctx.by_name.get(norm(name), [])
        if len(named) > 1:
            raise RowError(
                _("Several organizations have this name; add the credit code to pick one."),
                "企业名称",
            )
        if not named:
            raise RowError(
                _("No organization named “%(v)s”; add it to the organizations first.")
                % {"v": name},
                "企业名称",
            )
        other = ctx.usccs.get(named[0])
        if uscc and other and other != uscc:
            raise RowError(
                _("The organization with this name has another credit code (%(c)s).")
                % {"c": other},
                "统一社会信用代码",
            )
        return named[0]

    def duplicate_keys(self, row: Row, ctx):
        yield "证书编号", row.values["number"].casefold()

    # -- writing ---------------------------------------------------------------------------

    def write(self, rows, ctx: CertificateImportContext, user, progress) -> dict:
        """Each row through the shared actions (create or update, then the status change and the
        audits held), so the import obeys the rules the pages do."""
        existing = Certificate.objects.in_bulk(
            [r.values["existing"] for r in rows if r.values["existing"]]
        )
        for done, row in enumerate(rows, start=1):
            try:
                self._write_row(row.values, existing.get(row.values["existing"]), ctx, user)
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
            if done % 100 == 0:
                progress(done)
        progress(len(rows))
        for action, pks in (("add", ctx.created), ("change", ctx.updated)):
            if pks and Certificate.objects.restrict(user, action).filter(pk__in=pks).count() != len(
                set(pks)
            ):
                raise ImportRefused(_("You may only import certificates inside your own scope."))
        return {"created": len(ctx.created), "updated": len(ctx.updated)}

    def _write_row(self, values: dict, cert: Certificate | None, ctx, user) -> None:
        if cert is None:
            cert = certificates.create_certificate(user, values["data"])
            ctx.created.append(cert.pk)
        else:
            cert = certificates.update_certificate(user, cert, values["data"])
            if values["status_action"]:
                certificates.change_status(
                    user, cert, values["status_action"], ctx.today, str(_("Import"))
                )
            ctx.updated.append(cert.pk)
        certificates.record_held_audits(user, cert, values.get("audits") or [], ctx.editions)


FIELD_COLUMNS = {
    "organization": "企业名称",
    "standard_version": "标准版本",
    "number": "证书编号",
    "body_name": "认证机构",
    "issue_date": "发证日期",
    "expiry_date": "有效期至",
    "status": "状态",
    "converted_on": "监督审核日期",
}


def _row_error(errors: dict) -> RowError:
    """The certificate form's errors as one row error, in the column of the first."""
    field_name = next(iter(errors))
    messages = [m for errs in errors.values() for e in errs for m in e.messages]
    return RowError(" ".join(messages), FIELD_COLUMNS.get(field_name, ""))
