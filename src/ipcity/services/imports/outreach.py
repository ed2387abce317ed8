"""Import formats of publicity and training: events ("services.event"), the attendees of courses
("services.attendance"; also used bound to one course from the course page) and the talent pool
("services.talent").

Every row is checked by the same form as the pages (through `services.outreach`), so the import
and the pages apply one set of rules; organizations are matched by unified social credit code or
exact name, never created; the file is written all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.core.imports import Column, ImportFormat, ImportRefused, Row, RowError, register
from ipcity.core.imports import normalize_header as norm
from ipcity.orgs.models import Organization
from ipcity.rights.imports.normalize import parse_count, parse_date

from .. import outreach
from ..choices import Channel, EventKind, TalentKind
from ..models import Course, Event, Talent

EVENT_KIND_SYNONYMS = {
    EventKind.PUBLICITY_WEEK: ("宣传周", "知识产权宣传周", "4.26宣传周", "426宣传周"),
    EventKind.PATENT_WEEK: ("专利周", "中国专利周"),
    EventKind.SEMINAR: ("讲座", "研讨会", "座谈会", "宣讲", "宣讲会", "培训讲座"),
    EventKind.MEDIA: ("媒体", "报道", "媒体报道", "稿件", "宣传稿"),
    EventKind.EXHIBITION: ("展览", "展会", "展示"),
    EventKind.OTHER: ("其他",),
}
CHANNEL_SYNONYMS = {
    Channel.ONSITE: ("现场", "线下"),
    Channel.ONLINE: ("线上", "网络", "直播", "网络直播"),
    Channel.TV: ("电视", "电视台"),
    Channel.NEWSPAPER: ("报纸", "报刊", "报社"),
    Channel.WECHAT: ("微信", "微信公众号", "公众号"),
    Channel.WEBSITE: ("网站", "门户网站", "官网"),
    Channel.SHORT_VIDEO: ("短视频", "抖音", "视频号"),
    Channel.OTHER: ("其他",),
}
TALENT_KIND_SYNONYMS = {
    TalentKind.PATENT_AGENT: ("专利代理师", "专利代理人"),
    TalentKind.IP_LAWYER: ("知识产权律师", "律师"),
    TalentKind.IP_MANAGER: (
        "企业知识产权管理人员",
        "知识产权管理人员",
        "知识产权经理",
        "知识产权专员",
    ),
    TalentKind.APPRAISER: ("评估师", "资产评估师"),
    TalentKind.ENFORCEMENT: ("执法人员",),
    TalentKind.OPERATIONS: ("运营人员", "知识产权运营", "运营专员"),
    TalentKind.OTHER: ("其他",),
}
YES = ("是", "有", "通过", "合格", "结业", "已结业", "公开", "在职", "√", "yes", "y", "true", "1")
NO = (
    "否",
    "无",
    "未通过",
    "不通过",
    "不合格",
    "未结业",
    "不公开",
    "离职",
    "×",
    "no",
    "n",
    "false",
    "0",
)


def _lookup(choices, synonyms) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for choice in choices:
        names = [choice.value, str(choice.label), *synonyms.get(choice, ())]
        with translation.override("zh-hans"):
            names.append(str(choice.label))
        for name in names:
            lookup.setdefault(norm(name), choice.value)
    return lookup


def _choice_parser(choices, synonyms, what):
    def parse(text: str) -> str:
        value = _lookup(choices, synonyms).get(norm(text))
        if value is None:
            raise RowError(_("Unknown %(what)s “%(v)s”.") % {"what": what, "v": text})
        return value

    return parse


def parse_yes_no(text: str) -> bool:
    value = norm(text)
    if value in {norm(w) for w in YES}:
        return True
    if value in {norm(w) for w in NO}:
        return False
    raise RowError(_("Write 是 (yes) or 否 (no)."))


def parse_hours(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise RowError(_("“%(v)s” is not a number of hours.") % {"v": text}) from None
    if value < 0 or value >= Decimal("100000"):
        raise RowError(_("Hours must be between 0 and 99999."))
    return value.quantize(Decimal("0.1"))


@dataclass
class Organizations:
    """Organizations by credit code and by normalized name, loaded once per file."""

    by_uscc: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Organizations:
        orgs = cls()
        for pk, name, uscc in Organization.objects.values_list("pk", "name", "uscc").iterator(
            chunk_size=5000
        ):
            orgs.by_name.setdefault(norm(name), []).append(pk)
            if uscc:
                orgs.by_uscc[uscc.upper()] = pk
        return orgs

    def match(self, text: str, column: str) -> int:
        key = "".join(text.split()).upper()
        if len(key) == 18 and key in self.by_uscc:
            return self.by_uscc[key]
        named = self.by_name.get(norm(text), [])
        if len(named) > 1:
            raise RowError(_("Several organizations have this name; use its credit code."), column)
        if not named:
            raise RowError(
                _("No organization named or coded “%(v)s” is recorded.") % {"v": text}, column
            )
        return named[0]


def _form_problem(form, labels: dict[str, str]) -> RowError:
    """The form's first problem as a row error on the column it concerns."""
    name, errors = next(iter(form.errors.items()))
    return RowError(" ".join(str(e) for e in errors), labels.get(name, ""))


