"""A filterset's form uses the fields its own filters made for it, without copying them
(core.filters._OwnFields); whatever is shared between requests is still copied."""

import django_filters
import pytest
from django import forms

from ipcity.orgs.models import Organization

pytestmark = pytest.mark.django_db


class BaseForm(forms.Form):
    shared = forms.CharField(required=False)  # declared on the form class: shared


class OrgFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(choices=[("enterprise", "Enterprise")])

    class Meta:
        model = Organization
        fields = ["name", "kind"]
        form = BaseForm


def test_the_first_form_takes_the_filters_fields_and_copies_the_shared_ones():
    filterset = OrgFilter({"name": "甲"}, queryset=Organization.objects.all())
    form = filterset.form
    assert form.fields["name"] is filterset.filters["name"].field
    assert form.fields["kind"] is filterset.filters["kind"].field
    assert form.fields["shared"] is not BaseForm.base_fields["shared"]
    assert form.is_valid() and form.cleaned_data["name"] == "甲"
    # A second form of the same filterset copies, as Django does.
    second = filterset.get_form_class()()
    assert second.fields["name"] is not form.fields["name"]


def test_two_filtersets_share_no_field_and_a_change_to_one_stays_there():
    one = OrgFilter({}, queryset=Organization.objects.all())
    two = OrgFilter({}, queryset=Organization.objects.all())
    one.form.fields["name"].widget.attrs["placeholder"] = "one only"
    assert one.form.fields["name"] is not two.form.fields["name"]
    assert "placeholder" not in two.form.fields["name"].widget.attrs
    assert (
        "placeholder"
        not in OrgFilter({}, queryset=Organization.objects.all()).form.fields["name"].widget.attrs
    )
