"""Personas for the utilization tests, on top of the shared `world`:

- fiona: user of bank A (finance_user, own scope); frank: user of bank B, her stranger;
- erin and charlie (from `world`): enterprise A and enterprise B;
- alice: the office; leo: the read-only leader; uni: a university in the district;
- outside: an enterprise registered outside the district (Nantong's Tongzhou).
"""

from dataclasses import dataclass

import pytest

from ipcity.orgs.choices import OrganizationKind

from ..factories import make_org, make_region, make_user


@dataclass
class UWorld:
    world: object
    bank_a: object
    bank_b: object
    fiona: object
    frank: object
    university: object
    outside: object
    outside_region: object

    def __getattr__(self, name):
        return getattr(self.world, name)


@pytest.fixture
def uworld(world) -> UWorld:
    bank_a = make_org("示例甲银行北京通州支行", OrganizationKind.FINANCIAL, region=world.district)
    bank_b = make_org("示例乙银行北京通州支行", OrganizationKind.FINANCIAL, region=world.district)
    outside_region = make_region("320612", "南通市通州区", "district")
    return UWorld(
        world=world,
        bank_a=bank_a,
        bank_b=bank_b,
        fiona=make_user("fiona", bank_a, "finance_user"),
        frank=make_user("frank", bank_b, "finance_user"),
        university=make_org("示例理工大学", OrganizationKind.UNIVERSITY, region=world.district),
        outside=make_org("南通示例机械有限公司", region=outside_region),
        outside_region=outside_region,
    )
