"""Repeat infringement detection (DOMAIN.md §7). Owned by the transfers-and-repeats area.

`refresh(case)` recomputes the `CaseRelation` rows of `case` and its `is_repeat` flag (unless
set by hand) and must be called whenever a case's respondents, rights or decision change.
"""

from __future__ import annotations


def refresh(case) -> list:
    """Placeholder until detection lands: finds nothing."""
    return []
