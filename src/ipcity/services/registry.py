"""Imported by the app's ready(): modules that register menu entries, dashboard cards, daily
duties, job kinds and import formats as a side effect."""

from . import cards, daily, loaders  # noqa: F401
from .views import (  # noqa: F401
    events,
    institutions,
    notices,
    overview,
    public,
    public_requests,
    requests,
    talent,
    training,
)
