"""`ipcity restore ARCHIVE`: put back the database and the uploaded files of a backup."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ipcity.core import backup


class Command(BaseCommand):
    help = (
        "Restore the database and the uploaded files from an `ipcity backup` archive, after "
        "checking every file against the manifest. Stop `ipcity serve` and `ipcity worker` first."
    )
    # A one-shot command: the system checks (URL configuration, API schemas) take seconds and
    # are `ipcity check`'s job.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, archive, yes=False, **options):
        try:
            plan = backup.prepare_restore(archive.resolve())
        except backup.BackupError as exc:
            raise CommandError(f"Restore refused, nothing changed: {exc}") from exc
        except Exception as exc:  # one line for the operator; --traceback shows the rest
            raise CommandError(
                f"Restore refused, nothing changed: {type(exc).__name__}: {exc}"
            ) from exc
        try:
            if not yes and not self._confirm(plan):
                raise CommandError("Restore cancelled, nothing changed.")
            backup.apply_restore(plan)
        except backup.BackupError as exc:
            raise CommandError(f"Restore failed: {exc}") from exc
        finally:
            plan.discard()

        manifest = plan.manifest
        self.stdout.write(
            f"Restored the {manifest['engine']} database of {manifest['created_at']} "
            f"({backup.human_size(plan.database_bytes)}) and {plan.media_files} uploaded files "
            f"({backup.human_size(plan.media_bytes)}) from {plan.archive.name}."
        )
        if plan.pending_migrations:
            self.stdout.write(
                "The backup predates migrations of this version ("
                + ", ".join(plan.pending_migrations)
                + "): run `ipcity migrate` now."
            )

    def _confirm(self, plan) -> bool:
        if not sys.stdin.isatty():
            raise CommandError(
                "Restore needs confirmation: run it in a terminal, or add --yes. Nothing changed."
            )
        name = connection.settings_dict["NAME"]
        self.stdout.write(
            f"{plan.archive.name}: {plan.manifest['engine']} database of "
            f"{plan.manifest['created_at']}, {plan.media_files} uploaded files.\n"
            f"This REPLACES the database {name} and the uploaded files; changes made since the "
            "backup are lost."
        )
        return input("Type yes to restore: ").strip().lower() == "yes"
