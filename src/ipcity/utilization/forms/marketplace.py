"""Marketplace forms. The listing forms are also the validators behind `listings.create_listing`
and `update_listing`, so the pages, the API and the import share one set of rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ipcity.orgs.models import Organization

from ..choices import ListingStatus, TransactionKind
from ..deals import ASSIGNMENT_TERM_MESSAGE
from ..listings import (
    acts_for_any,
    allowed_kinds,
    check_held,
    may_override_holders,
    owner_is_locked,
    resolve_patents,
    split_numbers,
)
from ..matching import normalize_ipc_codes
from ..models import ContactRequest, DemandListing, SupplyListing, Transaction

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 4})
SHORT_TEXT = forms.Textarea(attrs={"rows": 2})
# The listings' money fields (10k yuan): never negative, in the pages, the API and the import,
# which all validate through these forms.
MONEY_FIELDS = ("asking_price", "budget")
IPC_HELP = _("Separated by spaces, commas or ';', e.g. G06F16/00; G06N3/08.")


def _any_holder_field():
    """The office's explicit override of the registry's holders (never offered to others)."""
    return forms.BooleanField(
        label=_("Accept patents the registry does not show the owner holding"),
        required=False,
        help_text=_(
            "Only when the registry is behind (a recorded transfer not yet entered); the "
            "patents are otherwise checked against the owner."
        ),
    )


class _ListingForm(forms.ModelForm):
    """Owner: a district-wide user (the office) picks it; everyone else lists for their own
    organization. Once the listing was published or has requests or transactions its owner
    is fixed. Kinds are checkboxes of the transaction kinds; IPC codes are normalized."""

    kinds = forms.MultipleChoiceField(
        choices=TransactionKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    owner = forms.ModelChoiceField(queryset=Organization.objects.none(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        model = self._meta.model
        self.fields["kinds"].label = capfirst(model._meta.get_field("kinds").verbose_name)
        self.fields["owner"].label = capfirst(model._meta.get_field("owner").verbose_name)
        self.office = user is not None and acts_for_any(
            user, model, "change" if self.instance.pk else "add"
        )
        self.fields["ipc_codes"].help_text = IPC_HELP
        for name in MONEY_FIELDS:
            if name in self.fields:
                self.fields[name].widget.attrs["min"] = 0
        self.owner_locked = owner_is_locked(self.instance)
        if self.office:
            self.fields["owner"].queryset = Organization.objects.only("id", "name").order_by("name")
            self.fields["owner"].required = True
            if not self.instance.pk and user.organization_id:
                self.initial.setdefault("owner", user.organization_id)
            if self.owner_locked:
                self.fields["owner"].help_text = _(
                    "Fixed: the listing was published or has requests or transactions."
                )
        else:
            del self.fields["owner"]

    @classmethod
    def initial_data(cls, listing) -> dict:
        """The listing's current values as form data, so a partial update keeps the rest."""
        data = {}
        for name in cls._meta.fields:
            value = getattr(listing, name)
            data[name] = "" if value is None else value
        data["owner"] = listing.owner_id
        return data

    def clean_ipc_codes(self):
        stored, bad = normalize_ipc_codes(self.cleaned_data.get("ipc_codes") or "")
        if bad:
            raise forms.ValidationError(
                _(
                    "Not IPC codes: %(list)s (write e.g. G06F16/00; separate with spaces, "
                    "commas or ';')."
                )
                % {"list": "、".join(bad[:5])}
            )
        return stored

    def clean_kinds(self):
        chosen = set(self.cleaned_data.get("kinds") or [])
        return [k for k in TransactionKind.values if k in chosen]

    def owner_of(self):
        """The organization the listing belongs to (None with an error added)."""
        if self.office:
            owner = self.cleaned_data.get("owner")
            if self.owner_locked and owner is not None and owner.pk != self.instance.owner_id:
                self.add_error(
                    "owner",
                    _(
                        "The owner cannot change once the listing was published or has "
                        "contact requests or transactions."
                    ),
                )
                return None
            return owner
        if self.instance.pk:
            return self.instance.owner
        owner = getattr(self.user, "organization", None)
        if owner is None:
            self.add_error(None, _("Your account is not linked to an organization."))
        return owner

    def clean(self):
        cleaned = super().clean()
        for name in MONEY_FIELDS:
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("The amount cannot be negative."))
        owner = self.owner_of()
        if owner is not None:
            self.instance.owner = owner
        return cleaned


