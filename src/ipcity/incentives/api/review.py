"""The review over HTTP: the reviews of an application, and a stage's decision."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Router

from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm

from .. import review
from ..models import Application, Review
from ..schemas.review import ReviewDecideIn, ReviewOut

router = Router(tags=["incentives"])


@router.get(
    "/applications/{int:application_id}/reviews/",
    response=_responses(200, list[ReviewOut]),
    summary="Reviews of an application",
    operation_id="incentives_review_list",
)
def review_list(request, application_id: ObjectId):
    user = request.auth
    application = get_object_or_404(Application.objects.restrict(user, "view"), pk=application_id)
    if not has_perm(user, Review, "view"):
        raise PermissionDenied
    return list(application.reviews.select_related("reviewer").order_by("at", "pk"))


@router.post(
    "/applications/{int:application_id}/decide/",
    response=_responses(200, ReviewOut),
    summary="Decide a review stage",
    description="Stages in order: first, second, approval. `return` and `reject` need a comment; "
    "the same person never decides two stages of one application. Approval re-checks "
    "eligibility, writes the reward ledger and reserves the budget, or refuses (422).",
    operation_id="incentives_review_decide",
)
def review_decide(request, application_id: ObjectId, payload: ReviewDecideIn):
    user = request.auth
    application = get_object_or_404(Application.objects.restrict(user, "view"), pk=application_id)
    amount = payload.item_amounts if payload.item_amounts else payload.amount
    return review.decide(
        user, application, payload.stage, payload.decision, payload.comment, amount=amount
    )
