"""User management for the system administrator: list, create, edit, (de)activate, reset password.

Roles are not changed here: that is the security administrator's duty (see views/roles.py).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ipcity.core.scope import has_perm

from .. import actions
from ..filters import UserFilterSet
from ..forms import PasswordResetByAdminForm, UserCreateForm, UserForm
from ..models import RoleAssignment, User
from ._common import apply_errors, paginate, sort_order

USER_SORTS = {
    "username": "username",
    "display_name": "display_name",
    "organization": "organization__name",
    "last_login": "last_login",
}


def _visible_assignments(request):
    return RoleAssignment.objects.restrict(request.user, "view").select_related(
        "role", "organization"
    )


def _get_user(request, pk, action="view"):
    """404 when the account is out of sight; 403 when it is seen but may not be `action`ed."""
    user = get_object_or_404(
        User.objects.restrict(request.user, "view").select_related("organization"), pk=pk
    )
    if action != "view" and not User.objects.restrict(request.user, action).filter(pk=pk).exists():
        raise PermissionDenied
    return user


@login_required
def user_list(request):
    if not has_perm(request.user, User, "view"):
        raise PermissionDenied
    users = User.objects.restrict(request.user, "view")
    filterset = UserFilterSet(request.GET or None, queryset=users, request=request)
    sort, order_by = sort_order(request, USER_SORTS, "username")
    queryset = (
        filterset.qs.select_related("organization")
        .prefetch_related(Prefetch("role_assignments", queryset=_visible_assignments(request)))
        .order_by(order_by, "pk")
    )
    return render(
        request,
        "accounts/user_list.html",
        {
            "filter": filterset,
            "page_obj": paginate(request, queryset),
            "sort": sort,
            "can_add": has_perm(request.user, User, "add"),
        },
    )


@login_required
def user_detail(request, pk):
    user = _get_user(request, pk)
    can_change = User.objects.restrict(request.user, "change").filter(pk=pk).exists()
    return render(
        request,
        "accounts/user_detail.html",
        {
            "object": user,
            "assignments": _visible_assignments(request).filter(user=user).order_by("role__code"),
            "can_see_assignments": has_perm(request.user, RoleAssignment, "view"),
            "can_change": can_change,
            "can_assign": has_perm(request.user, RoleAssignment, "add")
            and user.pk != request.user.pk,
            "can_unassign": has_perm(request.user, RoleAssignment, "delete")
            and user.pk != request.user.pk,
        },
    )


@login_required
def user_create(request):
    if not has_perm(request.user, User, "add"):
        raise PermissionDenied
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.create_user(
                request.user, form.cleaned_data, form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("User %(user)s was created.") % {"user": user})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "object": None})


@login_required
def user_edit(request, pk):
    user = _get_user(request, pk, "change")
    form = UserForm(request.POST or None, instance=user, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_user(request.user, user, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("User %(user)s was saved.") % {"user": user})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "object": user})


@login_required
@require_POST
def user_set_active(request, pk):
    user = _get_user(request, pk, "change")
    active = request.POST.get("active") == "1"
    try:
        actions.set_user_active(request.user, user, active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if active:
            messages.success(request, _("User %(user)s was activated.") % {"user": user})
        else:
            messages.success(request, _("User %(user)s was deactivated.") % {"user": user})
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
def user_password_reset(request, pk):
    user = _get_user(request, pk, "change")
    form = PasswordResetByAdminForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.reset_password(request.user, user, form.cleaned_data["new_password1"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("A new password was set for %(user)s.") % {"user": user})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_password_reset.html", {"form": form, "object": user})


urlpatterns = [
    path("users/", user_list, name="user_list"),
    path("users/add/", user_create, name="user_create"),
    path("users/<int:pk>/", user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", user_edit, name="user_edit"),
    path("users/<int:pk>/active/", user_set_active, name="user_set_active"),
    path("users/<int:pk>/password/", user_password_reset, name="user_password_reset"),
]
