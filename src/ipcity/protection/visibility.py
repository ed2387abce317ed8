"""Who sees what of a case (the rule of issue "Protection": a case belongs to its agency).

- **Full details**: the users whose grant of `protection.view_case` reaches the case's agency
  (`Case.objects.restrict(user, "view")`), and the users of an organization the case is shared
  with (an active `CaseShare`) who hold `protection.view_case` in any scope. A transfer to the
  police shares the case with that police unit.
- **Summary** (`Case.SUMMARY_FIELDS`): every holder of `protection.summary_case` (joint
  enforcement members, the office, the procuratorate, leaders), for every case.
- Every page, download or API answer that shows shared details to a user who sees them only
  through the share is logged in `CaseAccessLog` (`log_shared_view`), and in the audit trail.
- Lists, exports and the API list show a case seen only through a share as a SUMMARY row
  (`listed_cases(user, shared_as_summary=True)`, `is_full` only for `own_q`): they would show
  its details without logging each one. Its details are on the case page, history, evidence
  download and API detail, each view logged.

Child records (rights, parties, handlers, evidence, extensions, events) are reached through a
case the user sees in full, never on their own.
"""

from __future__ import annotations

from enum import Enum

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value

from ipcity.core import audit
from ipcity.core.models import AuditAction
from ipcity.core.ratelimit import client_ip
from ipcity.core.scope import has_perm, scope_q

from .models import Case, CaseAccessLog, CaseShare


class Access(Enum):
    OWN = "own"  # the agency's own users (or a district-wide grant)
    SHARED = "shared"  # through a share: full details, every view logged
    SUMMARY = "summary"  # summary fields only


def _shared_q(user) -> Q | None:
    if not user.is_authenticated or not getattr(user, "organization_id", None):
        return None
    if not has_perm(user, Case, "view"):
        return None
    return Q(
        Exists(
            CaseShare.objects.filter(
                case=OuterRef("pk"),
                organization_id=user.organization_id,
                revoked_at__isnull=True,
            )
        )
    )


def own_q(user) -> Q | None:
    """The filter for cases `user` sees in full through their own grant (not a share); None
    when none, an empty Q for every case."""
    return scope_q(Case, user, "view")


def full_q(user) -> Q | None:
    """The filter for cases `user` sees in full; None when none."""
    own = scope_q(Case, user, "view")
    shared = _shared_q(user)
    if own is None:
        return shared
    if not own:  # an empty Q: every case
        return own
    return own | shared if shared is not None else own


def full_cases(user, qs: QuerySet | None = None) -> QuerySet:
    qs = Case.objects.all() if qs is None else qs
    q = full_q(user)
    if q is None:
        return qs.none()
    return qs.filter(q) if q else qs


def listed_cases(user, qs: QuerySet | None = None, *, shared_as_summary: bool = False) -> QuerySet:
    """Every case the user may see at least the summary of, annotated with `is_full`.

    With `shared_as_summary` (lists, exports, the API list) a case seen only through a share is
    listed but `is_full` is false: only the user's own scope (`own_q`) is shown in full."""
    qs = Case.objects.all() if qs is None else qs
    full = full_q(user)
    summary = scope_q(Case, user, "summary")
    if full is None and summary is None:
        return qs.none()
    shown_full = own_q(user) if shared_as_summary else full
    if full is not None and not full:  # a district-wide grant: everything in full
        return qs.annotate(is_full=Value(True, output_field=BooleanField()))
    if shown_full is None:
        is_full = Value(False, output_field=BooleanField())
    elif not shown_full:
        is_full = Value(True, output_field=BooleanField())
    else:
        is_full = ExpressionWrapper(shown_full, output_field=BooleanField())
    qs = qs.annotate(is_full=is_full)
    if summary is not None and not summary:  # the summary of every case
        return qs
    nothing = Q(pk__in=[])
    return qs.filter((full if full is not None else nothing) | (summary or nothing))


def access(user, case: Case) -> Access | None:
    """How `user` may see `case`."""
    own = own_q(user)
    if own is not None and Case.objects.filter(pk=case.pk).filter(own).exists():
        return Access.OWN
    shared = _shared_q(user)
    if shared is not None and Case.objects.filter(pk=case.pk).filter(shared).exists():
        return Access.SHARED
    summary = scope_q(Case, user, "summary")
    if summary is not None and Case.objects.filter(pk=case.pk).filter(summary).exists():
        return Access.SUMMARY
    return None


def log_shared_view(request_or_user, case: Case, what: str) -> CaseAccessLog:
    """Record one view of shared details. Pass the request where there is one (for the IP)."""
    user = getattr(request_or_user, "user", request_or_user)
    ip = client_ip(request_or_user) if hasattr(request_or_user, "META") else None
    share = (
        CaseShare.objects.filter(
            case=case, organization_id=user.organization_id, revoked_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )
    request = request_or_user if hasattr(request_or_user, "META") else None
    audit.record(
        AuditAction.SHARED_CASE_VIEWED, actor=user, obj=case, summary=what, request=request
    )
    return CaseAccessLog.objects.create(
        case=case,
        user=user,
        organization_id=user.organization_id,
        share=share,
        what=what[:100],
        ip=ip,
    )
