"""Transactions (task 7): recording them, their source flags, and deriving them from the
registry's legal events without counting any twice.

`record_transaction` is the one way a transaction is created (the form, the API, the import,
the marketplace and the derivation all call it), so the flags and the year are always set the
same way.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from ipcity.core.scope import has_perm
from ipcity.orgs.choices import OrganizationKind
from ipcity.rights.attribution import District

from .choices import TransactionKind, TransactionOrigin
from .models import Transaction
from .parties import in_district


def set_flags(deal: Transaction, district: District | None = None) -> None:
    """Set `year`, `from_university` and `from_outside` from the dates and the parties."""
    when = deal.registration_date or deal.contract_date or deal.start_date
    if when is not None:
        deal.year = when.year
    district = district or District.load()
    assignor_in = in_district(deal.assignor, district)
    assignee_in = in_district(deal.assignee, district)
    deal.from_university = bool(
        deal.assignor is not None
        and deal.assignor.kind == OrganizationKind.UNIVERSITY
        and deal.assignee is not None
        and deal.assignee.kind == OrganizationKind.ENTERPRISE
        and assignee_in is True
    )
    deal.from_outside = bool(assignee_in is True and assignor_in is False)


def record_transaction(
    user,
    *,
    kind: str,
    assignor=None,
    assignor_name: str = "",
    assignee=None,
    assignee_name: str = "",
    patents=(),
    trademarks=(),
    amount=None,
    contract_date=None,
    start_date=None,
    end_date=None,
    registration_number: str = "",
    registration_date=None,
    supply_listing=None,
    demand_listing=None,
    legal_event=None,
    origin: str = TransactionOrigin.MANUAL,
    notes: str = "",
) -> Transaction:
    """Create a transaction as `user`; it must fall inside the user's scope (a party of it, or
    a district-wide grant), else nothing is written and PermissionDenied is raised."""
    if user is not None and not has_perm(user, Transaction, "add"):
        raise PermissionDenied
    if kind not in TransactionKind.values:
        raise ValidationError({"kind": [_("Unknown transaction kind.")]})
    assignor_name = (assignor_name or (assignor.name if assignor else "")).strip()
    assignee_name = (assignee_name or (assignee.name if assignee else "")).strip()
    errors = {}
    if not assignor_name:
        errors["assignor"] = [_("Name the assignor or licensor.")]
    if not assignee_name:
        errors["assignee"] = [_("Name the assignee or licensee.")]
    if not (registration_date or contract_date or start_date):
        errors["contract_date"] = [_("Give the contract or registration date.")]
    if amount is not None and amount < 0:
        errors["amount"] = [_("The amount cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    with db_transaction.atomic():
        deal = Transaction(
            kind=kind,
            assignor=assignor,
            assignor_name=assignor_name[:300],
            assignee=assignee,
            assignee_name=assignee_name[:300],
            amount=amount,
            contract_date=contract_date,
            start_date=start_date,
            end_date=end_date,
            registration_number=registration_number,
            registration_date=registration_date,
            supply_listing=supply_listing,
            demand_listing=demand_listing,
            legal_event=legal_event,
            origin=origin,
            notes=notes,
        )
        set_flags(deal)
        if user is not None:
            deal._history_user = user
        deal.save()
        if patents:
            deal.patents.set(patents)
        if trademarks:
            deal.trademarks.set(trademarks)
        if (
            user is not None
            and not Transaction.objects.restrict(user, "add").filter(pk=deal.pk).exists()
        ):
            raise PermissionDenied(_("The record would fall outside your scope."))
    return deal
