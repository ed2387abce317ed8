"""Training courses and attendances: who records attendees, hours and certificate rules, the
import of attendees (row errors, nothing written), the attendance list, one organization's
training, exports and the API."""

from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ipcity.services import outreach
from ipcity.services.models import Attendance, Course

from .builders_outreach import api_client, make_attendance, make_course, make_talent


@pytest.fixture
def course(sworld):
    return make_course(sworld.unit)


def attendee(**overrides):
    data = {"name": "张三", "organization": "", "talent": "", "hours": "24", "passed": True}
    data["certificate_number"] = "C-1"
    data.update(overrides)
    return data


def test_hours_at_most_the_courses(sworld, course):
    with pytest.raises(ValidationError) as exc:
        outreach.add_attendance(sworld.bob, course, attendee(hours="24.5"))
    assert "hours" in exc.value.message_dict
    with pytest.raises(ValidationError):
        outreach.add_attendance(sworld.bob, course, attendee(hours="-1"))
    assert not Attendance.objects.exists()
    outreach.add_attendance(sworld.bob, course, attendee(hours="24"))
    assert Attendance.objects.count() == 1


def test_certificate_rules(sworld, course):
    # Required when the course issues certificates and the attendee passed.
    with pytest.raises(ValidationError) as exc:
        outreach.add_attendance(sworld.bob, course, attendee(certificate_number=""))
    assert "certificate_number" in exc.value.message_dict
    # Not for an attendee who did not pass.
    with pytest.raises(ValidationError):
        outreach.add_attendance(sworld.bob, course, attendee(passed=False))
    outreach.add_attendance(sworld.bob, course, attendee(passed=False, certificate_number=""))
    outreach.add_attendance(sworld.bob, course, attendee(name="李四"))
    # Unique within the course (whatever the case).
    with pytest.raises(ValidationError):
        outreach.add_attendance(sworld.bob, course, attendee(name="王五", certificate_number="c-1"))
    # Another course may use the same number; a course without certificates takes none.
    other = make_course(sworld.unit, "无证书课程", issues_certificates=False)
    with pytest.raises(ValidationError):
        outreach.add_attendance(sworld.bob, other, attendee())
    outreach.add_attendance(sworld.bob, other, attendee(certificate_number=""))
    assert Attendance.objects.count() == 3


def test_talent_attends_once_and_fills_name(sworld, course):
    talent = make_talent(sworld.unit, "赵六")
    row = outreach.add_attendance(sworld.bob, course, attendee(name="", talent=talent.pk))
    assert row.name == "赵六" and row.organization == sworld.unit
    with pytest.raises(ValidationError):
        outreach.add_attendance(
            sworld.bob, course, attendee(name="", talent=talent.pk, certificate_number="C-2")
        )


def test_who_records_attendees(sworld, course):
    for user in (sworld.leo, sworld.charlie, sworld.sam):
        with pytest.raises(PermissionDenied):
            outreach.add_attendance(user, course, attendee())
    outreach.add_attendance(sworld.alice, course, attendee())


def test_course_page_scope(sworld, login, course):
    url = course.get_absolute_url()
    assert login(sworld.bob).get(url).context["may_record"] is True
    leo = login(sworld.leo).get(url)
    assert leo.status_code == 200 and leo.context["may_record"] is False
    # A course is announced to every reader of courses; its attendees are not.
    make_attendance(course, "甲一", organization=sworld.enterprise_a, certificate_number="X1")
    make_attendance(course, "乙一", organization=sworld.enterprise_b, certificate_number="X2")
    charlie = login(sworld.charlie).get(url)
    assert charlie.status_code == 200 and charlie.context["may_record"] is False
    assert [a.name for a in charlie.context["attendances"]] == ["乙一"]
    assert "甲一" not in charlie.content.decode()
    assert (
        login(sworld.leo).get(reverse("services:course_edit", args=[course.pk])).status_code == 403
    )
    add = reverse("services:course_attendance_add", args=[course.pk])
    assert login(sworld.leo).post(add, {"attendee-name": "x"}).status_code == 403
    assert login(sworld.charlie).post(add, {"attendee-name": "x"}).status_code == 403
    assert (
        login(sworld.charlie).get(reverse("services:course_edit", args=[course.pk])).status_code
        == 403
    )


