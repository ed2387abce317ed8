"""Demo: awards."""


def load() -> dict:
    return {}
