"""Forms for agencies, officers and their trainings. They are also the validators behind
`protection.officers`, so the pages, the API and the import share one set of rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.orgs.models import Organization

from .. import officers
from ..models import Agency, Officer, OfficerTraining
from ..models.agencies import normalize_certificate_number

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def normalize_number(text: str) -> str:
    """A certificate number as stored: surrounding and repeated spaces removed, upper-cased."""
    return normalize_certificate_number(text)


def duplicate_number_error(user, number: str, exclude_pk=None) -> forms.ValidationError | None:
    """The error for a certificate number recorded for another officer, else None. It names the
    officer only to a user who may see them."""
    other = (
        Officer.objects.filter(certificate_number=number)
        .exclude(pk=exclude_pk)
        .select_related("organization")
        .first()
    )
    if other is None:
        return None
    if user is not None and Officer.objects.restrict(user, "view").filter(pk=other.pk).exists():
        return forms.ValidationError(
            _("Certificate number %(number)s is already recorded for %(officer)s.")
            % {"number": number, "officer": f"{other.name}（{other.organization}）"},
            code="duplicate",
        )
    return forms.ValidationError(
        _("Certificate number %(number)s is already recorded for an officer of another agency.")
        % {"number": number},
        code="duplicate",
    )


class AgencyForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = ["organization", "kind", "is_joint_member", "case_prefix", "accepts_public_leads"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = Organization.objects.all() if user is None else Organization.objects.restrict(user)
        taken = Agency.objects.exclude(pk=self.instance.pk).values("organization_id")
        self.fields["organization"].queryset = (
            orgs.exclude(pk__in=taken).only("id", "name").order_by("name", "pk")
        )
        self.fields["organization"].error_messages["invalid_choice"] = _(
            "Choose an organization that is not an agency yet."
        )

    def clean_case_prefix(self):
        return "".join((self.cleaned_data.get("case_prefix") or "").split())


class OfficerForm(forms.ModelForm):
    class Meta:
        model = Officer
        fields = [
            "organization",
            "name",
            "certificate_number",
            "issued_on",
            "valid_until",
            "status",
            "user",
        ]
        widgets = {"issued_on": DATE, "valid_until": DATE}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        action = "change" if self.instance.pk else "add"
        scope = officers.organizations_q(user, action) if user is not None else Q()
        orgs = Organization.objects.filter(agency__isnull=False)
        orgs = orgs.none() if scope is None else orgs.filter(scope)
        self.fields["organization"].queryset = orgs.only("id", "name").order_by("name", "pk")
        self.fields["organization"].error_messages["invalid_choice"] = _(
            "Choose an enforcement agency you may record officers for."
        )
        users = get_user_model().objects.filter(is_active=True)
        users = users.none() if scope is None else users.filter(organization__in=orgs)
        self.fields["user"].queryset = users.only("id", "username", "display_name").order_by(
            "username"
        )
        self.fields["user"].required = False
        self.fields["user"].help_text = _(
            "The officer's account on the platform, if any: it receives the certificate reminders."
        )

    def clean_certificate_number(self):
        number = normalize_number(self.cleaned_data.get("certificate_number", ""))
        if not number:
            raise forms.ValidationError(_("Enter the enforcement certificate number."))
        error = duplicate_number_error(self.user, number, self.instance.pk)
        if error is not None:
            raise error
        return number

    def clean_user(self):
        account = self.cleaned_data.get("user")
        if account is None:
            return None
        other = Officer.objects.filter(user=account).exclude(pk=self.instance.pk).first()
        if other is not None:
            raise forms.ValidationError(
                _("This account is already linked to the officer %(officer)s.")
                % {"officer": other.name}
            )
        return account

    def clean(self):
        data = super().clean()
        issued, until = data.get("issued_on"), data.get("valid_until")
        if issued and until and issued > until:
            self.add_error(
                "valid_until", _("The certificate cannot expire before the day it was issued.")
            )
        org, account = data.get("organization"), data.get("user")
        if org is not None and account is not None:
            account_org = account.organization
            if account_org is None or not account_org.path.startswith(org.path):
                self.add_error("user", _("The account must belong to the officer's agency."))
        return data


class TrainingForm(forms.ModelForm):
    class Meta:
        model = OfficerTraining
        fields = ["course", "attended_on", "hours"]
        widgets = {"attended_on": DATE}

    def clean_hours(self):
        hours = self.cleaned_data.get("hours")
        if hours is not None and hours <= Decimal("0"):
            raise forms.ValidationError(_("Hours must be more than 0."))
        return hours

    def clean_course(self):
        course = " ".join((self.cleaned_data.get("course") or "").split())
        if not course:
            raise forms.ValidationError(_("Name the course."))
        return course
