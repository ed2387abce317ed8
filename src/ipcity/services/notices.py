"""Policies and notices (政策通知): actions shared by the pages, the API and the demo.

    notice = create(alice, title=..., kind=NoticeKind.POLICY, publisher=office, body=...)
    update(alice, notice, title=...)
    publish(alice, notice)                       # today
    publish(alice, notice, on=date(2026, 4, 20)) # scheduled: public from that day
    unpublish(alice, notice)                     # back to a draft

Who publishes: holders of `services.add_notice` / `change_notice` for the publisher's
organization (the office for the district, a member unit for its own). A notice is public once
`published_on` is set and not in the future (`Notice.scope_public_view`), so a scheduled notice
appears on the public pages by itself on its day, with no job to run. The body is plain text,
never HTML: pages render it escaped with paragraphs.

Every action checks the user's grant on the restricted queryset (PermissionDenied), validates
the row as the model does (ValidationError for the person) and writes in one transaction on the
locked row.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.scope import ScopeChoices, grants_for, has_perm, perm_name, scope_q
from ipcity.orgs.models import Organization

from .models import Notice

EDITABLE_FIELDS = (
    "title",
    "kind",
    "document_number",
    "publisher",
    "summary",
    "body",
    "pinned",
    "link",
)
# How far ahead a notice may be scheduled; a typo of a year is caught, a planned notice is not.
MAX_SCHEDULE_DAYS = 366


def publishers_for(user, action: str = "add"):
    """The organizations for which `user` may `action` notices (the publisher choices)."""
    q = scope_q(Notice, user, action)
    if q is None:
        return Organization.objects.none()
    orgs = Organization.objects.all()
    if q:
        # Notice's scope filter reads publisher__pk / publisher__path__startswith (plus the
        # public rows for views); on Organization the same grant reads pk / path__startswith.
        orgs = orgs.filter(_org_q(user, action))
    return orgs.only("id", "name").order_by("name")


def _org_q(user, action: str) -> Q:
    q = Q()
    for grant in grants_for(user, perm_name(Notice, action)):
        if grant.org_id is None:
            continue
        if grant.scope == ScopeChoices.SUBTREE:
            q |= Q(path__startswith=grant.org_path)
        else:
            q |= Q(pk=grant.org_id)
    return q if q else Q(pk__in=[])


def visible(user):
    return Notice.objects.restrict(user, "view").select_related("publisher")


def can_change(user, notice: Notice) -> bool:
    return Notice.objects.restrict(user, "change").filter(pk=notice.pk).exists()


def can_delete(user, notice: Notice) -> bool:
    return Notice.objects.restrict(user, "delete").filter(pk=notice.pk).exists()


def _locked(user, notice: Notice, action: str = "change") -> Notice:
    if not visible(user).filter(pk=notice.pk).exists():
        raise PermissionDenied(_("You may not see this notice."))
    locked = (
        Notice.objects.restrict(user, action)
        .select_for_update(of=("self",))
        .filter(pk=notice.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied(_("You may not change this notice."))
    return locked


def _check_publisher(user, publisher, action: str) -> None:
    if publisher is None:
        raise ValidationError({"publisher": [_("Choose the publishing organization.")]})
    if not publishers_for(user, action).filter(pk=publisher.pk).exists():
        raise ValidationError(
            {"publisher": [_("You may not publish notices for this organization.")]}
        )


def _validate(notice: Notice) -> None:
    notice.title = (notice.title or "").strip()
    notice.body = (notice.body or "").strip()
    if not notice.title:
        raise ValidationError({"title": [_("Give the notice a title.")]})
    if not notice.body:
        raise ValidationError({"body": [_("Write the text of the notice.")]})
    notice.full_clean(exclude=["publisher"])


def create(user, **fields) -> Notice:
    """A new notice, a draft unless `published_on` is given (then checked as by `publish`)."""
    if not has_perm(user, Notice, "add"):
        raise PermissionDenied(_("You may not add notices."))
    published_on = fields.pop("published_on", None)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown notice fields: {sorted(unknown)}")
    notice = Notice(**fields)
    _check_publisher(user, notice.publisher if notice.publisher_id else None, "add")
    if published_on is not None:
        _check_date(published_on)
        notice.published_on = published_on
    _validate(notice)
    with transaction.atomic():
        notice._history_user = user
        notice.save()
    return notice


def update(user, notice: Notice, **fields) -> Notice:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown notice fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = _locked(user, notice)
        for name, value in fields.items():
            setattr(locked, name, value)
        if "publisher" in fields:
            _check_publisher(user, locked.publisher, "change")
        _validate(locked)
        locked._history_user = user
        locked.save()
    return locked


def _check_date(on: datetime.date) -> None:
    today = timezone.localdate()
    if on > today + datetime.timedelta(days=MAX_SCHEDULE_DAYS):
        raise ValidationError(
            {
                "published_on": [
                    _("A notice can be scheduled at most %(n)d days ahead.")
                    % {"n": MAX_SCHEDULE_DAYS}
                ]
            }
        )


def publish(user, notice: Notice, on: datetime.date | None = None) -> Notice:
    """Publish from `on` (today when None): a future day schedules it."""
    on = on or timezone.localdate()
    _check_date(on)
    with transaction.atomic():
        locked = _locked(user, notice)
        locked.published_on = on
        locked._history_user = user
        locked.save(update_fields=["published_on", "updated_at"])
    return locked


def unpublish(user, notice: Notice) -> Notice:
    """Back to a draft: it leaves the public pages at once."""
    with transaction.atomic():
        locked = _locked(user, notice)
        if locked.published_on is None:
            raise ValidationError(_("This notice is not published."))
        locked.published_on = None
        locked._history_user = user
        locked.save(update_fields=["published_on", "updated_at"])
    return locked


def state(notice: Notice) -> str:
    """draft | scheduled | published."""
    if notice.published_on is None:
        return "draft"
    if notice.published_on > timezone.localdate():
        return "scheduled"
    return "published"


def public_notices():
    """Notices the public pages show: published and not in the future."""
    return Notice.objects.filter(Notice.scope_public_view()).select_related("publisher")
