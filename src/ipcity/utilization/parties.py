"""Where a party of a transaction, pledge or designation stands: in the district or not.

The same signals as patent attribution (rights.attribution, DOMAIN.md §3), read from the
organization's record: its credit code, its address, its recorded region. Unknown parties (no
organization, or nothing that places them) are None, never guessed.
"""

from __future__ import annotations

from ipcity.rights.attribution import District, Signals
from ipcity.rights.choices import Attribution


def in_district(org, district: District | None = None) -> bool | None:
    """True or False when the organization's record places it; None when nothing does."""
    if org is None:
        return None
    district = district or District.load()
    decision = district.decide(
        Signals(
            uscc=org.uscc or "",
            addresses=[org.address] if org.address else [],
            region_id=org.region_id,
        )
    )
    if decision.attribution == Attribution.IN_DISTRICT:
        return True
    if decision.attribution == Attribution.OUTSIDE:
        return False
    return None