def _refused(row: Row, exc) -> ImportRefused:
    message = " ".join(getattr(exc, "messages", None) or [str(exc)])
    return ImportRefused(_("Row %(row)d: %(problem)s") % {"row": row.number, "problem": message})


# -- events ----------------------------------------------------------------------------------


@dataclass
class EventContext:
    user: object
    orgs: Organizations
    existing: set[tuple[int, str, object]]


@register
class EventImportFormat(ImportFormat):
    key = "services.event"
    title = gettext_lazy("Publicity events")
    description = gettext_lazy(
        "One event or media piece per row. The organizer is matched by credit code or exact "
        "name; empty means your own organization. An event its organizer already has with the "
        "same title and start date is refused, so a file uploaded twice adds nothing twice."
    )
    permissions = ("services.add_event",)
    success_url_name = "services:event_list"
    columns = [
        Column("title", "活动名称", ("标题", "名称", "活动", "title"), True, max_length=200),
        Column(
            "kind",
            "活动类型",
            ("类型", "类别", "kind"),
            True,
            parse=_choice_parser(EventKind, EVENT_KIND_SYNONYMS, gettext_lazy("kind")),
        ),
        Column(
            "channel",
            "渠道",
            ("宣传渠道", "媒体", "形式", "channel"),
            True,
            parse=_choice_parser(Channel, CHANNEL_SYNONYMS, gettext_lazy("channel")),
        ),
        Column(
            "starts_on",
            "开始日期",
            ("日期", "活动日期", "发布日期", "starts on"),
            True,
            parse=parse_date,
        ),
        Column("ends_on", "结束日期", ("ends on",), parse=parse_date),
        Column("place", "地点", ("活动地点", "place"), max_length=200),
        Column("organizer", "主办单位", ("组织单位", "单位", "organizer"), max_length=200),
        Column("audience", "受众", ("对象", "参加对象", "audience"), max_length=200),
        Column(
            "reach",
            "覆盖人数",
            ("参与人数", "阅读量", "观看量", "人数", "reach"),
            parse=parse_count,
        ),
        Column("link", "链接", ("网址", "link"), max_length=200),
        Column("published", "是否公开", ("公开", "published"), parse=parse_yes_no),
        Column("description", "简介", ("内容", "说明", "description"), max_length=1000),
    ]

    def prepare(self, user) -> EventContext:
        existing = {
            (org, norm(title), day)
            for org, title, day in Event.objects.values_list("organizer_id", "title", "starts_on")
        }
        return EventContext(user, Organizations.load(), existing)

    def form_data(self, values: dict, organizer: int) -> dict:
        return {
            "title": values["title"],
            "kind": values["kind"],
            "channel": values["channel"],
            "starts_on": values["starts_on"],
            "ends_on": values.get("ends_on") or "",
            "place": values.get("place", ""),
            "organizer": organizer,
            "audience": values.get("audience", ""),
            "reach": values.get("reach") or 0,
            "link": values.get("link", ""),
            "published": values.get("published", True),
            "description": values.get("description", ""),
        }

    def clean_row(self, row: Row, ctx: EventContext) -> None:
        values = row.values
        if values.get("organizer"):
            organizer = ctx.orgs.match(values["organizer"], "主办单位")
        else:
            organizer = getattr(ctx.user, "organization_id", None)
            if organizer is None:
                raise RowError(_("Your account is not linked to an organization."), "主办单位")
        if (organizer, norm(values["title"]), values["starts_on"]) in ctx.existing:
            raise RowError(
                _("This organizer already has an event with this title on this day."), "活动名称"
            )
        data = self.form_data(values, organizer)
        form = outreach.event_form(ctx.user, data)
        if not form.is_valid():
            labels = {c.key: c.label for c in self.columns}
            if "organizer" in form.errors:
                raise RowError(_("You may not record events of this organizer."), "主办单位")
            raise _form_problem(form, labels)
        values["data"] = data

    def duplicate_keys(self, row: Row, ctx):
        data = row.values["data"]
        yield "活动名称", f"{data['organizer']}|{norm(data['title'])}|{data['starts_on']}"

    def write(self, rows, ctx: EventContext, user, progress) -> dict:
        for done, row in enumerate(rows, start=1):
            try:
                outreach.create_event(user, row.values["data"])
            except (ValidationError, PermissionDenied) as exc:
                raise _refused(row, exc) from None
            if done % 100 == 0:
                progress(done)
        progress(len(rows))
        return {"created": len(rows), "updated": 0}


