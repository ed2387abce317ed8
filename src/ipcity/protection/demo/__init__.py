"""Protection demo, one module per area: agencies and officers first, then the leads and cases
that use them. Called from core/demo.py after utilization's demo."""

from django.db import transaction


@transaction.atomic
def load(stdout=None) -> dict:
    from .. import officers
    from . import activity, agencies

    today = officers.current_date()
    result = agencies.load(today)
    result.update(activity.load(today))
    if stdout is not None:
        stdout.write(
            "Protection: "
            + ", ".join(f"{value} {key}" for key, value in result.items() if value)
            + " created"
        )
    return result
