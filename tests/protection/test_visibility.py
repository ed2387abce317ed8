import pytest
from django.core.exceptions import PermissionDenied

from ipcity.protection import visibility
from ipcity.protection.cases import open_case, transition
from ipcity.protection.sharing import share
from tests.protection.conftest import make_case

pytestmark = pytest.mark.django_db


def test_visibility(pworld):
    p = pworld
    c1 = make_case(p.amr)
    c2 = make_case(p.culture)
    assert set(visibility.full_cases(p.mia)) == {c1}
    assert set(visibility.full_cases(p.carl)) == {c2}
    assert set(visibility.listed_cases(p.carl)) == {c1, c2}
    assert {c.pk: c.is_full for c in visibility.listed_cases(p.carl)} == {c1.pk: False, c2.pk: True}
    assert set(visibility.full_cases(p.paul)) == set()
    assert set(visibility.listed_cases(p.alice)) == {c1, c2}
    assert set(visibility.full_cases(p.alice)) == set()
    assert set(visibility.listed_cases(p.erin)) == set()
    share(p.mia, c1, p.police, "移送")
    assert set(visibility.full_cases(p.paul)) == {c1}
    assert visibility.access(p.paul, c1) == visibility.Access.SHARED
    assert visibility.access(p.mia, c1) == visibility.Access.OWN
    assert visibility.access(p.pete, c1) == visibility.Access.SUMMARY
    assert visibility.access(p.erin, c1) is None


def test_open_and_move(pworld):
    p = pworld
    case = open_case(p.mia, agency=p.amr, title="t", right_type="trademark")
    assert case.number.startswith("京通市监处罚〔")
    transition(p.mia, case, "investigate")
    assert case.status == "investigating" and case.events.count() == 2
    with pytest.raises(PermissionDenied):
        transition(p.carl, case, "serve_notice")
