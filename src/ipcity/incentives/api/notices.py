"""Public notices over HTTP: list (the page's filters), detail, staff-recorded objections."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm

from .. import notices
from ..filters.notices import NoticeFilterSet
from ..models import Application, PublicNotice
from ..schemas.notices import (
    NoticePage,
    ObjectionIn,
    ObjectionOut,
    PublicNoticeFilters,
    PublicNoticeOut,
)

router = Router(tags=["incentives"])


def _notices(user):
    return PublicNotice.objects.restrict(user, "view").prefetch_related(
        Prefetch(
            "applications",
            queryset=Application.objects.select_related("applicant").order_by("number", "pk"),
            to_attr="listed",
        )
    )


@router.get(
    "/notices/",
    response=_responses(200, NoticePage),
    summary="List public notices",
    operation_id="incentives_notice_list",
)
def notice_list(request, filters: Query[PublicNoticeFilters]):
    if not has_perm(request.auth, PublicNotice, "view"):
        raise PermissionDenied
    queryset = apply_filterset(NoticeFilterSet, filters, _notices(request.auth), request.auth)
    return paginate(queryset.order_by("-starts_on", "-pk"), filters.limit, filters.offset)


@router.get(
    "/notices/{int:notice_id}/",
    response=_responses(200, PublicNoticeOut),
    summary="Get a public notice",
    operation_id="incentives_notice_detail",
)
def notice_detail(request, notice_id: ObjectId):
    return get_object_or_404(_notices(request.auth), pk=notice_id)


@router.post(
    "/notices/{int:notice_id}/objections/",
    response=_responses(201, ObjectionOut),
    summary="Record an objection",
    description="Staff record an objection received by letter or phone while the notice runs.",
    operation_id="incentives_objection_create",
)
def objection_create(request, notice_id: ObjectId, payload: ObjectionIn):
    user = request.auth
    notice = get_object_or_404(PublicNotice.objects.restrict(user, "view"), pk=notice_id)
    application = get_object_or_404(notice.applications.all(), pk=payload.application)
    objection = notices.lodge_objection(
        user,
        notice,
        application,
        objector_name=payload.objector_name,
        objector_contact=payload.objector_contact,
        reason=payload.reason,
        received_on=payload.received_on,
    )
    return Status(201, objection)
