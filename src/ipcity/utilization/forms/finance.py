"""Forms of IP finance records. Each form is also the validator behind `utilization.pledges`, so
the pages, the API and the import share one set of rules.

Parties are named by unified social credit code or exact name (or an organization id), not
picked from a list: a bank records pledges of enterprises it cannot browse, and the directory
runs into thousands. Rights are named by patent application number and trademark registration
number; anything the registry does not hold is an error, never created.

Links to other records (a pledge's product and valuation, a guarantee's pledge) offer only what
the editor may see. A current link the editor may not see (the bank's pledge behind a
guarantor's guarantee) is shown as such and kept, never revealed or silently dropped. A form
built with `only` validates and changes only those fields (a partial API update); the rules that
compare fields read the others from the record.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization
from ipcity.rights.models import Patent, Trademark
from ipcity.rights.numbers import PatentNumberError, parse_application_number

from ..models import (
    FinancialProduct,
    Guarantee,
    InsurancePolicy,
    Pledge,
    Valuation,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})
_SPLIT = re.compile(r"[\s;；,，、|]+")
_USCC = re.compile(r"^[0-9A-Z]{18}$")


# --- looking up parties and rights -------------------------------------------------------------


def compact(text: str) -> str:
    """Half-width, no surrounding space: what a person typed, read the same way every time."""
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def name_variants(name: str) -> list[str]:
    """The name as typed and with brackets in the other width: 公司（演示） and 公司(演示)."""
    name = str(name or "").strip()
    full = name.replace("(", "（").replace(")", "）")
    half = name.replace("（", "(").replace("）", ")")
    return list(dict.fromkeys([name, full, half]))


def _plain_text(value, max_length: int = 200) -> str:
    """The typed text, refused when it cannot be a name or number at all."""
    text = str(value).strip()
    if "\x00" in text:
        raise forms.ValidationError(_("Null characters are not allowed."))
    if len(text) > max_length:
        raise forms.ValidationError(
            _("At most %(max)d characters (this has %(n)d).") % {"max": max_length, "n": len(text)}
        )
    return text


def find_organization(text) -> Organization:
    """The organization a cell or field names: an id, a credit code, then an exact name.

    Raises ValidationError when none or several match.
    """
    if isinstance(text, Organization):
        return text
    raw = _plain_text(text)
    value = compact(raw).upper().replace("-", "").replace(" ", "")
    if _USCC.match(value):
        found = list(Organization.objects.filter(uscc=value).only("id", "name", "kind")[:2])
        if len(found) == 1:
            return found[0]
    elif value.isascii() and value.isdigit() and len(value) < 18:
        org = Organization.objects.filter(pk=int(value)).first()
        if org is not None:
            return org
    found = list(Organization.objects.filter(name__in=name_variants(raw))[:2])
    if len(found) > 1:
        raise forms.ValidationError(
            _("Several organizations are named “%(v)s”; use the credit code.") % {"v": raw}
        )
    if not found:
        raise forms.ValidationError(
            _("No organization with the credit code or name “%(v)s”.") % {"v": raw}
        )
    return found[0]


def split_numbers(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        parts = [_plain_text(v, 100) for v in value]
    else:
        parts = _SPLIT.split(_plain_text(value, 20000))
    parts = [part for part in parts if part]
    if len(parts) > 500:
        raise forms.ValidationError(_("At most 500 numbers at a time."))
    return parts


def normalize_application_number(text: str) -> str | None:
    """The registry's form of an application number, or None when it is not one."""
    try:
        return parse_application_number(text).normalized
    except PatentNumberError:
        return None


def find_patents(numbers: list[str]) -> list[Patent]:
    """The patents with these application numbers, in the order given; unknown → error."""
    wanted: dict[str, str] = {}
    bad = []
    for number in numbers:
        normalized = normalize_application_number(number)
        if normalized is None:
            bad.append(number)
        else:
            wanted.setdefault(normalized, number)
    if bad:
        raise forms.ValidationError(
            _("Not a patent application number: %(list)s") % {"list": "、".join(bad)}
        )
    found = {
        p.application_number: p
        for p in Patent.objects.filter(application_number__in=list(wanted)).only(
            "id", "application_number", "title"
        )
    }
    missing = [text for normalized, text in wanted.items() if normalized not in found]
    if missing:
        raise forms.ValidationError(
            _("Not in the patent registry: %(list)s") % {"list": "、".join(missing)}
        )
    return [found[n] for n in wanted]


