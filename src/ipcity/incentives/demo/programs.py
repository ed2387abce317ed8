"""Demo: programs."""


def load() -> dict:
    return {}
