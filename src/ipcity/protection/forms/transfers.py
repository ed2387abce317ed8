"""Forms of the transfer pages: the proposal, each step's inputs, documents, threshold edits."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import CriminalOutcome, ThresholdCondition
from ..models import ThresholdRule, ThresholdRuleSet


class ProposeForm(forms.Form):
    police = forms.ModelChoiceField(queryset=None, label=_("Police unit"))
    reason = forms.CharField(
        label=_("Reason for the proposal"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        from ..transfers import police_units

        initial_police = kwargs.pop("initial_police", None)
        super().__init__(*args, **kwargs)
        self.fields["police"].queryset = police_units()
        if initial_police is not None and not self.is_bound:
            self.fields["police"].initial = initial_police.pk


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class AcknowledgeForm(forms.Form):
    received_at = forms.DateTimeField(
        label=_("Received at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for now."),
    )
    receipt = forms.FileField(label=_("Signed receipt"), required=False)


class AcceptForm(forms.Form):
    police_case_number = forms.CharField(
        label=_("Police case number"), max_length=80, required=False
    )
    reason = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Criminal outcome"), choices=CriminalOutcome.choices[1:])


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"))
    is_receipt = forms.BooleanField(label=_("Police receipt"), required=False)


class RuleSetForm(forms.ModelForm):
    class Meta:
        model = ThresholdRuleSet
        fields = ["code", "name", "valid_from", "valid_to", "lookback_years", "source"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "source": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end cannot be before the start."))
        return data


class RuleForm(forms.ModelForm):
    DUPLICATE = _("This rule set already has a rule for this offence, condition and measure.")

    class Meta:
        model = ThresholdRule
        fields = ["offence", "condition", "measure", "value", "note"]

    def __init__(self, *args, rule_set=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_set = rule_set or getattr(self.instance, "rule_set", None)

    def clean_value(self):
        value = self.cleaned_data["value"]
        if value is not None and value <= 0:
            raise forms.ValidationError(_("A threshold is more than zero."))
        return value

    def clean(self):
        data = super().clean()
        if self.rule_set is not None and all(
            data.get(k) for k in ("offence", "condition", "measure")
        ):
            clash = ThresholdRule.objects.filter(
                rule_set=self.rule_set,
                offence=data["offence"],
                condition=data["condition"],
                measure=data["measure"],
            ).exclude(pk=self.instance.pk)
            if clash.exists():
                raise forms.ValidationError(self.DUPLICATE)
        if (
            self.rule_set is not None
            and data.get("condition") == ThresholdCondition.PRIOR_PENALTY
            and not self.rule_set.lookback_years
        ):
            self.add_error(
                "condition",
                _(
                    "A rule on prior penalties needs the rule set's look-back period; "
                    "set it on the rule set first."
                ),
            )
        return data
