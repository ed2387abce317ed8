import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


def default_workers() -> int:
    """Two single-threaded processes per core, from 2 to 8. Pages are mostly Python: threads
    of one process wait for each other's turn at the interpreter, and under load the slowest
    pages waited longest (1,000,000 patents on PostgreSQL, 16 clients: 4 processes of one
    thread served 57-64 pages a second, p95 376-388 ms; 2 processes of 4 threads 50-57, p95
    436-496 ms, one after the other)."""
    return max(2, min(2 * (os.cpu_count() or 1), 8))


def gunicorn_argv(bind: str) -> list[str]:
    """The gunicorn command line; WEB_CONCURRENCY and GUNICORN_CMD_ARGS still apply.

    The platform's hooks (`ipcity.gunicorn_conf`) are given as the configuration file unless
    the operator has one: a `--config` in GUNICORN_CMD_ARGS or a `gunicorn.conf.py` in the
    working directory, which a `--config` here would silently replace."""
    from gunicorn import config

    extra = []
    own = os.environ.get("GUNICORN_CMD_ARGS", "").split()
    has_own = {"--config", "-c"} & set(own) or any(a.startswith("--config=") for a in own)
    if not has_own and not os.path.exists("gunicorn.conf.py"):
        extra += ["--config", "python:ipcity.gunicorn_conf"]
    if hasattr(config, "ControlSocketDisable"):
        # Its default socket lives in $HOME, which a service account may not be able to write.
        extra.append("--no-control-socket")
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "ipcity.wsgi:application",
        "--bind",
        bind,
        "--workers",
        os.environ.get("WEB_CONCURRENCY", str(default_workers())),
        "--threads",
        os.environ.get("IPCITY_WEB_THREADS", "1"),
        # Uploads of large spreadsheets take longer than gunicorn's 30 s default.
        "--timeout",
        "120",
        "--access-logfile",
        "-",
        *extra,
    ]


class Command(BaseCommand):
    help = "Run the production web server (gunicorn) after collecting static files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            default=f"127.0.0.1:{os.environ.get('PORT', '8000')}",
            help="Address to listen on (default: 127.0.0.1:$PORT, PORT defaulting to 8000).",
        )
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args, bind, no_collectstatic, **options):
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcity.settings")
        argv = gunicorn_argv(bind)
        sys.stdout.flush()
        os.execv(argv[0], argv)
