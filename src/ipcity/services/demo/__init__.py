"""Services demo, one module per area. Called from core/demo.py after protection's demo."""

from django.db import transaction


@transaction.atomic
def load(stdout=None) -> dict:
    from . import notices, outreach, requests

    result: dict = {}
    result.update(requests.load())
    result.update(outreach.load())
    result.update(notices.load())
    if stdout is not None:
        stdout.write(
            "Services: "
            + ", ".join(f"{value} {key}" for key, value in result.items() if value)
            + " created"
        )
    return result
