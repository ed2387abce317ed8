"""`ipcity supervise`: send the day's deadline and overdue reminders (run it from cron).

Safe to run as often as you like: a reminder already sent today is not sent again.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from ipcity.plans import kpis, supervision


class Command(BaseCommand):
    help = "Send deadline (yellow) and overdue (red) reminders to the units of plan tasks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="Reckon the lights as of this day (YYYY-MM-DD); default today."
        )
        parser.add_argument(
            "--no-kpis", action="store_true", help="Do not refresh KPIs bound to indicators."
        )

    def handle(self, *args, **options):
        on = None
        if options.get("date"):
            try:
                on = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"not a date: {options['date']!r} (use YYYY-MM-DD)") from None
        result = supervision.send_reminders(on)
        for line in result.lines:
            self.stdout.write(line)
        refreshed = 0 if options["no_kpis"] else kpis.refresh_all()
        self.stdout.write(
            f"{result.items} items due or overdue; {result.sent} reminders sent, "
            f"{result.skipped} already sent today; {refreshed} KPIs refreshed."
        )
