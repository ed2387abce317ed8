"""Sign-in lockout (per username and per address), no username enumeration, the login log."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ipcity.accounts.models import APIToken, LoginEvent, LoginEventKind
from ipcity.core.daily import duties
from tests.factories import PASSWORD

LOGIN = reverse("accounts:login")
LOCKED = "Too many failed sign-ins"


def attempt(client, username, password="Wrong-pass-000", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def errors(response):
    return " ".join(response.context["form"].non_field_errors())


def travel(minutes, **filters):
    """Move the stored attempts into the past, as if `minutes` had gone by."""
    for event in LoginEvent.objects.filter(**filters):
        event.at -= timedelta(minutes=minutes)
        event.save(update_fields=["at"])


def test_five_failures_lock_the_username_for_fifteen_minutes(client, world):
    for _ in range(5):
        response = attempt(client, "erin")
        assert LOCKED not in errors(response)
    assert LoginEvent.objects.filter(username="erin", kind=LoginEventKind.FAILURE).count() == 5
    # Now even the right password is refused, with the lock message.
    response = attempt(client, "erin", PASSWORD)
    assert "_auth_user_id" not in client.session
    assert LOCKED in errors(response)
    assert LoginEvent.objects.filter(username="erin", kind=LoginEventKind.LOCKOUT).count() == 1
    # Refusals while locked do not extend the lock.
    travel(14)
    assert LOCKED in errors(attempt(client, "erin", PASSWORD))
    travel(2)
    response = attempt(client, "erin", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.erin.pk)


def test_four_failures_then_a_success_start_the_count_again(client, world):
    for _ in range(4):
        attempt(client, "erin")
    assert attempt(client, "erin", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "erin")
    assert attempt(client, "erin", PASSWORD).status_code == 302


def test_failures_spread_over_more_than_the_window_do_not_lock(client, world):
    for _ in range(4):
        attempt(client, "erin")
    travel(16)
    attempt(client, "erin")
    assert attempt(client, "erin", PASSWORD).status_code == 302


def test_the_lock_holds_for_other_case_and_other_users_are_not_affected(client, world):
    for _ in range(5):
        attempt(client, "ERIN")
    assert LOCKED in errors(attempt(client, "erin", PASSWORD))
    assert attempt(client, "bob", PASSWORD).status_code == 302


def test_messages_do_not_reveal_whether_a_username_exists(client, world):
    existing = [errors(attempt(client, "erin")) for _ in range(6)]
    missing = [errors(attempt(client, "nobody-here")) for _ in range(6)]
    assert existing == missing
    assert LOCKED in existing[-1]
    assert LoginEvent.objects.filter(username="nobody-here", user=None).count() == 6


def test_an_address_spraying_many_usernames_is_locked(client, world, settings):
    settings.IPCITY_LOCKOUT_IP_ATTEMPTS = 20
    for n in range(20):
        attempt(client, f"user{n}", REMOTE_ADDR="203.0.113.7")
    response = attempt(client, "bob", PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert LOCKED in errors(response)
    # another address is not locked
    assert attempt(client, "bob", PASSWORD, REMOTE_ADDR="203.0.113.8").status_code == 302


def test_the_lockout_also_guards_the_django_admin_login(client, world):
    for _ in range(5):
        attempt(client, "erin")
    world.erin.is_staff = True
    world.erin.save()
    response = client.post(
        "/django-admin/login/", {"username": "erin", "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_api_token_path_is_not_affected_by_a_lock(client, world):
    _, raw = APIToken.issue(world.erin, "script")
    for _ in range(6):
        attempt(client, "erin")
    response = client.get("/api/orgs/organizations/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_the_login_log_records_success_failure_ip_agent_and_logout(client, world):
    agent = "Mozilla/5.0 " + "x" * 400
    attempt(client, "erin", HTTP_USER_AGENT=agent, REMOTE_ADDR="198.51.100.4")
    client.post(
        LOGIN,
        {"username": "erin", "password": PASSWORD},
        HTTP_USER_AGENT=agent,
        REMOTE_ADDR="198.51.100.4",
    )
    client.post(reverse("accounts:logout"), REMOTE_ADDR="198.51.100.4")
    events = list(LoginEvent.objects.order_by("at", "pk"))
    assert [e.kind for e in events] == ["failure", "success", "logout"]
    assert all(e.ip == "198.51.100.4" for e in events)
    assert events[0].user is None and events[0].username == "erin"
    assert events[1].user == world.erin
    assert len(events[1].user_agent) == 255


def test_the_audit_administrator_reads_the_login_log(login, world, admins):
    attempt(Client(), "mallory")
    response = login(admins.ada).get(reverse("accounts:login_log"), {"username": "mall"})
    assert response.status_code == 200
    assert [e.username for e in response.context["page_obj"]] == ["mallory"]
    assert "mallory" in response.content.decode()


@pytest.mark.parametrize("persona", ["erin", "alice", "leo"])
def test_other_users_may_not_read_the_login_log(login, world, persona):
    response = login(getattr(world, persona)).get(reverse("accounts:login_log"))
    assert response.status_code == 403


def test_the_system_and_security_administrators_may_not_read_it_either(login, admins):
    assert login(admins.sam).get(reverse("accounts:login_log")).status_code == 403
    assert login(admins.sue).get(reverse("accounts:login_log")).status_code == 403


def test_every_user_sees_their_own_recent_sign_ins(client, world):
    attempt(client, "erin")
    attempt(client, "bob", PASSWORD)
    client.logout()
    attempt(client, "erin", PASSWORD)
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 200
    events = list(response.context["events"])
    assert {e.user for e in events} == {world.erin}
    assert [e.kind for e in events] == ["success"]  # a failure names no user until it succeeds


def test_the_daily_duty_prunes_the_log_after_the_retention(client, world, settings):
    settings.IPCITY_LOGIN_LOG_DAYS = 180
    attempt(client, "erin")
    attempt(client, "bob")
    old = LoginEvent.objects.get(username="erin")
    old.at = timezone.now() - timedelta(days=181)
    old.save()
    duty = {d.name: d for d in duties()}["login-log"]
    line = duty.func(timezone.localdate())
    assert line.startswith("1 login events")
    assert list(LoginEvent.objects.values_list("username", flat=True)) == ["bob"]