def find_trademarks(numbers: list[str]) -> list[Trademark]:
    wanted = list(dict.fromkeys(compact(n) for n in numbers))
    found = {
        t.registration_number: t
        for t in Trademark.objects.filter(registration_number__in=wanted).only(
            "id", "registration_number", "mark"
        )
    }
    missing = [n for n in wanted if n not in found]
    if missing:
        raise forms.ValidationError(
            _("Not in the trademark registry: %(list)s") % {"list": "、".join(missing)}
        )
    return [found[n] for n in wanted]


class OrganizationRefField(forms.Field):
    """An organization named by credit code, exact name or id; cleans to the Organization."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", gettext_lazy("Credit code or exact name."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Organization):
            return value.name
        text = str(value)
        if isinstance(value, int) or (text.isascii() and text.isdigit() and len(text) < 18):
            name = Organization.objects.filter(pk=int(value)).values_list("name", flat=True)
            return name.first() or value
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return find_organization(value)


class _NumbersField(forms.Field):
    widget = forms.Textarea(attrs={"rows": 2})
    finder = staticmethod(find_patents)
    model = Patent
    number_attr = "application_number"

    def prepare_value(self, value):
        if isinstance(value, str) or value is None:
            return value or ""
        items = list(value)
        ids = [v for v in items if isinstance(v, int)]
        objects = [v for v in items if isinstance(v, self.model)]
        if ids:
            objects += list(self.model.objects.filter(pk__in=ids))
        strings = [v for v in items if isinstance(v, str)]
        return "\n".join([getattr(o, self.number_attr) for o in objects] + strings)

    def to_python(self, value):
        if value in self.empty_values:
            return []
        if (
            isinstance(value, list | tuple)
            and value
            and all(isinstance(v, self.model) for v in value)
        ):
            return list(value)
        if isinstance(value, list | tuple) and value and all(isinstance(v, int) for v in value):
            found = list(self.model.objects.filter(pk__in=value))
            if len(found) != len(set(value)):
                raise forms.ValidationError(_("Some of these records do not exist."))
            return found
        numbers = split_numbers(value)
        return self.finder(numbers) if numbers else []


class PatentNumbersField(_NumbersField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("Patents"))
        kwargs.setdefault(
            "help_text",
            gettext_lazy("Application numbers, one a line or separated by commas."),
        )
        super().__init__(**kwargs)


class TrademarkNumbersField(_NumbersField):
    finder = staticmethod(find_trademarks)
    model = Trademark
    number_attr = "registration_number"

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("Trademarks"))
        kwargs.setdefault("help_text", gettext_lazy("Registration numbers."))
        super().__init__(**kwargs)


# --- the forms ---------------------------------------------------------------------------------


class KeptField(forms.Field):
    """A link to a record the editor may not see: shown as hidden, kept as it is."""

    widget = forms.TextInput

    def __init__(self, current, **kwargs):
        kwargs["required"] = False
        kwargs["disabled"] = True
        kwargs.setdefault(
            "help_text", gettext_lazy("Linked to a record you may not see; the link is kept.")
        )
        super().__init__(**kwargs)
        self.current = current
        self.widget.attrs["placeholder"] = gettext_lazy("(not visible to you)")

    def prepare_value(self, value):
        return ""

    def clean(self, value):
        return self.current

    def has_changed(self, initial, data):
        return False


class _FinanceForm(forms.ModelForm):
    """A finance record's form; `user` narrows the choices of products, valuations and pledges
    to what the user may see and gives defaults for new records (their own institution);
    `only` (a set of field names) limits the form to those fields."""

    positive_fields: tuple[str, ...] = ()
    date_range: tuple[str, str] | None = None
    own_org_defaults: dict[str, tuple[str, ...]] = {}
    linked = ("product", "valuation", "pledge")

    def __init__(self, *args, user=None, only=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if only is not None:
            for name in [n for n in self.fields if n not in only]:
                del self.fields[name]
        org = getattr(user, "organization", None) if user is not None else None
        if not self.instance.pk and not self.is_bound and org is not None:
            for name, kinds in self.own_org_defaults.items():
                applies = name in self.fields and (not kinds or org.kind in kinds)
                if applies and self.initial.get(name) in (None, ""):
                    self.initial[name] = org.name
        if "product" in self.fields:
            qs = FinancialProduct.objects.all()
            if user is not None:
                qs = FinancialProduct.objects.restrict(user, "view")
            self.fields["product"].queryset = qs.select_related("institution").order_by(
                "institution__name", "name"
            )
        if "valuation" in self.fields:
            qs = Valuation.objects.all() if user is None else Valuation.objects.restrict(user)
            self.fields["valuation"].queryset = qs.select_related("owner").order_by("-date")
        if "pledge" in self.fields:
            qs = Pledge.objects.all() if user is None else Pledge.objects.restrict(user, "view")
            self.fields["pledge"].queryset = qs
        for name in self.linked:
            self._keep_hidden(name)

    def _keep_hidden(self, name: str) -> None:
        """Keep a current link the editor may not see, unless the data changes it on purpose."""
        field = self.fields.get(name)
        current_id = getattr(self.instance, f"{name}_id", None) if self.instance.pk else None
        if field is None or current_id is None or (self.is_bound and name in self.data):
            return
        if field.queryset.filter(pk=current_id).exists():
            return
        self.fields[name] = KeptField(getattr(self.instance, name), label=field.label)

    def value(self, name: str):
        """The field's cleaned value, or the record's current one when the form leaves the
        field out (a partial update); None for a field that failed."""
        if name in self.fields:
            return self.cleaned_data.get(name)
        if not self.instance.pk:
            return None
        field = self._meta.model._meta.get_field(name)
        if field.many_to_many:
            return list(getattr(self.instance, name).all())
        return getattr(self.instance, name)

    def clean(self):
        data = super().clean()
        for name in self.positive_fields:
            value = data.get(name)
            if value is not None and value <= 0:
                self.add_error(name, _("Must be more than zero."))
        if self.date_range and self.sent(*self.date_range):
            start, end = (self.value(n) for n in self.date_range)
            if start and end and end < start:
                field = next(n for n in reversed(self.date_range) if n in self.fields)
                self.add_error(field, _("The end comes before the start."))
        self._check_recording_side()
        self._check_product_owner()
        return data

    def _check_product_owner(self) -> None:
        """A pledge's product must be the pledgee's, a policy's the insurer's."""
        from .. import pledges

        owner = pledges.PRODUCT_OWNER.get(self._meta.model)
        if owner is None or not self.sent("product", owner) or owner in self.errors:
            return
        if "product" in self.errors:
            return
        product, org = self.value("product"), self.value(owner)
        instance = self.instance
        if (
            instance.pk
            and product is not None
            and org is not None
            and instance.product_id == product.pk
            and getattr(instance, f"{owner}_id") == org.pk
        ):
            return  # an unchanged link, checked when it was made
        message = pledges.product_error(self._meta.model, product, org)
        if message:
            self.add_error("product" if "product" in self.fields else owner, message)

    def sent(self, *names) -> bool:
        """Whether the form validates any of these fields (a partial update may not)."""
        return any(name in self.fields for name in names)

    def _check_recording_side(self) -> None:
        """The recording side (the pledgee, the insurer, the guarantor or lender) must be one of
        the organizations the user records for (utilization.pledges)."""
        from .. import pledges

        model = self._meta.model
        sides = pledges.RECORDING_SIDE.get(model, ((), ""))[0]
        if self.user is None or not any(name in self.fields for name in sides):
            return
        if any(name in self.errors for name in sides):
            return
        allowed = pledges.scope_org_ids(self.user, model, "change" if self.instance.pk else "add")
        error = pledges.recording_side_error(
            model, {name: self.value(name) for name in sides}, allowed
        )
        if error:
            field, message = error
            self.add_error(field if field in self.fields else None, message)


class FinancialProductForm(_FinanceForm):
    institution = OrganizationRefField(label=gettext_lazy("Institution"))
    # Only a financial institution offers products: an office user's form starts empty.
    own_org_defaults = {"institution": (OrganizationKind.FINANCIAL,)}
    positive_fields = ("max_amount",)

    class Meta:
        model = FinancialProduct
        fields = [
            "institution",
            "name",
            "kind",
            "description",
            "rate",
            "max_amount",
            "term_months",
            "contact",
            "is_active",
        ]
        widgets = {"description": TEXT}

    def clean_institution(self):
        org = self.cleaned_data.get("institution")
        if org is not None and org.kind != OrganizationKind.FINANCIAL:
            raise forms.ValidationError(
                _("Products are offered by financial institutions; “%(v)s” is not one.")
                % {"v": org.name}
            )
        return org


class ValuationForm(_FinanceForm):
    owner = OrganizationRefField(label=gettext_lazy("Rights holder"))
    appraiser = OrganizationRefField(label=gettext_lazy("Appraiser"), required=False)
    commissioned_by = OrganizationRefField(label=gettext_lazy("Commissioned by"), required=False)
    patents = PatentNumbersField()
    trademarks = TrademarkNumbersField()
    positive_fields = ("value",)
    own_org_defaults = {
        "appraiser": (OrganizationKind.SERVICE,),
        "commissioned_by": (OrganizationKind.FINANCIAL,),
    }

    class Meta:
        model = Valuation
        fields = [
            "owner",
            "patents",
            "trademarks",
            "method",
            "value",
            "date",
            "appraiser",
            "appraiser_name",
            "commissioned_by",
            "report_number",
            "purpose",
        ]
        widgets = {"date": DATE}

    def clean(self):
        data = super().clean()
        if "appraiser" in self.fields or "appraiser_name" in self.fields:
            named = self.value("appraiser") or (self.value("appraiser_name") or "").strip()
            if not named and "appraiser" not in self.errors:
                field = "appraiser" if "appraiser" in self.fields else "appraiser_name"
                self.add_error(field, _("Name the appraiser."))
        return data


class PledgeForm(_FinanceForm):
    """A pledge registration. The status moves through `pledges` (change, release, cancel),
    never through this form."""

    pledgor = OrganizationRefField(label=gettext_lazy("Pledgor"))
    pledgee = OrganizationRefField(label=gettext_lazy("Pledgee"))
    patents = PatentNumbersField()
    trademarks = TrademarkNumbersField()
    positive_fields = ("amount",)
    date_range = ("term_start", "term_end")
    own_org_defaults = {"pledgee": (OrganizationKind.FINANCIAL,)}

    class Meta:
        model = Pledge
        fields = [
            "pledgor",
            "pledgee",
            "patents",
            "trademarks",
            "amount",
            "debt_kind",
            "contract_number",
            "term_start",
            "term_end",
            "registration_number",
            "registration_date",
            "product",
            "valuation",
            "notes",
        ]
        widgets = {
            "term_start": DATE,
            "term_end": DATE,
            "registration_date": DATE,
            "notes": TEXT,
        }

    def clean_registration_number(self):
        number = compact(self.cleaned_data.get("registration_number", ""))
        if number and (
            Pledge.objects.filter(registration_number=number).exclude(pk=self.instance.pk).exists()
        ):
            raise forms.ValidationError(_("Another pledge has this registration number."))
        return number

    def clean(self):
        data = super().clean()
        rights = ("patents", "trademarks")
        failed = any(name in self.errors for name in rights)
        named = self.value("patents") or self.value("trademarks")
        if self.sent(*rights) and not failed and not named:
            self._error(rights, _("Name at least one pledged patent or trademark."))
        pledgor, pledgee = self.value("pledgor"), self.value("pledgee")
        if pledgor and pledgee and pledgor.pk == pledgee.pk and self.sent("pledgor", "pledgee"):
            self._error(("pledgee", "pledgor"), _("The pledgee cannot be the pledgor."))
        registered, end = self.value("registration_date"), self.value("term_end")
        if (
            registered
            and end
            and end < registered
            and "term_end" not in self.errors
            and self.sent("term_end", "registration_date")
        ):
            self._error(
                ("term_end", "registration_date"), _("The term ends before the registration.")
            )
        if pledgor and not failed and self.sent("pledgor", *rights):
            self._check_rights_held(pledgor)
        valuation = self.value("valuation")
        if (
            pledgor
            and valuation
            and valuation.owner_id != pledgor.pk
            and self.sent("pledgor", "valuation")
        ):
            self._error(
                ("valuation", "pledgor"),
                _("This valuation is of another holder's rights, not the pledgor's."),
            )
        return data

    def _error(self, fields, message) -> None:
        """Put the error on the first of these fields the form has."""
        field = next((name for name in fields if name in self.fields), None)
        if field is not None and isinstance(self.fields[field], KeptField):
            field = next((n for n in fields if n in self.fields and n != field), None)
        self.add_error(field, message)

    def _check_rights_held(self, pledgor) -> None:
        """Every pledged right must be the pledgor's (utilization.pledges.unheld_rights). An
        edit checks the rights it adds, or all of them when the pledgor changes, so a right that
        changed owner after the registration (a risk alert) does not block correcting a typo."""
        from .. import pledges

        checked = {name: self.value(name) or [] for name in ("patents", "trademarks")}
        if self.instance.pk and self.instance.pledgor_id == pledgor.pk:
            for name in checked:
                if name not in self.fields:
                    checked[name] = []
                    continue
                before = set(getattr(self.instance, name).values_list("pk", flat=True))
                checked[name] = [right for right in checked[name] if right.pk not in before]
        for field, message in pledges.unheld_rights(pledgor, **checked).items():
            self.add_error(field if field in self.fields else "pledgor", message)


class InsurancePolicyForm(_FinanceForm):
    insured = OrganizationRefField(label=gettext_lazy("Insured"))
    insurer = OrganizationRefField(label=gettext_lazy("Insurer"))
    patents = PatentNumbersField()
    positive_fields = ("insured_amount",)
    date_range = ("start_date", "end_date")
    own_org_defaults = {"insurer": (OrganizationKind.FINANCIAL,)}

    class Meta:
        model = InsurancePolicy
        fields = [
            "policy_number",
            "insured",
            "insurer",
            "kind",
            "product",
            "patents",
            "insured_amount",
            "premium",
            "subsidy",
            "start_date",
            "end_date",
        ]
        widgets = {"start_date": DATE, "end_date": DATE}

    def clean_policy_number(self):
        return compact(self.cleaned_data.get("policy_number", ""))

    def clean(self):
        data = super().clean()
        for name in ("premium", "subsidy"):
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("The amount cannot be negative."))
        return data


class PledgeRefField(forms.Field):
    """A pledge named by registration number or id, among the pledges the user may see."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", gettext_lazy("Registration number of the pledge."))
        super().__init__(**kwargs)
        self.queryset = Pledge.objects.all()

    def prepare_value(self, value):
        """The registration number of a pledge the user may see; nothing for one they may not."""
        pk = value.pk if isinstance(value, Pledge) else value
        if isinstance(pk, int):
            pledge = self.queryset.filter(pk=pk).only("pk", "registration_number").first()
            return (pledge.registration_number or pledge.pk) if pledge else ""
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Pledge):
            return value
        text = compact(_plain_text(value, 100))
        found = list(self.queryset.filter(registration_number=text)[:2])
        if not found and text.isascii() and text.isdigit() and len(text) < 18:
            found = list(self.queryset.filter(pk=int(text)))
        if len(found) != 1:
            raise forms.ValidationError(
                _("No pledge you can see has the registration number “%(v)s”.") % {"v": text}
            )
        return found[0]


