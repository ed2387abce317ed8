"""The finance demo: built on the demo organizations and patents, loaded once, with risk alerts
raised through the registry."""

import pytest
from django.db.models import Count

from ipcity.core.demo import load_demo
from ipcity.rights.models import Patent
from ipcity.utilization import demo as utilization_demo
from ipcity.utilization.demo import finance
from ipcity.utilization.models import (
    FinancialProduct,
    Guarantee,
    InsurancePolicy,
    Pledge,
    RiskAlert,
    Valuation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def base_demo(monkeypatch):
    """The platform's demo without the utilization areas (other areas have their own tests)."""
    monkeypatch.setattr(utilization_demo, "load", lambda stdout=None: None)
    load_demo()


def test_the_finance_demo_loads_once_with_alerts(base_demo):
    result = finance.load()
    assert result["pledges"] == finance.PLEDGE_COUNT
    assert Pledge.objects.count() == finance.PLEDGE_COUNT
    years = set(Pledge.objects.values_list("registration_date__year", flat=True))
    assert years == {2021, 2022, 2023, 2024, 2025}
    statuses = set(Pledge.objects.values_list("status", flat=True))
    assert {"registered", "released", "changed", "cancelled"} <= statuses
    assert Pledge.objects.values("pledgee").distinct().count() >= 3
    assert Pledge.objects.filter(amount__lte=1000).exists()
    assert Pledge.objects.filter(amount__gt=1000).exists()
    assert Valuation.objects.filter(appraiser__name=finance.APPRAISER).count() >= 10
    assert InsurancePolicy.objects.count() == 10 and Guarantee.objects.count() == 8
    assert FinancialProduct.objects.filter(is_active=True).count() >= 6
    kinds = set(RiskAlert.objects.values_list("kind", flat=True))
    assert {"lapsed", "fee_overdue"} <= kinds
    lapsed = RiskAlert.objects.filter(kind="lapsed").select_related("patent").first()
    assert lapsed.patent.legal_status == "lapsed"
    assert lapsed.patent.history.filter(legal_status="lapsed").exists()  # through the registry
    pledged = Patent.objects.filter(pledges__isnull=False).distinct()
    assert pledged.filter(pledge_amount__gt=0).count() >= finance.PLEDGE_COUNT - 2
    # every pledge pledges its pledgor's own patents, so no owner-change alert out of nowhere
    for pledge in Pledge.objects.prefetch_related("patents__holder_links"):
        for patent in pledge.patents.all():
            holders = {link.organization_id for link in patent.holder_links.all()}
            assert pledge.pledgor_id in holders, (pledge, patent)
    assert not RiskAlert.objects.filter(kind="owner_changed").exists()
    two = Pledge.objects.annotate(n=Count("patents")).filter(n=2)
    assert two.exists()  # a few pledge two of the holder's patents, sharing the amount
    pledge = two.first()
    shares = {p.pledge_amount for p in pledge.patents.all()}
    assert len(pledge.patents.all()) == 2 and all(share is not None for share in shares)
    assert finance.load() == {"pledges": 0}
    assert Pledge.objects.count() == finance.PLEDGE_COUNT
