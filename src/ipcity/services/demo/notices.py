"""Demo: notices."""


def load() -> dict:
    return {}
