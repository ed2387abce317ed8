"""The cultivation demo data: designations of about twenty demo enterprises, their facts, a pool
with entries at every stage, evaluated, and the support given; loaded once."""

import pytest

from ipcity.core.demo import load_demo
from ipcity.utilization.demo import cultivation
from ipcity.utilization.models import Designation, EnterpriseFacts, PoolEntry, SupportRecord

pytestmark = pytest.mark.django_db


def test_demo_cultivation_is_realistic_evaluated_and_loaded_once():
    load_demo()
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
