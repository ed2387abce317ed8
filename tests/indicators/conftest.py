"""A small district for indicator arithmetic: every count below is written out by hand.

On 2020-12-31 the district holds 7 valid invention patents (4 of enterprise A in 中仓街道, 3 of
enterprise B with no street); the other patents are there to be left out: lapsed, a utility
model, granted too late, outside the district, unresolved.
"""

import datetime
import itertools

import pytest

from ipcity.indicators.models import Population
from ipcity.rights.models import Patent, PatentHolder
from ipcity.rights.numbers import check_digit

_serial = itertools.count(1)


def application_number(year=2015, type_digit="1") -> str:
    digits = f"{year}{type_digit}{9000000 + next(_serial):07d}"
    return f"{digits}.{check_digit(digits)}"


def make_patent(holders=(), **fields) -> Patent:
    fields.setdefault("patent_type", "invention")
    fields.setdefault("legal_status", "valid")
    fields.setdefault("attribution", "in_district")
    fields.setdefault("filing_date", datetime.date(2018, 3, 1))
    fields.setdefault("grant_date", datetime.date(2020, 6, 1))
    fields.setdefault("title", "一种示例装置")
    patent = Patent.objects.create(
        application_number=application_number(fields["filing_date"].year), **fields
    )
    for position, org in enumerate(holders, start=1):
        PatentHolder.objects.create(
            patent=patent, organization=org, position=position, name_as_recorded=org.name
        )
    return patent


@pytest.fixture
def district(world):
    world.enterprise_a.industry = "7519"  # M: scientific research and technical services
    world.enterprise_a.save()
    world.enterprise_b.industry = "C39"  # C: manufacturing, lettered form
    world.enterprise_b.region = None
    world.enterprise_b.save()
    counted = [make_patent([world.enterprise_a], region=world.street) for _ in range(4)] + [
        make_patent([world.enterprise_b]) for _ in range(3)
    ]
    left_out = [
        make_patent([world.enterprise_a], legal_status="lapsed"),
        make_patent([world.enterprise_a], patent_type="utility_model"),
        make_patent([world.enterprise_a], grant_date=datetime.date(2021, 2, 1)),
        make_patent([world.enterprise_a], attribution="outside"),
        make_patent([world.enterprise_a], attribution="unresolved"),
    ]
    population = Population.objects.create(
        region=world.district,
        year=2020,
        resident_population=1_840_295,
        kind="census 2020-11-01",
        source="Beijing 7th population census bulletin No. 2",
    )
    world.counted = counted
    world.left_out = left_out
    world.population = population
    return world
