"""`ipcity audit verify` checks the hash chain of the audit trail; `ipcity audit prune` removes
entries older than IPCITY_AUDIT_RETENTION_DAYS (core/audit.py).

`verify` exits 0 and prints how many entries it checked when the chain is intact, and exits 1
naming the number and time of the first broken entry otherwise, so it can run from cron or a
monitoring check.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ipcity.core import audit


class Command(BaseCommand):
    help = "The audit trail: check its hash chain (verify) or remove entries past retention."
    # A one-shot command: the system checks (URL configuration, API schemas) take seconds and
    # are `ipcity check`'s job.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "verify",
            help="Check every kept entry against its hash and the one before it; exit 1 at the "
            "first broken entry.",
        )
        sub.add_parser(
            "prune",
            help="Remove entries older than IPCITY_AUDIT_RETENTION_DAYS (at least 180); the "
            "oldest entry kept anchors the chain.",
        )

    def handle(self, *args, action, **options):
        if action == "verify":
            self.verify()
        else:
            self.prune()

    def verify(self):
        report = audit.check_chain()
        if report.broken is not None:
            raise CommandError(
                f"Audit trail broken at {report.broken}; the {report.checked} entries before it "
                "are intact."
            )
        if not report.checked:
            self.stdout.write("Audit trail intact: 0 entries checked (nothing recorded yet).")
            return
        self.stdout.write(
            f"Audit trail intact: {report.checked} entries checked "
            f"(#{report.first_seq} to #{report.last_seq}); "
            f"latest hash {report.last_hash}."
        )

    def prune(self):
        try:
            result = audit.prune()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        cutoff = timezone.localtime(result.cutoff).isoformat(sep=" ", timespec="seconds")
        self.stdout.write(
            f"Removed {result.removed} audit entries older than {result.days} days "
            f"(before {cutoff}); the chain now starts at #{result.anchor_seq}."
        )
