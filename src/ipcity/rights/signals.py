"""Signals other modules listen to, so the registry never imports them.

`patents_changed(sender, patent_ids, user)` is sent after a transaction that changed patents
has committed: `patent_ids` lists them, or is None after an import (any patent may have changed).
Finance listens to re-check pledged rights; transfers to derive transactions from legal events.
"""

from django.dispatch import Signal

patents_changed = Signal()


def send_patents_changed(patent_ids, user=None) -> None:
    """Send once the current transaction commits (at once when there is none)."""
    from django.db import transaction

    ids = None if patent_ids is None else list(patent_ids)
    transaction.on_commit(lambda: patents_changed.send(sender=None, patent_ids=ids, user=user))