def test_add_attendee_on_the_page_once(sworld, login, course):
    client = login(sworld.bob)
    add = reverse("services:course_attendance_add", args=[course.pk])
    data = {
        "_once": "tok-a",
        "attendee-name": "张三",
        "attendee-organization": sworld.enterprise_a.pk,
        "attendee-hours": "20",
        "attendee-passed": "on",
        "attendee-certificate_number": "TZ-1",
    }
    assert client.post(add, data).status_code == 302
    assert client.post(add, data).status_code == 302
    assert Attendance.objects.count() == 1
    bad = client.post(add, {**data, "_once": "tok-b", "attendee-hours": "99"})
    assert bad.status_code == 400 and bad.context["add_form"].errors["hours"]
    assert Attendance.objects.count() == 1


def _upload(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "attendees.xlsx"
    return buffer


def test_import_with_errors_writes_nothing(sworld, login, course):
    client = login(sworld.bob)
    url = reverse("services:course_attendance_import", args=[course.pk])
    upload = _upload(
        [
            ["姓名", "单位", "学时", "是否结业", "证书编号"],
            ["张三", sworld.enterprise_a.name, "24", "是", "TZ-1"],
            ["李四", "不存在的单位", "24", "是", "TZ-2"],
            ["王五", "", "30", "是", "TZ-3"],
            ["赵六", "", "24", "是", "TZ-1"],
            ["钱七", "", "24", "是", ""],
        ]
    )
    response = client.post(url, {"file": upload})
    assert response.status_code == 400
    rows = {e["row"] for e in response.context["import_errors"]["errors"]}
    assert rows == {3, 4, 5, 6}
    assert not Attendance.objects.exists()


def test_import_writes_all_rows(sworld, login, course):
    talent = make_talent(sworld.unit, "赵六", certificate_number="PA-9")
    client = login(sworld.bob)
    url = reverse("services:course_attendance_import", args=[course.pk])
    upload = _upload(
        [
            ["姓名", "单位", "资格证书编号", "学时", "是否结业", "证书编号"],
            ["张三", sworld.enterprise_a.name, "", "24", "是", "TZ-1"],
            ["赵六", "", "PA-9", "12", "否", ""],
        ]
    )
    assert client.post(url, {"file": upload}).status_code == 302
    assert Attendance.objects.count() == 2
    linked = Attendance.objects.get(talent=talent)
    assert linked.organization == sworld.unit and linked.hours == Decimal("12")
    assert login(sworld.leo).post(url, {"file": _upload([["姓名"]])}).status_code == 403


@pytest.fixture
def attendances(sworld, course):
    other = make_course(sworld.center.organization, "中心培训", issues_certificates=False)
    return [
        make_attendance(course, "甲一", organization=sworld.enterprise_a, certificate_number="X1"),
        make_attendance(course, "甲二", organization=sworld.enterprise_a, passed=False, hours=4),
        make_attendance(course, "乙一", organization=sworld.enterprise_b, certificate_number="X2"),
        make_attendance(other, "甲三", organization=sworld.enterprise_a, hours=6),
    ]


def test_attendance_list_scope_and_filters(sworld, login, attendances):
    def listed(user, **params):
        response = login(user).get(reverse("services:attendance_list"), params)
        assert response.status_code == 200
        return {row.record.name for row in response.context["table"].paginated_rows}

    assert listed(sworld.erin) == {"甲一", "甲二", "甲三"}
    assert listed(sworld.charlie) == {"乙一"}
    assert listed(sworld.bob) == {"甲一", "甲二", "乙一"}
    assert listed(sworld.sam) == {"甲三"}
    assert listed(sworld.leo, passed="false") == {"甲二"}
    assert listed(sworld.leo, certified="true") == {"甲一", "乙一"}
    assert listed(sworld.leo, organization=sworld.enterprise_a.pk, year=2025) == {
        "甲一",
        "甲二",
        "甲三",
    }
    assert listed(sworld.leo, course__year=2024) == set()


def test_training_by_org(sworld, login, attendances):
    url = reverse("services:training_by_org", args=[sworld.enterprise_a.pk])
    response = login(sworld.erin).get(url)
    assert response.status_code == 200
    assert response.context["totals"]["hours"] == Decimal("34")
    assert response.context["totals"]["certificates"] == 1
    # Charlie sees neither enterprise A nor any of its attendances.
    assert login(sworld.charlie).get(url).status_code == 404
    # Bob sees the attendances of his course only.
    assert login(sworld.bob).get(url).context["totals"]["hours"] == Decimal("28")
    link = login(sworld.leo).get(
        reverse("services:attendance_list"), {"organization": sworld.enterprise_a.pk}
    )
    assert link.context["training_by_org_url"] == url


def test_attendance_export(sworld, login, attendances):
    response = login(sworld.erin).get(reverse("services:attendance_list"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content))).active
    names = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"甲一", "甲二", "甲三"}


