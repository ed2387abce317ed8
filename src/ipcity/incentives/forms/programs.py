"""Programme form with its rules in one page (an inline formset)."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from ipcity.orgs.models import Organization
from ipcity.utilization.choices import DesignationKind, DesignationLevel

from .. import programs
from ..models import Program, Rule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = [
            "code",
            "name",
            "year",
            "organizer",
            "policy_basis",
            "description",
            "required_materials",
            "call_opens",
            "call_closes",
            "budget",
            "contact",
        ]
        widgets = {
            "call_opens": DATE,
            "call_closes": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "required_materials": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["organizer"].queryset = Organization.objects.restrict(
                user, "change"
            ).order_by("name")
            if not self.instance.pk and getattr(user, "organization_id", None):
                self.fields["organizer"].initial = user.organization_id

    def clean(self):
        data = super().clean()
        for field, messages in programs.program_errors(data, self.instance).items():
            if field in self.fields:
                self.add_error(field, messages)
        return data


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = [
            "kind",
            "label",
            "amount",
            "rate_percent",
            "cap_per_item",
            "cap_per_applicant",
            "max_items_per_applicant",
            "date_from",
            "date_to",
            "in_district_required",
        ]
        widgets = {"date_from": DATE, "date_to": DATE}

    designation_kinds = forms.MultipleChoiceField(
        label=_("designation kinds"),
        choices=DesignationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a designation rule: the kinds it rewards (none ticked: every kind)."),
    )
    designation_levels = forms.MultipleChoiceField(
        label=_("designation levels"),
        choices=DesignationLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a designation rule: the levels it rewards (none ticked: every level)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        params = self.instance.params or {}
        self.fields["designation_kinds"].initial = params.get("kinds") or []
        self.fields["designation_levels"].initial = params.get("levels") or []

    def clean(self):
        data = super().clean()
        if self.cleaned_data.get("DELETE") or not self.has_changed():
            return data
        params = {}
        if data.get("designation_kinds"):
            params["kinds"] = list(data["designation_kinds"])
        if data.get("designation_levels"):
            params["levels"] = list(data["designation_levels"])
        data["params"] = params
        for field, messages in programs.rule_errors(data).items():
            if field == "params":
                field = "designation_kinds"
            self.add_error(field if field in self.fields else None, messages)
        return data

    def save(self, commit=True):
        self.instance.params = self.cleaned_data.get("params") or {}
        return super().save(commit=commit)


class BaseRuleFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kinds = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            kinds.append(form.cleaned_data.get("kind"))
        if len(kinds) != len(set(kinds)):
            raise ValidationError(_("Each kind of reward takes one rule."))


RuleFormSet = inlineformset_factory(
    Program, Rule, form=RuleForm, formset=BaseRuleFormSet, extra=2, can_delete=True
)


class CopyForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
