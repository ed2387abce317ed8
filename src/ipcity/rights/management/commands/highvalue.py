"""`ipcity highvalue load-concordance FILE` and `ipcity highvalue recompute`.

Both print a JSON summary. Loading a concordance replaces the rows of the chosen rule set (all
rule sets by default) and reclassifies the patents at once, in this process.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from ipcity.rights import highvalue
from ipcity.rights.models import HighValueRuleSet


class Command(BaseCommand):
    help = "High-value classification: load the SEI–IPC concordance, recompute patents."
    # A one-shot command: the system checks (URL configuration, API schemas) take seconds and
    # are `ipcity check`'s job.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load-concordance", help="Replace the SEI–IPC concordance")
        load.add_argument("file", help="UTF-8 CSV: ipc_prefix,industry_code,industry_name[,source]")
        load.add_argument("--rule-set", dest="rule_set", help="rule set code (default: all)")
        load.add_argument(
            "--no-recompute", action="store_true", help="do not reclassify the patents"
        )
        recompute = sub.add_parser("recompute", help="Reclassify every patent")
        recompute.add_argument("--year", type=int, help="evaluation year (default: this year)")

    def handle(self, *args, **options):
        highvalue.ensure_rule_sets()
        if options["action"] == "load-concordance":
            summary = self.load(options)
        else:
            summary = {"classification": highvalue.classify_queryset(year=options["year"])}
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def load(self, options) -> dict:
        rule_sets = HighValueRuleSet.objects.all()
        if options["rule_set"]:
            rule_sets = rule_sets.filter(code=options["rule_set"])
            if not rule_sets.exists():
                raise CommandError(f"no rule set {options['rule_set']!r}")
        try:
            rows = highvalue.read_concordance(options["file"])
        except highvalue.ConcordanceFileError as exc:
            raise CommandError(str(exc)) from None
        loaded = {rs.code: highvalue.replace_concordance(rs, rows) for rs in rule_sets}
        summary = {"rows": len(rows), "rule_sets": loaded}
        if not options["no_recompute"]:
            summary["classification"] = highvalue.classify_queryset()
        return summary
