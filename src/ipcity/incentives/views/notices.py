"""Public notice pages (staff): list, preparation, detail with its applications and
objections, publishing, ending, objections recorded by staff and their resolution, and the
award list (xlsx) and notice (docx) downloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ipcity.core import menu, once
from ipcity.core.documents import DOCX_CONTENT_TYPE
from ipcity.core.scope import has_perm
from ipcity.core.views import generic

from .. import notices, stats
from ..choices import ApplicationStatus, NoticeStatus
from ..exports.awards import XLSX_CONTENT_TYPE, award_list_xlsx, notice_docx, with_items
from ..filters.notices import NoticeFilterSet
from ..forms.notices import NoticeForm, PublishForm, ResolveForm, StaffObjectionForm
from ..models import Objection, PublicNotice
from ..tables.notices import NoticeTable

TEMPLATES = "incentives/notices"
QUERYSET = PublicNotice.objects.select_related("program", "program__organizer", "published_by")


class NoticeListView(generic.ObjectListView):
    queryset = QUERYSET
    filterset_class = NoticeFilterSet
    table_class = NoticeTable

    def list_url(self) -> str:
        return reverse("incentives:notice_list")

    def add_url(self) -> str:
        return reverse("incentives:notice_add")


def _notice(request, pk) -> PublicNotice:
    return get_object_or_404(QUERYSET.restrict(request.user, "view"), pk=pk)


def _listed(notice):
    return with_items(notice.applications.all()).order_by("number", "pk")


class NoticeDetailView(generic.ObjectDetailView):
    queryset = QUERYSET
    template_name = f"{TEMPLATES}/notice_detail.html"

    def list_url(self) -> str:
        return reverse("incentives:notice_list")

    def extra_context(self, notice) -> dict:
        user = self.request.user
        manage = notices.may_manage(user, notice)
        objections = []
        if has_perm(user, Objection, "view"):
            objections = list(
                Objection.objects.restrict(user, "view")
                .filter(notice=notice)
                .select_related("application", "resolved_by")
                .order_by("received_on", "pk")
            )
        running = notice.status == NoticeStatus.PUBLISHED
        may_resolve = notices.may_resolve(user, notice)
        return {
            "listed": list(_listed(notice)),
            "objections": objections,
            "publish_form": PublishForm(notice=notice)
            if manage and notice.status == NoticeStatus.DRAFT
            else None,
            "may_end": manage and running,
            "objection_form": StaffObjectionForm(notice=notice)
            if running and notices.may_record_objection(user, notice)
            else None,
            "resolve_form": ResolveForm() if may_resolve else None,
            "may_download": stats.is_staff_reader(user),
            "period": notices.period_text(),
            "clock_source": notices.clock().source,
            "can_change": False,
            "can_delete": False,
        }


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


@login_required
@require_http_methods(["GET", "POST"])
def notice_add(request):
    if not has_perm(request.user, PublicNotice, "add"):
        raise PermissionDenied
    form = NoticeForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not once.claim(request):
            return once.repeat_response(request, fallback=reverse("incentives:notice_list"))
        if form.is_valid():
            try:
                notice = notices.create_notice(
                    request.user,
                    form.cleaned_data["program"],
                    title=form.cleaned_data["title"],
                    number=form.cleaned_data.get("number", ""),
                    text=form.cleaned_data.get("text", ""),
                    objection_contact=form.cleaned_data.get("objection_contact", ""),
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            except BaseException:
                once.release(request)
                raise
            else:
                once.done(request, notice.get_absolute_url())
                messages.success(
                    request, _("Notice prepared: choose its applications and publish it.")
                )
                return redirect(notice)
        once.release(request)
    return render(
        request,
        "core/object_form.html",
        {
            "form": form,
            "object": PublicNotice(),
            "is_new": True,
            "verbose_name": PublicNotice._meta.verbose_name,
            "verbose_name_plural": PublicNotice._meta.verbose_name_plural,
            "list_url": reverse("incentives:notice_list"),
            "cancel_url": reverse("incentives:notice_list"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def notice_publish(request, pk):
    notice = _notice(request, pk)
    if not notices.may_manage(request.user, notice):
        raise PermissionDenied
    form = PublishForm(request.POST, notice=notice)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(notice)
    try:
        notices.publish(request.user, notice, list(form.cleaned_data["applications"]))
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(
            request, _("Notice published until %(date)s.") % {"date": notice.ends_on.isoformat()}
        )
    return redirect(notice)


@login_required
@require_POST
def notice_end(request, pk):
    notice = _notice(request, pk)
    if not notices.may_manage(request.user, notice):
        raise PermissionDenied
    try:
        count = notices.end_notice(request.user, notice)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(request, _("Notice ended: %(n)d applications confirmed.") % {"n": count})
    return redirect(notice)


@login_required
@require_POST
def objection_add(request, pk):
    notice = _notice(request, pk)
    if not notices.may_record_objection(request.user, notice):
        raise PermissionDenied
    if not once.claim(request):
        return once.repeat_response(request, fallback=notice.get_absolute_url())
    form = StaffObjectionForm(request.POST, notice=notice)
    if form.is_valid():
        data = form.cleaned_data
        try:
            notices.lodge_objection(
                request.user,
                notice,
                data["application"],
                objector_name=data["objector_name"],
                objector_contact=data["objector_contact"],
                reason=data["reason"],
                received_on=data["received_on"],
            )
        except ValidationError as exc:
            once.release(request)
            messages.error(request, " ".join(_errors(exc)))
        else:
            once.done(request, notice.get_absolute_url())
            messages.success(request, _("Objection recorded."))
    else:
        once.release(request)
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(notice)


@login_required
@require_POST
def objection_resolve(request, pk):
    objection = get_object_or_404(
        Objection.objects.restrict(request.user, "view").select_related("notice"), pk=pk
    )
    if not notices.may_resolve(request.user, objection.notice):
        raise PermissionDenied
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            notices.resolve_objection(
                request.user,
                objection,
                form.cleaned_data["upheld"],
                form.cleaned_data["resolution"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
        else:
            messages.success(request, _("Objection decided."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(objection.notice)


@login_required
def notice_download(request, pk, fmt):
    notice = _notice(request, pk)
    # The documents hold credit codes and payment states: for the office and leaders, not for
    # every reader of the published notice.
    if not stats.is_staff_reader(request.user):
        raise PermissionDenied
    listed = list(_listed(notice).exclude(status=ApplicationStatus.REJECTED))
    stamp = notice.starts_on.isoformat() if notice.starts_on else "draft"
    if fmt == "docx":
        response = HttpResponse(notice_docx(notice, listed), content_type=DOCX_CONTENT_TYPE)
    elif fmt == "xlsx":
        response = HttpResponse(
            award_list_xlsx(notice.program, listed), content_type=XLSX_CONTENT_TYPE
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="notice-{notice.pk}-{stamp}.{fmt}"'
    return response


menu.register(
    "service",
    gettext_lazy("Public notices"),
    "incentives:notice_list",
    "incentives.view_publicnotice",
    order=73,
    icon="megaphone",
)

urlpatterns = [
    path("notices/", NoticeListView.as_view(), name="notice_list"),
    path("notices/add/", notice_add, name="notice_add"),
    path("notices/<int:pk>/", NoticeDetailView.as_view(), name="notice_detail"),
    path("notices/<int:pk>/publish/", notice_publish, name="notice_publish"),
    path("notices/<int:pk>/end/", notice_end, name="notice_end"),
    path("notices/<int:pk>/objections/", objection_add, name="objection_add"),
    path("objections/<int:pk>/resolve/", objection_resolve, name="objection_resolve"),
    path("notices/<int:pk>/download.<slug:fmt>", notice_download, name="notice_download"),
]
