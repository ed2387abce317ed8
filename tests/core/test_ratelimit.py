"""core/ratelimit.py: a fixed window per scope and client."""

import pytest
from django.core.cache import cache

from ipcity.core import ratelimit


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_limit_holds_per_scope_and_client():
    assert [ratelimit.allow("complaint", "10.0.0.1", 3, 3600) for _ in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert ratelimit.allow("complaint", "10.0.0.2", 3, 3600)
    assert ratelimit.allow("status", "10.0.0.1", 3, 3600)
    assert ratelimit.remaining("complaint", "10.0.0.1", 3, 3600) == 0
    assert ratelimit.remaining("complaint", "10.0.0.9", 3, 3600) == 3


def test_a_cache_outage_does_not_lock_the_public_out(monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(ratelimit.cache, "add", broken)
    assert ratelimit.allow("complaint", "10.0.0.1", 1, 3600)
