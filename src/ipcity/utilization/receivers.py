"""Receivers of the registry's signals (rights.signals): each area connects its own here."""
