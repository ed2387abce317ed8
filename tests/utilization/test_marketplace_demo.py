"""The demo marketplace: offers with the demo patents their owners hold, needs, contacts and a
few transactions, loaded once."""

import pytest

from ipcity.core.demo import load_demo
from ipcity.rights.models import PatentHolder
from ipcity.utilization.demo import marketplace as demo
from ipcity.utilization.models import ContactRequest, DemandListing, SupplyListing, Transaction

pytestmark = pytest.mark.django_db


def test_demo_marketplace_is_realistic_and_loads_once():
    load_demo()
    demo.load()
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
    deals = Transaction.objects.filter(origin="marketplace")
    assert deals.count() == concluded.count()
    assert all(d.supply_listing_id and d.demand_listing_id for d in deals)
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
    counts = (SupplyListing.objects.count(), ContactRequest.objects.count(), deals.count())
    demo.load()
    assert counts == (
        SupplyListing.objects.count(),
        ContactRequest.objects.count(),
        Transaction.objects.filter(origin="marketplace").count(),
    )