class GuaranteeForm(_FinanceForm):
    guarantor = OrganizationRefField(label=gettext_lazy("Guarantor"))
    borrower = OrganizationRefField(label=gettext_lazy("Borrower"))
    lender = OrganizationRefField(label=gettext_lazy("Lender"), required=False)
    pledge = PledgeRefField(label=gettext_lazy("Pledge"), required=False)
    positive_fields = ("amount",)
    date_range = ("start_date", "end_date")
    own_org_defaults = {"guarantor": (OrganizationKind.FINANCIAL,)}

    class Meta:
        model = Guarantee
        fields = [
            "guarantor",
            "borrower",
            "lender",
            "pledge",
            "amount",
            "fee_rate",
            "start_date",
            "end_date",
            "contract_number",
        ]
        widgets = {"start_date": DATE, "end_date": DATE}

    def clean(self):
        data = super().clean()
        rate = data.get("fee_rate")
        if rate is not None and not (0 <= rate <= 100):
            self.add_error("fee_rate", _("A rate between 0 and 100 (%)."))
        return data


# --- state changes -----------------------------------------------------------------------------


class ReleaseForm(forms.Form):
    release_date = forms.DateField(label=gettext_lazy("Release date"), widget=DATE)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000, widget=TEXT)


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000, widget=TEXT)


class ResolveForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("How it was handled"), max_length=2000, widget=TEXT)


FORMS = {
    FinancialProduct: FinancialProductForm,
    Valuation: ValuationForm,
    Pledge: PledgeForm,
    InsurancePolicy: InsurancePolicyForm,
    Guarantee: GuaranteeForm,
}

__all__ = [
    "FORMS",
    "FinancialProductForm",
    "GuaranteeForm",
    "InsurancePolicyForm",
    "NoteForm",
    "PledgeForm",
    "ReleaseForm",
    "ResolveForm",
    "ValuationForm",
]
