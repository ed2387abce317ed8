"""The API's rate limit: per token, session or address, a JSON 429 with Retry-After beyond it,
counted per caller (one caller's burst does not stop another), pages outside /api/ untouched."""

import secrets

import pytest
from django.test import Client

from ipcity.accounts.models import APIToken


@pytest.fixture
def tight(settings, monkeypatch):
    # One fixed window for the whole test: a minute boundary in the middle must not reset it.
    from ipcity.core import ratelimit

    now = ratelimit.time.time()
    monkeypatch.setattr(ratelimit.time, "time", lambda: now)
    # Callers in these tests are new each run (fresh tokens, a random address), so the counts
    # in the shared cache start at zero without clearing what other tests keep there.
    settings.IPCITY_API_RATE = 3


def test_token_over_the_limit_gets_429(world, tight):
    _, key = APIToken.issue(world.alice, "burst")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    client = Client()
    codes = [client.get("/api/orgs/organizations/", **headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/orgs/organizations/", **headers)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another caller is not held back by alice's burst.
    _, other = APIToken.issue(world.leo, "other")
    assert (
        Client().get("/api/orgs/organizations/", HTTP_AUTHORIZATION=f"Bearer {other}").status_code
        == 200
    )


def test_anonymous_callers_counted_by_address_and_pages_untouched(world, tight, login):
    client = Client(REMOTE_ADDR=f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7")
    codes = [client.get("/api/orgs/organizations/").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    # The web pages have limits of their own (sign-in lockout, public forms), not this one.
    assert all(client.get("/accounts/login/").status_code == 200 for _ in range(5))


def test_no_limit_when_zero(world, settings, login):
    settings.IPCITY_API_RATE = 0
    client = login(world.alice)
    assert all(client.get("/api/orgs/organizations/").status_code == 200 for _ in range(5))
