"""Application forms: the application itself, an item, a document."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ipcity.core.uploads import check_upload
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization

from .. import applications
from ..models import Application, Rule


class ApplicationForm(forms.ModelForm):
    """Contact and bank details; the office also chooses the enterprise it applies for."""

    applicant = forms.ModelChoiceField(
        label=_("Applicant"), queryset=Organization.objects.none(), required=False
    )

    class Meta:
        model = Application
        fields = ["contact_name", "contact_phone", "bank_name", "bank_account", "statement"]
        widgets = {"statement": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, choose_applicant=False, **kwargs):
        super().__init__(*args, **kwargs)
        if choose_applicant:
            self.fields["applicant"].queryset = (
                Organization.objects.restrict(user, "view")
                .filter(kind=OrganizationKind.ENTERPRISE)
                .order_by("name")
            )
            self.fields["applicant"].required = True
            self.order_fields(["applicant"])
        else:
            del self.fields["applicant"]
        self.fields["contact_name"].required = True
        self.fields["contact_phone"].required = True


class ItemForm(forms.Form):
    rule = forms.ModelChoiceField(label=_("Rule"), queryset=Rule.objects.none())
    reference = forms.CharField(
        label=_("Number"),
        max_length=100,
        help_text=_(
            "Patent application number, trademark registration number, certificate number, "
            "designation certificate number or pledge registration number."
        ),
    )
    claimed_base = forms.DecimalField(
        label=_("Interest paid (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=0,
        help_text=_("Only for an interest subsidy."),
    )

    def __init__(self, *args, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        if program is not None:
            self.fields["rule"].queryset = program.rules.order_by("pk")


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Document"), max_length=200)
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        required = applications.required_materials(program) if program is not None else []
        if required:
            self.fields["title"].widget = forms.TextInput(attrs={"list": "material-titles"})
        self.required_titles = required

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload(upload, kinds=applications.MATERIAL_KINDS)
        return upload
