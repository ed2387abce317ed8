"""Criminal transfer thresholds as dated data. Owned by the transfers-and-repeats area.

`evaluate(case)` returns the rule set in force on the case's conduct date (else its opening
date) and the rules the case meets, each with the value found.
"""

from __future__ import annotations


def evaluate(case):
    """Placeholder until the threshold rules land: nothing met."""
    return None, []
