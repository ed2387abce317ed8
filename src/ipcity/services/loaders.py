"""Import formats of the service mechanism, registered with core.imports."""

from .imports import institutions  # noqa: F401
