"""Role management for the security administrator: roles as data and who holds them where.

The system administrator, who manages accounts, has no permission here: separation of duties.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ipcity.core.scope import has_perm

from .. import actions
from ..forms import RoleAssignmentForm, RoleForm
from ..models import Role, RoleAssignment, User
from ._common import apply_errors, paginate


def _get_role(request, pk, action="view"):
    role = get_object_or_404(Role.objects.restrict(request.user, "view"), pk=pk)
    if action != "view" and not Role.objects.restrict(request.user, action).filter(pk=pk).exists():
        raise PermissionDenied
    return role


@login_required
def role_list(request):
    if not has_perm(request.user, Role, "view"):
        raise PermissionDenied
    roles = (
        Role.objects.restrict(request.user, "view")
        .annotate(
            permission_count=Count("permissions", distinct=True),
            holder_count=Count("assignments", distinct=True),
        )
        .order_by("code")
    )
    return render(
        request,
        "accounts/role_list.html",
        {"page_obj": paginate(request, roles), "can_add": has_perm(request.user, Role, "add")},
    )


@login_required
def role_detail(request, pk):
    role = _get_role(request, pk)
    assignments = (
        RoleAssignment.objects.restrict(request.user, "view")
        .filter(role=role)
        .select_related("user__organization", "organization")
        .order_by("user__username")
    )
    return render(
        request,
        "accounts/role_detail.html",
        {
            "object": role,
            "permission_groups": RoleForm(instance=role).permission_groups(),
            "assignments": paginate(request, assignments),
            "can_change": Role.objects.restrict(request.user, "change").filter(pk=pk).exists(),
            "can_unassign": has_perm(request.user, RoleAssignment, "delete"),
        },
    )


@login_required
def role_create(request):
    if not has_perm(request.user, Role, "add"):
        raise PermissionDenied
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = actions.create_role(
                request.user, form.cleaned_data, form.cleaned_data["permissions"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Role %(role)s was created.") % {"role": role})
            return redirect("accounts:role_detail", pk=role.pk)
    return render(request, "accounts/role_form.html", {"form": form, "object": None})


@login_required
def role_edit(request, pk):
    role = _get_role(request, pk, "change")
    form = RoleForm(request.POST or None, instance=role)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_role(
                request.user, role, form.cleaned_data, form.cleaned_data["permissions"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Role %(role)s was saved.") % {"role": role})
            return redirect("accounts:role_detail", pk=role.pk)
    return render(request, "accounts/role_form.html", {"form": form, "object": role})


@login_required
def assignment_create(request, user_pk):
    user = get_object_or_404(
        User.objects.restrict(request.user, "view").select_related("organization"), pk=user_pk
    )
    if not has_perm(request.user, RoleAssignment, "add"):
        raise PermissionDenied
    form = RoleAssignmentForm(request.POST or None, actor=request.user, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment = actions.assign_role(
                request.user,
                user,
                data["role"],
                data["scope"] or data["role"].default_scope,
                data["organization"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(user)s now holds the role %(role)s.")
                % {"user": user, "role": assignment.role},
            )
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/assignment_form.html", {"form": form, "subject": user})


@login_required
@require_POST
def assignment_delete(request, pk):
    assignment = get_object_or_404(
        RoleAssignment.objects.restrict(request.user, "view").select_related("user", "role"),
        pk=pk,
    )
    try:
        actions.remove_assignment(request.user, assignment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The role %(role)s was taken from %(user)s.")
            % {"role": assignment.role, "user": assignment.user},
        )
    return redirect("accounts:user_detail", pk=assignment.user_id)


urlpatterns = [
    path("roles/", role_list, name="role_list"),
    path("roles/add/", role_create, name="role_create"),
    path("roles/<int:pk>/", role_detail, name="role_detail"),
    path("roles/<int:pk>/edit/", role_edit, name="role_edit"),
    path("users/<int:user_pk>/roles/add/", assignment_create, name="assignment_create"),
    path("assignments/<int:pk>/delete/", assignment_delete, name="assignment_delete"),
]
