import pytest
from django.urls import reverse

from ipcity.orgs.models import Contact, Organization

from ..factories import make_org

LIST = reverse("orgs:organization_list")
ADD = reverse("orgs:organization_add")


def detail(org):
    return reverse("orgs:organization_detail", args=[org.pk])


def edit(org):
    return reverse("orgs:organization_edit", args=[org.pk])


def form_data(**overrides):
    data = {"kind": "enterprise", "name": "示例丁生物科技有限公司", "is_active": "on"}
    data.update(overrides)
    return data


# list


def test_org_list_shows_the_district_to_alice_with_add_and_import(world, login):
    response = login(world.alice).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert world.enterprise_a.name in body and world.unit.name in body
    assert ADD in body
    assert "/imports/new/orgs.organization/" in body


def test_org_list_is_read_only_for_leo(world, login):
    body = login(world.leo).get(LIST).content.decode()
    assert world.enterprise_b.name in body
    assert ADD not in body


def test_org_list_shows_charlie_only_his_own_enterprise(world, login):
    body = login(world.charlie).get(LIST).content.decode()
    assert world.enterprise_b.name in body
    assert world.enterprise_a.name not in body


def test_org_list_filters_by_kind_and_search(world, login):
    client = login(world.alice)
    body = client.get(LIST, {"kind": "government", "q": "科学"}).content.decode()
    assert world.unit.name in body
    assert world.enterprise_a.name not in body


def test_org_list_answers_htmx_with_the_table_fragment_only(world, login):
    response = login(world.alice).get(
        LIST, {"sort": "-name"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-table"
    )
    body = response.content.decode()
    assert 'id="object-table"' in body
    assert "<html" not in body


def test_org_list_marks_a_uscc_that_fails_the_check(world, login):
    make_org("示例戊有限公司", uscc="91110000600037341M", uscc_warning="check digit")
    body = login(world.alice).get(LIST).content.decode()
    assert "bi-exclamation-triangle" in body


def test_org_list_bounds_the_page_size(world, login):
    for _ in range(5):
        make_org()
    response = login(world.alice).get(LIST, {"per_page": "100000", "page": "abc"})
    assert response.status_code == 200
    assert response.context["table"].paginator.per_page == 100


def test_org_list_runs_a_bounded_number_of_queries(world, login, django_assert_max_num_queries):
    for _ in range(50):
        make_org(parent=world.unit, region=world.street)
    client = login(world.alice)
    client.get(LIST)  # warm caches (content types, sessions)
    with django_assert_max_num_queries(15):
        response = client.get(LIST, {"per_page": "100"})
    assert response.status_code == 200


def test_org_list_asks_anonymous_users_to_sign_in(world, client):
    response = client.get(LIST)
    assert response.status_code == 302


# detail


def test_org_detail_shows_fields_contacts_and_subordinates(world, login):
    Contact.objects.create(organization=world.unit, name="王联络", phone="010-1234")
    body = login(world.alice).get(detail(world.unit)).content.decode()
    assert "王联络" in body
    assert world.subunit.name in body
    assert reverse("orgs:organization_history", args=[world.unit.pk]) in body
    assert edit(world.unit) in body


def test_org_detail_is_read_only_for_leo(world, login):
    response = login(world.leo).get(detail(world.unit))
    assert response.status_code == 200
    assert edit(world.unit) not in response.content.decode()


def test_org_detail_is_not_found_for_charlie(world, login):
    assert login(world.charlie).get(detail(world.enterprise_a)).status_code == 404


def test_org_detail_lets_erin_see_her_own_enterprise(world, login):
    assert login(world.erin).get(detail(world.enterprise_a)).status_code == 200
    assert login(world.erin).get(detail(world.enterprise_b)).status_code == 404


def test_org_detail_shows_the_uscc_warning(world, login):
    org = make_org("示例己有限公司", uscc="91110000600037341M", uscc_warning="校验位不符")
    body = login(world.alice).get(detail(org)).content.decode()
    assert 'data-testid="uscc-warning"' in body


# create and edit


def test_alice_creates_an_organization(world, login):
    response = login(world.alice).post(ADD, form_data(uscc="91110000600037341L"))
    org = Organization.objects.get(name="示例丁生物科技有限公司")
    assert response.status_code == 302
    assert response["Location"] == detail(org)
    assert org.uscc_warning == ""


def test_a_failing_check_digit_is_saved_with_a_visible_warning(world, login):
    client = login(world.alice)
    response = client.post(ADD, form_data(uscc="91110000600037341M"), follow=True)
    org = Organization.objects.get(name="示例丁生物科技有限公司")
    assert org.uscc_warning
    assert 'data-testid="uscc-warning"' in response.content.decode()


def test_a_malformed_uscc_is_rejected_with_a_clear_error(world, login):
    response = login(world.alice).post(ADD, form_data(uscc="12345"))
    assert response.status_code == 400
    assert 'data-field="uscc"' in response.content.decode()
    assert not Organization.objects.filter(name="示例丁生物科技有限公司").exists()


def test_a_duplicate_uscc_names_the_organization_that_has_it(world, login):
    response = login(world.alice).post(ADD, form_data(uscc="91110112MA01ABCD1X"))
    assert response.status_code == 400
    assert world.enterprise_a.name in response.content.decode()


def test_a_missing_name_is_reported_on_the_field(world, login):
    response = login(world.alice).post(ADD, form_data(name=""))
    assert response.status_code == 400
    assert 'data-field="name"' in response.content.decode()


def test_leo_may_not_add_organizations(world, login):
    assert login(world.leo).get(ADD).status_code == 403
    assert login(world.leo).post(ADD, form_data()).status_code == 403


def test_erin_edits_her_own_enterprise(world, login):
    data = form_data(name=world.enterprise_a.name, short_name="甲科技", uscc="91110112MA01ABCD1X")
    response = login(world.erin).post(edit(world.enterprise_a), data)
    assert response.status_code == 302
    world.enterprise_a.refresh_from_db()
    assert world.enterprise_a.short_name == "甲科技"


def test_leo_gets_forbidden_on_edit_and_charlie_not_found(world, login):
    assert login(world.leo).get(edit(world.enterprise_a)).status_code == 403
    assert login(world.charlie).get(edit(world.enterprise_a)).status_code == 404
    assert login(world.charlie).post(edit(world.enterprise_a), form_data()).status_code == 404


def test_unticking_active_deactivates_the_organization(world, login):
    data = form_data(name=world.enterprise_b.name)
    data.pop("is_active")
    login(world.alice).post(edit(world.enterprise_b), data)
    world.enterprise_b.refresh_from_db()
    assert world.enterprise_b.is_active is False


# delete


def test_alice_deletes_an_organization_after_confirming(world, login):
    org = make_org()
    client = login(world.alice)
    url = reverse("orgs:organization_delete", args=[org.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=org.pk).exists()


def test_deleting_a_referenced_unit_explains_why_it_cannot(world, login):
    url = reverse("orgs:organization_delete", args=[world.unit.pk])
    response = login(world.alice).post(url, follow=True)
    assert Organization.objects.filter(pk=world.unit.pk).exists()
    assert "alert-danger" in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("leo", 403), ("charlie", 404), ("erin", 403)])
