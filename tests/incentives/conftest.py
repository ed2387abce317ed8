"""Personas and records for the incentive tests, on top of the shared `world`.

- alice (office) runs the programmes: with the permissions of every review stage; `rita` and
  `otto` are two more office users (office_admin), so a test can give each stage its own
  person (the same person never takes two stages of one application);
- erin applies for enterprise A, charlie for enterprise B (a stranger to A's application);
- leo reads everything and changes nothing; bob (member unit) reads programmes only.

Registry records of enterprise A in the district: `inv_a` (granted invention, valid,
2025-03-10), `inv_a2` (granted invention, 2025-06-01), `um_a` (utility model granted
2025-04-01), `pending_a` (invention pending), `lapsed_a` (invention lapsed); `inv_b` is
enterprise B's granted invention; `outside` is a granted invention held by A but attributed
outside the district.
"""

import datetime
from dataclasses import dataclass

import pytest

from ipcity.rights.choices import Attribution, PatentStatus, PatentType
from ipcity.rights.models import Patent, PatentHolder

from ..factories import make_user


@dataclass
class IWorld:
    world: object
    rita: object
    otto: object
    inv_a: object
    inv_a2: object
    um_a: object
    pending_a: object
    lapsed_a: object
    inv_b: object
    outside: object

    def __getattr__(self, name):
        return getattr(self.world, name)


def make_patent(
    number,
    holder,
    *,
    patent_type=PatentType.INVENTION,
    status=PatentStatus.VALID,
    grant_date=datetime.date(2025, 3, 10),
    attribution=Attribution.IN_DISTRICT,
    **fields,
) -> Patent:
    patent = Patent.objects.create(
        application_number=number,
        patent_type=patent_type,
        legal_status=status,
        grant_date=grant_date,
        filing_date=fields.pop("filing_date", datetime.date(2023, 5, 4)),
        title=fields.pop("title", f"一种示例装置 {number}"),
        attribution=attribution,
        region=fields.pop("region", None),
        **fields,
    )
    PatentHolder.objects.create(patent=patent, organization=holder, position=1)
    return patent


@pytest.fixture
def iworld(world) -> IWorld:
    a, b = world.enterprise_a, world.enterprise_b
    return IWorld(
        world=world,
        rita=make_user("rita", world.office, "office_admin"),
        otto=make_user("otto", world.office, "office_admin"),
        inv_a=make_patent("202310000001.1", a, region=world.street),
        inv_a2=make_patent(
            "202310000002.X", a, grant_date=datetime.date(2025, 6, 1), region=world.street
        ),
        um_a=make_patent(
            "202320000003.5",
            a,
            patent_type=PatentType.UTILITY_MODEL,
            grant_date=datetime.date(2025, 4, 1),
            region=world.street,
        ),
        pending_a=make_patent("202410000004.8", a, status=PatentStatus.PENDING, grant_date=None),
        lapsed_a=make_patent("202110000005.2", a, status=PatentStatus.LAPSED),
        inv_b=make_patent("202310000006.9", b, region=world.street),
        outside=make_patent("202310000007.3", a, attribution=Attribution.OUTSIDE),
    )
