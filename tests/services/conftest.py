"""Personas for the service tests, on top of the shared `world` (tests/conftest.py).

Institutions (each an `Institution` over an organization):
- center: the IP protection centre's Tongzhou branch, a service point accepting requests of
  every kind; sam is its service user;
- hall: the service hall's Tongzhou workstation, a service point for consultation and policy
  briefing; hal is its service user;
- agency: a patent agency in the directory, not a service point; stan is its service user (a
  stranger to requests routed elsewhere);
- bank: a bank offering financing matchmaking, a service point; fiona is its finance user.

The world's users keep their roles: alice (office: routes, sees all), leo (leader, read-only),
erin (enterprise A: asks for help), charlie (enterprise B: a stranger to A's requests), bob
(member unit: publishes events and courses of his unit).
"""

from dataclasses import dataclass

import pytest

from ipcity.orgs.choices import OrganizationKind
from ipcity.services.choices import InstitutionKind, ServiceKind
from ipcity.services.models import Institution, InstitutionService

from ..factories import make_org, make_user


@dataclass
class SWorld:
    world: object
    center: object
    hall: object
    agency: object
    bank: object
    sam: object
    hal: object
    stan: object
    fiona: object

    def __getattr__(self, name):
        return getattr(self.world, name)


def make_institution(org, kind, services=(), accepts_requests=False, **fields) -> Institution:
    institution = Institution.objects.create(
        organization=org, kind=kind, accepts_requests=accepts_requests, **fields
    )
    for service in services:
        InstitutionService.objects.create(institution=institution, kind=service)
    return institution


@pytest.fixture
def sworld(world) -> SWorld:
    district = world.district
    center_org = make_org(
        "北京市知识产权保护中心通州分中心", OrganizationKind.SERVICE, region=district
    )
    hall_org = make_org(
        "北京（中关村）国际知识产权服务大厅通州工作站", OrganizationKind.SERVICE, region=district
    )
    agency_org = make_org("北京示例专利代理事务所", OrganizationKind.SERVICE, region=district)
    bank_org = make_org("示例银行通州支行", OrganizationKind.FINANCIAL, region=district)
    center = make_institution(
        center_org, InstitutionKind.PROTECTION_CENTER, ServiceKind.values, accepts_requests=True
    )
    hall = make_institution(
        hall_org,
        InstitutionKind.SERVICE_HALL,
        (ServiceKind.CONSULTATION, ServiceKind.POLICY_BRIEFING),
        accepts_requests=True,
    )
    agency = make_institution(
        agency_org, InstitutionKind.PATENT_AGENCY, (ServiceKind.AGENCY, ServiceKind.CONSULTATION)
    )
    bank = make_institution(
        bank_org, InstitutionKind.BANK, (ServiceKind.FINANCING,), accepts_requests=True
    )
    return SWorld(
        world=world,
        center=center,
        hall=hall,
        agency=agency,
        bank=bank,
        sam=make_user("sam", center_org, "service_user"),
        hal=make_user("hal", hall_org, "service_user"),
        stan=make_user("stan", agency_org, "service_user"),
        fiona=make_user("fiona", bank_org, "finance_user"),
    )
