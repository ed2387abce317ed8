"""Demo: requests."""


def load() -> dict:
    return {}
