"""The transaction form: parties picked from organizations or typed as names, rights typed as
application numbers or trademark registration numbers and checked against the registry.

The form only checks and collects; saving goes through `utilization.deals`, as the API does.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.orgs.models import Organization
from ipcity.rights.models import LegalEvent

from .. import deals
from ..models import Transaction

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# deals' error keys → the form's fields
FIELD_OF = {"patents": "patent_numbers", "trademarks": "trademark_numbers"}


class TransactionForm(forms.ModelForm):
    patent_numbers = forms.CharField(
        label=_("Patents (application numbers)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Application or patent numbers, e.g. 201710117081.7; several separated by ';'. "
            "Each must be in the patent registry."
        ),
    )
    trademark_numbers = forms.CharField(
        label=_("Trademarks (registration numbers)"),
        required=False,
        max_length=2000,
        help_text=_("Several separated by ';'. Each must be in the trademark registry."),
    )
    legal_event = forms.ModelChoiceField(
        queryset=LegalEvent.objects.none(), required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = Transaction
        fields = [
            "kind",
            "assignor",
            "assignor_name",
            "assignee",
            "assignee_name",
            "amount",
            "contract_date",
            "start_date",
            "end_date",
            "registration_number",
            "registration_date",
            "notes",
        ]
        widgets = {
            "contract_date": DATE,
            "start_date": DATE,
            "end_date": DATE,
            "registration_date": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "assignor_name": _("Assignor or licensor name"),
            "assignee_name": _("Assignee or licensee name"),
        }
        help_texts = {
            "assignor_name": _(
                "As the contract writes it; type it when the party is not in the list (it is "
                "matched by credit code or exact name)."
            ),
            "assignee_name": _(
                "As the contract writes it; type it when the party is not in the list (it is "
                "matched by credit code or exact name)."
            ),
        }

    field_order = [
        "kind",
        "amount",
        "assignor",
        "assignor_name",
        "assignee",
        "assignee_name",
        "patent_numbers",
        "trademark_numbers",
        "contract_date",
        "registration_date",
        "start_date",
        "end_date",
        "registration_number",
        "notes",
    ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        orgs = Organization.objects.all()
        if user is not None:
            # What the user sees, plus the parties already linked (a counterparty the user
            # cannot open stays selectable when the transaction is edited).
            linked = [pk for pk in (self.instance.assignor_id, self.instance.assignee_id) if pk]
            visible = Organization.objects.restrict(user).values("pk")
            orgs = orgs.filter(Q(pk__in=visible) | Q(pk__in=linked))
        orgs = orgs.only("id", "name").order_by("name")
        for name in ("assignor", "assignee"):
            self.fields[name].queryset = orgs
            self.fields[name].required = False
        self.fields["assignee_name"].required = False
        # Only the office links a new transaction to a legal event (recording it from the
        # review of events); the links of a saved one are changed on its page.
        if self.instance.pk or user is None or not deals.may_derive(user):
            del self.fields["legal_event"]
        else:
            self.fields["legal_event"].queryset = LegalEvent.objects.filter(
                kind__in=deals.EVENT_KINDS
            )
        if self.instance.pk and not self.is_bound:
            self.initial["patent_numbers"] = self.instance.patent_numbers()
            self.initial["trademark_numbers"] = self.instance.trademark_numbers()
        self.fields["amount"].widget.attrs["min"] = 0

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        if amount is not None and amount < 0:
            self.add_error("amount", _("The amount cannot be negative."))
        for side in ("assignor", "assignee"):
            org, name = deals.resolve_party(
                data.get(side), data.get(f"{side}_name", ""), user=self.user
            )
            data[side], data[f"{side}_name"] = org, name
        if not data.get("assignor_name") and "assignor" not in self.errors:
            self.add_error("assignor_name", _("Pick the assignor or licensor, or type the name."))
        if not data.get("assignee_name") and "assignee" not in self.errors:
            self.add_error("assignee_name", _("Pick the assignee or licensee, or type the name."))
        try:
            patents, trademarks = deals.resolve_rights(
                data.get("patent_numbers", ""), data.get("trademark_numbers", "")
            )
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                self.add_error(FIELD_OF.get(key), messages)
            patents, trademarks = None, None
        else:
            if not patents and not trademarks:
                self.add_error(
                    "patent_numbers", _("Name at least one patent or trademark from the registry.")
                )
        data["patents"], data["trademarks"] = patents, trademarks
        if not (
            data.get("contract_date") or data.get("registration_date") or data.get("start_date")
        ):
            self.add_error("contract_date", _("Give the contract or registration date."))
        return data

    def transaction_fields(self) -> dict:
        """What deals.record_transaction / update_transaction take."""
        data = self.cleaned_data
        fields = {name: data.get(name) for name in self.Meta.fields}
        fields["notes"] = fields["notes"] or ""
        fields["registration_number"] = fields["registration_number"] or ""
        fields["patents"] = data["patents"]
        fields["trademarks"] = data["trademarks"]
        if "legal_event" in self.fields:
            fields["legal_event"] = data.get("legal_event")
        return fields
