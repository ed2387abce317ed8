"""The payment form."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from ..models import Payment


class PaymentForm(forms.ModelForm):
    class Meta:
        model = Payment
        fields = ["amount", "paid_on", "voucher_number", "note"]
        widgets = {"paid_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, outstanding=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()
        if outstanding is not None:
            self.fields["amount"].initial = outstanding
