from django.contrib.messages import get_messages
from django.urls import reverse

from tests.factories import PASSWORD

LOGIN = "/accounts/login/"


def test_login_page_is_served_in_chinese_by_default(client, world, chinese_default):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html
    assert "ipcity" in html
    assert "北京市通州区" in html


def test_login_with_the_right_password_goes_to_the_dashboard(client, world):
    response = client.post(LOGIN, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200


def test_login_with_a_wrong_password_shows_an_error_and_signs_nobody_in(client, world):
    response = client.post(LOGIN, {"username": "alice", "password": "wrong-password"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_a_deactivated_user_cannot_log_in(client, world):
    world.erin.is_active = False
    world.erin.save()
    response = client.post(LOGIN, {"username": "erin", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_signed_in_user_opening_the_login_page_goes_home(login, world):
    response = login(world.erin).get(LOGIN)
    assert response.status_code == 302


def test_logout_refuses_get_so_a_link_cannot_sign_anyone_out(login, world):
    client = login(world.erin)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_logout_by_post_signs_out_and_returns_to_login(login, world):
    client = login(world.erin)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_password_change_needs_a_signed_in_user(client, world):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_password_change_checks_the_old_password(login, world):
    client = login(world.erin)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "nope",
            "new_password1": "Blue-river-42x",
            "new_password2": "Blue-river-42x",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors


def test_password_change_applies_djangos_password_validators(login, world):
    client = login(world.erin)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors


def test_password_change_sets_the_password_and_keeps_the_user_signed_in(login, world):
    client = login(world.erin)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Blue-river-42x",
            "new_password2": "Blue-river-42x",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert [str(m) for m in get_messages(response.wsgi_request)]
    world.erin.refresh_from_db()
    assert world.erin.check_password("Blue-river-42x")
    assert client.get(reverse("core:home")).status_code == 200
