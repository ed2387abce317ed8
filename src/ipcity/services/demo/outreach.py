"""Demo: outreach."""


def load() -> dict:
    return {}
