"""Personas and builders for the protection tests, on top of the shared `world`.

Agencies (each an `Agency` over an organization):
- amr: the market regulation bureau's enforcement brigade (under the office), prefix 京通市监处罚;
- culture: the culture market enforcement brigade; agri: the agriculture enforcement brigade;
- police: the police economic crime unit; procuratorate: the district procuratorate.

Users:
- mia: officer of amr (enforcement_officer over amr and below); hank: head of amr
  (enforcement_head: may approve extensions);
- carl: officer of culture; ada: officer of agri (strangers to amr's case details, but joint
  members who see every summary);
- paul: police user (police_officer over the police unit); pete: procurator (district-wide
  supervision of transfers, summaries only);
- alice: the office (triages leads, summaries, coordination); leo: leader (read-only,
  summaries); erin/charlie: enterprises (nothing of protection).

Every officer holds a certificate valid until 2030-12-31 unless a test says otherwise.
"""

import datetime
from dataclasses import dataclass

import pytest

from ipcity.orgs.choices import OrganizationKind
from ipcity.protection.choices import AgencyKind, CaseStatus, LeadSource, RightType
from ipcity.protection.models import Agency, Case, Lead, Officer

from ..factories import make_org, make_user


@dataclass
class PWorld:
    world: object
    amr: object
    culture: object
    agri: object
    police: object
    procuratorate: object
    mia: object
    hank: object
    carl: object
    ada: object
    paul: object
    pete: object
    mia_officer: object
    hank_officer: object
    carl_officer: object
    ada_officer: object

    def __getattr__(self, name):
        return getattr(self.world, name)


def make_agency(org, kind, prefix="", public=False) -> Agency:
    return Agency.objects.create(
        organization=org, kind=kind, case_prefix=prefix, accepts_public_leads=public
    )


def make_officer(user, org, number, valid_until=datetime.date(2030, 12, 31), **fields):
    return Officer.objects.create(
        user=user,
        organization=org,
        name=fields.pop("name", user.username if user else number),
        certificate_number=number,
        issued_on=fields.pop("issued_on", datetime.date(2020, 1, 1)),
        valid_until=valid_until,
        **fields,
    )


@pytest.fixture
def pworld(world) -> PWorld:
    district = world.district
    amr = make_org(
        "通州区市场监管综合执法大队",
        OrganizationKind.GOVERNMENT,
        parent=world.office,
        region=district,
    )
    culture = make_org("通州区文化市场综合执法大队", OrganizationKind.GOVERNMENT, region=district)
    agri = make_org("通州区农业综合执法大队", OrganizationKind.GOVERNMENT, region=district)
    police = make_org("通州公安分局经济犯罪侦查支队", OrganizationKind.JUDICIAL, region=district)
    procuratorate = make_org("通州区人民检察院", OrganizationKind.JUDICIAL, region=district)
    make_agency(world.office, AgencyKind.IP_OFFICE, "京通知执", public=True)
    make_agency(amr, AgencyKind.MARKET_REGULATION, "京通市监处罚", public=True)
    make_agency(culture, AgencyKind.CULTURE, "京通文执罚", public=True)
    make_agency(agri, AgencyKind.AGRICULTURE, "京通农执罚")
    make_agency(police, AgencyKind.POLICE)
    make_agency(procuratorate, AgencyKind.PROCURATORATE)
    mia = make_user("mia", amr, "enforcement_officer")
    hank = make_user("hank", amr, "enforcement_head")
    carl = make_user("carl", culture, "enforcement_officer")
    ada = make_user("ada", agri, "enforcement_officer")
    paul = make_user("paul", police, "police_officer")
    pete = make_user("pete", procuratorate, "procurator")
    return PWorld(
        world=world,
        amr=amr,
        culture=culture,
        agri=agri,
        police=police,
        procuratorate=procuratorate,
        mia=mia,
        hank=hank,
        carl=carl,
        ada=ada,
        paul=paul,
        pete=pete,
        mia_officer=make_officer(mia, amr, "11000001"),
        hank_officer=make_officer(hank, amr, "11000002"),
        carl_officer=make_officer(carl, culture, "11000003"),
        ada_officer=make_officer(ada, agri, "11000004"),
    )


def make_lead(agency=None, **fields) -> Lead:
    """A lead as stored, without the actions (for tests that need one to exist)."""
    received = fields.pop("received_on", datetime.date(2026, 3, 2))
    defaults = {
        "tracking_code": fields.pop("tracking_code", f"T{Lead.objects.count() + 1:09d}"),
        "source": LeadSource.INSPECTION,
        "agency": agency,
        "received_on": received,
        "decision_due": received + datetime.timedelta(days=21),
        "complainant_name": "示例甲科技有限公司",
        "right_type": RightType.TRADEMARK,
        "description": "销售假冒注册商标的商品",
    }
    defaults.update(fields)
    return Lead.objects.create(**defaults)


def make_case(agency, **fields) -> Case:
    """A case as stored, without the actions (for tests that need one to exist)."""
    opened = fields.pop("opened_on", datetime.date(2026, 3, 2))
    defaults = {
        "number": fields.pop("number", f"测试〔2026〕{Case.objects.count() + 1}号"),
        "title": "销售假冒注册商标的商品案",
        "right_type": RightType.TRADEMARK,
        "status": CaseStatus.INVESTIGATING,
        "opened_on": opened,
        "decision_due": opened + datetime.timedelta(days=90),
    }
    defaults.update(fields)
    return Case.objects.create(agency=agency, **defaults)
