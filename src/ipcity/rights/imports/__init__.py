"""Bulk import of patent exports (CNIPA, incoPat, PatSnap): layouts, normalization, the format
registered as "rights.patent", and the command-line run."""

from .format import PatentImportFormat, import_format
from .run import run_import

__all__ = ["PatentImportFormat", "import_format", "run_import"]
