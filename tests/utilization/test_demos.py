"""The utilization demo data, on one load of the whole demo shared by these tests
(`module_demo`): cultivation (designations of about twenty demo enterprises, their facts, a pool
with entries at every stage, evaluated, and the support given), the marketplace (offers with the
demo patents their owners hold, needs, contacts and a few transactions) and the transfers (about
60 transactions over 2021-2025, of every source); each loads once."""

import pytest

from ipcity.rights.models import PatentHolder
from ipcity.utilization import deals
from ipcity.utilization.demo import cultivation, marketplace, transfers
from ipcity.utilization.models import (
    ContactRequest,
    DemandListing,
    Designation,
    EnterpriseFacts,
    PoolEntry,
    SupplyListing,
    SupportRecord,
    Transaction,
)

pytestmark = pytest.mark.django_db


def test_demo_cultivation_is_realistic_evaluated_and_loaded_once(module_demo):
    assert 18 <= Designation.objects.values("organization").distinct().count() <= 26
    stages = set(PoolEntry.objects.values_list("stage", flat=True))
    assert stages == {"candidate", "cultivated", "designated", "withdrawn"}
    assert not PoolEntry.objects.filter(evaluated_at=None).exists()
    assert (
        PoolEntry.objects.filter(meets_all=True).exists()
        or PoolEntry.objects.filter(criteria_met__gt=0).exists()
    )
    designated = PoolEntry.objects.filter(stage="designated")
    assert designated.exists() and not designated.filter(designation=None).exists()
    assert EnterpriseFacts.objects.count() > 20
    supported = set(SupportRecord.objects.values_list("organization", flat=True))
    assert supported <= set(PoolEntry.objects.values_list("organization", flat=True))
    counts = (Designation.objects.count(), PoolEntry.objects.count(), SupportRecord.objects.count())
    assert cultivation.load() == {"designations": 0}
    assert counts == (
        Designation.objects.count(),
        PoolEntry.objects.count(),
        SupportRecord.objects.count(),
    )


def test_demo_marketplace_is_realistic_and_loads_once(module_demo):
    marketplace.load()
    offers = SupplyListing.objects.all()
    assert 20 <= offers.count() <= 30
    assert 12 <= DemandListing.objects.filter(status="published").count() <= 15
    # Every patent offered is held by the offering organization.
    for offer in offers.prefetch_related("patents"):
        for patent in offer.patents.all():
            assert PatentHolder.objects.filter(patent=patent, organization=offer.owner).exists()
    assert offers.filter(owner__kind="university").exists()
    assert offers.exclude(patents=None).exists()
    assert ContactRequest.objects.count() >= 6
    concluded = ContactRequest.objects.filter(status="concluded")
    assert concluded.count() >= 3
    sold = Transaction.objects.filter(origin="marketplace")
    assert sold.count() == concluded.count()
    assert all(d.supply_listing_id and d.demand_listing_id for d in sold)
    # Requests are sent after both listings were published, answered after they were sent,
    # and their deals signed after the answer.
    for contact in ContactRequest.objects.select_related(
        "supply_listing", "demand_listing", "transaction"
    ):
        assert contact.created_at >= contact.supply_listing.published_at
        assert contact.created_at >= contact.demand_listing.published_at
        if contact.answered_at:
            assert contact.answered_at > contact.created_at
        if contact.transaction:
            assert contact.transaction.contract_date >= contact.answered_at.date()
            assert contact.transaction.kind in contact.supply_listing.kinds
    counts = (SupplyListing.objects.count(), ContactRequest.objects.count(), sold.count())
    marketplace.load()
    assert counts == (
        SupplyListing.objects.count(),
        ContactRequest.objects.count(),
        Transaction.objects.filter(origin="marketplace").count(),
    )


def test_demo_transactions_cover_every_source_and_load_once(module_demo):
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
    transfers.load()
    assert deals.derive_from_legal_events()["created"] == 0
    assert ours.count() == total
