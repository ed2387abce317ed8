"""Forms of the task, KPI and progress-report pages (the API validates through the same forms)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ipcity.orgs.models import Organization

from .choices import TaskStatus, UnitRole
from .models import KPI, PlanTask, ProgressReport

MAX_FIGURES = 50


def parse_figures(text: str) -> dict:
    """`key: value` lines into a dict; numbers become numbers, the rest stays text."""
    figures: dict = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        for sep in (":", "：", "=", "\t"):
            if sep in line:
                key, value = (part.strip() for part in line.split(sep, 1))
                break
        else:
            raise ValidationError(
                _("Line %(n)s: write each figure as “name: value”.") % {"n": number}
            )
        if not key:
            raise ValidationError(_("Line %(n)s: the figure has no name.") % {"n": number})
        if len(key) > 100 or len(value) > 200:
            raise ValidationError(_("Line %(n)s is too long.") % {"n": number})
        figures[key] = _number_or_text(value)
    if len(figures) > MAX_FIGURES:
        raise ValidationError(_("At most %(n)s figures per report.") % {"n": MAX_FIGURES})
    return figures


def _number_or_text(value: str):
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    return int(number) if number == number.to_integral_value() else float(number)


def format_figures(figures: dict) -> str:
    return "\n".join(f"{key}: {value}" for key, value in (figures or {}).items())


class TaskDivisionForm(forms.ModelForm):
    """What the office edits on a task besides its units: deadline, milestones, outputs, status."""

    class Meta:
        model = PlanTask
        fields = [
            "title",
            "deadline",
            "status",
            "completed_on",
            "milestones",
            "expected_outputs",
            "budget_note",
        ]
        widgets = {
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "completed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "milestones": forms.Textarea(attrs={"rows": 3}),
            "expected_outputs": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        data = super().clean()
        if data.get("status") == TaskStatus.COMPLETED and not data.get("completed_on"):
            self.add_error("completed_on", _("Give the day the task was completed."))
        return data


class TaskUnitForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("Organization")
    )
    role = forms.ChoiceField(choices=UnitRole.choices, label=_("Role"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Organization.objects.filter(is_active=True)
        if user is not None:
            qs = Organization.objects.restrict(user, "view").filter(is_active=True)
        self.fields["organization"].queryset = qs.order_by("kind", "name")


class KPIForm(forms.ModelForm):
    class Meta:
        model = KPI
        fields = [
            "name",
            "unit",
            "baseline",
            "target",
            "period",
            "year",
            "higher_is_better",
            "indicator_code",
            "actual",
        ]
        help_texts = {
            "indicator_code": _(
                "The code of a computed indicator; when set, the actual value follows it."
            ),
        }

    def clean(self):
        data = super().clean()
        if data.get("indicator_code"):
            # A bound KPI's actual comes from the indicator, never from the form.
            data["actual"] = self.instance.actual if self.instance.pk else None
        return data


class KPIActualForm(forms.ModelForm):
    """What a unit may change on a KPI of its task: the actual, when not bound to an indicator."""

    class Meta:
        model = KPI
        fields = ["actual"]


class ProgressReportForm(forms.ModelForm):
    figures_text = forms.CharField(
        label=_("Figures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "专利授权量: 120"}),
        help_text=_("One figure per line, as “name: value”."),
    )

    class Meta:
        model = ProgressReport
        fields = ["organization", "period", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, organizations=None, periods=None, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = organizations if organizations is not None else Organization.objects.none()
        self.fields["organization"].queryset = orgs
        if len(orgs) == 1 and not self.instance.pk:
            self.initial["organization"] = orgs[0].pk
        if self.instance.pk:
            # A report stays with the unit and period it was opened for.
            del self.fields["organization"]
            del self.fields["period"]
        elif periods:
            self.fields["period"].widget = forms.Select(choices=[(p, p) for p, _end in periods])
            # The instance's empty period would otherwise win over a field initial.
            self.initial["period"] = periods[0][0]
        if self.instance.pk and not self.is_bound:
            self.fields["figures_text"].initial = format_figures(self.instance.figures)

    def clean_figures_text(self):
        return parse_figures(self.cleaned_data.get("figures_text", ""))


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment"))
