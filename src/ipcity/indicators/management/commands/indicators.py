"""`ipcity indicators compute --year Y [--json]` and `ipcity indicators load-population [FILE]`.

`compute` stores the year's snapshots and prints the district totals: with --json as one object
`{code: value}` (null where a value is undefined, e.g. no population figure for the year).
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ipcity.indicators.compute import compute_year, totals_json
from ipcity.indicators.loaders import POPULATION_FILE, load_population
from ipcity.indicators.models import IndicatorSnapshot


class Command(BaseCommand):
    help = "Creation indicators: compute a year's snapshots, load population figures."
    # A one-shot command: the system checks (URL configuration, API schemas) take seconds and
    # are `ipcity check`'s job.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        compute = sub.add_parser("compute", help="Compute and store a year's indicators")
        compute.add_argument("--year", type=int, required=True)
        compute.add_argument("--json", action="store_true", help="print {code: value} as JSON")
        load = sub.add_parser("load-population", help="Add population figures from a CSV file")
        load.add_argument("file", nargs="?", default=str(POPULATION_FILE))
        load.add_argument("--replace", action="store_true", help="overwrite existing figures")

    def handle(self, *args, **options):
        if options["action"] == "load-population":
            try:
                result = load_population(options["file"], replace=options["replace"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(json.dumps(result))
            return
        year = options["year"]
        if not 1985 <= year <= timezone.localdate().year:
            raise CommandError(f"--year must be between 1985 and {timezone.localdate().year}")
        values = totals_json(compute_year(year))
        if options["json"]:
            self.stdout.write(json.dumps(values, ensure_ascii=False))
            return
        notes = dict(
            IndicatorSnapshot.objects.filter(year=year, dimension="total").values_list(
                "definition__code", "note"
            )
        )
        for code, value in values.items():
            line = f"{code}: {'—' if value is None else value}"
            if notes.get(code):
                line += f"  ({notes[code]})"
            self.stdout.write(line)
