"""Forms of public notices: prepare, publish (choose the approved applications), objections
(staff entry and the public form) and their resolution."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import ApplicationStatus
from ..models import Application, Objection, Program, PublicNotice
from ..notices import TEXT_MAX, candidates
from ..review import organized_by


class NoticeForm(forms.ModelForm):
    class Meta:
        model = PublicNotice
        fields = ["program", "title", "number", "text", "objection_contact"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = organized_by(
            user, "incentives.add_publicnotice", Program.objects.all(), path="organizer"
        ).order_by("-year", "name")


class PublishForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        label=_("Applications in the notice"),
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, notice=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["applications"]
        field.queryset = candidates(notice)
        field.label_from_instance = lambda a: f"{a.number} {a.applicant} · {a.approved_amount:,.2f}"
        field.initial = [a.pk for a in field.queryset]


class ObjectionForm(forms.Form):
    application = forms.ModelChoiceField(
        label=_("Application"), queryset=Application.objects.none()
    )
    objector_name = forms.CharField(label=_("Your name or organization"), max_length=200)
    objector_contact = forms.CharField(label=_("Phone or address for the answer"), max_length=200)
    reason = forms.CharField(
        label=_("Objection and its facts"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, notice=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["application"]
        field.queryset = (
            notice.applications.filter(status=ApplicationStatus.IN_NOTICE)
            .select_related("applicant")
            .order_by("number", "pk")
        )
        field.label_from_instance = lambda a: f"{a.number} {a.applicant}"


class StaffObjectionForm(ObjectionForm):
    received_on = forms.DateField(
        label=Objection._meta.get_field("received_on").verbose_name,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class PublicObjectionForm(ObjectionForm):
    """The public form; `website` is a honeypot field people never see (bots fill it)."""

    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                _(
                    "Your objection was not accepted because a hidden field was filled in, as "
                    "automated programs do. Reload the page and send it again."
                )
            )
        return data


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Finding"),
        choices=[
            ("0", _("Dismissed: the approval stands")),
            ("1", _("Upheld: revoke the approval")),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(
        label=_("Resolution"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
