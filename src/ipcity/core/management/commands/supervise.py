"""`ipcity supervise`: run the day's duties of every module (run it daily, e.g. from cron).

The duties are registered by the apps (core/daily.py): deadline reminders of the work plan,
KPIs bound to indicators, certificate reminders, risk scans of pledged rights. Each is safe to
run as often as you like: a reminder already sent is not sent again.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ipcity.core.daily import duties


class Command(BaseCommand):
    help = "Run the daily duties: reminders, KPI refresh, certificate and pledge checks."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Reckon as of this day (YYYY-MM-DD); default today.")
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            metavar="DUTY",
            help="Leave out a duty (repeatable); --list shows their names.",
        )
        parser.add_argument("--list", action="store_true", help="List the duties and stop.")

    def handle(self, *args, **options):
        if options["list"]:
            for duty in duties():
                self.stdout.write(duty.name)
            return
        on = timezone.localdate()
        if options.get("date"):
            try:
                on = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"not a date: {options['date']!r} (use YYYY-MM-DD)") from None
        known = {duty.name for duty in duties()}
        unknown = sorted(set(options["skip"]) - known)
        if unknown:
            raise CommandError(
                f"unknown duty: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
            )
        for duty in duties():
            if duty.name in options["skip"]:
                continue
            self.stdout.write(f"{duty.name}: {duty.func(on)}")
