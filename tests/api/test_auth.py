from datetime import timedelta

from django.test import Client
from django.utils import timezone

from ipcity.accounts.models import APIToken, hash_token

LIST = "/api/orgs/organizations/"


def bearer(key):
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_a_token_authenticates_as_its_owner(world):
    _, key = APIToken.issue(world.charlie, "script")
    response = bearer(key).get(LIST)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [world.enterprise_b.pk]


def test_only_the_hash_of_the_key_is_stored(world):
    token, key = APIToken.issue(world.alice, "script")
    token.refresh_from_db()
    assert token.key_hash == hash_token(key)
    stored = [str(v) for v in APIToken.objects.filter(pk=token.pk).values().first().values()]
    assert key not in stored
    assert token.prefix == key[:12]


def test_using_a_token_records_when_it_was_last_used(world):
    token, key = APIToken.issue(world.alice, "script")
    assert token.last_used_at is None
    bearer(key).get(LIST)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_is_rejected(world):
    token, key = APIToken.issue(world.alice, "script")
    token.revoked_at = timezone.now()
    token.save()
    response = bearer(key).get(LIST)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_expired_token_is_rejected(world):
    _, key = APIToken.issue(world.alice, "old", expires_at=timezone.now() - timedelta(days=1))
    assert bearer(key).get(LIST).status_code == 401


def test_a_token_of_a_deactivated_user_is_rejected(world):
    _, key = APIToken.issue(world.alice, "script")
    world.alice.is_active = False
    world.alice.save()
    assert bearer(key).get(LIST).status_code == 401


def test_a_made_up_token_is_rejected(world):
    assert bearer("ipc_not-a-real-token").get(LIST).status_code == 401
    assert Client(headers={"Authorization": "Basic YWxpY2U6eA=="}).get(LIST).status_code == 401


def test_a_session_needs_the_csrf_token_to_change_data(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    url = f"/api/orgs/organizations/{world.enterprise_a.pk}/"
    response = client.patch(url, {"short_name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    client.get("/api/docs")  # sets the CSRF cookie, as the docs page does for the browser
    csrf = client.cookies["csrftoken"].value
    response = client.patch(
        url, {"short_name": "x"}, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 200, response.content


def test_a_token_needs_no_csrf_token(world):
    _, key = APIToken.issue(world.alice, "script")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})
    response = client.patch(
        f"/api/orgs/organizations/{world.enterprise_a.pk}/",
        {"short_name": "x"},
        content_type="application/json",
    )
    assert response.status_code == 200


def test_an_anonymous_change_is_401_not_a_csrf_failure(world):
    response = Client(enforce_csrf_checks=True).post(
        LIST, {"kind": "enterprise", "name": "x"}, content_type="application/json"
    )
    assert response.status_code == 401