# -- attendances -----------------------------------------------------------------------------


@dataclass
class AttendanceContext:
    user: object
    orgs: Organizations
    courses: dict[int, Course]  # the courses whose attendees the user may record
    by_title: dict[str, list[int]]
    talents: dict[str, int]  # qualification certificate number, folded → talent pk


@register
class AttendanceImportFormat(ImportFormat):
    key = "services.attendance"
    title = gettext_lazy("Course attendees")
    description = gettext_lazy(
        "One attendee per row: the course (its title or number), the name, the organization "
        "(credit code or exact name), the hours attended (at most the course's), whether they "
        "passed and the certificate number (required when the course issues certificates and "
        "the attendee passed; unique within the course). A qualification certificate number "
        "links the row to that person of the talent pool. The whole file is written, or "
        "nothing."
    )
    permissions = ("services.add_attendance",)
    success_url_name = "services:attendance_list"

    def __init__(self, course: Course | None = None):
        self.course = course
        columns = [
            Column(
                "course",
                "培训班",
                ("课程", "培训课程", "培训名称", "课程名称", "course"),
                course is None,
                max_length=200,
            ),
            Column("name", "姓名", ("学员", "学员姓名", "name"), True, max_length=100),
            Column(
                "organization", "单位", ("工作单位", "所在单位", "organization"), max_length=200
            ),
            Column(
                "talent_number",
                "资格证书编号",
                ("执业证号", "人才库证书编号", "qualification certificate number"),
                max_length=100,
            ),
            Column("hours", "学时", ("培训学时", "参训学时", "hours"), True, parse=parse_hours),
            Column(
                "passed", "是否结业", ("是否合格", "结业", "合格", "passed"), parse=parse_yes_no
            ),
            Column(
                "certificate_number",
                "证书编号",
                ("结业证书编号", "certificate number"),
                max_length=100,
            ),
        ]
        if course is not None:
            columns = [c for c in columns if c.key != "course"]
        self.columns = columns

    def prepare(self, user) -> AttendanceContext:
        if self.course is not None:
            courses = {self.course.pk: self.course}
        else:
            courses = {c.pk: c for c in Course.objects.restrict(user, "change").order_by()}
        by_title: dict[str, list[int]] = {}
        for course in courses.values():
            by_title.setdefault(norm(course.title), []).append(course.pk)
        talents = {
            number.casefold(): pk
            for number, pk in Talent.objects.restrict(user, "view")
            .exclude(certificate_number="")
            .values_list("certificate_number", "pk")
        }
        return AttendanceContext(user, Organizations.load(), courses, by_title, talents)

    def _course(self, values: dict, ctx: AttendanceContext) -> Course:
        if self.course is not None:
            return self.course
        text = values["course"]
        if text.isdigit() and int(text) in ctx.courses:
            return ctx.courses[int(text)]
        matched = ctx.by_title.get(norm(text), [])
        if len(matched) > 1:
            raise RowError(_("Several courses have this title; use the course number."), "培训班")
        if not matched:
            raise RowError(
                _("No course “%(v)s” whose attendees you may record.") % {"v": text}, "培训班"
            )
        return ctx.courses[matched[0]]

    def clean_row(self, row: Row, ctx: AttendanceContext) -> None:
        values = row.values
        course = self._course(values, ctx)
        data = {
            "name": values["name"],
            "organization": "",
            "talent": "",
            "hours": values["hours"],
            "passed": values.get("passed", True),
            "certificate_number": values.get("certificate_number", ""),
        }
        if values.get("organization"):
            data["organization"] = ctx.orgs.match(values["organization"], "单位")
        if values.get("talent_number"):
            talent = ctx.talents.get(values["talent_number"].casefold())
            if talent is None:
                raise RowError(
                    _("No person of the talent pool holds this certificate number."),
                    "资格证书编号",
                )
            data["talent"] = talent
        form = outreach.attendance_form(ctx.user, course, data)
        if not form.is_valid():
            labels = {c.key: c.label for c in self.columns}
            labels["talent"] = "资格证书编号"
            raise _form_problem(form, labels)
        values["course_id"] = course.pk
        values["data"] = data

    def duplicate_keys(self, row: Row, ctx):
        values = row.values
        number = values["data"]["certificate_number"]
        if number:
            yield "证书编号", f"{values['course_id']}|{number.casefold()}"
        if values["data"]["talent"]:
            yield "资格证书编号", f"{values['course_id']}|{values['data']['talent']}"

    def write(self, rows, ctx: AttendanceContext, user, progress) -> dict:
        by_course: dict[int, list[Row]] = {}
        for row in rows:
            by_course.setdefault(row.values["course_id"], []).append(row)
        created = 0
        for course_id, group in by_course.items():
            try:
                created += len(
                    outreach.add_attendances(
                        user,
                        ctx.courses[course_id],
                        [{**r.values["data"], "row": r.number} for r in group],
                    )
                )
            except (ValidationError, PermissionDenied) as exc:
                message = " ".join(getattr(exc, "messages", None) or [str(exc)])
                raise ImportRefused(message) from None
            progress(created)
        return {"created": created, "updated": 0}


