"""Receivers of the registry's signals (rights.signals), connected where they are defined:
transactions derived from legal events (deals.py) and risk alerts on pledged rights (risks.py)."""

from . import deals, risks  # noqa: F401
