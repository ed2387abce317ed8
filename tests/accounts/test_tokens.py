import re

from django.test import Client
from django.urls import reverse

from ipcity.accounts.models import APIToken, hash_token

LIST = reverse("accounts:tokens")
CREATE = reverse("accounts:token_create")


def revoke_url(token):
    return reverse("accounts:token_revoke", args=[token.pk])


def test_the_pages_live_under_accounts():
    assert LIST == "/accounts/tokens/"
    assert CREATE.startswith("/accounts/tokens/")


def test_anonymous_visitors_are_sent_to_the_login_page(world, client):
    for url in (LIST, CREATE):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login" in response["Location"]


def test_a_user_lists_only_their_own_tokens(world, login):
    APIToken.issue(world.alice, "alice-script")
    APIToken.issue(world.charlie, "charlie-script")
    response = login(world.alice).get(LIST)
    assert response.status_code == 200
    assert "alice-script" in response.content.decode()
    assert "charlie-script" not in response.content.decode()


def test_creating_a_token_shows_the_key_once_and_stores_its_hash(world, login):
    client = login(world.leo)
    assert client.get(CREATE).status_code == 200
    response = client.post(CREATE, {"name": "报表脚本", "expires_in": "30"})
    assert response.status_code == 200
    key = re.search(r"ipc_[A-Za-z0-9_\-]+", response.content.decode()).group(0)
    token = APIToken.objects.get(user=world.leo)
    assert token.name == "报表脚本"
    assert token.key_hash == hash_token(key)
    assert token.expires_at is not None
    assert key not in client.get(LIST).content.decode()
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get("/api/orgs/organizations/").status_code == 200


def test_a_token_without_expiry_never_expires(world, login):
    login(world.alice).post(CREATE, {"name": "forever", "expires_in": ""})
    assert APIToken.objects.get(user=world.alice).expires_at is None


def test_a_token_needs_a_name(world, login):
    response = login(world.alice).post(CREATE, {"name": "  ", "expires_in": "30"})
    assert response.status_code == 200
    assert not APIToken.objects.exists()


def test_a_user_revokes_their_own_token(world, login):
    token, key = APIToken.issue(world.alice, "script")
    response = login(world.alice).post(revoke_url(token))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get("/api/orgs/organizations/").status_code == 401


def test_revoking_needs_a_post(world, login):
    token, _ = APIToken.issue(world.alice, "script")
    assert login(world.alice).get(revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_stranger_cannot_revoke_someone_elses_token(world, login):
    token, _ = APIToken.issue(world.alice, "script")
    assert login(world.charlie).post(revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_leo_cannot_revoke_alices_token_either(world, login):
    token, _ = APIToken.issue(world.alice, "script")
    assert login(world.leo).post(revoke_url(token)).status_code == 404


def test_the_list_runs_a_bounded_number_of_queries(world, login, django_assert_max_num_queries):
    for n in range(20):
        APIToken.issue(world.alice, f"script {n}")
    client = login(world.alice)
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200
