"""The `ipcity` command."""

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from ipcity.accounts.models import User
from ipcity.cli import main

from .conftest import copy_database, subprocess_env

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_workdays_add_prints_the_date(capsys):
    main(["ipcity", "workdays", "add", "2024-09-27", "5"])
    assert capsys.readouterr().out.strip() == "2024-10-10"


def test_workdays_count_prints_the_number(capsys):
    main(["ipcity", "workdays", "count", "2024-09-27", "2024-10-10"])
    assert capsys.readouterr().out.strip() == "5"


def test_workdays_warns_for_a_year_without_holiday_data(capsys):
    call_command("workdays", "add", "2031-01-02", "1")
    captured = capsys.readouterr()
    assert captured.out.strip() == "2031-01-03"
    assert "only weekends" in captured.err


def test_workdays_refuses_a_bad_date_clearly():
    with pytest.raises(CommandError, match="not a date"):
        call_command("workdays", "add", "2024-13-01", "5")


def test_createadmin_makes_a_superuser_with_the_office_admin_role():
    call_command("createadmin", username="root", password="A-long-pass-phrase-9")
    user = User.objects.get(username="root")
    assert user.is_superuser
    assert user.role_assignments.filter(role__code="office_admin", scope="district").exists()
    assert user.check_password("A-long-pass-phrase-9")


def test_createadmin_again_resets_the_password_without_a_second_role():
    call_command("createadmin", username="root", password="A-long-pass-phrase-9")
    call_command("createadmin", username="root", password="Another-pass-phrase-7")
    user = User.objects.get(username="root")
    assert user.check_password("Another-pass-phrase-7")
    assert user.role_assignments.count() == 1


def test_createadmin_refuses_a_weak_password():
    with pytest.raises(CommandError):
        call_command("createadmin", username="root", password="123")
    assert not User.objects.filter(username="root").exists()


def _env(tmp_path, **extra) -> dict:
    return subprocess_env(tmp_path, **extra)


def test_check_deploy_is_clean_for_a_production_configuration(tmp_path):
    env = _env(
        tmp_path,
        SECRET_KEY="x" * 20 + "production-secret-key-with-enough-entropy-0123456789",
        DEBUG="false",
        SECURE_COOKIES="true",
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="31536000",
        ALLOWED_HOSTS="ipcity.example.org",
    )
    done = subprocess.run(
        [sys.executable, "-m", "ipcity.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.xdist_group("platform")
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="`ipcity run` always uses its own SQLite file: the SQLite pass runs it",
)
def test_run_serves_the_login_page_prints_the_demo_accounts_and_stops_on_sigterm(
    tmp_path, migrated_sqlite
):
    """`make run` on a fresh machine: the database migrated (a copy of the template of
    conftest.py), demo data loaded on the first run, the login page served, a clean stop."""
    copy_database(migrated_sqlite, tmp_path / "db.sqlite3")
    port = _free_port()
    log = tmp_path / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ipcity.cli", "run"],
            env=_env(tmp_path, PORT=str(port), PYTHONUNBUFFERED="1"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            # A first run migrates and loads the demo data: generous on a loaded 2-core machine.
            deadline = time.monotonic() + 400
            while "Ctrl-C" not in log.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.2)
            assert "Ctrl-C" in log.read_text(), "ipcity run did not come up:\n" + log.read_text()
            page = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=30)
            assert page.status == 200
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    output = log.read_text()
    assert f"http://127.0.0.1:{port}" in output
    assert "demo_office" in output and "demo_leader" in output
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "the web server is still running"


def test_createadmin_without_a_terminal_asks_for_the_password_flag(monkeypatch):
    def no_terminal(prompt=""):
        raise EOFError

    monkeypatch.setattr("getpass.getpass", no_terminal)
    with pytest.raises(CommandError, match="password is required"):
        call_command("createadmin", username="root")
    assert not User.objects.filter(username="root").exists()


class _Child:
    def __init__(self, code=None):
        self.code = code

    def poll(self):
        return self.code


def _serve_statuses(statuses: list[int], seen: list[int]):
    """A local HTTP server answering the given statuses in turn, then the last one; each
    answer is appended to `seen`."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
            seen.append(status)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_run_waits_for_an_answer_not_only_an_open_port():
    """`ipcity run` prints its banner once a page is answered: a 503 while workers boot is
    not yet running, a closed port is not, an exited child ends the wait."""
    from ipcity.core.management.commands.run import _wait_until_answering

    seen = []
    server = _serve_statuses([503, 503, 200], seen)
    try:
        port = server.server_address[1]
        children = {"web server": _Child()}
        assert _wait_until_answering(port, children, {"signal": None}, timeout=20)
        assert seen == [503, 503, 200]
        assert not _wait_until_answering(port, {"web server": _Child(1)}, {"signal": None}, 20)
        assert not _wait_until_answering(port, children, {"signal": signal.SIGTERM}, 20)
    finally:
        server.shutdown()
        server.server_close()
    started = time.monotonic()
    assert not _wait_until_answering(_free_port(), {"web server": _Child()}, {"signal": None}, 1)
    assert time.monotonic() - started < 10