def test_others_may_not_delete(world, login, persona, status):
    url = reverse("orgs:organization_delete", args=[world.enterprise_a.pk])
    assert login(getattr(world, persona)).post(url).status_code == status
    assert Organization.objects.filter(pk=world.enterprise_a.pk).exists()


# contacts


def test_erin_adds_and_edits_a_contact_of_her_enterprise(world, login):
    client = login(world.erin)
    url = reverse("orgs:contact_add", args=[world.enterprise_a.pk])
    response = client.post(url, {"contact-name": "李四", "contact-phone": "13800000000"})
    assert response.status_code == 302
    contact = Contact.objects.get(name="李四")
    edit_url = reverse("orgs:contact_edit", args=[contact.pk])
    assert client.get(edit_url).status_code == 200
    client.post(edit_url, {"name": "李四", "title": "经理"})
    contact.refresh_from_db()
    assert contact.title == "经理"


def test_a_contact_without_a_name_is_rejected_on_the_detail_page(world, login):
    url = reverse("orgs:contact_add", args=[world.enterprise_a.pk])
    response = login(world.erin).post(url, {"contact-name": ""})
    assert response.status_code == 400
    assert not Contact.objects.exists()


def test_contacts_are_out_of_reach_for_leo_and_charlie(world, login):
    contact = Contact.objects.create(organization=world.enterprise_a, name="张三")
    add = reverse("orgs:contact_add", args=[world.enterprise_a.pk])
    assert login(world.leo).post(add, {"contact-name": "x"}).status_code == 403
    assert login(world.leo).get(reverse("orgs:contact_edit", args=[contact.pk])).status_code == 403
    assert login(world.charlie).post(add, {"contact-name": "x"}).status_code == 404
    delete = reverse("orgs:contact_delete", args=[contact.pk])
    assert login(world.charlie).post(delete).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_erin_deletes_a_contact(world, login):
    contact = Contact.objects.create(organization=world.enterprise_a, name="张三")
    response = login(world.erin).post(reverse("orgs:contact_delete", args=[contact.pk]))
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


# regions


def test_region_pages_for_alice(world, login):
    client = login(world.alice)
    assert world.street.name in client.get(reverse("orgs:region_list")).content.decode()
    body = client.get(reverse("orgs:region_detail", args=[world.district.pk])).content.decode()
    assert world.street.name in body
    url = reverse("orgs:region_edit", args=[world.street.pk])
    data = {
        "code": world.street.code,
        "name": "中仓街道办事处",
        "kind": "street",
        "parent": world.district.pk,
    }
    assert client.post(url, data).status_code == 302
    world.street.refresh_from_db()
    assert world.street.name == "中仓街道办事处"


def test_region_edit_rejects_a_bad_code(world, login):
    url = reverse("orgs:region_edit", args=[world.street.pk])
    response = login(world.alice).post(url, {"code": "12a", "name": "x", "kind": "street"})
    assert response.status_code == 400


def test_regions_are_read_only_for_leo_and_charlie(world, login):
    for persona in (world.leo, world.charlie):
        client = login(persona)
        assert client.get(reverse("orgs:region_list")).status_code == 200
        assert client.get(reverse("orgs:region_edit", args=[world.street.pk])).status_code == 403


# dashboard


def test_dashboard_card_links_each_figure_to_the_filtered_list(world, login):
    body = login(world.alice).get(reverse("core:home")).content.decode()
    assert f"{LIST}?kind=enterprise&amp;is_active=true" in body
    assert f"region={world.street.pk}" in body


def test_dashboard_card_counts_only_what_charlie_sees(world, login):
    response = login(world.charlie).get(reverse("core:home"))
    card = next(c for c in response.context["cards"] if c["more_url"] == LIST)
    assert sum(item["value"] for item in card["groups"][0]["items"]) == 1