def test_course_export_and_list(sworld, login, attendances):
    response = login(sworld.bob).get(reverse("services:course_list"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content))).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == [
        "中心培训",
        "企业知识产权管理培训班",
    ]
    response = login(sworld.erin).get(reverse("services:course_list"))
    assert response.status_code == 200  # enterprises read every announced course
    assert len(response.context["table"].paginated_rows) == 2


@pytest.mark.parametrize("path", ["services:course_list", "services:attendance_list"])
def test_list_queries_do_not_grow(sworld, login, course, path, django_assert_max_num_queries):
    client = login(sworld.alice)
    for n in range(3):
        make_attendance(make_course(sworld.unit, f"课{n}"), f"人{n}", organization=sworld.unit)
    client.get(reverse(path))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse(path))
    for n in range(10):
        make_attendance(make_course(sworld.unit, f"多{n}"), f"多{n}", organization=sworld.unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(path))
    assert len(response.context["table"].paginated_rows) >= 13


def test_course_edit_cannot_shrink_below_attendance(sworld, course):
    make_attendance(course, "甲", certificate_number="A")
    with pytest.raises(ValidationError):
        outreach.update_course(sworld.bob, course, {"hours": "10"})
    with pytest.raises(ValidationError):
        outreach.update_course(sworld.bob, course, {"issues_certificates": False})


def test_api_courses(sworld, course, django_assert_max_num_queries):
    make_attendance(course, "甲", organization=sworld.enterprise_a, certificate_number="A")
    bob = api_client(sworld.bob)
    body = bob.get(f"/api/services/courses/{course.pk}/").json()
    assert [a["name"] for a in body["attendances"]] == ["甲"]
    response = bob.post(
        f"/api/services/courses/{course.pk}/attendances/",
        {"name": "乙", "hours": "30", "certificate_number": "B"},
        content_type="application/json",
    )
    assert response.status_code == 422
    response = bob.post(
        f"/api/services/courses/{course.pk}/attendances/",
        {"name": "乙", "hours": "20", "certificate_number": "B"},
        content_type="application/json",
    )
    assert response.status_code == 201
    response = bob.post(
        "/api/services/courses/",
        {"title": "新课", "organizer": sworld.unit.pk, "starts_on": "2025-07-01",
         "channel": "online", "hours": "3"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201
    leo = api_client(sworld.leo)
    response = leo.patch(
        f"/api/services/courses/{course.pk}/", {"hours": "30"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert api_client(sworld.charlie).get(f"/api/services/courses/{course.pk}/").status_code == 200
    response = api_client(sworld.charlie).patch(
        f"/api/services/courses/{course.pk}/", {"hours": "30"}, content_type="application/json"
    )
    assert response.status_code in (403, 404)
    client = api_client(sworld.alice)
    client.get("/api/services/courses/")
    with django_assert_max_num_queries(15) as few:
        client.get("/api/services/courses/")
    for n in range(10):
        make_course(sworld.unit, f"课{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/services/courses/").json()["count"] == 12
    assert Course.objects.count() == 12
