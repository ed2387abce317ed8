"""The API's lists filter through the same FilterSets as the pages."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.http import QueryDict

PAGE_FIELDS = ("limit", "offset")


def filter_data(filters) -> QueryDict:
    """Validated query parameters (a ninja schema) in the form a FilterSet reads from a page."""
    data = QueryDict(mutable=True)
    for name, value in filters.dict(exclude_none=True).items():
        if name in PAGE_FIELDS:
            continue
        if isinstance(value, list):
            data.setlist(name, [str(getattr(v, "value", v)) for v in value])
        elif isinstance(value, bool):
            data[name] = "true" if value else "false"
        else:
            data[name] = str(getattr(value, "value", value))
    return data


def apply_filterset(filterset_class, filters, queryset, user):
    """Filter `queryset` as the page would for `user`.

    The FilterSet gets a request-like object carrying the caller, so its choice lists are
    narrowed to the caller's scope too: a filter value cannot reveal whether an out-of-scope
    record exists (both answer 422).
    """
    filterset = filterset_class(
        data=filter_data(filters), queryset=queryset, request=SimpleNamespace(user=user)
    )
    if not filterset.is_valid():
        raise ValidationError({field: list(errors) for field, errors in filterset.errors.items()})
    return filterset.qs