# -- talent ----------------------------------------------------------------------------------


@dataclass
class TalentContext:
    user: object
    orgs: Organizations
    existing: dict[str, int]  # qualification certificate number, folded → pk
    changeable: dict[int, Talent]


@register
class TalentImportFormat(ImportFormat):
    key = "services.talent"
    title = gettext_lazy("Talent pool")
    description = gettext_lazy(
        "One person per row. The organization is matched by credit code or exact name; empty "
        "means your own. A qualification certificate number already in the pool updates that "
        "person (if you may change them). The whole file is written, or nothing."
    )
    permissions = ("services.add_talent", "services.change_talent")
    success_url_name = "services:talent_list"
    columns = [
        Column("name", "姓名", ("name",), True, max_length=100),
        Column(
            "kind",
            "人才类别",
            ("类别", "类型", "kind"),
            True,
            parse=_choice_parser(TalentKind, TALENT_KIND_SYNONYMS, gettext_lazy("kind")),
        ),
        Column("organization", "所在单位", ("单位", "工作单位", "organization"), max_length=200),
        Column(
            "qualification", "资格", ("职业资格", "资质", "职称", "qualification"), max_length=200
        ),
        Column(
            "certificate_number",
            "资格证书编号",
            ("执业证号", "证书编号", "certificate number"),
            max_length=100,
        ),
        Column("qualified_on", "取得资格日期", ("资格日期", "qualified on"), parse=parse_date),
        Column("specialties", "专业领域", ("专长", "擅长领域", "specialties"), max_length=300),
        Column("phone", "电话", ("联系电话", "手机", "phone"), max_length=40),
        Column("email", "电子邮箱", ("邮箱", "email"), max_length=254),
        Column("is_active", "是否在职", ("在职", "状态", "active"), parse=parse_yes_no),
    ]

    def prepare(self, user) -> TalentContext:
        existing = {
            number.casefold(): pk
            for number, pk in Talent.objects.exclude(certificate_number="").values_list(
                "certificate_number", "pk"
            )
        }
        changeable = {t.pk: t for t in Talent.objects.restrict(user, "change").order_by()}
        return TalentContext(user, Organizations.load(), existing, changeable)

    def clean_row(self, row: Row, ctx: TalentContext) -> None:
        values = row.values
        existing = None
        number = values.get("certificate_number", "")
        if number and number.casefold() in ctx.existing:
            existing = ctx.changeable.get(ctx.existing[number.casefold()])
            if existing is None:
                raise RowError(
                    _("This certificate number is in the pool already and you may not change it."),
                    "资格证书编号",
                )
        if values.get("organization"):
            organization = ctx.orgs.match(values["organization"], "所在单位")
        elif existing is not None:
            organization = existing.organization_id or ""
        else:
            organization = getattr(ctx.user, "organization_id", None) or ""
        data = {
            "name": values["name"],
            "kind": values["kind"],
            "organization": organization,
            "qualification": values.get("qualification", ""),
            "certificate_number": number,
            "qualified_on": values.get("qualified_on") or "",
            "specialties": values.get("specialties", ""),
            "phone": values.get("phone", ""),
            "email": values.get("email", ""),
            "is_active": values.get("is_active", True),
            "notes": existing.notes if existing is not None else "",
        }
        form = outreach.talent_form(ctx.user, data, existing)
        if not form.is_valid():
            if "organization" in form.errors:
                raise RowError(_("You may not record people of this organization."), "所在单位")
            labels = {c.key: c.label for c in self.columns}
            raise _form_problem(form, labels)
        values["data"] = data
        values["existing"] = existing.pk if existing is not None else None

    def duplicate_keys(self, row: Row, ctx):
        number = row.values["data"]["certificate_number"]
        if number:
            yield "资格证书编号", number.casefold()

    def write(self, rows, ctx: TalentContext, user, progress) -> dict:
        created = updated = 0
        for row in rows:
            try:
                if row.values["existing"]:
                    talent = Talent.objects.get(pk=row.values["existing"])
                    outreach.update_talent(user, talent, row.values["data"])
                    updated += 1
                else:
                    outreach.create_talent(user, row.values["data"])
                    created += 1
            except (ValidationError, PermissionDenied) as exc:
                raise _refused(row, exc) from None
        progress(len(rows))
        return {"created": created, "updated": updated}
