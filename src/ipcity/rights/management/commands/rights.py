import json
import sys

from django.core.management.base import BaseCommand, CommandError

from ipcity.accounts.models import User
from ipcity.rights.imports import import_format, run_import
from ipcity.rights.imports.layouts import LAYOUTS


class Command(BaseCommand):
    help = "IP rights registry: import patent exports (CNIPA, incoPat, PatSnap)."
    # A one-shot command: the system checks (URL configuration, API schemas) take seconds and
    # are `ipcity check`'s job.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import",
            help="Import a patent export (xlsx or csv) and print a JSON summary. All or nothing: "
            "with row errors nothing is written and the exit code is 1, unless --only-valid.",
        )
        imp.add_argument("file")
        imp.add_argument("--format", choices=("auto", *LAYOUTS), default="auto")
        imp.add_argument("--user", help="Username recorded in the history (needs the permission)")
        imp.add_argument("--only-valid", action="store_true", help="Write the good rows anyway")

    def handle(self, *args, action, **options):
        if action == "import":
            self.import_file(options)

    def import_file(self, options):
        user = None
        if options.get("user"):
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['user']!r}.")
            if not import_format(options["format"]).allowed(user):
                raise CommandError(f"{user.username} may not import patents.")
        try:
            open(options["file"], "rb").close()
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror}") from None
        summary, warnings, ok = run_import(
            options["file"], options["format"], user, options["only_valid"]
        )
        for warning in warnings:
            self.stderr.write(f"row {warning['row']}: {warning['reason']}")
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
        if not ok:
            sys.exit(1)
