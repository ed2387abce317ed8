"""What the transfer list exports (xlsx or csv): the filtered transfers the user sees.

The free-text reasons are case details: they are exported only for the cases the user's own
grant reaches (`visibility.access` OWN). Summary-only users get "recorded" instead; so do users
who see the case through a share, since an export may be written in the background where the
view cannot be logged per case (they read the reasons on the logged detail page).
"""

from django.db.models import BooleanField, Exists, OuterRef, Value
from django.utils.translation import gettext_lazy as _

from ipcity.core.exports import ExportSpec

from ..filters.transfers import TransferFilterSet
from ..models import CriminalTransfer


class TransferExportSpec(ExportSpec):
    """The same rows as the list: `transfers.visible` (a police unit sees sent transfers only)."""

    def queryset(self, user, params):
        from ipcity.core.scope import scope_q

        from ..models import Case
        from ..transfers import visible

        qs = visible(user, super().queryset(user, params))
        own = scope_q(Case, user, "view")
        if own is None:
            own_case = Value(False, output_field=BooleanField())
        elif not own:
            own_case = Value(True, output_field=BooleanField())
        else:
            own_case = Exists(Case.objects.filter(own, pk=OuterRef("case_id")))
        return qs.annotate(own_case=own_case)

    def row(self, obj) -> list:
        from ..transfers import REASON_FIELDS, shown_reason

        values = super().row(obj)
        if getattr(obj, "own_case", False):
            return values
        return [
            shown_reason(value, False) if path in REASON_FIELDS else value
            for path, value in zip(self.fields, values, strict=True)
        ]


TRANSFER_EXPORT = TransferExportSpec(
    model=CriminalTransfer,
    path="ipcity.protection.exports.transfers.TRANSFER_EXPORT",
    filterset_class=TransferFilterSet,
    select_related=("case", "case__agency", "police", "rule_set"),
    fields=[
        "case.number",
        "case.title",
        "case.agency.name",
        "police.name",
        "status",
        "rule_set.code",
        "proposal_reason",
        "proposed_at",
        "decision_due",
        "approved_at",
        "sent_at",
        "received_at",
        "acceptance_due",
        "police_decided_at",
        "police_case_number",
        "police_reason",
        "outcome",
        "returned_at",
        "return_reason",
        "withdrawn_at",
        "withdraw_reason",
    ],
    headers={
        "case.number": _("Case number"),
        "case.title": _("Case"),
        "case.agency.name": _("Agency"),
        "police.name": _("Police unit"),
        "rule_set.code": _("Rule set"),
    },
    filename="transfers",
)
