"""Service request forms: the signed-in and the public request, the action forms and the
public status look-up."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ipcity.orgs.models import Organization
from ipcity.protection.choices import RightType
from ipcity.protection.forms.leads import MultipleFileField
from ipcity.protection.leads import routable_agencies, valid_phone

from ..institutions import all_points, points_for
from ..models import ServiceRequest
from ..requests import DESCRIPTION_MAX, MAX_ATTACHMENTS, TEXT_MAX, guess_right_type


class _RequestFields(forms.ModelForm):
    description = forms.CharField(
        label=ServiceRequest._meta.get_field("description").verbose_name,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = MultipleFileField(
        label=pgettext_lazy("request attachments", "Attachments"),
        help_text=_("Up to %(n)d files: PDF, images, Word, Excel, text or video.")
        % {"n": MAX_ATTACHMENTS},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["preferred_point"]
        field.queryset = all_points()
        field.required = False
        field.help_text = _(
            "Optional. If it offers the service you chose, your request goes straight to it; "
            "otherwise the IP office routes it."
        )

    def clean_contact_phone(self):
        value = (self.cleaned_data.get("contact_phone") or "").strip()
        if value and not valid_phone(value):
            raise ValidationError(_("Enter a valid phone number."))
        return value

    def request_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("attachments", None)
        data.pop("website", None)
        return data


class RequestForm(_RequestFields):
    """A request by a signed-in user for their organization."""

    class Meta:
        model = ServiceRequest
        fields = [
            "kind",
            "subject",
            "description",
            "right_numbers",
            "contact_name",
            "contact_phone",
            "contact_email",
            "preferred_point",
        ]


class PublicRequestForm(_RequestFields):
    """The public form (no account). `website` is a honeypot that people never see."""

    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "requester_name",
            "contact_name",
            "contact_phone",
            "contact_email",
            "kind",
            "subject",
            "description",
            "right_numbers",
            "preferred_point",
        ]
        labels = {"requester_name": _("Your name or your organization's name")}

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(
                _(
                    "Your request was not accepted because a hidden field was filled in, as "
                    "automated programs do. Reload the page and send the request again."
                )
            )
        no_contact = not data.get("contact_phone") and not data.get("contact_email")
        if no_contact and not {"contact_phone", "contact_email"} & set(self.errors):
            self.add_error(
                "contact_phone",
                _("Give a phone number or an email address, so you can follow your request."),
            )
        return data


class ConfirmForm(forms.Form):
    pass


class NoteCloseForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AssignForm(forms.Form):
    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = points_for(request.kind)
        if request.service_point_id and request.status != "declined":
            queryset = queryset.exclude(pk=request.service_point_id)
        self.fields["point"] = forms.ModelChoiceField(
            queryset=queryset,
            label=_("Service point"),
            help_text=_("Only service points that offer this service are listed."),
        )
        self.fields["note"] = forms.CharField(label=_("Note"), required=False, max_length=500)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    public = forms.BooleanField(
        label=_("Show to the requester"),
        required=False,
        help_text=_("Unticked: an internal note for staff only."),
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Answer"),
        help_text=_("Shown to the requester."),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Shown to the requester; the IP office may route the request elsewhere."),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


RATING_CHOICES = [(n, "★" * n) for n in range(5, 0, -1)]


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Satisfaction"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment on the service"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HandOverForm(forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        label=_("Handling agency"),
        help_text=_("Leave empty to route the lead on the lead page later."),
    )
    right_type = forms.ChoiceField(label=_("Right type"), choices=RightType.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, request=None, **kwargs):
        kwargs.setdefault("initial", {"right_type": guess_right_type(request.right_numbers)})
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = routable_agencies()


class StatusForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=20)
    contact = forms.CharField(
        label=_("Phone or email you gave"),
        max_length=254,
        help_text=_("The phone number or email address on your request."),
    )
