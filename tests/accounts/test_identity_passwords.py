"""Password policy: length, three character classes, no reuse of the last five, expiry."""

from datetime import timedelta

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ipcity.accounts.models import PasswordHistory
from ipcity.accounts.passwords import character_classes, password_expired
from tests.factories import PASSWORD

DEMO_PASSWORD = "ipcity-Demo-2025"


def errors_for(password, user=None):
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return [e.code for e in exc.error_list]
    return []


def test_the_demo_and_the_test_passwords_satisfy_the_policy(db):
    assert errors_for(DEMO_PASSWORD) == []
    assert errors_for(PASSWORD) == []


def test_a_password_shorter_than_ten_is_refused(db):
    assert "password_too_short" in errors_for("Ab1-Ab1-x")
    assert "password_too_short" not in errors_for("Ab1-Ab1-xy")


def test_three_of_four_character_classes_are_needed(db):
    assert character_classes("abcdefghij") == 1
    assert character_classes("abcdeFGHIJ") == 2
    assert "password_too_simple" in errors_for("quietharbortown")
    assert "password_too_simple" in errors_for("quietharborTOWN")
    assert "password_too_simple" in errors_for("quiet-harbor-town")
    # any three classes will do
    assert errors_for("quietHarbor73") == []
    assert errors_for("quiet-harbor-73") == []
    assert errors_for("QUIET-HARBOR-73") == []
    assert errors_for("quiet-Harbor-town") == []


def _change(user, password):
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()


def test_the_last_five_passwords_may_not_be_reused_and_the_sixth_last_may(world):
    erin = world.erin
    # PASSWORD (set by the factory) is the first; five more follow.
    passwords = [PASSWORD] + [f"Harbor-{n}-quiet" for n in range(1, 6)]
    for password in passwords[1:]:
        _change(erin, password)
    assert PasswordHistory.objects.filter(user=erin).count() == 5
    # The current one and the four before it are refused, the fifth-last included ...
    for password in passwords[1:]:
        assert "password_reused" in errors_for(password, erin)
    # ... the sixth-last (the factory's) is allowed again.
    assert errors_for(PASSWORD, erin) == []
    _change(erin, PASSWORD)
    erin.refresh_from_db()
    assert erin.check_password(PASSWORD)


def test_the_history_keeps_hashes_not_passwords(world):
    row = PasswordHistory.objects.get(user=world.erin)
    assert PASSWORD not in row.password
    assert row.password == world.erin.password


def test_password_change_page_refuses_a_recent_password(login, world):
    client = login(world.erin)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "You used this password recently" in str(response.context["form"].errors)


def test_setting_a_password_stamps_its_date(world):
    world.erin.refresh_from_db()
    assert timezone.now() - world.erin.password_changed_at < timedelta(minutes=1)


@pytest.fixture
def expired_erin(world):
    world.erin.password_changed_at = timezone.now() - timedelta(days=91)
    world.erin.save(update_fields=["password_changed_at"])
    return world.erin


def test_an_expired_password_sends_the_user_to_the_password_page(login, expired_erin):
    assert password_expired(expired_erin)
    client = login(expired_erin)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")
    page = client.get(reverse("accounts:password_change"))
    assert page.status_code == 200
    assert page.context["expired"]
    # the API answers in JSON rather than redirecting
    api = client.get("/api/orgs/organizations/")
    assert api.status_code == 403
    assert api.json()["code"] == "forbidden"
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Fresh-harbor-91",
            "new_password2": "Fresh-harbor-91",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_expiry_follows_the_setting(settings, expired_erin):
    settings.IPCITY_PASSWORD_MAX_AGE_DAYS = 0
    assert not password_expired(expired_erin)
    settings.IPCITY_PASSWORD_MAX_AGE_DAYS = 120
    assert not password_expired(expired_erin)
    settings.IPCITY_PASSWORD_MAX_AGE_DAYS = 90
    assert password_expired(expired_erin)
