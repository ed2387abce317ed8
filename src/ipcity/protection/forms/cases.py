"""Forms of the case pages. They only check and collect; every change goes through
protection/cases.py, as the API does. Each action form has a prefix (its action name), so
several sit on the case page without their field ids clashing."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .. import cases, clocks
from ..choices import (
    CloseReason,
    DecisionKind,
    EvidenceKind,
    PartyKind,
    PartyRole,
    RightType,
)
from ..models import Case, Officer
from ..officers import certified_q

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
AMOUNT = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0"), "required": False}


def _date(label, required=True, initial=None):
    return forms.DateField(label=label, required=required, widget=DATE, initial=initial)


def _today():
    return timezone.localdate()


class CaseOpenForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=None, label=_("Handling agency"))
    title = forms.CharField(label=_("Title"), max_length=300)
    right_type = forms.ChoiceField(label=_("Right type"), choices=RightType.choices)
    opened_on = _date(_("Opened on"), initial=_today)
    number = forms.CharField(
        label=_("Case number"),
        max_length=80,
        required=False,
        help_text=_("Leave empty for the next number of the agency's series."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = cases.addable_agencies(user)
        self.fields["agency"].queryset = agencies
        if agencies.count() == 1:
            self.fields["agency"].initial = agencies.first()

    def clean_opened_on(self):
        value = self.cleaned_data["opened_on"]
        if value and value > _today():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


REPEAT_CHOICES = [
    ("", _("As detected")),
    ("yes", _("Yes (set by hand)")),
    ("no", _("No (set by hand)")),
]


class CaseUpdateForm(forms.ModelForm):
    repeat = forms.ChoiceField(
        label=_("Repeat infringement"),
        choices=REPEAT_CHOICES,
        required=False,
        help_text=_("Detection sets the flag unless it is set by hand."),
    )

    class Meta:
        model = Case
        fields = cases.UPDATE_FIELDS
        widgets = {
            "conduct": forms.Textarea(attrs={"rows": 3}),
            "goods": forms.Textarea(attrs={"rows": 2}),
            "conduct_date": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.instance
        if case.repeat_set_by_hand:
            self.fields["repeat"].initial = "yes" if case.is_repeat else "no"
        for name in ("business_amount", "illegal_gain", "sales_amount", "unsold_value"):
            _set_limits(self.fields[name], min_value=Decimal("0"))

    def _post_clean(self):
        # The model is validated by cases.update_case, on the locked row.
        pass

    def update_fields(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in cases.UPDATE_FIELDS}
        repeat = self.cleaned_data.get("repeat")
        if repeat == "yes":
            data["is_repeat"] = True
        elif repeat == "no":
            data["is_repeat"] = False
        elif self.instance.repeat_set_by_hand:
            data["is_repeat"] = None
        return data


class InvestigateForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class RightForm(forms.Form):
    right_type = forms.ChoiceField(label=_("Right type"), choices=RightType.choices)
    number = forms.CharField(
        label=_("Number"),
        max_length=60,
        help_text=_("Patent application or patent number (ZL…), trademark registration number…"),
    )


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=pgettext_lazy("case party", "Role"), choices=PartyRole.choices)
    kind = forms.ChoiceField(
        label=pgettext_lazy("case party", "Kind"),
        choices=[("", _("Guess from the name and credit code")), *PartyKind.choices],
        required=False,
        help_text=_(
            "Left empty: an organization when there is a credit code or the name is not a "
            "personal name."
        ),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    uscc = forms.CharField(label=_("USCC"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    representative = forms.CharField(
        label=_("Legal representative"), max_length=100, required=False
    )


class HandlerForm(forms.Form):
    officer = forms.ModelChoiceField(queryset=Officer.objects.none(), label=_("Officer"))
    is_lead = forms.BooleanField(label=_("Lead handler"), required=False)
    assigned_on = _date(_("Assigned on"), initial=_today)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            # Only the agency's own officers (and its units'); the certificate is checked on
            # the day of assignment by cases.assign_handler, with its reason.
            self.fields["officer"].queryset = (
                Officer.objects.filter(organization__path__startswith=case.agency.path)
                .filter(certified_q(_today()))
                .order_by("name")
            )


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=pgettext_lazy("evidence", "Kind"), choices=EvidenceKind.choices)
    collected_on = _date(_("Collected on"), required=False)
    file = forms.FileField(label=_("File"))


class NoticeForm(forms.Form):
    notice_on = _date(_("Notice served on"), initial=_today)
    hearing_requested = forms.BooleanField(label=_("Hearing requested"), required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class DecisionForm(forms.Form):
    decision_kind = forms.ChoiceField(
        label=pgettext_lazy("case decision", "Decision"), choices=DecisionKind.choices
    )
    decided_on = _date(_("Decided on"), initial=_today)
    decision_number = forms.CharField(label=_("Decision number"), max_length=80)
    fine = forms.DecimalField(label=_("Fine (yuan)"), **AMOUNT)
    confiscated_gain = forms.DecimalField(label=_("Confiscated illegal gain (yuan)"), **AMOUNT)
    confiscated_goods = forms.CharField(
        label=_("Confiscated goods"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    order_to_stop = forms.BooleanField(label=_("Ordered to stop"), required=False)
    waived_hearing = forms.BooleanField(
        label=_("The party waived its statement and hearing"),
        required=False,
        help_text=_(
            "Without a waiver (or a requested hearing) a penalty is decided only after the time "
            "for asking for a hearing has run out."
        ),
    )


class DisclosureForm(forms.Form):
    disclosed_on = _date(_("Disclosed on"), initial=_today)
    url = forms.URLField(
        label=_("Disclosure link"), required=False, max_length=200, assume_scheme="https"
    )


class ExecutionForm(forms.Form):
    executed_on = _date(_("Executed on"), initial=_today)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason for closing"), choices=CloseReason.choices)
    closed_on = _date(_("Closed on"), initial=_today)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            allowed = cases.close_reasons(case)
            self.fields["reason"].choices = [
                (value, label) for value, label in CloseReason.choices if value in allowed
            ]


def _set_limits(field, *, min_value=None, max_value=None) -> None:
    """Set a number field's bounds after it was built: the attributes, the validators (which
    Django builds from them only in the field's __init__) and the widget's attributes."""
    from django.core import validators

    field.validators = [
        v
        for v in field.validators
        if not isinstance(v, validators.MinValueValidator | validators.MaxValueValidator)
    ]
    if min_value is not None:
        field.min_value = min_value
        field.validators.append(validators.MinValueValidator(min_value))
        field.widget.attrs["min"] = str(min_value)
    if max_value is not None:
        field.max_value = max_value
        field.validators.append(validators.MaxValueValidator(max_value))
        field.widget.attrs["max"] = str(max_value)


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=_("Days"))
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    collective = forms.BooleanField(
        label=_("Decided collectively by the agency's leadership"),
        required=False,
        help_text=_("Needed for a further extension after one was approved."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        clock = clocks.get("penalty_decision_extension")
        _set_limits(self.fields["days"], min_value=1, max_value=clock.amount)
        self.fields["days"].initial = clock.amount


class ExtensionDecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
