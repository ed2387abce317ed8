"""Incentives demo: programmes and applications, then their reviews, notices and payments.
Called from core/demo.py after the services demo."""

from django.db import transaction


@transaction.atomic
def load(stdout=None) -> dict:
    from . import awards, programs

    result: dict = {}
    result.update(programs.load())
    result.update(awards.load())
    if stdout is not None:
        stdout.write(
            "Incentives: "
            + ", ".join(f"{value} {key}" for key, value in result.items() if value)
            + " created"
        )
    return result
