"""Property-based checks of the whole API against its own OpenAPI spec.

Schemathesis generates requests from /api/openapi.json and sends them in-process through the
WSGI application as alice (with a personal token): no answer may be a 5xx, and every answer must
match the schema the spec documents for its status code, errors included.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from ipcity.accounts.models import APIToken
from ipcity.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def alice_headers(world):
    _, key = APIToken.issue(world.alice, "schemathesis")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(autouse=True)
def keep_the_test_connection_open():
    """The raw WSGI handler closes the database connection after each request, which would end
    the test's transaction; Django's own test client avoids that the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Examples per operation: 6 by default; CI's PostgreSQL pass runs fewer (the answers' shapes
# do not depend on the engine, and the SQLite pass has run the full number).
EXAMPLES = int(os.environ.get("IPCITY_SCHEMATHESIS_EXAMPLES", "6"))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_conforms_to_its_spec(case, alice_headers):
    case.call_and_validate(headers=alice_headers, checks=CHECKS)
