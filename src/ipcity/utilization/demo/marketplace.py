"""Demo marketplace records."""


def load(stdout=None) -> None:
    return None
