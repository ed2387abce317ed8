"""Demo transfers records."""


def load(stdout=None) -> None:
    return None
