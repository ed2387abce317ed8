"""Notice pages (政策通知): the staff list, detail (with publish and unpublish), add, edit,
delete and history.

Rows come through `restrict`: a notice outside the user's view scope is a 404 (a draft of
another publisher), one they see but may not change (a published notice of another publisher)
a 403. Changes go through `services.notices`, so the pages, the API and the demo share the
rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ipcity.core import menu, once
from ipcity.core.scope import has_perm
from ipcity.core.views import generic

from .. import notices
from ..filters.notices import NoticeFilterSet
from ..forms.notices import NoticeForm, PublishForm
from ..models import Notice
from ..tables.notices import NoticeTable, state_badge

TEMPLATES = "services/notices"
QUERYSET = Notice.objects.select_related("publisher")

menu.register(
    "service",
    gettext_lazy("Policies and notices"),
    "services:notice_list",
    "services.view_notice",
    order=80,
    icon="megaphone",
)


class NoticeListView(generic.ObjectListView):
    queryset = QUERYSET
    filterset_class = NoticeFilterSet
    table_class = NoticeTable


class NoticeDetailView(generic.ObjectDetailView):
    queryset = QUERYSET
    template_name = f"{TEMPLATES}/notice_detail.html"

    def extra_context(self, notice) -> dict:
        can_change = notices.can_change(self.request.user, notice)
        state = notices.state(notice)
        return {
            "state": state,
            "state_badge": state_badge(notice),
            "can_publish": can_change,
            "publish_form": PublishForm() if can_change else None,
            "public_url": reverse("public:notice_detail", args=[notice.pk])
            if state == "published"
            else "",
        }


class NoticeHistoryView(generic.ObjectHistoryView):
    queryset = QUERYSET


class NoticeDeleteView(generic.ObjectDeleteView):
    queryset = QUERYSET


class NoticeEditView(generic.ObjectEditView):
    queryset = QUERYSET
    form_class = NoticeForm
    template_name = f"{TEMPLATES}/notice_form.html"

    def get_form_kwargs(self) -> dict:
        return {"user": self.request.user}

    def save(self, form):
        return notices.update(self.request.user, form.instance, **form.values())


def _errors_into(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def notice_add(request):
    """A new draft; submits once (a double click records one notice)."""
    user = request.user
    if not has_perm(user, Notice, "add"):
        raise PermissionDenied
    list_url = reverse("services:notice_list")
    if request.method == "POST":
        if not once.claim(request):
            return once.repeat_response(request, fallback=list_url)
        form = NoticeForm(request.POST, user=user)
        if form.is_valid():
            try:
                notice = notices.create(user, **form.values())
            except ValidationError as exc:
                _errors_into(form, exc)
            except BaseException:
                once.release(request)
                raise
            else:
                once.done(request, notice.get_absolute_url())
                messages.success(
                    request, _("Notice “%(title)s” saved as a draft.") % {"title": notice}
                )
                return redirect(notice)
        once.release(request)
        messages.error(request, _("Please correct the errors below."))
        status = 400
    else:
        form = NoticeForm(user=user)
        status = 200
    return render(
        request,
        f"{TEMPLATES}/notice_form.html",
        {
            "form": form,
            "object": Notice(),
            "is_new": True,
            "model": Notice,
            "verbose_name": Notice._meta.verbose_name,
            "verbose_name_plural": Notice._meta.verbose_name_plural,
            "list_url": list_url,
            "cancel_url": list_url,
        },
        status=status,
    )


def _notice(request, pk) -> Notice:
    return get_object_or_404(QUERYSET.restrict(request.user, "view"), pk=pk)


@login_required
@require_POST
def notice_publish(request, pk):
    notice = _notice(request, pk)
    if not notices.can_change(request.user, notice):
        raise PermissionDenied
    form = PublishForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(notice)
    try:
        notice = notices.publish(request.user, notice, form.cleaned_data["published_on"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(notice)
    if notices.state(notice) == "scheduled":
        messages.success(
            request,
            _("The notice will be public from %(day)s.") % {"day": notice.published_on},
        )
    else:
        messages.success(request, _("The notice is published."))
    return redirect(notice)


@login_required
@require_POST
def notice_unpublish(request, pk):
    notice = _notice(request, pk)
    if not notices.can_change(request.user, notice):
        raise PermissionDenied
    try:
        notices.unpublish(request.user, notice)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The notice is a draft again and left the public pages."))
    return redirect(notice)


urlpatterns = [
    path("notices/", NoticeListView.as_view(), name="notice_list"),
    path("notices/add/", notice_add, name="notice_add"),
    path("notices/<int:pk>/", NoticeDetailView.as_view(), name="notice_detail"),
    path("notices/<int:pk>/edit/", NoticeEditView.as_view(), name="notice_edit"),
    path("notices/<int:pk>/delete/", NoticeDeleteView.as_view(), name="notice_delete"),
    path("notices/<int:pk>/history/", NoticeHistoryView.as_view(), name="notice_history"),
    path("notices/<int:pk>/publish/", notice_publish, name="notice_publish"),
    path("notices/<int:pk>/unpublish/", notice_unpublish, name="notice_unpublish"),
]
