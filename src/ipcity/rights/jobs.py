"""Background job handlers of the rights registry.

Patent imports run through the core import jobs; importing the format here registers it
("rights.patent") when the app is ready.
"""

from .imports import PatentImportFormat  # noqa: F401
