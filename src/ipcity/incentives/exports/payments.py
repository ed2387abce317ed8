"""What the payment list exports: the filtered payments the user may see."""

from ipcity.core.exports import ExportSpec

from ..filters.payments import PaymentFilterSet
from ..models import Application, Payment

PAYMENT_EXPORT = ExportSpec(
    model=Payment,
    path="ipcity.incentives.exports.payments.PAYMENT_EXPORT",
    filterset_class=PaymentFilterSet,
    select_related=("application", "application__program", "application__applicant"),
    fields=[
        "paid_on",
        "application.number",
        "application.program.name",
        "application.applicant.name",
        "application.applicant.uscc",
        "amount",
        "voucher_number",
        "note",
    ],
    headers={
        "application.number": Application._meta.get_field("number").verbose_name,
        "application.program.name": Application._meta.get_field("program").verbose_name,
        "application.applicant.name": Application._meta.get_field("applicant").verbose_name,
    },
)
