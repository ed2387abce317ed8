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


def test_update_and_upload_over_the_api(iworld, program, login):
    """Without paper: the enterprise corrects its bank details and uploads a document over the
    API; strangers and readers change nothing; bad files are refused with a reason."""
    app = make_application(program, iworld.enterprise_a)
    url = f"/api/incentives/applications/{app.pk}/"
    client = login(iworld.erin)
    response = client.patch(url, {"bank_account": "6222 0000 9999"}, content_type=JSON)
    assert response.status_code == 200, response.content
    app.refresh_from_db()
    assert app.bank_account == "6222 0000 9999" and app.contact_name == "张三"
    assert client.patch(url, {"contact_name": ""}, content_type=JSON).status_code == 422
    assert client.patch(url, {"contact_name": None}, content_type=JSON).status_code == 422
    app.refresh_from_db()
    assert app.contact_name == "张三"
    upload = f"{url}materials/"
    response = client.post(
        upload,
        {"title": "营业执照复印件", "file": SimpleUploadedFile("licence.pdf", PDF)},
    )
    assert response.status_code == 201, response.content
    assert [m["title"] for m in response.json()["materials"]] == ["营业执照复印件"]
    bad = client.post(
        upload, {"title": "x", "file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00not a pdf")}
    )
    assert bad.status_code == 422, bad.content
    assert app.materials.count() == 1
    for stranger in (iworld.charlie, iworld.leo):
        other = login(stranger)
        assert other.patch(url, {"bank_name": "x"}, content_type=JSON).status_code in (403, 404)
        response = other.post(
            upload, {"title": "x", "file": SimpleUploadedFile("licence.pdf", PDF)}
        )
        assert response.status_code in (403, 404)
    assert app.materials.count() == 1
    # Once submitted, nothing changes.
    applications.add_item(iworld.erin, app, program.rules.get(), iworld.inv_a.application_number)
    applications.submit(iworld.erin, app)
    client = login(iworld.erin)
    assert client.patch(url, {"bank_name": "x"}, content_type=JSON).status_code == 422
    response = client.post(upload, {"title": "补充", "file": SimpleUploadedFile("more.pdf", PDF)})
    assert response.status_code == 422
    assert app.materials.count() == 1
