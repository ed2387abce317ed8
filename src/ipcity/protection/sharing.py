"""Sharing a case's details with another organization, and taking it back."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipcity.core.scope import scope_q

from .choices import TransferStatus
from .models import Case, CaseShare


def can_share(user, case: Case) -> bool:
    """The owning agency's users with protection.share_case (or a district-wide grant)."""
    q = scope_q(Case, user, "share")
    return q is not None and Case.objects.filter(pk=case.pk).filter(q).exists()


def share(user, case: Case, organization, reason: str, *, system: bool = False) -> CaseShare:
    """Open `case` to `organization`; returns the active share (an existing one is kept).

    `system=True` is for the platform's own hand-overs (a transfer to the police) made on
    behalf of a user who already passed the check of that action."""
    if not system and not can_share(user, case):
        raise PermissionDenied(_("You may not share this case."))
    if organization.pk == case.agency_id:
        raise ValidationError(_("The case already belongs to %(org)s.") % {"org": organization})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is shared.")})
    existing = CaseShare.objects.filter(
        case=case, organization=organization, revoked_at__isnull=True
    ).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return CaseShare.objects.create(
                case=case, organization=organization, reason=reason.strip()[:300], granted_by=user
            )
    except IntegrityError:  # shared by someone else at the same moment
        return CaseShare.objects.get(case=case, organization=organization, revoked_at__isnull=True)


def revoke(user, share_row: CaseShare) -> CaseShare:
    """Take a share back. A police unit keeps its share while a transfer of the case to it is
    sent or accepted: it needs the details to decide and to investigate."""
    from .models import CriminalTransfer

    if not can_share(user, share_row.case):
        raise PermissionDenied(_("You may not change the sharing of this case."))
    if (
        share_row.revoked_at is None
        and CriminalTransfer.objects.filter(
            case=share_row.case_id,
            police=share_row.organization_id,
            status__in=[TransferStatus.SENT, TransferStatus.ACCEPTED],
        ).exists()
    ):
        raise ValidationError(
            _(
                "%(org)s keeps the case's details while the case is transferred to it (sent or "
                "accepted); the share cannot be revoked."
            )
            % {"org": share_row.organization}
        )
    if share_row.revoked_at is None:
        share_row.revoked_at = timezone.now()
        share_row.revoked_by = user
        share_row.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return share_row


def share_choices(case: Case):
    """Organizations a case may be shared with: the enforcement agencies but its owner."""
    from .coordination import agency_orgs

    return agency_orgs().exclude(pk=case.agency_id).filter(is_active=True)


def may_read_log(user, case: Case) -> bool:
    """Who viewed the shared details of `case`: the owning agency's users and the office (a
    grant of protection.view_caseaccesslog reaching the case's agency)."""
    from .coordination import orgs_in_scope

    return orgs_in_scope(user, "protection.view_caseaccesslog").filter(pk=case.agency_id).exists()
