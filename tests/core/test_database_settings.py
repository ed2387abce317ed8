"""Settings of the database connection that the figures depend on."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_connections_compile_no_queries():
    """JIT compilation cost more than it saved on the grouped counts (docs/performance.md)."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting; the PostgreSQL pass runs this")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
