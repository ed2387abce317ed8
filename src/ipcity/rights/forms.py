"""Forms for the registry. Each form is also the validator behind `rights.actions`, so the pages,
the API and any other caller share one set of rules."""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.core.scope import scope_q
from ipcity.orgs.models import Organization, Region

from .choices import PatentType
from .models import (
    Copyright,
    GeographicalIndication,
    Patent,
    PlantVarietyRight,
    SoftwareLegalizationCheck,
    Trademark,
)
from .numbers import PatentNumberError, check_digit, parse_application_number

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


def _dates(model, names):
    return dict.fromkeys(names, DATE)


class _OrgChoiceMixin:
    """Organization choices limited to those the user may see (all of them without a user).

    Fields whose model column has a default (counts, status, attribution) may be left out; they
    then take that default, so a caller sends only what it knows.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._use_model_defaults()

    def _post_clean(self):
        self._clean_defaults(self.cleaned_data)
        super()._post_clean()

    def _use_model_defaults(self):
        self._defaults = {}
        for name, field in self.fields.items():
            try:
                model_field = self._meta.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.required and model_field.has_default():
                field.required = False
                self._defaults[name] = model_field.get_default()

    def _clean_defaults(self, cleaned):
        for name, default in getattr(self, "_defaults", {}).items():
            if name in cleaned and cleaned[name] in (None, ""):
                cleaned[name] = default
        return cleaned

    def _orgs(self, user):
        if user is None:
            return Organization.objects.all()
        return Organization.objects.restrict(user, "view")


class PatentForm(_OrgChoiceMixin, forms.ModelForm):
    """A patent. The application number is parsed (both eras): a malformed one is an error; a
    wrong check digit is kept, flagged in `number_check_ok` and reported in `number_warning`."""

    holders = forms.ModelMultipleChoiceField(
        queryset=Organization.objects.all(),
        required=False,
        label=_("Holders"),
        help_text=_("In the order the register lists them."),
    )

    class Meta:
        model = Patent
        fields = [
            "application_number",
            "patent_type",
            "is_pct",
            "title",
            "filing_date",
            "publication_number",
            "publication_date",
            "grant_date",
            "legal_status",
            "lapse_date",
            "main_ipc",
            "ipc_codes",
            "inventors",
            "holder_names",
            "address",
            "region",
            "abstract",
            "family_countries",
            "overseas_granted_family",
            "citations",
            "cited_by",
            "awards",
            "pledge_amount",
            "attribution",
            "attribution_detail",
        ]
        widgets = {
            **_dates(Patent, ["filing_date", "publication_date", "grant_date", "lapse_date"]),
            "abstract": forms.Textarea(attrs={"rows": 4}),
            "ipc_codes": forms.TextInput(),
            "inventors": forms.TextInput(),
            "holder_names": forms.TextInput(),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.number_warning = ""
        self.number_check_ok = True
        self.fields["holders"].queryset = self._orgs(user).only("id", "name").order_by("name")
        if self.instance.pk and not self.is_bound:
            self.initial["holders"] = [
                link.organization_id for link in self.instance.holder_links.all()
            ]
        # Once IP finance records pledges of the patent (a reverse relation the utilization app
        # adds), the amount is computed from them and is not typed in here.
        pledges = getattr(self.instance, "pledges", None) if self.instance.pk else None
        if pledges is not None and pledges.exists():
            self.fields["pledge_amount"].disabled = True
            self.fields["pledge_amount"].help_text = _(
                "Computed from the pledges recorded in IP finance."
            )
        # Derived from the number when left empty.
        self.fields["patent_type"].required = False
        self.fields["region"].queryset = Region.objects.all()

    def clean_application_number(self):
        raw = self.cleaned_data.get("application_number", "")
        try:
            number = parse_application_number(raw)
        except PatentNumberError:
            raise forms.ValidationError(
                _(
                    "Not a CNIPA application number. Use 12 digits, a dot and the check "
                    "character (e.g. 201710117081.7), or 8 digits and a check for numbers "
                    "filed before October 2003."
                ),
                code="application_number",
            ) from None
        self.parsed_number = number
        self.number_check_ok = number.check_ok
        if not number.check_ok:
            self.number_warning = str(
                _(
                    "The check character of %(number)s should be %(expected)s; the number was "
                    "kept as entered, please verify it."
                )
                % {
                    "number": number.normalized,
                    "expected": _expected_check(number.digits),
                }
            )
        return number.normalized

    def clean_holders(self):
        chosen = {org.pk: org for org in self.cleaned_data.get("holders") or []}
        # A multiple select returns a set; the submission order is the holders' order.
        raw = (
            self.data.getlist(self.add_prefix("holders"))
            if hasattr(self.data, "getlist")
            else (self.data.get(self.add_prefix("holders")) or [])
        )
        ordered = []
        for value in raw:
            try:
                pk = int(value)
            except (TypeError, ValueError):
                continue
            if pk in chosen and chosen[pk] not in ordered:
                ordered.append(chosen[pk])
        ordered += [org for org in chosen.values() if org not in ordered]
        return ordered

    def clean(self):
        cleaned = super().clean()
        number = getattr(self, "parsed_number", None)
        if number is not None:
            if not cleaned.get("patent_type"):
                cleaned["patent_type"] = number.patent_type
            elif cleaned["patent_type"] != number.patent_type:
                self.add_error(
                    "patent_type",
                    _("The type digit of the application number says “%(type)s”.")
                    % {"type": dict(PatentType.choices)[number.patent_type]},
                )
            if number.is_pct:
                cleaned["is_pct"] = True
        for later, earlier in (("grant_date", "filing_date"), ("publication_date", "filing_date")):
            if cleaned.get(later) and cleaned.get(earlier) and cleaned[later] < cleaned[earlier]:
                self.add_error(later, _("This date is before the filing date."))
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        self.instance.number_check_ok = self.number_check_ok


def _expected_check(digits: str) -> str:
    return check_digit(digits)


NICE_SEPARATORS = re.compile(r"[\s;；,，、]+")


def parse_nice_classes(value: str) -> str:
    """'9, 35；42' -> '9;35;42'. Every class must be 1-45 (the Nice classification)."""
    parts = [p for p in NICE_SEPARATORS.split(value or "") if p]
    classes = set()
    for part in parts:
        part = part.lstrip("第").rstrip("类")
        if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= 45:
            raise forms.ValidationError(
                _("Nice classes are numbers from 1 to 45; “%(value)s” is not one."),
                code="nice_class",
                params={"value": part},
            )
        classes.add(int(part))
    return ";".join(str(c) for c in sorted(classes))


class TrademarkForm(_OrgChoiceMixin, forms.ModelForm):
    class Meta:
        model = Trademark
        fields = [
            "registration_number",
            "mark",
            "nice_classes",
            "holder",
            "status",
            "application_date",
            "registration_date",
            "expiry_date",
            "is_well_known",
            "is_madrid",
            "region",
            "attribution",
        ]
        widgets = _dates(Trademark, ["application_date", "registration_date", "expiry_date"])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = self._orgs(user).only("id", "name").order_by("name")

    def clean_registration_number(self):
        value = unicodedata.normalize("NFKC", self.cleaned_data.get("registration_number") or "")
        value = "".join(value.split()).upper()
        # Chinese registrations are plain integers; Madrid designations carry a "G" prefix.
        # NFKC folds full-width digits to ASCII; other scripts' digits are refused.
        if not re.fullmatch(r"G?[0-9]{1,12}", value):
            raise forms.ValidationError(
                _("A trademark registration number is a whole number (Madrid: G and digits)."),
                code="registration_number",
            )
        return value

    def clean_nice_classes(self):
        return parse_nice_classes(self.cleaned_data.get("nice_classes", ""))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("registration_date"), cleaned.get("expiry_date")
        if start and end and end < start:
            self.add_error("expiry_date", _("The expiry date is before the registration date."))
        return cleaned


class GeographicalIndicationForm(_OrgChoiceMixin, forms.ModelForm):
    class Meta:
        model = GeographicalIndication
        fields = [
            "name",
            "kind",
            "product",
            "area",
            "applicant",
            "stage",
            "registration_number",
            "filed_date",
            "registered_date",
            "notes",
        ]
        widgets = {
            **_dates(GeographicalIndication, ["filed_date", "registered_date"]),
            "notes": TEXT,
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applicant"].queryset = self._orgs(user).only("id", "name").order_by("name")


PVR_NUMBER = re.compile(r"CNA\d{8}(\.[\dX])?|CNA\d{11}", re.ASCII)


class PlantVarietyRightForm(_OrgChoiceMixin, forms.ModelForm):
    class Meta:
        model = PlantVarietyRight
        fields = [
            "right_number",
            "variety",
            "species",
            "holder",
            "status",
            "application_date",
            "grant_date",
        ]
        widgets = _dates(PlantVarietyRight, ["application_date", "grant_date"])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = self._orgs(user).only("id", "name").order_by("name")

    def clean_right_number(self):
        value = unicodedata.normalize("NFKC", self.cleaned_data.get("right_number") or "")
        value = "".join(value.split()).upper()
        if not PVR_NUMBER.fullmatch(value):
            raise forms.ValidationError(
                _("A plant variety right number looks like CNA20201002638 or CNA20080376.X."),
                code="right_number",
            )
        return value


SOFTWARE_NUMBER = re.compile(r"(\d{4})SR(\d{1,10})", re.ASCII)


class CopyrightForm(_OrgChoiceMixin, forms.ModelForm):
    class Meta:
        model = Copyright
        fields = [
            "kind",
            "registration_number",
            "certificate_number",
            "title",
            "category",
            "holder",
            "completion_date",
            "registration_date",
        ]
        widgets = _dates(Copyright, ["completion_date", "registration_date"])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = self._orgs(user).only("id", "name").order_by("name")

    def clean(self):
        cleaned = super().clean()
        number = (cleaned.get("registration_number") or "").strip()
        if cleaned.get("kind") == "software" and number:
            compact = "".join(unicodedata.normalize("NFKC", number).split()).upper()
            if not SOFTWARE_NUMBER.fullmatch(compact):
                self.add_error(
                    "registration_number",
                    _("A software registration number is a year, SR and a serial: 2014SR001852."),
                )
            else:
                cleaned["registration_number"] = compact
                self.instance.registration_number = compact
        return cleaned


class SoftwareLegalizationCheckForm(_OrgChoiceMixin, forms.ModelForm):
    class Meta:
        model = SoftwareLegalizationCheck
        fields = [
            "organization",
            "check_date",
            "checked_by",
            "installed_count",
            "licensed_count",
            "findings",
            "rectification",
            "rectified_on",
        ]
        widgets = {
            **_dates(SoftwareLegalizationCheck, ["check_date", "rectified_on"]),
            "findings": TEXT,
            "rectification": TEXT,
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only units the user may record checks for.
        action = "change" if self.instance.pk else "add"
        orgs = Organization.objects.all()
        if user is not None:
            orgs = Organization.objects.restrict(user, "view")
            q = scope_q(SoftwareLegalizationCheck, user, action)
            if q is None:
                orgs = orgs.none()
            elif q:
                # The check's scope filter is on `organization__...`; apply it to organizations.
                orgs = orgs.filter(_strip_prefix(q, "organization__"))
        self.fields["organization"].queryset = orgs.only("id", "name").order_by("name")

    def clean(self):
        cleaned = super().clean()
        checked, rectified = cleaned.get("check_date"), cleaned.get("rectified_on")
        if checked and rectified and rectified < checked:
            self.add_error("rectified_on", _("Rectification cannot precede the check."))
        return cleaned


def _strip_prefix(q, prefix: str):
    """A copy of `q` with `prefix` removed from its lookups (organization__path -> path)."""
    clone = Q()
    clone.connector = q.connector
    clone.negated = q.negated
    for child in q.children:
        if isinstance(child, Q):
            clone.children.append(_strip_prefix(child, prefix))
        else:
            key, value = child
            clone.children.append((key.removeprefix(prefix), value))
    return clone
