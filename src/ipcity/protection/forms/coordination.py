"""Forms of sharing and coordination. They check input and narrow choices to what the user may
pick; saving goes through protection/sharing.py and protection/coordination.py, as the API does."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ipcity.orgs.choices import RegionKind
from ipcity.orgs.models import Region

from .. import coordination, sharing, visibility
from ..choices import MediationOutcome, RightType
from ..models import Campaign, Case, Mediation, Meeting, Supervision

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
AREA_KINDS = (
    RegionKind.STREET,
    RegionKind.TOWN,
    RegionKind.TOWNSHIP,
    RegionKind.ETHNIC_TOWNSHIP,
)


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} {obj.title}"


# Case numbers are separated by commas (also the Chinese comma and enumeration comma),
# semicolons or white space; a case number itself holds none of these.
NUMBER_SEPARATORS = re.compile(r"[\s,;，、；]+")
MAX_CASE_NUMBERS = 200


def split_numbers(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for part in NUMBER_SEPARATORS.split(text or ""):
        if part:
            seen.setdefault(part, None)
    return list(seen)


def resolve_case_numbers(user, numbers: list[str]) -> list[Case]:
    """The cases listed to `user` (visibility.listed_cases) with these numbers, in the order
    given; a ValidationError names every number that is unknown (or not listed to the user)."""
    if len(numbers) > MAX_CASE_NUMBERS:
        raise ValidationError(
            _("Give at most %(n)d case numbers.") % {"n": MAX_CASE_NUMBERS}, code="too_many"
        )
    found: dict[str, list[Case]] = {}
    for case in (
        visibility.listed_cases(user)
        .filter(number__in=numbers)
        .select_related("agency")
        .order_by("pk")
    ):
        found.setdefault(case.number, []).append(case)
    unknown = [n for n in numbers if n not in found]
    if unknown:
        raise ValidationError(
            _("No case you may see has the number %(numbers)s.") % {"numbers": ", ".join(unknown)},
            code="unknown",
        )
    return [case for n in numbers for case in found[n]]


def listed_case_number(user, pk) -> str:
    """The number of case `pk` when it is listed to `user` (to prefill `?case=<pk>`), else ""."""
    if not str(pk or "").isdigit() or int(pk) > 2**63 - 1:
        return ""
    case = visibility.listed_cases(user).filter(pk=int(pk)).only("number").first()
    return case.number if case else ""


class CaseNumbersField(forms.CharField):
    """Case numbers typed in (comma or space separated), resolved per user in the form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        kwargs.setdefault("max_length", 20000)
        super().__init__(**kwargs)


class ShareForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label=_("Share with"), empty_label=None)
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.TextInput)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = sharing.share_choices(case)


