import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from ..models import Payment
from .review import ATTRS, TEMPLATE


class PaymentTable(tables.Table):
    application = tables.Column(
        linkify=lambda record: record.application.get_absolute_url(), verbose_name=_("Application")
    )
    program = tables.Column(
        accessor="application__program", verbose_name=_("Program"), orderable=False
    )
    applicant = tables.Column(
        accessor="application__applicant", verbose_name=_("Applicant"), orderable=False
    )
    amount = tables.Column(attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Payment
        fields = (
            "paid_on",
            "application",
            "program",
            "applicant",
            "amount",
            "voucher_number",
            "note",
        )
        attrs = ATTRS
        template_name = TEMPLATE
        empty_text = _("No payments.")

    def render_amount(self, value):
        return f"{value:,.2f}"
