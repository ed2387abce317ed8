from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ipcity.orgs.regions import RegionFileError, load_regions


class Command(BaseCommand):
    help = "Load the district's regions (streets, towns) from a CSV data file."
    # A one-shot command: the system checks (URL configuration, API schemas) take seconds and
    # are `ipcity check`'s job.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Insert or update regions from FILE by code.")
        load.add_argument(
            "file", nargs="?", help="CSV file (default: the IPCITY_REGION_FILE setting)"
        )

    def handle(self, *args, action, file=None, **options):
        path = file or settings.IPCITY_REGION_FILE
        try:
            result = load_regions(path)
        except RegionFileError as exc:
            raise CommandError(str(exc)) from None
        if options["verbosity"]:
            self.stdout.write(f"Regions from {path}: {result}")
