"""The review form: a stage's decision, its reason, and the item amounts a reviewer may lower."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..choices import ReviewDecision
from ..review import COMMENT_MAX, current_amount, rewardable

PREFIX = "item_"


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ReviewDecision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning or rejecting: the applicant reads it."),
    )

    def __init__(self, *args, items=(), stage="", **kwargs):
        super().__init__(*args, **kwargs)
        self.stage = stage
        self.item_rows = []
        for item in items:
            if not rewardable(item):
                continue
            name = f"{PREFIX}{item.pk}"
            self.fields[name] = forms.DecimalField(
                label=str(item),
                required=False,
                min_value=Decimal("0"),
                max_value=item.computed_amount,
                max_digits=14,
                decimal_places=2,
                initial=current_amount(item),
                help_text=_("Computed: %(amount)s yuan")
                % {"amount": f"{item.computed_amount:,.2f}"},
            )
            self.item_rows.append((item, name))

    def clean(self):
        data = super().clean()
        if (
            data.get("decision") in (ReviewDecision.RETURN, ReviewDecision.REJECT)
            and not (data.get("comment") or "").strip()
        ):
            self.add_error(
                "comment", ValidationError(_("Give the reason: the applicant reads it."))
            )
        return data

    def amounts(self) -> dict[int, Decimal] | None:
        """{item pk: amount} as entered (None when no item field was shown)."""
        result = {}
        for item, name in self.item_rows:
            value = self.cleaned_data.get(name)
            if value is not None:
                result[item.pk] = value
        return result or None
