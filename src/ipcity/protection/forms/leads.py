"""Lead forms: the public complaint, a lead recorded by staff, and the decision forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ipcity.core.uploads import check_upload
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization

from ..choices import LeadSource, LeadStatus, RightType
from ..leads import (
    DESCRIPTION_MAX,
    MAX_ATTACHMENTS,
    TEXT_MAX,
    is_district,
    reaches,
    routable_agencies,
    standard_reply,
    valid_phone,
)
from ..models import Lead
from ..parties import clean_uscc

MEDIATOR_KINDS = (
    OrganizationKind.SERVICE,
    OrganizationKind.GOVERNMENT,
    OrganizationKind.STREET_TOWN,
    OrganizationKind.JUDICIAL,
    OrganizationKind.OTHER,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Up to MAX_ATTACHMENTS files, each checked by content (core/uploads.py). Cleans to a list
    of (upload, UploadInfo) pairs, which `leads.create_lead` takes without checking again."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("At most %(n)d files can be attached.") % {"n": MAX_ATTACHMENTS}
            )
        errors, checked = [], []
        for upload in files:
            upload = super().clean(upload, initial)
            try:
                checked.append((upload, check_upload(upload)))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return checked


def _clean_uscc(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    cleaned = clean_uscc(value)
    if not cleaned:
        raise ValidationError(_("A unified social credit code has 18 letters and digits."))
    return cleaned


def _clean_phone(value: str) -> str:
    value = (value or "").strip()
    if value and not valid_phone(value):
        raise ValidationError(_("Enter a valid phone number."))
    return value


def _description_field():
    return forms.CharField(
        label=Lead._meta.get_field("description").verbose_name,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class _LeadFields(forms.ModelForm):
    # The model's TextField has no length; public input is bounded (text fields take their
    # model lengths from the ModelForm).
    description = _description_field()
    attachments = MultipleFileField(
        label=pgettext_lazy("lead attachments", "Attachments"),
        help_text=_("Up to %(n)d files: PDF, images, Word, Excel, text or video.")
        % {"n": MAX_ATTACHMENTS},
    )

    def clean_respondent_uscc(self):
        return _clean_uscc(self.cleaned_data.get("respondent_uscc"))

    def clean_complainant_phone(self):
        return _clean_phone(self.cleaned_data.get("complainant_phone"))

    def lead_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("attachments", None)
        data.pop("website", None)
        return data


class ComplaintForm(_LeadFields):
    """The public complaint form (no account). `website` is a honeypot that people never see."""

    agency = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        label=_("Agency (optional)"),
        help_text=_("Leave empty if you are not sure; the IP office routes your complaint."),
    )
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = Lead
        fields = [
            "complainant_name",
            "complainant_phone",
            "complainant_email",
            "right_type",
            "right_numbers",
            "respondent_name",
            "respondent_uscc",
            "respondent_address",
            "description",
            "agency",
        ]
        labels = {"complainant_name": _("Your name or your organization's name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = routable_agencies().filter(
            agency__accepts_public_leads=True
        )

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(
                _(
                    "Your complaint was not accepted because a hidden field was filled in, as "
                    "automated programs do. Reload the page and send the complaint again."
                )
            )
        no_contact = not data.get("complainant_phone") and not data.get("complainant_email")
        if no_contact and not {"complainant_phone", "complainant_email"} & set(self.errors):
            self.add_error(
                "complainant_phone",
                _("Give a phone number or an email address, so you can follow your complaint."),
            )
        return data


class StaffLeadForm(_LeadFields):
    """A lead recorded by staff: an inspection, a referral letter, another source."""

    source = forms.ChoiceField(
        label=pgettext_lazy("lead source", "Source"),
        choices=[
            (LeadSource.INSPECTION.value, LeadSource.INSPECTION.label),
            (LeadSource.REFERRAL.value, LeadSource.REFERRAL.label),
            (LeadSource.OTHER.value, LeadSource.OTHER.label),
        ],
    )
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Lead
        fields = [
            "source",
            "source_reference",
            "received_on",
            "agency",
            "complainant_name",
            "complainant_uscc",
            "complainant_phone",
            "complainant_email",
            "right_type",
            "right_numbers",
            "respondent_name",
            "respondent_uscc",
            "respondent_address",
            "description",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = Organization.objects.filter(agency__isnull=False).order_by("name")
        allowed = [o.pk for o in orgs if reaches(user, o, "add")]
        self.fields["agency"].queryset = orgs.filter(pk__in=allowed)
        self.fields["agency"].required = not is_district(user, "add")

    def clean_complainant_uscc(self):
        return _clean_uscc(self.cleaned_data.get("complainant_uscc"))


def _agency_field(label, exclude_pk=None):
    qs = routable_agencies()
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return forms.ModelChoiceField(queryset=qs, label=label)


class RouteForm(forms.Form):
    def __init__(self, *args, lead=None, referral=False, **kwargs):
        super().__init__(*args, **kwargs)
        label = _("Refer to agency") if referral else _("Route to agency")
        self.fields["agency"] = _agency_field(label, lead.agency_id if lead else None)
        self.fields["note"] = forms.CharField(
            label=_("Reason") if referral else _("Note"),
            required=referral,
            max_length=100,
        )


class ConfirmForm(forms.Form):
    pass


class _ReplyForm(forms.Form):
    """A deciding form: it offers the reply to the complainant, prefilled with the neutral
    standard sentence of its decision (`decision`), which the officer may edit."""

    decision = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = Lead._meta.get_field("public_reply")
        self.fields["public_reply"] = forms.CharField(
            label=field.verbose_name,
            help_text=field.help_text,
            required=False,
            max_length=TEXT_MAX,
            initial=standard_reply(self.decision),
            widget=forms.Textarea(attrs={"rows": 3}),
        )


class OpenCaseForm(_ReplyForm):
    decision = LeadStatus.CASE_OPENED

    title = forms.CharField(label=_("Case title"), max_length=300)
    right_type = forms.ChoiceField(label=_("Right type"), choices=RightType.choices)
    note = forms.CharField(
        label=_("Reason for opening"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NotOpenForm(_ReplyForm):
    decision = LeadStatus.NOT_OPENED

    reason = forms.CharField(
        label=_("Reason for not opening a case"),
        help_text=_("An internal note; the complainant sees the reply below."),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MediationForm(_ReplyForm):
    decision = LeadStatus.MEDIATION

    mediator = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=pgettext_lazy("dispute mediation", "Mediator")
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = Organization.objects.filter(
            kind__in=MEDIATOR_KINDS
        ).order_by("name")


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))

    def clean_file(self):
        """Checked once here; `checked()` hands the info to `leads.add_attachment`."""
        upload = self.cleaned_data["file"]
        self.info = check_upload(upload)
        return upload

    def checked(self):
        return (self.cleaned_data["file"], self.info)


class StatusForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=20)
    contact = forms.CharField(
        label=_("Phone or email you gave"),
        max_length=254,
        help_text=_("The phone number or email address on your complaint."),
    )
