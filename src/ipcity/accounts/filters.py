"""Filters for the user list. Choices come from what the requesting user may already see."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ipcity.core.filters import BooleanFilter
from ipcity.core.scope import has_perm
from ipcity.orgs.models import Organization

from .models import Role, RoleAssignment, User


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    organization = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.none(), label=_("Organization")
    )
    role = django_filters.ModelChoiceFilter(
        queryset=Role.objects.none(), label=_("Role"), method="with_role"
    )
    is_active = BooleanFilter(
        label=_("Status"),
        widget=forms.Select(
            choices=[("", _("All")), ("true", _("Active")), ("false", _("Deactivated"))]
        ),
    )

    class Meta:
        model = User
        fields = ["q", "organization", "role", "is_active"]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        # Offer only organizations and roles that occur among the users this person may see.
        visible = queryset if queryset is not None else User.objects.none()
        self.filters["organization"].queryset = Organization.objects.filter(
            pk__in=visible.values("organization")
        ).order_by("name")
        user = getattr(request, "user", None)
        if user is not None and has_perm(user, RoleAssignment, "view"):
            self.filters["role"].queryset = Role.objects.filter(
                pk__in=RoleAssignment.objects.restrict(user, "view").values("role")
            )
        else:
            # Who holds which role is the security administrator's business, not everyone's.
            del self.filters["role"]
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} {css}-sm"

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value)
            | Q(display_name__icontains=value)
            | Q(email__icontains=value)
            | Q(phone__icontains=value)
        )

    def with_role(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(role_assignments__role=value)
