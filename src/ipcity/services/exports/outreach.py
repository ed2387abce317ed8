"""What the event, course, attendance and talent lists export: the filtered rows the reader sees,
with the import's own column labels where a column re-imports.

A talent's phone and e-mail are exported only on rows the reader may change (the office, the
talent's own organization); for every other row those cells are empty, whoever runs the export
and whether it runs in the request or as a job.
"""

from django.db.models import BooleanField, Case, Value, When
from django.utils.translation import gettext_lazy as _

from ipcity.core.exports import ExportSpec
from ipcity.core.scope import scope_q

from ..filters.outreach import (
    AttendanceFilterSet,
    CourseFilterSet,
    EventFilterSet,
    TalentFilterSet,
)
from ..models import Attendance, Course, Event, Talent

EVENT_EXPORT = ExportSpec(
    model=Event,
    path="ipcity.services.exports.outreach.EVENT_EXPORT",
    filterset_class=EventFilterSet,
    select_related=("organizer",),
    fields=[
        "title",
        "kind",
        "channel",
        "starts_on",
        "ends_on",
        "place",
        "organizer.name",
        "audience",
        "reach",
        "link",
        "published",
        "description",
    ],
    headers={
        "title": "活动名称",
        "kind": "活动类型",
        "channel": "渠道",
        "starts_on": "开始日期",
        "ends_on": "结束日期",
        "place": "地点",
        "organizer.name": "主办单位",
        "audience": "受众",
        "reach": "覆盖人数",
        "link": "链接",
        "published": "是否公开",
        "description": "简介",
    },
    filename="publicity-events",
)

COURSE_EXPORT = ExportSpec(
    model=Course,
    path="ipcity.services.exports.outreach.COURSE_EXPORT",
    filterset_class=CourseFilterSet,
    select_related=("organizer",),
    fields=[
        "title",
        "topic",
        "organizer.name",
        "starts_on",
        "ends_on",
        "place",
        "channel",
        "hours",
        "audience",
        "issues_certificates",
    ],
    headers={"organizer.name": _("Organizer")},
    filename="training-courses",
)

ATTENDANCE_EXPORT = ExportSpec(
    model=Attendance,
    path="ipcity.services.exports.outreach.ATTENDANCE_EXPORT",
    filterset_class=AttendanceFilterSet,
    select_related=("course", "organization", "talent"),
    fields=[
        "course.title",
        "course.starts_on",
        "name",
        "organization.name",
        "talent.certificate_number",
        "hours",
        "passed",
        "certificate_number",
    ],
    headers={
        "course.title": "培训班",
        "course.starts_on": _("Course date"),
        "name": "姓名",
        "organization.name": "单位",
        "talent.certificate_number": "资格证书编号",
        "hours": "学时",
        "passed": "是否结业",
        "certificate_number": "证书编号",
    },
    filename="training-attendances",
)


class TalentExportSpec(ExportSpec):
    """The talent export: contact cells only on the rows the reader may change."""

    CONTACT_FIELDS = ("phone", "email")

    def queryset(self, user, params):
        qs = super().queryset(user, params)
        changeable = scope_q(Talent, user, "change")
        if changeable is None:
            flag = Value(False, output_field=BooleanField())
        elif not changeable:  # a district-wide grant: every row
            flag = Value(True, output_field=BooleanField())
        else:
            flag = Case(
                When(changeable, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        return qs.annotate(contact_visible=flag)

    def row(self, obj) -> list:
        values = super().row(obj)
        if not getattr(obj, "contact_visible", False):
            for i, path in enumerate(self.fields):
                if path in self.CONTACT_FIELDS:
                    values[i] = ""
        return values


TALENT_EXPORT = TalentExportSpec(
    model=Talent,
    path="ipcity.services.exports.outreach.TALENT_EXPORT",
    filterset_class=TalentFilterSet,
    select_related=("organization",),
    fields=[
        "name",
        "kind",
        "organization.name",
        "qualification",
        "certificate_number",
        "qualified_on",
        "specialties",
        "phone",
        "email",
        "is_active",
    ],
    headers={
        "name": "姓名",
        "kind": "人才类别",
        "organization.name": "所在单位",
        "qualification": "资格",
        "certificate_number": "资格证书编号",
        "qualified_on": "取得资格日期",
        "specialties": "专业领域",
        "phone": "电话",
        "email": "电子邮箱",
        "is_active": "是否在职",
    },
    filename="talent-pool",
)
