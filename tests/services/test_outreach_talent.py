"""The talent pool: who reads it (enterprise users lack view_talent), contact details only for
those who may change the person, training history, filters, export, import and the API."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from ipcity.core import imports
from ipcity.services.models import Talent

from .builders_outreach import api_client, make_attendance, make_course, make_talent


@pytest.fixture
def pool(sworld):
    course = make_course(sworld.unit, starts_on=date(2025, 5, 14), issues_certificates=False)
    agent = make_talent(sworld.center.organization, "王志远", certificate_number="PA-1")
    lawyer = make_talent(sworld.agency.organization, "周律", kind="ip_lawyer", phone="139")
    manager = make_talent(sworld.unit, "郑海", kind="ip_manager", phone="138")
    make_attendance(course, agent.name, talent=agent, hours=10, organization=agent.organization)
    return {"agent": agent, "lawyer": lawyer, "manager": manager, "course": course}


def test_enterprise_users_cannot_read_the_pool(sworld, login, pool):
    client = login(sworld.erin)
    assert client.get(reverse("services:talent_list")).status_code == 403
    assert client.get(pool["agent"].get_absolute_url()).status_code == 404
    assert api_client(sworld.erin).get("/api/services/talent/").status_code == 403


def test_contacts_only_for_those_who_may_change(sworld, login, pool):
    own = login(sworld.sam).get(pool["agent"].get_absolute_url())
    assert own.status_code == 200 and own.context["contact_visible"]
    assert "010-12345678" in own.content.decode()
    leo = login(sworld.leo).get(pool["agent"].get_absolute_url())
    assert leo.status_code == 200 and not leo.context["contact_visible"]
    assert "010-12345678" not in leo.content.decode()
    # The history hides the values from readers who may not change the person.
    history = reverse("services:talent_history", args=[pool["agent"].pk])
    assert "010-12345678" not in login(sworld.leo).get(history).content.decode()
    assert "010-12345678" in login(sworld.alice).get(history).content.decode()
    # Another institution's user does not see the person at all.
    assert login(sworld.stan).get(pool["agent"].get_absolute_url()).status_code == 404


def test_training_history_on_the_detail(sworld, login, pool):
    response = login(sworld.alice).get(pool["agent"].get_absolute_url())
    assert response.context["totals"]["hours"] == 10
    assert [a.course_id for a in response.context["attendances"]] == [pool["course"].pk]


def test_edit_scope(sworld, login, pool):
    assert (
        login(sworld.sam).get(reverse("services:talent_edit", args=[pool["agent"].pk])).status_code
        == 200
    )
    assert (
        login(sworld.leo).get(reverse("services:talent_edit", args=[pool["agent"].pk])).status_code
        == 403
    )
    # bob reads his unit's people but his role may not change the pool.
    assert (
        login(sworld.bob)
        .get(reverse("services:talent_edit", args=[pool["manager"].pk]))
        .status_code
        == 403
    )
    response = login(sworld.sam).post(
        reverse("services:talent_add"),
        {"name": "新人", "kind": "patent_agent", "organization": sworld.agency.organization.pk},
    )
    assert response.status_code == 400 and not Talent.objects.filter(name="新人").exists()


def test_filters(sworld, login, pool):
    def listed(**params):
        response = login(sworld.leo).get(reverse("services:talent_list"), params)
        return {row.record.name for row in response.context["table"].paginated_rows}

    assert listed(kind="ip_lawyer") == {"周律"}
    assert listed(has_certificate="true") == {"王志远"}
    assert listed(trained_in=2025) == {"王志远"}
    assert listed(trained_in=2024) == set()
    assert listed(organization=sworld.unit.pk) == {"郑海"}


def test_export_hides_contacts_of_others(sworld, login, pool):
    def exported(user):
        response = login(user).get(reverse("services:talent_list"), {"export": "xlsx"})
        sheet = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content))).active
        return {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}

    leo = exported(sworld.leo)
    assert set(leo) == {"王志远", "周律", "郑海"}
    assert all(row[7] in (None, "") and row[8] in (None, "") for row in leo.values())
    alice = exported(sworld.alice)
    assert alice["王志远"][7] == "010-12345678"
    sam = exported(sworld.sam)
    assert set(sam) == {"王志远"} and sam["王志远"][8] == "a@example.com"


def test_list_queries_do_not_grow(sworld, login, pool, django_assert_max_num_queries):
    client = login(sworld.leo)
    client.get(reverse("services:talent_list"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("services:talent_list"))
    for n in range(10):
        make_talent(sworld.unit, f"人{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("services:talent_list"))
    assert len(response.context["table"].paginated_rows) == 13


def test_import_creates_and_updates(sworld, tmp_path, pool):
    book = openpyxl.Workbook()
    for row in [
        ["姓名", "人才类别", "资格证书编号", "电话"],
        ["王志远", "专利代理师", "PA-1", "010-1"],
        ["新代理师", "专利代理师", "PA-2", ""],
        ["错类别", "厨师", "", ""],
    ]:
        book.active.append(row)
    path = tmp_path / "talent.xlsx"
    book.save(path)
    fmt = imports.get_format("services.talent")
    result = imports.validate(fmt, path, "talent.xlsx", sworld.sam)
    assert [e["row"] for e in result.errors] == [4]
    summary = fmt.write(result.rows, result.context, sworld.sam, lambda n: None)
    assert summary == {"created": 1, "updated": 1}
    pool["agent"].refresh_from_db()
    assert pool["agent"].phone == "010-1"
    assert Talent.objects.get(name="新代理师").organization == sworld.center.organization
    # stan may not update the centre's person.
    result = imports.validate(fmt, path, "talent.xlsx", sworld.stan)
    assert 2 in {e["row"] for e in result.errors}


def test_api(sworld, pool, django_assert_max_num_queries):
    leo = api_client(sworld.leo).get("/api/services/talent/").json()
    assert leo["count"] == 3 and all(r["phone"] is None for r in leo["results"])
    sam = api_client(sworld.sam)
    body = sam.get(f"/api/services/talent/{pool['agent'].pk}/").json()
    assert body["phone"] == "010-12345678" and Decimal(body["training_hours"]) == 10
    assert sam.get(f"/api/services/talent/{pool['lawyer'].pk}/").status_code == 404
    response = sam.patch(
        f"/api/services/talent/{pool['agent'].pk}/",
        {"specialties": "通信"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["specialties"] == "通信"
    response = api_client(sworld.bob).patch(
        f"/api/services/talent/{pool['manager'].pk}/",
        {"specialties": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403
    response = sam.post(
        "/api/services/talent/",
        {"name": "新", "kind": "patent_agent", "organization": sworld.center.organization.pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    client = api_client(sworld.alice)
    client.get("/api/services/talent/")
    with django_assert_max_num_queries(15) as few:
        client.get("/api/services/talent/")
    for n in range(10):
        make_talent(sworld.unit, f"人{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/services/talent/").json()["count"] == 14
