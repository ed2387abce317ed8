import pytest
from django.urls import reverse

from ipcity.accounts.models import RoleAssignment, User
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "Quiet-harbor-73k"


def create_data(org, **overrides):
    data = {
        "organization": org.pk,
        "username": "newbie",
        "display_name": "新同事",
        "email": "newbie@example.com",
        "phone": "010-12345678",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


# List ---------------------------------------------------------------------------------------


def test_system_admin_sees_the_user_list(login, world, admins):
    response = login(admins.sam).get(reverse("accounts:user_list"))
    assert response.status_code == 200
    usernames = {u.username for u in response.context["page_obj"]}
    assert {"alice", "bob", "erin", "leo", "charlie"} <= usernames
    assert reverse("accounts:user_create") in response.content.decode()


def test_audit_admin_reads_the_list_without_an_add_button(login, world, admins):
    response = login(admins.ada).get(reverse("accounts:user_list"))
    assert response.status_code == 200
    assert reverse("accounts:user_create") not in response.content.decode()


@pytest.mark.parametrize("persona", ["leo", "charlie", "alice"])
def test_people_without_user_permissions_are_refused_the_list(login, world, persona):
    assert login(getattr(world, persona)).get(reverse("accounts:user_list")).status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, world):
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_user_list_filters_by_organization_active_and_text(login, world, admins):
    client = login(admins.sam)
    world.charlie.is_active = False
    world.charlie.save()
    url = reverse("accounts:user_list")

    def names(params):
        return {u.username for u in client.get(url, params).context["page_obj"]}

    assert names({"organization": world.enterprise_a.pk}) == {"erin"}
    assert names({"is_active": "false"}) == {"charlie"}
    assert names({"q": "bo"}) == {"bob"}


def test_security_admin_filters_users_by_role(login, world, admins):
    response = login(admins.sue).get(
        reverse("accounts:user_list"), {"role": RoleAssignment.objects.get(user=world.leo).role_id}
    )
    assert {u.username for u in response.context["page_obj"]} == {"leo"}


def test_system_admin_has_no_role_filter_since_roles_are_not_their_duty(login, world, admins):
    response = login(admins.sam).get(reverse("accounts:user_list"))
    assert "role" not in response.context["filter"].form.fields


def test_user_list_sorts_and_ignores_unknown_sort_keys(login, world, admins):
    client = login(admins.sam)
    url = reverse("accounts:user_list")
    first = client.get(url, {"sort": "-username"}).context["page_obj"][0]
    assert first.username == User.objects.order_by("-username").first().username
    assert client.get(url, {"sort": "password"}).status_code == 200


def test_user_list_runs_a_bounded_number_of_queries(
    login, world, admins, django_assert_max_num_queries
):
    for n in range(30):
        make_user(f"extra{n}", world.enterprise_a, "enterprise_user")
    client = login(admins.sue)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 200


def test_system_admin_with_own_scope_sees_only_their_organization(login, world):
    local = make_user("sam2", world.enterprise_a, "system_admin", scope="own")
    client = login(local)
    listed = {u.username for u in client.get(reverse("accounts:user_list")).context["page_obj"]}
    assert listed == {"erin", "sam2"}
    assert client.get(reverse("accounts:user_detail", args=[world.charlie.pk])).status_code == 404


# Detail -------------------------------------------------------------------------------------


def test_system_admin_opens_a_user(login, world, admins):
    response = login(admins.sam).get(reverse("accounts:user_detail", args=[world.erin.pk]))
    assert response.status_code == 200
    assert reverse("accounts:user_edit", args=[world.erin.pk]) in response.content.decode()


