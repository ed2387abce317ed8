"""Demo cultivation records."""


def load(stdout=None) -> None:
    return None
