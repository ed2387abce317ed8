"""Transfer to criminal justice (两法衔接). Owned by the transfers area.

Fixed signature used by cases.py: `propose_if_over(user, case) -> CriminalTransfer | None`:
called after a case's amounts, offence or parties change; proposes a transfer when the case meets
a threshold and has no transfer under way.
"""

from __future__ import annotations


def propose_if_over(user, case):
    """Placeholder until transfers land: proposes nothing."""
    return None
