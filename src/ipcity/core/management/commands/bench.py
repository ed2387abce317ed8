"""`ipcity bench`: benchmark data and figures. `generate` builds a deterministic synthetic data
set (ipcity/bench/generate.py); `run` measures the import and the search on it and prints a
table beside each baseline, with JSON in bench/out/ (ipcity/bench/report.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ipcity.bench import generate as g
from ipcity.bench.world import SCALES, proportional


class Command(BaseCommand):
    help = "Benchmark data: generate a deterministic synthetic data set."
    # A one-shot command: the system checks (URL configuration, API schemas) take seconds and
    # are `ipcity check`'s job.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser(
            "generate",
            help="Build synthetic patents, trademarks, organizations, cases, transactions and "
            "pledges at realistic proportions: into the database, and the patents as incoPat "
            "csv and xlsx files.",
        )
        gen.add_argument(
            "--scale",
            required=True,
            choices=list(SCALES),
            metavar="{district,city}",
            help="city: 1,000,000 patents and the rest in proportion; district: 1/20 of that",
        )
        gen.add_argument("--seed", type=int, default=1, help="Same seed, same data (default 1)")
        gen.add_argument("--out", help="Directory of the files (default var/bench/<scale>/)")
        only = gen.add_mutually_exclusive_group()
        only.add_argument("--database-only", action="store_true", help="Write no files")
        only.add_argument("--files-only", action="store_true", help="Leave the database alone")
        gen.add_argument(
            "--force",
            action="store_true",
            help="Write into a database that already holds patents",
        )
        gen.add_argument(
            "--xlsx-rows",
            type=int,
            default=g.XLSX_ROWS,
            help=f"Rows of the xlsx file (default {g.XLSX_ROWS:,}; 0 for none)",
        )
        # Overrides for tests and quick trials.
        gen.add_argument(
            "--patents",
            type=int,
            help="Patents, the other tables in proportion (files in var/bench/patents-N/)",
        )
        gen.add_argument("--chunk", type=int, default=5_000, help="Rows per bulk write")

        run = sub.add_parser(
            "run",
            help="Measure the patent import (beside the engine's bulk load) and the patent search "
            "(on the data set in this database); print a table and write JSON to bench/out/.",
        )
        run.add_argument("--scale", default="district", choices=list(SCALES))
        run.add_argument(
            "--csv", help="The patent csv to import (default: the generated one of --scale)"
        )
        run.add_argument(
            "--only",
            choices=("import", "search", "pages", "indicators"),
            help="Measure one figure only",
        )
        run.add_argument("--queries", type=int, default=200, help="Search queries (default 200)")
        run.add_argument(
            "--clients", type=int, default=16, help="Pages: concurrent clients (default 16)"
        )
        run.add_argument(
            "--seconds",
            "--pages-seconds",
            dest="seconds",
            type=float,
            default=60,
            help="Pages: seconds of the page mix, and as many of the trivial endpoint (default 60)",
        )
        run.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="Pages: the static files are collected already (ipcity serve --no-collectstatic)",
        )
        run.add_argument(
            "--year", type=int, help="Indicators: the year (default: the latest full year)"
        )
        run.add_argument(
            "--runs", type=int, default=3, help="Indicators: timed runs, median (default 3)"
        )
        run.add_argument(
            "--no-floor",
            action="store_true",
            help="Skip the import's write floor (the same rows stored by the database alone)",
        )
        run.add_argument("--out", default="bench/out", help="Folder of the JSON results")

    def handle(self, *args, action, **options):
        if action == "generate":
            self.generate(options)
        elif action == "run":
            self.run(options)

    def run(self, options):
        from django.conf import settings

        from ipcity.bench import report
        from ipcity.bench.imports import run_import_bench
        from ipcity.bench.search import run_search_bench

        db = settings.DATABASES["default"]
        engine = "postgresql" if "postgresql" in db["ENGINE"] else "sqlite"
        scale = SCALES[options["scale"]]
        rows, results = [], {}
        if options["only"] in (None, "import"):
            path = Path(options["csv"]) if options["csv"] else None
            path = path or g.default_out(scale) / "patents-incopat.csv"
            if not path.exists():
                raise CommandError(
                    f"{path} does not exist: run `ipcity bench generate --scale {scale.name} "
                    "--files-only` first, or give --csv."
                )
            # A new empty database of the same engine, migrated (a minute or two), so that the
            # first import creates every patent.
            postgres_url = ""
            if engine == "postgresql":
                auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
                postgres_url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            self.stdout.write(
                f"importing {path} twice into a new {engine} database (and its xlsx beside it, "
                "if there is one, into another) …"
            )
            xlsx = path.with_suffix(".xlsx")
            figures = run_import_bench(
                path,
                engine,
                postgres_url=postgres_url,
                xlsx=xlsx if xlsx.exists() else None,
                floor=not options["no_floor"],
            )
            results["import"] = figures.as_dict()
            rows += report.import_rows(results["import"])
        if options["only"] in (None, "search"):
            self.stdout.write(f"{options['queries']} search queries …")
            results["search"] = run_search_bench(options["queries"]).as_dict()
            rows += report.search_rows(results["search"])
        if options["only"] in (None, "pages"):
            from ipcity.bench.pages import BenchError, run_pages_bench

            if options["clients"] < 1 or options["seconds"] <= 0:
                raise CommandError("--clients and --seconds: at least 1 and more than 0")
            try:
                figures = run_pages_bench(
                    options["clients"],
                    options["seconds"],
                    collectstatic=not options["no_collectstatic"],
                    write=self.stdout.write,
                )
            except (g.Refused, BenchError) as exc:
                raise CommandError(str(exc)) from None
            results["pages"] = figures.as_dict()
            rows += report.page_rows(results["pages"])
        if options["only"] in (None, "indicators"):
            from ipcity.bench.indicators import run_indicators_bench

            if options["runs"] < 1:
                raise CommandError("--runs: at least 1")
            self.stdout.write("indicator recompute beside DuckDB …")
            figures = run_indicators_bench(options["year"], options["runs"], self.stdout.write)
            results["indicators"] = figures.as_dict()
            rows += report.indicator_rows(results["indicators"])
        self.stdout.write("")
        self.stdout.write(report.describe(report.database()))
        self.stdout.write(report.table(rows))
        path = report.write_json(Path(options["out"]), scale.name, engine, results)
        self.stdout.write(f"\nJSON: {path}")

    def generate(self, options):
        scale = SCALES[options["scale"]]
        if options["patents"]:
            try:
                scale = proportional(f"patents-{options['patents']}", options["patents"])
            except ValueError as exc:
                raise CommandError(f"--patents: {exc}") from None
        if options["chunk"] < 100:
            raise CommandError("--chunk: at least 100")
        verbose = options["verbosity"] > 0
        opts = g.Options(
            scale=scale,
            seed=options["seed"],
            out=Path(options["out"]) if options["out"] else None,
            database=not options["files_only"],
            files=not options["database_only"],
            force=options["force"],
            xlsx_rows=max(0, options["xlsx_rows"]),
            chunk=options["chunk"],
        )
        try:
            result = g.generate(opts, write=self.stdout.write if verbose else None)
        except g.Refused as exc:
            raise CommandError(str(exc)) from None
        if verbose:
            self.stdout.write("")
            for line in g.summary(result):
                self.stdout.write(line)