def test_security_admin_sees_roles_on_the_user_page_but_no_edit_link(login, world, admins):
    response = login(admins.sue).get(reverse("accounts:user_detail", args=[world.erin.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "企业用户" in html
    assert reverse("accounts:user_edit", args=[world.erin.pk]) not in html
    assert reverse("accounts:assignment_create", args=[world.erin.pk]) in html


@pytest.mark.parametrize("persona", ["leo", "charlie"])
def test_user_page_is_not_found_for_people_without_access(login, world, persona):
    url = reverse("accounts:user_detail", args=[world.erin.pk])
    assert login(getattr(world, persona)).get(url).status_code == 404


# Create -------------------------------------------------------------------------------------


def test_system_admin_creates_a_user_who_can_sign_in_but_holds_no_role(
    login, client, world, admins
):
    response = login(admins.sam).post(
        reverse("accounts:user_create"), create_data(world.enterprise_a)
    )
    user = User.objects.get(username="newbie")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert user.organization == world.enterprise_a
    assert user.display_name == "新同事"
    assert not user.role_assignments.exists()
    assert user.history.first().history_user == admins.sam
    client.logout()
    assert client.login(username="newbie", password=NEW_PASSWORD)


def test_creating_a_user_applies_the_password_validators(login, world, admins):
    response = login(admins.sam).post(
        reverse("accounts:user_create"),
        create_data(world.enterprise_a, password1="12345678", password2="12345678"),
    )
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(username="newbie").exists()


def test_creating_a_user_requires_matching_passwords(login, world, admins):
    response = login(admins.sam).post(
        reverse("accounts:user_create"),
        create_data(world.enterprise_a, password2="Something-else-99"),
    )
    assert "password2" in response.context["form"].errors


def test_creating_a_user_with_a_taken_username_says_so(login, world, admins):
    response = login(admins.sam).post(
        reverse("accounts:user_create"), create_data(world.enterprise_a, username="erin")
    )
    assert response.status_code == 200
    assert "username" in response.context["form"].errors


def test_system_admin_with_own_scope_cannot_create_users_elsewhere(login, world):
    local = make_user("sam2", world.enterprise_a, "system_admin", scope="own")
    response = login(local).post(reverse("accounts:user_create"), create_data(world.enterprise_b))
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize("persona", ["sue", "ada"])
def test_security_and_audit_admins_cannot_create_users(login, world, admins, persona):
    client = login(getattr(admins, persona))
    assert client.get(reverse("accounts:user_create")).status_code == 403
    response = client.post(reverse("accounts:user_create"), create_data(world.enterprise_a))
    assert response.status_code == 403
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize("persona", ["leo", "charlie"])
def test_read_only_and_stranger_cannot_create_users(login, world, persona):
    client = login(getattr(world, persona))
    response = client.post(reverse("accounts:user_create"), create_data(world.enterprise_a))
    assert response.status_code == 403


# Edit ---------------------------------------------------------------------------------------


def test_system_admin_edits_a_user(login, world, admins):
    url = reverse("accounts:user_edit", args=[world.erin.pk])
    client = login(admins.sam)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "organization": world.enterprise_a.pk,
            "username": "erin",
            "display_name": "艾琳",
            "email": "erin@example.com",
            "phone": "13800000000",
        },
    )
    assert response.status_code == 302
    world.erin.refresh_from_db()
    assert world.erin.display_name == "艾琳"
    assert world.erin.check_password(PASSWORD)


@pytest.mark.parametrize("persona", ["sue", "ada"])
def test_admins_who_only_read_users_are_forbidden_to_edit(login, world, admins, persona):
    url = reverse("accounts:user_edit", args=[world.erin.pk])
    assert login(getattr(admins, persona)).get(url).status_code == 403


@pytest.mark.parametrize("persona", ["leo", "charlie"])
def test_edit_page_is_not_found_for_people_without_access(login, world, persona):
    url = reverse("accounts:user_edit", args=[world.erin.pk])
    assert login(getattr(world, persona)).get(url).status_code == 404


# Activate / deactivate ----------------------------------------------------------------------


def test_system_admin_deactivates_and_reactivates_a_user(login, world, admins):
    client = login(admins.sam)
    url = reverse("accounts:user_set_active", args=[world.erin.pk])
    assert client.post(url, {"active": "0"}).status_code == 302
    world.erin.refresh_from_db()
    assert not world.erin.is_active
    assert User.objects.filter(pk=world.erin.pk).exists()
    client.post(url, {"active": "1"})
    world.erin.refresh_from_db()
    assert world.erin.is_active


def test_deactivation_needs_a_post(login, world, admins):
    url = reverse("accounts:user_set_active", args=[world.erin.pk])
    assert login(admins.sam).get(url).status_code == 405


def test_system_admin_cannot_deactivate_themselves(login, world, admins):
    client = login(admins.sam)
    client.post(reverse("accounts:user_set_active", args=[admins.sam.pk]), {"active": "0"})
    admins.sam.refresh_from_db()
    assert admins.sam.is_active


def test_security_admin_cannot_deactivate_users(login, world, admins):
    url = reverse("accounts:user_set_active", args=[world.erin.pk])
    assert login(admins.sue).post(url, {"active": "0"}).status_code == 403
    world.erin.refresh_from_db()
    assert world.erin.is_active


@pytest.mark.parametrize("persona", ["leo", "charlie"])
def test_deactivation_is_not_found_for_people_without_access(login, world, persona):
    url = reverse("accounts:user_set_active", args=[world.erin.pk])
    assert login(getattr(world, persona)).post(url, {"active": "0"}).status_code == 404


# Reset password -----------------------------------------------------------------------------


def test_system_admin_resets_a_password(login, world, admins):
    url = reverse("accounts:user_password_reset", args=[world.erin.pk])
    response = login(admins.sam).post(
        url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    world.erin.refresh_from_db()
    assert world.erin.check_password(NEW_PASSWORD)


def test_password_reset_applies_the_validators(login, world, admins):
    url = reverse("accounts:user_password_reset", args=[world.erin.pk])
    response = login(admins.sam).post(url, {"new_password1": "abc", "new_password2": "abc"})
    assert response.status_code == 200
    world.erin.refresh_from_db()
    assert world.erin.check_password(PASSWORD)


def test_system_admin_cannot_take_over_the_security_admin_by_resetting_the_password(
    login, world, admins
):
    url = reverse("accounts:user_password_reset", args=[admins.sue.pk])
    response = login(admins.sam).post(
        url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    admins.sue.refresh_from_db()
    assert admins.sue.check_password(PASSWORD)


def test_security_admin_cannot_reset_passwords(login, world, admins):
    url = reverse("accounts:user_password_reset", args=[world.erin.pk])
    assert login(admins.sue).get(url).status_code == 403


@pytest.mark.parametrize("persona", ["leo", "charlie"])
def test_password_reset_is_not_found_for_people_without_access(login, world, persona):
    url = reverse("accounts:user_password_reset", args=[world.erin.pk])
    assert login(getattr(world, persona)).get(url).status_code == 404
