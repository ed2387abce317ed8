"""Builders for registry records used by the rights page, search, profile and API tests."""

import datetime
import itertools

from ipcity.rights.models import (
    Copyright,
    GeographicalIndication,
    LegalEvent,
    Patent,
    PatentHolder,
    PlantVarietyRight,
    SoftwareLegalizationCheck,
    Trademark,
)
from ipcity.rights.numbers import check_digit
from ipcity.rights.search import refresh_search_text

_serial = itertools.count(1)


def application_number(year=2020, type_digit="1", serial=None) -> str:
    digits = f"{year}{type_digit}{serial if serial is not None else next(_serial):07d}"
    return f"{digits}.{check_digit(digits)}"


def make_patent(title="一种测试用的装置", holders=(), **fields) -> Patent:
    number = fields.pop("application_number", None) or application_number(
        year=fields["filing_date"].year if fields.get("filing_date") else 2020
    )
    fields.setdefault("patent_type", "invention")
    fields.setdefault("legal_status", "valid")
    patent = Patent.objects.create(application_number=number, title=title, **fields)
    for position, org in enumerate(holders, start=1):
        PatentHolder.objects.create(
            patent=patent, organization=org, position=position, name_as_recorded=org.name
        )
    refresh_search_text(patent)
    return patent


def make_trademark(mark="示例", holder=None, **fields) -> Trademark:
    fields.setdefault("registration_number", str(10000000 + next(_serial)))
    fields.setdefault("nice_classes", "9;42")
    return Trademark.objects.create(mark=mark, holder=holder, **fields)


def make_gi(name="通州示例大樱桃", **fields) -> GeographicalIndication:
    fields.setdefault("kind", "product")
    return GeographicalIndication.objects.create(name=name, **fields)


def make_pvr(variety="京示例1号", **fields) -> PlantVarietyRight:
    fields.setdefault("right_number", f"CNA2020{next(_serial):07d}")
    return PlantVarietyRight.objects.create(variety=variety, **fields)


def make_copyright(title="示例管理软件V1.0", **fields) -> Copyright:
    fields.setdefault("kind", "software")
    fields.setdefault("registration_number", f"2020SR{next(_serial):06d}")
    return Copyright.objects.create(title=title, **fields)


def make_check(organization, **fields) -> SoftwareLegalizationCheck:
    fields.setdefault("check_date", datetime.date(2024, 5, 10))
    fields.setdefault("installed_count", 30)
    fields.setdefault("licensed_count", 27)
    return SoftwareLegalizationCheck.objects.create(organization=organization, **fields)


def make_event(patent, kind="transfer", date=datetime.date(2023, 3, 1), **fields) -> LegalEvent:
    return LegalEvent.objects.create(patent=patent, kind=kind, date=date, **fields)
