"""Institution forms: the directory entry with its services, and a qualification."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization

from ..choices import ServiceKind
from ..institutions import OFFICE_FIELDS
from ..models import Institution, Qualification

# The kinds of organization a directory entry can be made for.
INSTITUTION_ORG_KINDS = (
    OrganizationKind.SERVICE,
    OrganizationKind.FINANCIAL,
    OrganizationKind.GOVERNMENT,
    OrganizationKind.UNIVERSITY,
    OrganizationKind.OTHER,
)


class InstitutionForm(forms.ModelForm):
    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=ServiceKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Institution
        fields = [
            "organization",
            "kind",
            "services",
            "description",
            "contact_name",
            "phone",
            "email",
            "website",
            "address",
            "opening_hours",
            "accepts_requests",
            "published",
            "is_active",
        ]

    def __init__(self, *args, office: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["services"].initial = list(
                self.instance.services.values_list("kind", flat=True)
            )
        field = self.fields["organization"]
        if self.instance.pk:
            # An entry stays with its organization; a new one is made for another.
            field.queryset = Organization.objects.filter(pk=self.instance.organization_id)
            field.disabled = True
        else:
            # Organizations that can serve (not enterprises or streets), not yet listed.
            taken = Institution.objects.values("organization")
            field.queryset = (
                Organization.objects.filter(kind__in=INSTITUTION_ORG_KINDS, is_active=True)
                .exclude(pk__in=taken)
                .order_by("name")
            )
        if not office:
            # The office decides who is in the directory, its kind and who takes requests.
            for name in OFFICE_FIELDS:
                self.fields[name].disabled = True


class QualificationForm(forms.ModelForm):
    class Meta:
        model = Qualification
        fields = ["name", "number", "issued_by", "valid_from", "valid_until"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date is before the start date."))
        return data
