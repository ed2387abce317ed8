"""Builders for the transfer, threshold and repeat tests."""

import datetime

from ipcity.protection.choices import CaseStatus, DecisionKind, PartyRole, RightType
from ipcity.protection.models import CaseParty, CaseRight
from ipcity.protection.parties import clean_uscc, name_key

from .conftest import make_case

D = datetime.date
USCC = "91110112MA01XYZ12K"


def respondent(case, name, uscc=""):
    return CaseParty.objects.create(
        case=case,
        role=PartyRole.RESPONDENT,
        name=name,
        name_key=name_key(name),
        uscc=clean_uscc(uscc),
    )


def right(case, number, right_type=RightType.TRADEMARK, **links):
    return CaseRight.objects.create(case=case, right_type=right_type, number=number, **links)


def decided_case(agency, decided_on, *, kind=DecisionKind.PENALTY, party=None, uscc="", **fields):
    """A case decided on `decided_on` against `party`."""
    fields.setdefault("opened_on", decided_on - datetime.timedelta(days=60))
    case = make_case(
        agency,
        status=CaseStatus.DECIDED,
        decision_kind=kind,
        decided_on=decided_on,
        **fields,
    )
    if party:
        respondent(case, party, uscc)
    return case
