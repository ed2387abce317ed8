"""Background job handlers for organizations (import, export).

Importing the import format registers it, and with it the framework's validate and commit jobs.
"""

from . import imports  # noqa: F401
