"""Demo finance records."""


def load(stdout=None) -> None:
    return None
