"""Notices over HTTP: list (the page's filters), detail, create, update, publish, unpublish.

Reads go through `restrict(user, "view")` (404 outside the caller's scope: another publisher's
draft); writes go through `services.notices`, which answers 403 for what the caller may not
change."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ipcity.core.api import paginate
from ipcity.core.api.filtering import apply_filterset
from ipcity.core.api.params import ObjectId
from ipcity.core.api.params import responses as _responses
from ipcity.core.scope import has_perm
from ipcity.orgs.models import Organization

from .. import notices
from ..filters.notices import NoticeFilterSet
from ..models import Notice
from ..schemas.notices import (
    NoticePage,
    NoticeUpdate,
    PublishIn,
    ServiceNoticeFilters,
    ServiceNoticeIn,
    ServiceNoticeOut,
)

router = Router(tags=["services"])


def _one(user, pk) -> Notice:
    return get_object_or_404(notices.visible(user), pk=pk)


def _publisher(pk) -> Organization:
    org = Organization.objects.filter(pk=pk).first()
    if org is None:
        raise ValidationError({"publisher": [_("No organization with this id.")]})
    return org


@router.get(
    "/notices/",
    response=_responses(200, NoticePage),
    summary="List policies and notices",
    description="Filters as on the notice list page: q, kind, publisher, state (draft, "
    "scheduled, published), published_after, published_before.",
    operation_id="services_notice_list",
)
def notice_list(request, filters: Query[ServiceNoticeFilters]):
    if not has_perm(request.auth, Notice, "view"):
        raise PermissionDenied
    queryset = apply_filterset(
        NoticeFilterSet, filters, notices.visible(request.auth), request.auth
    )
    return paginate(
        queryset.order_by("-pinned", "-published_on", "-pk"), filters.limit, filters.offset
    )


@router.get(
    "/notices/{int:notice_id}/",
    response=_responses(200, ServiceNoticeOut),
    summary="Get a notice",
    operation_id="services_notice_detail",
)
def notice_detail(request, notice_id: ObjectId):
    return _one(request.auth, notice_id)


@router.post(
    "/notices/",
    response=_responses(201, ServiceNoticeOut),
    summary="Add a notice",
    description="A draft unless `published_on` is given (a later day schedules it).",
    operation_id="services_notice_create",
)
def notice_create(request, payload: ServiceNoticeIn):
    user = request.auth
    if not has_perm(user, Notice, "add"):
        raise PermissionDenied(_("You may not add notices."))
    values = payload.dict()
    values["publisher"] = _publisher(values["publisher"])
    notice = notices.create(user, **values)
    return Status(201, _one(user, notice.pk))


@router.patch(
    "/notices/{int:notice_id}/",
    response=_responses(200, ServiceNoticeOut),
    summary="Change a notice",
    operation_id="services_notice_update",
)
def notice_update(request, notice_id: ObjectId, payload: NoticeUpdate):
    user = request.auth
    notice = _one(user, notice_id)
    values = payload.dict(exclude_unset=True, exclude_none=True)
    if "publisher" in values:
        values["publisher"] = _publisher(values["publisher"])
    notices.update(user, notice, **values)
    return _one(user, notice_id)


@router.post(
    "/notices/{int:notice_id}/publish/",
    response=_responses(200, ServiceNoticeOut),
    summary="Publish or schedule a notice",
    operation_id="services_notice_publish",
)
def notice_publish(request, notice_id: ObjectId, payload: PublishIn):
    user = request.auth
    notices.publish(user, _one(user, notice_id), payload.published_on)
    return _one(user, notice_id)


@router.post(
    "/notices/{int:notice_id}/unpublish/",
    response=_responses(200, ServiceNoticeOut),
    summary="Take a notice back to a draft",
    operation_id="services_notice_unpublish",
)
def notice_unpublish(request, notice_id: ObjectId):
    user = request.auth
    notices.unpublish(user, _one(user, notice_id))
    return _one(user, notice_id)
