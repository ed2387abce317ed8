"""With the database gone, pages and the API answer a clean 503; when it returns, they work.

The outage is real, on this worker's own test database: on SQLite the database file is moved
away and a directory put in its place (so opening it fails; chmod would not stop root), on
PostgreSQL the connection is terminated and the database refuses new ones. The errors then
arise where they would in production: in the identity middleware (the session of a signed-in
user), in a view (signing in), and inside the API (token authentication).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from pathlib import Path

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client, override_settings
from django.urls import path

from ipcity.accounts.models import APIToken

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = "The database is not reachable at the moment; try again in a minute."
API_LIST = "/api/orgs/organizations/"


@contextlib.contextmanager
def sqlite_gone():
    connections.close_all()
    path = Path(connection.settings_dict["NAME"])
    moved = []
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            away = Path(f"{part}.away")
            part.rename(away)
            moved.append((part, away))
    path.mkdir()
    try:
        yield
    finally:
        connections.close_all()
        shutil.rmtree(path, ignore_errors=True)
        for part, away in moved:
            away.rename(part)


def _admin_connection():
    """A second connection, to the maintenance database (a database cannot refuse its own)."""
    import psycopg

    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "server_side_binding", "prepare_threshold"):
        params.pop(key, None)
    params["dbname"] = "postgres"
    return psycopg.connect(**params, autocommit=True)


def _terminate_django_connection(admin) -> None:
    """End this process's connection from another backend (as a failover or restart would)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@contextlib.contextmanager
def postgresql_gone():
    from psycopg import sql

    admin = _admin_connection()
    name = sql.Identifier(connection.settings_dict["NAME"])
    try:
        admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(name))
        _terminate_django_connection(admin)
        yield
    finally:
        admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(name))
        admin.close()
        connections.close_all()


def database_gone():
    return sqlite_gone() if connection.vendor == "sqlite" else postgresql_gone()


@pytest.fixture
def clients(world):
    """A signed-in browser, an anonymous one and an API token client, all made beforehand."""
    browser = Client(raise_request_exception=False)
    browser.force_login(world.alice)
    _, key = APIToken.issue(world.alice, "outage")
    token = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {key}"})
    anonymous = Client(raise_request_exception=False)
    # Everything works before the outage.
    assert browser.get("/").status_code == 200
    assert token.get(API_LIST).status_code == 200
    return browser, token, anonymous, world


def assert_page_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert MESSAGE in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert response["Content-Type"].startswith("text/html")


def assert_api_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    data = response.json()
    assert data == {"code": "database_unavailable", "message": MESSAGE, "errors": {}}


def test_outage_answers_503_everywhere_and_recovers(clients):
    browser, token, anonymous, world = clients
    with database_gone():
        # A signed-in page: the session is read in middleware.
        assert_page_503(browser.get("/"))
        assert_page_503(browser.get("/orgs/"))
        # Signing in: the failure is in the view.
        response = anonymous.post(
            "/accounts/login/", {"username": "alice", "password": world.password}
        )
        assert_page_503(response)
        # The API: with the session, and with a token (checked inside the API).
        assert_api_503(browser.get(API_LIST))
        assert_api_503(token.get(API_LIST))

    # The database is back: the next requests work without anything restarted.
    assert browser.get("/").status_code == 200
    assert token.get(API_LIST).status_code == 200
    assert browser.get(API_LIST).status_code == 200
    response = anonymous.post("/accounts/login/", {"username": "alice", "password": world.password})
    assert response.status_code == 302


def test_broken_connection_is_replaced_on_the_next_request(clients):
    """A connection that died under the process (server restart, failover) is closed by the
    503, so the very next request opens a fresh one."""
    browser, token, _anonymous, _world = clients
    if connection.vendor == "postgresql":
        admin = _admin_connection()
        try:
            _terminate_django_connection(admin)
        finally:
            admin.close()
        assert_page_503(browser.get("/"))
    else:
        with sqlite_gone():
            assert_page_503(browser.get("/"))
    assert browser.get("/").status_code == 200
    assert token.get(API_LIST).status_code == 200


def test_outage_is_logged_once_per_request_without_django_500(clients, caplog):
    browser, _token, _anonymous, _world = clients
    with caplog.at_level(logging.INFO), database_gone():
        caplog.clear()
        browser.get("/")
        first = [(r.name, r.levelno) for r in caplog.records]
        caplog.clear()
        browser.get("/")
        second = list(caplog.records)
    assert first == [("ipcity.database", logging.ERROR)]
    assert [(r.name, r.levelno) for r in second] == [("ipcity.database", logging.WARNING)]
    assert second[0].exc_info is None
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert browser.get("/").status_code == 200
    assert [r.getMessage() for r in caplog.records if r.name == "ipcity.database"] == [
        "Database reachable again after 2 failed request(s)"
    ]


def _bug(request):
    raise RuntimeError("a bug, not an outage")


def _locked(request):
    raise OperationalError("database is locked")


urlpatterns = [path("bug/", _bug), path("locked/", _locked)]


@override_settings(ROOT_URLCONF=__name__)
def test_only_database_errors_become_503(caplog):
    """A database error raised in a view is a 503; any other error stays a logged 500."""
    client = Client(raise_request_exception=False)
    assert_page_503(client.get("/locked/"))
    with caplog.at_level(logging.ERROR):
        response = client.get("/bug/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert any(r.name == "django.request" for r in caplog.records)
    # The connection closed by the 503 is simply reopened.
    assert client.get("/locked/").status_code == 503
    assert connection.cursor() is not None


def test_503_page_in_chinese_by_default(clients, chinese_default):
    browser, _token, _anonymous, _world = clients
    browser.cookies.pop("django_language", None)
    with database_gone():
        response = browser.get("/")
    assert response.status_code == 503
    assert '<html lang="zh-hans">' in response.content.decode()
