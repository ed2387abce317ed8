"""The signed-in user's notifications: the list behind the bell, opening one, marking all read.

A notification belongs to one user and is reached only through `request.user`'s own rows, so
somebody else's notification answers 404 like any object out of scope.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..models import Notification


def _own(request):
    return Notification.objects.filter(user=request.user)


def is_internal_link(link: str) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not link or not link.startswith("/") or link.startswith(("//", "/\\")):
        return False
    return url_has_allowed_host_and_scheme(link, allowed_hosts=set())


@login_required
def notification_list(request):
    notifications = _own(request)
    if request.GET.get("unread") == "1":
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, settings.IPCITY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notifications.html",
        {
            "page_obj": page,
            "unread_only": request.GET.get("unread") == "1",
            "has_unread": _own(request).filter(read_at__isnull=True).exists(),
        },
    )


@login_required
def notification_read(request, pk):
    """Opening a notification marks it read and goes where it points (inside this site only)."""
    note = get_object_or_404(_own(request), pk=pk)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    if is_internal_link(note.link):
        return redirect(note.link)
    return redirect("core:notifications")


@login_required
@require_POST
def notifications_read_all(request):
    count = _own(request).filter(read_at__isnull=True).update(read_at=timezone.now())
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("core:notifications")


urlpatterns = [
    path("notifications/", notification_list, name="notifications"),
    path("notifications/<int:pk>/", notification_read, name="notification_read"),
    path("notifications/read-all/", notifications_read_all, name="notifications_read_all"),
]
