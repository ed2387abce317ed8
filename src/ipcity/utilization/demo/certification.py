"""Demo certification records."""


def load(stdout=None) -> None:
    return None
