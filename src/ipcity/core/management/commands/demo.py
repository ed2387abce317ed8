from django.core.management.base import BaseCommand

from ipcity.core.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = (
        "Load demo data (regions, member units, synthetic enterprises, demo accounts). Idempotent."
    )
    # A one-shot command: the system checks (URL configuration, API schemas) take seconds and
    # are `ipcity check`'s job.
    requires_system_checks = []

    def handle(self, *args, **options):
        result = load_demo()
        if options["verbosity"]:
            self.stdout.write(f"Demo data: {result}.")
            for username, role, org in result.accounts:
                self.stdout.write(f"  {username:<16} {role} · {org}")
            self.stdout.write(f"  password for every demo account: {DEMO_PASSWORD}")
