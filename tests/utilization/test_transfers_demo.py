"""The demo transfers: about 60 transactions over 2021-2025, of every source, loaded once."""

import pytest

from ipcity.core.demo import load_demo
from ipcity.utilization import deals
from ipcity.utilization.demo import transfers as demo
from ipcity.utilization.models import Transaction

pytestmark = pytest.mark.django_db


def test_demo_transactions_cover_every_source_and_load_once():
    load_demo()
    ours = Transaction.objects.exclude(origin="marketplace")
    total = ours.count()
    assert 50 <= total <= 70
    assert set(ours.values_list("year", flat=True)) == set(range(2021, 2026))
    assert Transaction.objects.filter(from_university=True).count() >= 5
    assert Transaction.objects.filter(from_outside=True).count() >= 3
    assert set(ours.values_list("origin", flat=True)) == {
        "manual",
        "import",
        "legal_event",
    }
    linked = Transaction.objects.exclude(origin="legal_event").filter(legal_events__isnull=False)
    assert linked.distinct().count() == 2
    assert deals.undated_events().count() == 3
    demo.load()
    assert deals.derive_from_legal_events()["created"] == 0
    assert ours.count() == total
