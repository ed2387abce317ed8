"""Review pages: the queue of applications waiting for a stage the user may take, and the
decision posted from the panel on the application page (`review/_panel.html`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ipcity.core import menu, once
from ipcity.core.views import generic

from .. import review
from ..choices import ReviewStage
from ..filters.review import ReviewQueueFilterSet
from ..forms.review import ReviewForm
from ..models import Application, Review
from ..tables.review import ReviewQueueTable

QUERYSET = Application.objects.select_related("program", "applicant")


def queue(user):
    """Applications waiting for a stage the user may take, leaving out those where the user
    decided another stage (four-eyes)."""
    q = Q(pk__in=[])
    for stage in review.review_stages(user):
        reach = review.organizer_q(user, review.PERMS[stage])
        if reach is None:
            continue
        others = Review.objects.filter(reviewer=user).exclude(stage=stage).values("application")
        q |= reach & Q(status=review.WAITING[stage]) & ~Q(pk__in=others)
    return QUERYSET.filter(q).order_by("submitted_at", "pk")


class ReviewQueueView(generic.ObjectListView):
    queryset = QUERYSET
    filterset_class = ReviewQueueFilterSet
    table_class = ReviewQueueTable

    def get(self, request, *args, **kwargs):
        if not review.review_stages(request.user):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def restricted(self, action: str):
        return queue(self.request.user)

    def list_url(self) -> str:
        return reverse("incentives:review_queue")

    def add_url(self) -> str:
        return ""

    def base_context(self) -> dict:
        context = super().base_context()
        context["verbose_name_plural"] = _("Review queue")
        return context

    def extra_context(self) -> dict:
        return {"can_add": False}


@login_required
@require_http_methods(["GET", "POST"])
def review_decide(request, pk):
    """The stage's form: posted from the panel; shown on its own again when it has errors."""
    application = get_object_or_404(
        QUERYSET.restrict(request.user, "view") | QUERYSET.filter(pk__in=_reachable(request.user)),
        pk=pk,
    )
    stage = review.STAGE_OF.get(application.status)
    if (
        stage is None
        or not review.organized_by(request.user, review.PERMS[stage])
        .filter(pk=application.pk)
        .exists()
    ):
        raise PermissionDenied
    items = list(application.items.select_related("rule").order_by("pk"))
    if request.method == "POST" and not once.claim(request):
        return once.repeat_response(request, fallback=application.get_absolute_url())
    if request.method == "POST":
        form = ReviewForm(request.POST, items=items, stage=stage)
        posted_stage = request.POST.get("stage") or stage
        if posted_stage != stage:
            once.release(request)
            messages.error(request, _("The application has moved on to another stage meanwhile."))
            return redirect(application.get_absolute_url())
        if form.is_valid():
            try:
                review.decide(
                    request.user,
                    application,
                    stage,
                    form.cleaned_data["decision"],
                    form.cleaned_data.get("comment", ""),
                    amount=form.amounts(),
                )
            except ValidationError as exc:
                _errors_into(form, exc)
            except BaseException:
                once.release(request)
                raise
            else:
                messages.success(request, _("Decision recorded."))
                target = application.get_absolute_url()
                once.done(request, target)
                return redirect(target)
        once.release(request)
    else:
        form = ReviewForm(items=items, stage=stage)
    return render(
        request,
        "incentives/review/decide.html",
        {
            "form": form,
            "object": application,
            "stage_label": ReviewStage(stage).label,
            **review.panel_context(request.user, application),
            "review_form": None,
        },
        status=400 if request.method == "POST" else 200,
    )


def _reachable(user):
    """Applications of programmes the user reviews at some stage (they may read those)."""
    q = Q(pk__in=[])
    for stage in review.review_stages(user):
        reach = review.organizer_q(user, review.PERMS[stage])
        if reach is not None:
            q |= reach
    return Application.objects.filter(q).values("pk")


def _errors_into(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


menu.register(
    "service",
    gettext_lazy("Review"),
    "incentives:review_queue",
    "incentives.review_first_application",
    order=72,
    icon="clipboard-check",
)

urlpatterns = [
    path("review/", ReviewQueueView.as_view(), name="review_queue"),
    path("applications/<int:pk>/review/", review_decide, name="review_decide"),
]
