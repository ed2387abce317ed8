"""Application pages: apply, detail with checks, items, documents, submit; scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ipcity.incentives import applications
from ipcity.incentives.choices import ApplicationStatus
from ipcity.incentives.models import Application, ApplicationItem

from .builders_programs import PDF, make_application, make_program, make_rule


@pytest.fixture
def program(iworld):
    program = make_program(iworld, required_materials="营业执照复印件")
    make_rule(program, max_items_per_applicant=10)
    return program


@pytest.fixture
def app(iworld, program):
    app = make_application(program, iworld.enterprise_a)
    applications.add_item(iworld.erin, app, program.rules.get(), iworld.inv_a.application_number)
    applications.add_item(iworld.erin, app, program.rules.get(), iworld.inv_b.application_number)
    return app


def test_apply_page_creates_one_application(iworld, program, login):
    client = login(iworld.erin)
    url = reverse("incentives:apply", args=[program.pk])
    assert client.get(url).status_code == 200
    data = {"contact_name": "张三", "contact_phone": "13800000000", "_once": "tok-1"}
    response = client.post(url, data)
    assert response.status_code == 302
    again = client.post(url, data)  # the same form sent twice
    assert again.status_code == 302
    assert Application.objects.count() == 1
    app = Application.objects.get()
    assert app.applicant == iworld.enterprise_a and app.created_by == iworld.erin
    # With a live application, the apply page opens it.
    assert client.get(url)["Location"] == app.get_absolute_url()


def test_apply_bad_input_writes_nothing(iworld, program, login):
    response = login(iworld.erin).post(
        reverse("incentives:apply", args=[program.pk]), {"contact_name": ""}
    )
    assert response.status_code == 400
    assert not Application.objects.exists()


def test_office_applies_on_behalf(iworld, program, login):
    response = login(iworld.alice).post(
        reverse("incentives:apply", args=[program.pk]),
        {
            "applicant": iworld.enterprise_b.pk,
            "contact_name": "李四",
            "contact_phone": "1",
        },
    )
    assert response.status_code == 302
    assert Application.objects.get().applicant == iworld.enterprise_b


def test_detail_shows_checks_to_applicant_and_reviewers(iworld, app, login):
    url = app.get_absolute_url()
    for user in (iworld.erin, iworld.alice, iworld.leo):
        response = login(user).get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-eligible="yes"' in body and 'data-eligible="no"' in body
        assert "The registry does not list the applicant as its holder." in body
        assert "review-panel" in body
    assert login(iworld.charlie).get(url).status_code == 404


def test_scope_of_changes(iworld, app, program, login):
    add = reverse("incentives:application_item_add", args=[app.pk])
    data = {"rule": program.rules.get().pk, "reference": iworld.inv_a2.application_number}
    assert login(iworld.charlie).post(add, data).status_code == 404
    assert login(iworld.leo).post(add, data).status_code == 403
    assert login(iworld.erin).post(add, data).status_code == 302
    assert app.items.count() == 3


def test_htmx_add_item_answers_the_items_card(iworld, app, program, login):
    client = login(iworld.erin)
    response = client.post(
        reverse("incentives:application_item_add", args=[app.pk]),
        {"rule": program.rules.get().pk, "reference": iworld.lapsed_a.application_number},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="application-items"' in body and "not in force" in body
    assert "<html" not in body


def test_remove_item(iworld, app, login):
    item = app.items.first()
    response = login(iworld.erin).post(
        reverse("incentives:application_item_remove", args=[app.pk, item.pk])
    )
    assert response.status_code == 302
    assert not ApplicationItem.objects.filter(pk=item.pk).exists()


def test_material_upload_download_and_submit(iworld, app, login):
    client = login(iworld.erin)
    upload = SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf")
    client.post(
        reverse("incentives:application_material_add", args=[app.pk]),
        {"title": "营业执照复印件", "file": upload},
    )
    material = app.materials.get()
    url = reverse("incentives:material_download", args=[material.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert login(iworld.charlie).get(url).status_code == 404
    assert login(iworld.leo).get(url).status_code == 200
    client = login(iworld.erin)
    response = client.post(
        reverse("incentives:application_action", args=[app.pk, "submit"]), {"_once": "s1"}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.number


def test_bad_upload_through_the_page_writes_nothing(iworld, app, login):
    upload = SimpleUploadedFile("x.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    login(iworld.erin).post(
        reverse("incentives:application_material_add", args=[app.pk]),
        {"title": "营业执照复印件", "file": upload},
    )
    assert not app.materials.exists()


def test_list_scope(iworld, app, program, login):
    other = make_application(program, iworld.enterprise_b)
    url = reverse("incentives:application_list")
    body = login(iworld.erin).get(url).content.decode()
    assert app.get_absolute_url() in body and other.get_absolute_url() not in body
    body = login(iworld.alice).get(url).content.decode()
    assert app.get_absolute_url() in body and other.get_absolute_url() in body
    assert login(iworld.leo).get(url).status_code == 200
    assert login(iworld.bob).get(url).status_code == 403
    response = login(iworld.alice).get(url, {"status": "draft", "program": program.pk})
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 10])
def test_list_queries_bounded(iworld, program, login, django_assert_max_num_queries, rows):
    from ipcity.orgs.choices import OrganizationKind

    from ..factories import make_org

    for i in range(rows):
        org = make_org(f"企业{i}", OrganizationKind.ENTERPRISE, region=iworld.street)
        make_application(program, org)
    client = login(iworld.alice)
    url = reverse("incentives:application_list")
    client.get(url)
    with django_assert_max_num_queries(22):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("rows", [3, 10])
def test_detail_queries_bounded(iworld, program, login, django_assert_max_num_queries, rows):
    from .conftest import make_patent

    app = make_application(program, iworld.enterprise_a)
    for i in range(rows):
        patent = make_patent(f"20231{500 + i:07d}", iworld.enterprise_a, region=iworld.street)
        ApplicationItem.objects.create(
            application=app, rule=program.rules.get(), patent=patent, reference="x"
        )
    client = login(iworld.erin)
    client.get(app.get_absolute_url())
    with django_assert_max_num_queries(40):
        assert client.get(app.get_absolute_url()).status_code == 200