class SupplyListingForm(_ListingForm):
    patents = forms.CharField(
        label=_("Patents (application numbers)"),
        required=False,
        widget=SHORT_TEXT,
        help_text=_(
            "Application numbers of the offered patents, separated by spaces, ';' or new lines. "
            "Only patents your organization holds."
        ),
    )

    class Meta:
        model = SupplyListing
        fields = [
            "owner",
            "title",
            "patents",
            "kinds",
            "ipc_codes",
            "keywords",
            "asking_price",
            "description",
        ]
        widgets = {"description": TEXT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.office:
            self.fields["any_holder"] = _any_holder_field()
            self.order_fields(["owner", "title", "patents", "any_holder"])
        if not self.is_bound:
            numbers = (
                self.instance.patents.values_list("application_number", flat=True)
                if self.instance.pk
                else []
            )
            self.initial["patents"] = "\n".join(numbers)

    @classmethod
    def initial_data(cls, listing) -> dict:
        data = super().initial_data(listing)
        data["patents"] = " ".join(listing.patents.values_list("application_number", flat=True))
        return data

    def clean(self):
        """`patents` arrives as a text of numbers and leaves as the registry's patents, each
        held by the chosen owner (the office too, unless it ticks the override).
        listings.save_listing sets them."""
        cleaned = super().clean()
        if "patents" in cleaned and not self.has_error("owner"):
            owner = self.instance.owner if self.instance.owner_id else None
            override = bool(cleaned.get("any_holder")) and may_override_holders(self.user)
            try:
                cleaned["patents"] = resolve_patents(cleaned["patents"], owner, override)
            except forms.ValidationError as exc:
                self.add_error("patents", exc.message_dict["patents"])
                cleaned.pop("patents", None)
        return cleaned


class DemandListingForm(_ListingForm):
    class Meta:
        model = DemandListing
        fields = [
            "owner",
            "title",
            "kinds",
            "ipc_codes",
            "keywords",
            "budget",
            "description",
        ]
        widgets = {"description": TEXT}


class ContactForm(forms.Form):
    """A message to the owner of a listing, optionally with one of the sender's own published
    listings of the other kind attached."""

    message = forms.CharField(
        label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    about = forms.ModelChoiceField(
        queryset=SupplyListing.objects.none(), required=False, label=_("About my listing")
    )

    def __init__(self, *args, listing=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        own_model = DemandListing if isinstance(listing, SupplyListing) else SupplyListing
        org_id = getattr(user, "organization_id", None)
        self.fields["about"].queryset = (
            own_model.objects.filter(owner_id=org_id, status=ListingStatus.PUBLISHED).order_by(
                "-pk"
            )
            if org_id
            else own_model.objects.none()
        )
        self.fields["about"].help_text = (
            _("The need this offer would answer.")
            if own_model is DemandListing
            else _("The offer that answers this need.")
        )
        if not self.is_bound and not self.fields["about"].queryset.exists():
            del self.fields["about"]


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


CONCLUDE_ORDER = (
    "kind",
    "amount",
    "contract_date",
    "registration_number",
    "registration_date",
    "start_date",
    "end_date",
    "patents",
    "any_holder",
)


class ConcludeForm(forms.Form):
    """The transaction a contact request led to; the rights are prefilled from the offer, the
    kind is one both listings accept."""

    kind = forms.ChoiceField(label=_("Kind"), choices=TransactionKind.choices)
    amount = forms.DecimalField(
        label=_("Amount (10k yuan)"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    contract_date = forms.DateField(label=_("Contract date"), widget=DATE)
    start_date = forms.DateField(label=_("Licence from"), widget=DATE, required=False)
    end_date = forms.DateField(label=_("Licence until"), widget=DATE, required=False)
    patents = forms.CharField(
        label=_("Patents (application numbers)"),
        required=False,
        widget=SHORT_TEXT,
        help_text=_(
            "The offer's patents; remove those the deal does not cover. Each must be held by "
            "the assignor or licensor."
        ),
    )
    registration_number = forms.CharField(
        label=_("Registration or filing number"), max_length=100, required=False
    )
    registration_date = forms.DateField(
        label=_("Registration date"),
        widget=DATE,
        required=False,
        help_text=_("When the registry recorded it; the transaction counts for its year."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=SHORT_TEXT)

    def __init__(self, *args, contact: ContactRequest, user=None, assignor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(CONCLUDE_ORDER)
        self.contact = contact
        self.user = user
        self.assignor = assignor
        kinds = allowed_kinds(contact)
        labels = dict(TransactionKind.choices)
        self.fields["kind"].choices = [(k, labels[k]) for k in kinds]
        if not kinds:
            self.fields["kind"].help_text = _(
                "The offer and the need accept no kind in common; change one of them first."
            )
        if kinds:
            self.initial.setdefault("kind", kinds[0])
        self.initial.setdefault("contract_date", timezone.localdate())
        offer = contact.supply_listing
        if offer is not None:
            self.initial.setdefault(
                "patents",
                "\n".join(offer.patents.values_list("application_number", flat=True)),
            )
        if user is not None and may_override_holders(user) and acts_for_any(user, Transaction):
            self.fields["any_holder"] = _any_holder_field()
            self.order_fields(CONCLUDE_ORDER)

    def clean_patents(self):
        numbers = split_numbers(self.cleaned_data.get("patents") or "")
        try:
            return resolve_patents(numbers, None, any_holder=True)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["patents"]) from None

    def clean(self):
        """Every patent must be held by the assignor now (listings.conclude checks again),
        unless the office overrides."""
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if cleaned.get("kind") == TransactionKind.ASSIGNMENT:
            for name in ("start_date", "end_date"):
                if cleaned.get(name):
                    self.add_error(name, str(ASSIGNMENT_TERM_MESSAGE))
            start = end = None
        if start and end and end < start:
            self.add_error("end_date", _("The licence cannot end before it starts."))
        patents = cleaned.get("patents")
        if patents and not cleaned.get("any_holder"):
            try:
                check_held(self.assignor, patents)
            except forms.ValidationError as exc:
                self.add_error("patents", exc.message_dict["patents"])
        return cleaned
