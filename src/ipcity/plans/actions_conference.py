"""State changes of the joint conference: resolutions, their follow-up and meeting files.

A resolution is supervised like a task: the owner unit reports progress and marks it completed;
the office (whoever may add resolutions) creates and edits them. Lights come from
`plans.supervision`, so tasks and resolutions follow one rule.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm

from . import actions as plan_actions
from .choices import TaskStatus
from .models import Meeting, MeetingAttachment, Resolution


def can_follow_up(user, resolution: Resolution) -> bool:
    return Resolution.objects.restrict(user, "change").filter(pk=resolution.pk).exists()


@transaction.atomic
def add_resolution(
    user, meeting: Meeting, text: str, owner, deadline: datetime.date | None
) -> Resolution:
    if not has_perm(user, Resolution, "add"):
        raise PermissionDenied(_("You may not add resolutions."))
    if not text.strip():
        raise ValidationError({"text": [_("Write the resolution.")]})
    resolution = Resolution(meeting=meeting, text=text.strip(), owner=owner, deadline=deadline)
    resolution._history_user = user
    resolution.save()
    if not Resolution.objects.restrict(user, "add").filter(pk=resolution.pk).exists():
        raise PermissionDenied(_("The owner unit is outside your scope."))
    return resolution


@transaction.atomic
def record_progress(
    user, resolution: Resolution, follow_up: str, status: str, completed_on=None
) -> Resolution:
    """The owner unit (or the office) writes where the follow-up stands; completing it stamps
    the completion date (today unless given), reopening clears it."""
    if not can_follow_up(user, resolution):
        raise PermissionDenied(_("You may not update this resolution."))
    if status not in TaskStatus.values:
        raise ValidationError({"status": [_("Choose a valid status.")]})
    resolution.follow_up = follow_up.strip()
    resolution.status = status
    if status == TaskStatus.COMPLETED:
        resolution.completed_on = completed_on or resolution.completed_on or timezone.localdate()
    else:
        resolution.completed_on = None
    resolution._history_user = user
    resolution.save()
    return resolution


def can_change_meeting(user, meeting: Meeting) -> bool:
    return Meeting.objects.restrict(user, "change").filter(pk=meeting.pk).exists()


@transaction.atomic
def add_meeting_attachment(user, meeting: Meeting, upload) -> MeetingAttachment:
    if not can_change_meeting(user, meeting):
        raise PermissionDenied(_("You may not change this meeting."))
    name = plan_actions.validate_upload(upload)
    attachment = MeetingAttachment(meeting=meeting, name=name, size=upload.size, uploaded_by=user)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment
