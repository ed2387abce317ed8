"""Idle and absolute session limits, HTMX polling, the sessions page and revocation."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from ipcity.accounts import sessions
from ipcity.accounts.models import LoginEvent, UserSession
from tests.factories import PASSWORD

HOME = reverse("core:home")
LOGIN = reverse("accounts:login")


def sign_in(user, **extra):
    client = Client(**extra)
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def shift(client, **seconds):
    """Move the session's clocks into the past (time travel without sleeping)."""
    session = client.session
    for key, delta in seconds.items():
        session[key] = session[key] - delta
    session.save()


def test_a_session_idle_for_thirty_minutes_is_signed_out(world):
    client = sign_in(world.erin)
    shift(client, ipcity_seen_at=29 * 60)
    assert client.get(HOME).status_code == 200
    shift(client, ipcity_seen_at=31 * 60)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    assert "without activity" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    event = LoginEvent.objects.filter(user=world.erin).latest("at")
    assert (event.kind, event.detail) == ("timeout", "idle")


def test_activity_keeps_the_session_alive(world):
    client = sign_in(world.erin)
    shift(client, ipcity_seen_at=20 * 60)
    assert client.get(HOME).status_code == 200  # refreshes the timer
    shift(client, ipcity_seen_at=20 * 60)
    assert client.get(HOME).status_code == 200


def test_htmx_polling_does_not_keep_a_session_alive(world):
    client = sign_in(world.erin)
    shift(client, ipcity_seen_at=20 * 60)
    # a job page polling its progress every second (core/jobs/_progress.html sends the header)
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_X_IPCITY_POLL": "1"}
    client.get(HOME, HTTP_HX_TRIGGER="job-progress-1", **poll)
    shift(client, ipcity_seen_at=11 * 60)
    response = client.get(HOME, **poll)
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_a_sign_in_lasts_at_most_twelve_hours_however_active(world, settings):
    assert settings.IPCITY_SESSION_MAX_HOURS == 12
    client = sign_in(world.erin)
    shift(client, ipcity_auth_at=11 * 3600)
    assert client.get(HOME).status_code == 200
    shift(client, ipcity_auth_at=3600 + 1)
    response = client.get(HOME)
    assert response.status_code == 302
    assert "at most 12 hours" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert LoginEvent.objects.filter(user=world.erin, kind="timeout", detail="absolute").exists()


def test_an_api_call_on_a_timed_out_session_is_answered_401(world):
    client = sign_in(world.erin)
    shift(client, ipcity_seen_at=31 * 60)
    assert client.get("/api/orgs/organizations/").status_code == 401


def test_the_sessions_page_lists_the_users_sessions(world):
    first = sign_in(world.erin, HTTP_USER_AGENT="Firefox on the office PC")
    second = sign_in(world.erin, HTTP_USER_AGENT="Phone")
    sign_in(world.bob)
    response = second.get(reverse("accounts:sessions"))
    assert response.status_code == 200
    rows = response.context["sessions"]
    assert {r.user_agent for r in rows} == {"Firefox on the office PC", "Phone"}
    assert response.context["current_key"] == second.session.session_key
    assert first.get(HOME).status_code == 200


def test_sign_out_everywhere_else(world):
    first = sign_in(world.erin)
    second = sign_in(world.erin)
    other_user = sign_in(world.bob)
    response = second.post(reverse("accounts:sessions_revoke_others"))
    assert response.status_code == 302
    assert second.get(HOME).status_code == 200
    assert first.get(HOME).status_code == 302
    assert other_user.get(HOME).status_code == 200
    assert UserSession.objects.filter(user=world.erin).count() == 1


def test_a_session_unknown_to_the_table_is_revoked_too(world):
    first = sign_in(world.erin)
    UserSession.objects.all().delete()  # e.g. signed in before the table existed
    second = sign_in(world.erin)
    second.post(reverse("accounts:sessions_revoke_others"))
    assert first.get(HOME).status_code == 302
    assert second.get(HOME).status_code == 200


def test_the_system_administrator_ends_every_session_of_a_user(world, admins, login):
    erin_client = sign_in(world.erin)
    url = reverse("accounts:user_sessions_revoke", args=[world.erin.pk])
    sam = login(admins.sam)
    page = sam.get(reverse("accounts:user_detail", args=[world.erin.pk]))
    assert url in page.content.decode()
    response = sam.post(url)
    assert response.status_code == 302
    assert erin_client.get(HOME).status_code == 302
    assert not UserSession.objects.filter(user=world.erin).exists()
    assert LoginEvent.objects.filter(user=world.erin, kind="revoked", detail="by sam").exists()


@pytest.mark.parametrize("persona", ["erin", "leo", "charlie"])
def test_others_may_not_end_a_users_sessions(world, login, persona):
    url = reverse("accounts:user_sessions_revoke", args=[world.bob.pk])
    assert login(getattr(world, persona)).post(url).status_code in (403, 404)


def test_the_auditor_sees_the_user_but_may_not_end_sessions(world, admins, login):
    url = reverse("accounts:user_sessions_revoke", args=[world.bob.pk])
    assert login(admins.ada).post(url).status_code == 403


def test_a_password_change_keeps_the_session_row_on_the_new_key(world):
    client = sign_in(world.erin)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Fresh-harbor-91",
            "new_password2": "Fresh-harbor-91",
        },
    )
    assert response.status_code == 302
    assert UserSession.objects.filter(session_key=client.session.session_key).exists()


def test_a_session_from_before_the_limits_gets_its_clocks(world, login):
    client = login(world.erin)
    session = client.session
    for key in (sessions.AUTH_AT, sessions.SEEN_AT):
        del session[key]
    session.save()
    assert client.get(HOME).status_code == 200
    assert sessions.AUTH_AT in client.session
