from datetime import date

from django.core.management.base import BaseCommand, CommandError

from ipcity.core import workdays


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date like 2024-09-27") from None


class Command(BaseCommand):
    help = "Working days by the Chinese calendar: add N to a date, or count them between dates."
    # A one-shot command: the system checks (URL configuration, API schemas) take seconds and
    # are `ipcity check`'s job.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Print the date N working days after DATE.")
        add.add_argument("date")
        add.add_argument("n", type=int)
        count = sub.add_parser(
            "count", help="Print the number of working days after START up to and including END."
        )
        count.add_argument("start")
        count.add_argument("end")
        check = sub.add_parser("is", help="Print whether DATE is a working day.")
        check.add_argument("date")

    def handle(self, *args, action, **options):
        if action == "add":
            start = _date(options["date"])
            try:
                answer = workdays.add_workdays(start, options["n"])
            except (ValueError, OverflowError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(answer.isoformat())
            self._warn_unknown(start, answer)
        elif action == "count":
            start, end = _date(options["start"]), _date(options["end"])
            try:
                answer = workdays.count_workdays(start, end)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(str(answer))
            self._warn_unknown(start, end)
        else:
            day = _date(options["date"])
            self.stdout.write("yes" if workdays.is_workday(day) else "no")
            self._warn_unknown(day, day)

    def _warn_unknown(self, start: date, end: date) -> None:
        if not workdays.is_known(start, end):
            self.stderr.write(
                "warning: no holiday data for part of this period; only weekends were counted"
            )
