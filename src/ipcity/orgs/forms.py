"""Forms for organizations, contacts and regions. The organization form is also the validator
behind `orgs.actions`, so the HTML pages, the API and imports share one set of rules."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .models import Contact, Organization, Region


def uscc_check(code: str) -> tuple[str, str]:
    """Normalize a unified social credit code and say whether its check digit fails.

    Returns `(normalized, warning)`. A code of the right shape whose check digit fails is
    accepted with a warning, because early codes exist that fail GB 32100's check. A code of the
    wrong length or with characters outside the code alphabet raises ValidationError.
    """
    from stdnum import exceptions
    from stdnum.cn import uscc

    normalized = uscc.compact(code or "")
    if not normalized:
        return "", ""
    try:
        uscc.validate(normalized)
    except exceptions.InvalidChecksum:
        return normalized, str(
            _("The check digit of this code is not what GB 32100 expects; please verify it.")
        )
    except exceptions.InvalidLength:
        raise forms.ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(normalized)},
        ) from None
    except exceptions.ValidationError:
        raise forms.ValidationError(
            _(
                "A unified social credit code has 8 digits followed by 10 digits or capital "
                "letters (without I, O, S, V, Z)."
            ),
            code="uscc_format",
        ) from None
    return normalized, ""


class OrganizationForm(forms.ModelForm):
    """Validates an organization for a given user: the parent and region must be ones they see."""

    class Meta:
        model = Organization
        fields = [
            "kind",
            "name",
            "short_name",
            "uscc",
            "region",
            "address",
            "industry",
            "parent",
            "phone",
            "email",
            "website",
            "notes",
            "is_active",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.uscc_warning = ""
        if user is not None:
            self.fields["region"].queryset = Region.objects.restrict(user, "view")
            parents = Organization.objects.restrict(user, "view")
        else:
            parents = Organization.objects.all()
        if self.instance.pk:
            # A unit cannot sit below itself or below one of its own subordinates.
            own_path = self.instance.path or f"/{self.instance.pk}/"
            parents = parents.exclude(path__startswith=own_path)
        self.fields["parent"].queryset = parents.only("id", "name")
        # Separators are stripped before the length check, which then gives a clearer message.
        uscc_field = self.fields["uscc"]
        uscc_field.max_length = 40
        uscc_field.widget.attrs["maxlength"] = 40
        uscc_field.validators = [
            v for v in uscc_field.validators if not isinstance(v, MaxLengthValidator)
        ]

    def clean_uscc(self):
        normalized, warning = uscc_check(self.cleaned_data.get("uscc", ""))
        if normalized:
            taken = Organization.objects.filter(uscc=normalized)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            other = taken.only("id", "name").first()
            if other is not None:
                raise forms.ValidationError(
                    _("Another organization already has this code: %(name)s."),
                    code="uscc_taken",
                    params={"name": other.name},
                )
        self.uscc_warning = warning
        return normalized

    def clean_industry(self):
        value = (self.cleaned_data.get("industry") or "").strip().upper()
        if value and not (value[0].isalpha() or value.isdigit()):
            raise forms.ValidationError(
                _("Use a GB/T 4754 code: a section letter or 2 to 4 digits."), code="industry"
            )
        return value

    def validate_constraints(self, exclude=None):
        # The partial unique constraint on uscc is checked in clean_uscc with a friendlier message.
        exclude = set(exclude or ()) | {"uscc"}
        return super().validate_constraints(exclude=exclude)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "phone", "email", "is_primary"]


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "kind", "parent", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Region.objects.all()
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip()
        if not code.isdigit() or len(code) not in (6, 9, 12):
            raise forms.ValidationError(
                _("A division code has 6 (GB/T 2260), 9 or 12 (statistical) digits.")
            )
        return code
