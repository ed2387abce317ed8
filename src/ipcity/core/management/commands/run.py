import http.client
import os
import signal
import socket
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ipcity.core.management.commands.serve import gunicorn_argv

STOP_GRACE_SECONDS = 10
# The server's master opens the port before its workers have loaded the platform; on a busy
# 2-core machine that can take a minute.
STARTUP_SECONDS = 180


class Command(BaseCommand):
    help = (
        "Run ipcity locally: migrate, load regions and demo data (once), collect static files, "
        "then start the web server and the background worker until Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")

    def handle(self, *args, port, no_demo, **options):
        from ipcity.core.demo import DEMO_PASSWORD, demo_accounts, load_demo
        from ipcity.orgs.regions import load_regions

        if not 0 < port < 65536:
            raise CommandError(f"PORT must be between 1 and 65535, not {port}")
        if _port_in_use(port):
            raise CommandError(f"Port {port} is already in use; set PORT to another one.")
        from django.conf import settings

        self.stdout.write("Preparing the database …")
        call_command("migrate", interactive=False, verbosity=0)
        load_regions(settings.IPCITY_REGION_FILE)
        if not no_demo and not demo_accounts():
            self.stdout.write("Loading demo data (first run only) …")
            load_demo()
        call_command("collectstatic", interactive=False, verbosity=0)

        # A local trial with demo accounts: the administrators' second factor is not forced on
        # (no phone is at hand), unless IPCITY_TOTP_ENFORCE says otherwise. `ipcity serve` keeps
        # the production default.
        trial_totp = "IPCITY_TOTP_ENFORCE" not in os.environ
        if trial_totp:
            os.environ["IPCITY_TOTP_ENFORCE"] = "false"
        children = self._start(port)
        stop = {"signal": None}

        def on_signal(signum, frame):
            stop["signal"] = signum

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)

        if _wait_until_answering(port, children, stop, timeout=STARTUP_SECONDS):
            self._banner(port, demo_accounts(), DEMO_PASSWORD)
            if trial_totp:
                self.stdout.write(
                    "Local trial: administrators are not required to set up a second factor "
                    "(set IPCITY_TOTP_ENFORCE=true to require it)."
                )
        elif stop["signal"] is None and all(p.poll() is None for p in children.values()):
            self.stderr.write(
                f"The web server did not answer within {STARTUP_SECONDS} s; "
                "it is still starting, see its log above."
            )
        exit_code = 0
        while stop["signal"] is None:
            exited = [name for name, proc in children.items() if proc.poll() is not None]
            if exited:
                self.stderr.write(f"The {exited[0]} stopped unexpectedly; stopping ipcity.")
                exit_code = 1
                break
            time.sleep(0.3)
        self.stdout.write("Stopping the web server and the worker …")
        _stop(children)
        self.stdout.write("Stopped.")
        if exit_code:
            raise SystemExit(exit_code)

    def _start(self, port: int) -> dict[str, subprocess.Popen]:
        # Own sessions, so Ctrl-C reaches only this launcher, which then stops each child once
        # (a second signal would make the worker abandon the job it is running).
        server = subprocess.Popen(gunicorn_argv(f"127.0.0.1:{port}"), start_new_session=True)
        worker = subprocess.Popen(
            [sys.executable, "-m", "ipcity.cli", "worker", "--no-reload"],
            start_new_session=True,
        )
        return {"web server": server, "worker": worker}

    def _banner(self, port: int, accounts, password: str) -> None:
        lines = [
            "",
            "=" * 64,
            f"  ipcity is running at  http://127.0.0.1:{port}",
            "",
        ]
        if accounts:
            lines.append("  Demo accounts (one per role), all with the password:")
            lines.append(f"      {password}")
            lines.append("")
            lines += [f"  {username:<16} {role}  ({org})" for username, role, org in accounts]
            lines.append("")
        lines += ["  Press Ctrl-C to stop.", "=" * 64, ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _answers(port: int) -> bool:
    """Whether a worker of the server answers the login page (any status below 500)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/accounts/login/")
        return conn.getresponse().status < 500
    except OSError:
        return False
    finally:
        conn.close()


def _wait_until_answering(port: int, children, stop: dict, timeout: float) -> bool:
    """Wait until the server answers a page, not only until its port is open: the banner
    says the platform is running, so it must be."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and stop["signal"] is None:
        if any(proc.poll() is not None for proc in children.values()):
            return False
        if _answers(port):
            return True
        time.sleep(0.3)
    return False


def _stop(children: dict[str, subprocess.Popen]) -> None:
    for proc in children.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in children.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
