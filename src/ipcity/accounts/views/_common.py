"""Small helpers shared by the account pages."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator


def apply_errors(form, exc: ValidationError) -> None:
    """Show an action's refusal on the form: field errors by field, the rest at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def paginate(request, queryset):
    return Paginator(queryset, settings.IPCITY_PAGE_SIZE).get_page(request.GET.get("page"))


def sort_order(request, allowed: dict[str, str], default: str) -> tuple[str, str]:
    """The `sort` parameter mapped to an ORDER BY field; unknown keys fall back to the default."""
    key = request.GET.get("sort", default)
    bare = key.lstrip("-")
    if bare not in allowed:
        key, bare = default, default.lstrip("-")
    return key, ("-" if key.startswith("-") else "") + allowed[bare]
