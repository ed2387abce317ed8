"""What the transfer list exports (xlsx or csv): the filtered transfers the user sees."""

from django.utils.translation import gettext_lazy as _

from ipcity.core.exports import ExportSpec

from ..filters.transfers import TransferFilterSet
from ..models import CriminalTransfer


class TransferExportSpec(ExportSpec):
    """The same rows as the list: `transfers.visible` (a police unit sees sent transfers only)."""

    def queryset(self, user, params):
        from ..transfers import visible

        qs = super().queryset(user, params)
        return visible(user, qs)


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
