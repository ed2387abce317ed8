from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from ipcity.core.jobs import mark_interrupted


class Command(BaseCommand):
    help = (
        "Run the background worker. Jobs left running by a worker that stopped are first marked "
        "interrupted, so users see them and can run them again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-after",
            type=int,
            default=None,
            metavar="SECONDS",
            help="With several workers: only interrupt running jobs whose heartbeat is older "
            "than this. By default every running job is interrupted (one worker).",
        )
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--no-startup-delay", action="store_true")
        parser.add_argument(
            "--reload",
            action="store_true",
            default=settings.DEBUG,
            help="Restart on code changes (default: DEBUG).",
        )
        parser.add_argument("--no-reload", action="store_false", dest="reload")

    def handle(self, *args, **options):
        stale = options["stale_after"]
        interrupted = mark_interrupted(timedelta(seconds=stale) if stale is not None else None)
        if stale is None:
            self._fail_orphaned_task_rows()
        if interrupted and options["verbosity"]:
            self.stdout.write(f"Marked {interrupted} job(s) left running as interrupted.")
        worker_options = {
            "interval": options["interval"],
            "batch": options["batch"],
            "reload": options["reload"],
            "startup_delay": not options["no_startup_delay"],
            "verbosity": options["verbosity"],
        }
        if options["max_tasks"]:
            worker_options["max_tasks"] = options["max_tasks"]
        call_command("db_worker", **worker_options)

    def _fail_orphaned_task_rows(self) -> None:
        # The queue's own rows for the killed run stay "running" forever otherwise; the job row
        # (interrupted above) is what users see and re-run.
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED, finished_at=timezone.now()
        )
