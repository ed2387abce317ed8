"""Applications over the API: create, add item with checks, submit, withdraw, scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ipcity.incentives import applications
from ipcity.incentives.models import Application

from .builders_programs import PDF, make_application, make_program, make_rule

JSON = "application/json"


@pytest.fixture
def program(iworld):
    program = make_program(iworld)
    make_rule(program)
    return program


def test_flow_over_the_api(iworld, program, login):
    client = login(iworld.erin)
    response = client.post(
        "/api/incentives/applications/",
        {
            "program": program.pk,
            "contact_name": "张三",
            "contact_phone": "1",
            "bank_name": "b",
            "bank_account": "1",
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    app_id = response.json()["id"]
    again = client.post(
        "/api/incentives/applications/",
        {"program": program.pk, "contact_name": "张三", "contact_phone": "1"},
        content_type=JSON,
    )
    assert again.status_code == 422
    rule = program.rules.get()
    response = client.post(
        f"/api/incentives/applications/{app_id}/items/",
        {"rule": rule.pk, "reference": iworld.inv_a.application_number},
        content_type=JSON,
    )
    assert response.status_code == 201
    item = response.json()["items"][0]
    assert item["eligible"] and item["computed_amount"] == "5000.00"
    assert {c["code"] for c in item["checks"]} >= {"found", "granted", "held", "district"}
    assert login(iworld.charlie).get(f"/api/incentives/applications/{app_id}/").status_code == 404
    leo = login(iworld.leo)
    assert leo.get(f"/api/incentives/applications/{app_id}/").status_code == 200
    assert leo.post(f"/api/incentives/applications/{app_id}/submit/").status_code == 403
    client = login(iworld.erin)
    response = client.post(f"/api/incentives/applications/{app_id}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    response = client.post(f"/api/incentives/applications/{app_id}/withdraw/")
    assert response.json()["status"] == "withdrawn"


@pytest.mark.parametrize("rows", [3, 10])
def test_list_queries_bounded(iworld, program, login, django_assert_max_num_queries, rows):
    from ipcity.orgs.choices import OrganizationKind

    from ..factories import make_org

    for i in range(rows):
        make_application(program, make_org(f"企业{i}", OrganizationKind.ENTERPRISE))
    client = login(iworld.alice)
    with django_assert_max_num_queries(10):
        data = client.get("/api/incentives/applications/").json()
    assert data["count"] == rows
    assert login(iworld.erin).get("/api/incentives/applications/").json()["count"] == 0


def test_material_in_detail(iworld, program, login):
    app = make_application(program, iworld.enterprise_a)
    applications.add_material(
        iworld.erin, app, "x", SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    )
    data = login(iworld.erin).get(f"/api/incentives/applications/{app.pk}/").json()
    assert data["materials"][0]["name"] == "a.pdf"
    assert Application.objects.count() == 1
