"""`ipcity backup`: one archive of the database and the uploaded files (see core/backup.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ipcity.core import backup


class Command(BaseCommand):
    help = (
        "Write ipcity-backup-<YYYYmmdd-HHMMSS>.tar.gz holding the database, the uploaded files "
        "and a manifest with checksums; optionally remove older archives."
    )
    # A one-shot command: the system checks (URL configuration, API schemas) take seconds and
    # are `ipcity check`'s job.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="Directory for the archive (default IPCITY_BACKUP_DIR).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            help="Keep only the newest N archives in the directory (default IPCITY_BACKUP_KEEP; "
            "0 keeps all).",
        )

    def handle(self, *args, output=None, keep=None, **options):
        output = (output or settings.IPCITY_BACKUP_DIR).resolve()
        keep = settings.IPCITY_BACKUP_KEEP if keep is None else keep
        if keep < 0:
            raise CommandError("--keep must be 0 (keep all) or more")
        try:
            result = backup.create_backup(output, keep=keep)
        except backup.BackupError as exc:
            raise CommandError(f"Backup failed: {exc}") from exc
        except Exception as exc:  # one line for the operator; --traceback shows the rest
            raise CommandError(f"Backup failed: {type(exc).__name__}: {exc}") from exc
        size = backup.human_size
        self.stdout.write(
            f"{result.path} ({size(result.size)}): database {size(result.database_bytes)}, "
            f"{result.media_files} uploaded files ({size(result.media_bytes)})"
        )
        for path in result.removed:
            self.stdout.write(f"removed older {path.name}")
