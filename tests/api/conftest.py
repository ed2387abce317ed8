import pytest
from django.test import Client

from ipcity.accounts.models import APIToken


@pytest.fixture
def token_client(db):
    """`token_client(user)` returns a client that sends a fresh personal token of that user."""

    def _make(user):
        _, key = APIToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _make


@pytest.fixture
def anon():
    return Client()
