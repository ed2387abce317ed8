"""The enforcement officer import ("protection.officer"): one officer per row.

The agency is matched to an organization that is an enforcement agency, by its unified social
credit code or by its exact name (agencies are recorded first, never created here). A
certificate number already recorded (in any case) updates that officer. 培训学时 is the officer's
total training hours: more than the trainings recorded adds one training for the difference;
fewer is refused (trainings are deleted on the officer's page). Rows are checked by the officer
form itself, so the import and the pages apply one set of rules; the file is written all or
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.imports import Column, ImportFormat, ImportRefused, Row, RowError, register
from ipcity.core.imports import normalize_header as norm
from ipcity.rights.imports.normalize import parse_date

from .. import officers
from ..choices import OfficerStatus
from ..forms.agencies import normalize_number
from ..models import Agency, Officer, OfficerTraining

STATUS_SYNONYMS = {
    OfficerStatus.ACTIVE: ("在岗", "有效", "正常", "持证", "active"),
    OfficerStatus.SUSPENDED: ("暂停", "暂扣", "暂停执法", "suspended"),
    OfficerStatus.LEFT: ("调离", "离岗", "注销", "离职", "退休", "left"),
}


def _status_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for status in OfficerStatus:
        names = [status.value, str(status.label), *STATUS_SYNONYMS.get(status, ())]
        with translation.override("zh-hans"):
            names.append(str(status.label))
        for name in names:
            lookup.setdefault(norm(name), status.value)
    return lookup


def parse_hours(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise RowError(_("“%(v)s” is not a number of hours.") % {"v": text}) from None
    if value < 0 or value >= Decimal("100000"):
        raise RowError(_("Training hours must be between 0 and 99999."))
    return value.quantize(Decimal("0.1"))


@dataclass
class OfficerImportContext:
    statuses: dict[str, str]
    by_uscc: dict[str, int]
    by_name: dict[str, list[int]]
    existing: dict[str, int]  # certificate number, case folded → pk
    changeable: set[int]
    officers: dict[int, Officer] = field(default_factory=dict)  # the changeable ones, by pk
    hours: dict[int, Decimal] = field(default_factory=dict)  # sum of their trainings
    user: object = None
    today: object = None
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


@register
class OfficerImportFormat(ImportFormat):
    key = "protection.officer"
    title = gettext_lazy("Enforcement officers")
    description = gettext_lazy(
        "One officer per row. The agency must be recorded (matched by credit code or by exact "
        "name). A certificate number already recorded (in any case) updates that officer. "
        "Training hours are the officer's total: more than the trainings recorded adds one "
        "training for the difference. The whole file is written, or nothing."
    )
    permissions = ("protection.add_officer", "protection.change_officer")
    success_url_name = "protection:officer_list"
    columns = [
        Column("name", "姓名", ("执法人员", "人员姓名", "name"), True, max_length=100),
        Column(
            "agency",
            "执法机构",
            ("所属机构", "执法单位", "单位", "单位名称", "机构", "统一社会信用代码", "agency"),
            True,
            max_length=200,
            help=gettext_lazy("The agency's name or its unified social credit code."),
        ),
        Column(
            "number",
            "执法证号",
            ("执法证编号", "证件编号", "证号", "certificate number"),
            True,
            max_length=40,
        ),
        Column("issued_on", "发证日期", ("发证时间", "issued on"), parse=parse_date),
        Column(
            "valid_until",
            "有效期至",
            ("有效期截止日期", "到期日期", "valid until"),
            True,
            parse=parse_date,
        ),
        Column(
            "hours",
            "培训学时",
            ("学时", "培训时长", "training hours"),
            parse=parse_hours,
            help=gettext_lazy("The officer's total training hours; empty: unchanged."),
        ),
        Column(
            "status",
            "状态",
            ("人员状态", "status"),
            max_length=20,
            help=gettext_lazy("在岗, 暂停 or 调离; empty: active for a new officer, unchanged."),
        ),
    ]

    def prepare(self, user) -> OfficerImportContext:
        by_uscc, by_name = {}, {}
        rows = Agency.objects.values_list(
            "organization_id", "organization__name", "organization__uscc"
        )
        for pk, name, uscc in rows:
            if uscc:
                by_uscc[uscc.upper()] = pk
            by_name.setdefault(norm(name), []).append(pk)
        existing = {
            number.casefold(): pk
            for number, pk in Officer.objects.values_list("certificate_number", "pk").iterator()
        }
        changeable = {o.pk: o for o in Officer.objects.restrict(user, "change").order_by()}
        hours = dict(
            OfficerTraining.objects.filter(officer_id__in=Officer.objects.restrict(user, "change"))
            .order_by()
            .values("officer_id")
            .annotate(total=Sum("hours"))
            .values_list("officer_id", "total")
        )
        return OfficerImportContext(
            statuses=_status_lookup(),
            by_uscc=by_uscc,
            by_name=by_name,
            existing=existing,
            changeable=set(changeable),
            officers=changeable,
            hours=hours,
            user=user,
            today=officers.current_date(),
        )

    def clean_row(self, row: Row, ctx: OfficerImportContext) -> None:
        values = row.values
        values["number"] = normalize_number(values["number"])
        org = self._match(values["agency"], ctx)
        existing = ctx.existing.get(values["number"].casefold())
        values["existing"] = existing
        if existing and existing not in ctx.changeable:
            raise RowError(
                _("This certificate number is recorded already and you may not change it."),
                "执法证号",
            )
        officer = ctx.officers[existing] if existing else None
        status = officer.status if officer else OfficerStatus.ACTIVE
        if values.get("status"):
            status = ctx.statuses.get(norm(values["status"]))
            if status is None:
                raise RowError(_("Unknown status “%(v)s”.") % {"v": values["status"]}, "状态")
        data = {
            "organization": org,
            "name": " ".join(values["name"].split()),
            "certificate_number": values["number"],
            "issued_on": values.get("issued_on") or "",
            "valid_until": values["valid_until"],
            "status": status,
            "user": (officer.user_id if officer else None) or "",
        }
        values["data"] = data
        form = officers.officer_form(ctx.user, data, officer)
        if not form.is_valid():
            problems = form.errors.as_data()
            column = {
                "organization": "执法机构",
                "certificate_number": "执法证号",
                "issued_on": "发证日期",
                "valid_until": "有效期至",
                "name": "姓名",
                "status": "状态",
            }
            field_name, errors = next(iter(problems.items()))
            message = " ".join(m for e in errors for m in e.messages)
            if field_name == "organization":
                message = _("You may not record officers of this agency.")
            raise RowError(message, column.get(field_name, ""))
        hours = values.get("hours")
        if hours is not None and officer is not None:
            current = ctx.hours.get(officer.pk) or Decimal("0")
            if hours < current:
                raise RowError(
                    _(
                        "The trainings recorded add up to %(hours)s hours; the file cannot lower "
                        "them (delete trainings on the officer's page)."
                    )
                    % {"hours": current},
                    "培训学时",
                )

    def _match(self, text: str, ctx) -> int:
        key = "".join(text.split()).upper()
        if len(key) == 18 and key in ctx.by_uscc:
            return ctx.by_uscc[key]
        named = ctx.by_name.get(norm(text), [])
        if len(named) > 1:
            raise RowError(_("Several agencies have this name; use the credit code."), "执法机构")
        if not named:
            raise RowError(
                _("No enforcement agency named or coded “%(v)s”; record the agency first.")
                % {"v": text},
                "执法机构",
            )
        return named[0]

    def duplicate_keys(self, row: Row, ctx):
        yield "执法证号", row.values["number"].casefold()

    def write(self, rows, ctx: OfficerImportContext, user, progress) -> dict:
        for done, row in enumerate(rows, start=1):
            values = row.values
            try:
                if values["existing"]:
                    officer = Officer.objects.get(pk=values["existing"])
                    officer = officers.update_officer(user, officer, values["data"])
                    ctx.updated.append(officer.pk)
                else:
                    officer = officers.create_officer(user, values["data"])
                    ctx.created.append(officer.pk)
                if values.get("hours") is not None:
                    officers.top_up_hours(user, officer, values["hours"], ctx.today)
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
        return {"created": len(ctx.created), "updated": len(ctx.updated)}