class MeetingForm(forms.ModelForm):
    case_numbers = CaseNumbersField(
        required=False,
        label=pgettext_lazy("enforcement cases", "Cases"),
        help_text=_("Case numbers, separated by commas or spaces."),
    )

    class Meta:
        model = Meeting
        fields = [
            "kind",
            "title",
            "held_on",
            "place",
            "convened_by",
            "participants",
            "summary",
            "decisions",
        ]
        widgets = {
            "held_on": DATE,
            "participants": forms.SelectMultiple(attrs={"size": 8}),
            "summary": forms.Textarea(attrs={"rows": 5}),
            "decisions": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, user, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        action = "change" if self.instance.pk else "add"
        conveners = coordination.convening_orgs(user, f"protection.{action}_meeting").filter(
            pk__in=coordination.agency_orgs().values("pk")
        )
        self.fields["convened_by"].queryset = conveners.order_by("name")
        self.fields["participants"].queryset = coordination.agency_orgs()
        order = ["kind", "title", "held_on", "place", "convened_by", "participants"]
        self.order_fields([*order, "case_numbers", "summary", "decisions"])
        if self.instance.pk:
            self.initial["case_numbers"] = ", ".join(
                visibility.listed_cases(user, self.instance.cases.all())
                .order_by("pk")
                .values_list("number", flat=True)
            )
        else:
            if case:
                self.initial["case_numbers"] = listed_case_number(user, case)
            if not self.initial.get("convened_by"):
                self.initial["convened_by"] = user.organization_id

    def clean_case_numbers(self) -> list[Case]:
        return resolve_case_numbers(self.user, split_numbers(self.cleaned_data["case_numbers"]))


class FollowUpForm(forms.Form):
    text = forms.CharField(label=pgettext_lazy("follow-up item", "Item"), max_length=500)
    responsible = forms.ModelChoiceField(queryset=None, label=_("Responsible unit"))
    due_on = forms.DateField(
        label=pgettext_lazy("follow-up due date", "Due"), required=False, widget=DATE
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = coordination.agency_orgs()


class FollowUpDoneForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=DATE)
    result = forms.CharField(
        label=pgettext_lazy("follow-up result", "Result"), widget=forms.Textarea(attrs={"rows": 2})
    )


class SupervisionForm(forms.ModelForm):
    case_number = CaseNumbersField(label=_("Case number"), max_length=80)

    class Meta:
        model = Supervision
        fields = ["supervisor", "level", "listed_on", "due_on", "requirements"]
        widgets = {
            "listed_on": DATE,
            "due_on": DATE,
            "requirements": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.order_fields(["case_number", "supervisor", "level", "listed_on", "due_on"])
        self.fields["supervisor"].queryset = coordination.supervisor_choices(user)
        if case and not self.initial.get("case_number"):
            self.initial["case_number"] = listed_case_number(user, case)
        if not self.initial.get("supervisor"):
            self.initial["supervisor"] = user.organization_id
        if not self.initial.get("listed_on"):
            self.initial["listed_on"] = coordination.today()

    def clean_case_number(self) -> Case:
        numbers = split_numbers(self.cleaned_data["case_number"])
        if len(numbers) != 1:
            raise ValidationError(_("Give one case number."), code="one")
        cases = resolve_case_numbers(self.user, numbers)
        if len(cases) > 1:
            raise ValidationError(
                _("Several cases you may see have the number %(number)s; ask the office.")
                % {"number": numbers[0]},
                code="ambiguous",
            )
        return cases[0]


class ConcludeForm(forms.Form):
    concluded_on = forms.DateField(label=_("Concluded on"), widget=DATE)
    conclusion = forms.CharField(
        label=pgettext_lazy("supervision conclusion", "Conclusion"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CampaignForm(forms.ModelForm):
    right_types = forms.MultipleChoiceField(
        choices=RightType.choices,
        required=False,
        label=_("Right types"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "lead",
            "starts_on",
            "ends_on",
            "status",
            "targets",
            "right_types",
            "key_industries",
            "key_areas",
            "results_summary",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "targets": forms.Textarea(attrs={"rows": 3}),
            "results_summary": forms.Textarea(attrs={"rows": 4}),
            "key_areas": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = coordination.agency_orgs()
        self.fields["key_areas"].queryset = Region.objects.filter(kind__in=AREA_KINDS).order_by(
            "code"
        )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return data


class TagForm(forms.Form):
    case = CaseChoiceField(
        queryset=Case.objects.none(), label=pgettext_lazy("enforcement case", "Case")
    )

    def __init__(self, *args, user, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = coordination.taggable_cases(user, campaign)


class MediationForm(forms.ModelForm):
    class Meta:
        model = Mediation
        fields = [
            "agency",
            "mediator",
            "right_type",
            "applicant",
            "respondent",
            "subject",
            "started_on",
            "notes",
        ]
        widgets = {
            "started_on": DATE,
            "subject": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = coordination.referring_choices(user).order_by("name")
        self.fields["mediator"].queryset = coordination.mediator_choices()
        if not self.instance.pk:
            own = self.fields["agency"].queryset.filter(pk=user.organization_id)
            if not self.initial.get("agency") and user.organization_id and own.exists():
                self.initial["agency"] = user.organization_id
            if not self.initial.get("started_on"):
                self.initial["started_on"] = coordination.today()


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=pgettext_lazy("mediation outcome", "Outcome"),
        choices=[(c.value, c.label) for c in MediationOutcome if c.value],
    )
    concluded_on = forms.DateField(label=_("Concluded on"), widget=DATE)
    agreement_amount = forms.DecimalField(
        label=_("Agreed amount (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=0,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
