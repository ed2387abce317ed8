"""What the transaction list exports: the columns the import reads, under the import's own
headers (so an export can be imported again), plus the year, the flags and the origin, which
the import leaves aside."""

from ipcity.core.exports import ExportSpec

from ..filters.transfers import TransactionFilterSet
from ..imports import transfers as columns
from ..models import Transaction


class TransactionExportSpec(ExportSpec):
    """Reads each transaction's rights from one prefetch per chunk, not one query per row."""

    def queryset(self, user, params):
        return super().queryset(user, params).prefetch_related("patents", "trademarks")


TRANSACTION_EXPORT = TransactionExportSpec(
    model=Transaction,
    path="ipcity.utilization.exports.transfers.TRANSACTION_EXPORT",
    filterset_class=TransactionFilterSet,
    fields=[
        "year",
        "kind",
        "assignor_name",
        "assignee_name",
        "patent_numbers",
        "trademark_numbers",
        "amount",
        "contract_date",
        "registration_number",
        "registration_date",
        "start_date",
        "end_date",
        "from_university",
        "from_outside",
        "origin",
        "notes",
    ],
    headers={
        "kind": columns.KIND,
        "assignor_name": columns.ASSIGNOR,
        "assignee_name": columns.ASSIGNEE,
        "patent_numbers": columns.PATENTS,
        "trademark_numbers": columns.TRADEMARKS,
        "amount": columns.AMOUNT,
        "contract_date": columns.CONTRACT_DATE,
        "registration_number": columns.REGISTRATION,
        "registration_date": columns.REGISTRATION_DATE,
        "start_date": columns.START_DATE,
        "end_date": columns.END_DATE,
        "notes": columns.NOTES,
    },
)
