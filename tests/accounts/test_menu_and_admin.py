import pytest

from ipcity.core.menu import menu_for


def system_entries(user):
    section = next(s for s in menu_for(user) if s["key"] == "system")
    return {item.url_name for item in section["items"]}


def test_system_admin_finds_users_but_not_roles_in_the_menu(world, admins):
    entries = system_entries(admins.sam)
    assert "accounts:user_list" in entries
    assert "accounts:role_list" not in entries


def test_security_admin_finds_roles_in_the_menu(world, admins):
    assert {"accounts:user_list", "accounts:role_list"} <= system_entries(admins.sue)


@pytest.mark.parametrize("persona", ["leo", "charlie"])
def test_leader_and_stranger_find_no_account_pages_in_the_menu(world, persona):
    entries = system_entries(getattr(world, persona))
    assert not entries & {"accounts:user_list", "accounts:role_list"}


@pytest.mark.parametrize(
    "model",
    [
        "accounts/user",
        "accounts/role",
        "accounts/roleassignment",
        "accounts/apitoken",
        "core/job",
        "core/notification",
        "core/holiday",
        "orgs/region",
        "orgs/organization",
        "orgs/contact",
    ],
)
def test_superuser_opens_every_django_admin_list(client, world, model, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(root)
    assert client.get(f"/django-admin/{model}/").status_code == 200


def test_superuser_opens_a_user_in_django_admin_with_history(client, world, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(root)
    assert client.get(f"/django-admin/accounts/user/{world.erin.pk}/change/").status_code == 200
    assert client.get(f"/django-admin/accounts/user/{world.erin.pk}/history/").status_code == 200
