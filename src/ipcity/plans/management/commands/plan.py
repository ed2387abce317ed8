import json
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from ipcity.accounts.models import User
from ipcity.plans.division import DivisionError, read_division
from ipcity.plans.parsing import ParseError, parse_document, public_json


class Command(BaseCommand):
    help = "Work plans: read an issued plan document or a division of work table."
    # A one-shot command: the system checks (URL configuration, API schemas) take seconds and
    # are `ipcity check`'s job.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        parse = sub.add_parser(
            "parse", help="Print the plan's structure as JSON without saving anything."
        )
        parse.add_argument("file", help=".docx or .txt (use - for standard input)")
        imp = sub.add_parser(
            "import",
            help="Save the plan with its sections, tasks and units and print a JSON summary. "
            "Units are matched by exact or short name; others are kept as written.",
        )
        imp.add_argument("file")
        imp.add_argument("--user", help="Username recorded in the history (needs the permission)")
        division = sub.add_parser(
            "parse-division",
            help="Print the rows of a division of work table (xlsx, xls or csv) as JSON.",
        )
        division.add_argument("file")

    def handle(self, *args, action, file, **options):
        if action == "parse-division":
            self.parse_division(file)
            return
        data = self.read(file)
        if action == "parse":
            try:
                parsed = parse_document(data, file)
            except ParseError as exc:
                raise CommandError(str(exc)) from None
            for warning in parsed["warnings"]:
                self.stderr.write(f"warning: {warning}")
            self.stdout.write(json.dumps(public_json(parsed), ensure_ascii=False, indent=2))
        else:
            self.import_plan(data, file, options.get("user"))

    def read(self, file: str) -> bytes:
        if file == "-":
            import sys

            return sys.stdin.buffer.read()
        try:
            return Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None

    def import_plan(self, data: bytes, file: str, username: str | None):
        from ipcity.plans.actions_import import import_plan

        user = None
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user named {username!r}.")
        try:
            plan, parsed = import_plan(user, data=data, name=file)
        except ParseError as exc:
            raise CommandError(str(exc)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "Permission denied.") from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        units = parsed["units"]
        unmatched = [name for name, match in units.items() if not match["organization"]]
        for warning in parsed["warnings"]:
            self.stderr.write(f"warning: {warning}")
        summary = {
            "plan": plan.pk,
            "title": plan.title,
            "sections": plan.sections.count(),
            "tasks": plan.tasks.count(),
            "units": len(units),
            "unmatched": unmatched,
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def parse_division(self, file: str):
        if not Path(file).is_file():
            raise CommandError(f"{file}: no such file")
        try:
            table = read_division(file)
        except DivisionError as exc:
            raise CommandError(str(exc)) from None
        for warning in table.warnings:
            self.stderr.write(f"warning: {warning}")
        rows = [row.public() for row in table.rows]
        self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
