"""Daily duties of the incentive programmes: `incentive-notices` (notices.py) ends the public
notices whose period is over and reminds the office of those held by an open objection."""

from . import notices  # noqa: F401  (registers the duty)
