"""Demo data: what a local trial shows, loaded any number of times without duplicates."""

import pytest
from stdnum.cn import uscc

from ipcity.accounts.models import Role, User
from ipcity.core.demo import DEMO_PASSWORD, load_demo, make_uscc
from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization, Region
from ipcity.rights.demo import OUTSIDE_HOLDERS, UNRESOLVED_HOLDERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(module_demo):
    return module_demo


def test_loading_demo_data_twice_creates_nothing_new(demo):
    orgs, users = Organization.objects.count(), User.objects.count()
    again = load_demo()
    assert (again.organizations, again.users) == (0, 0)
    assert (Organization.objects.count(), User.objects.count()) == (orgs, users)
    # The demo patents also bring their holders from outside the district as organizations.
    holders = [name for name, _address in OUTSIDE_HOLDERS + UNRESOLVED_HOLDERS]
    assert demo.organizations == orgs - Organization.objects.filter(name__in=holders).count()


def test_demo_data_has_the_member_units_of_the_plan(demo):
    names = set(Organization.objects.values_list("name", flat=True))
    for unit in (
        "市场监督管理局（知识产权局）",
        "科学技术委员会",
        "人民法院",
        "公安分局",
        "财政局",
    ):
        assert f"通州区{unit}" in names
    office = Organization.objects.get(name="通州区市场监督管理局（知识产权局）")
    assert office.children.exists()
    assert all(child.path.startswith(office.path) for child in office.children.all())


def test_demo_enterprises_are_many_clearly_synthetic_and_spread_over_streets_and_towns(demo):
    enterprises = Organization.objects.filter(kind=OrganizationKind.ENTERPRISE)
    assert enterprises.count() >= 300
    assert all(
        n.startswith("示例") and n.endswith("（演示）")
        for n in enterprises.values_list("name", flat=True)
    )
    places = enterprises.values_list("region__kind", flat=True).distinct()
    assert set(places) >= {"street", "town"}


def test_demo_codes_pass_the_check_except_a_few_that_carry_a_warning(demo):
    codes = Organization.objects.exclude(uscc="").values_list("uscc", "uscc_warning")
    failing = [(code, warning) for code, warning in codes if not uscc.is_valid(code)]
    assert 0 < len(failing) < 10
    assert all(warning for _code, warning in failing)
    assert all(not warning for code, warning in codes if uscc.is_valid(code))


def test_every_kind_of_institution_is_present(demo):
    kinds = set(Organization.objects.values_list("kind", flat=True))
    assert kinds >= {
        OrganizationKind.GOVERNMENT,
        OrganizationKind.STREET_TOWN,
        OrganizationKind.ENTERPRISE,
        OrganizationKind.UNIVERSITY,
        OrganizationKind.SERVICE,
        OrganizationKind.FINANCIAL,
        OrganizationKind.JUDICIAL,
    }
    assert Region.objects.filter(code="110112").exists()


def test_every_role_has_a_demo_account_that_can_sign_in(demo, client):
    for role in Role.objects.all():
        user = User.objects.filter(
            role_assignments__role=role, username__startswith="demo_"
        ).first()
        assert user is not None, role.code
        assert user.organization_id
        assert client.login(username=user.username, password=DEMO_PASSWORD)
    assert len(demo.accounts) == Role.objects.count()


def test_generated_codes_have_a_correct_check_digit_unless_asked_otherwise():
    assert uscc.is_valid(make_uscc("110112", 12345))
    assert not uscc.is_valid(make_uscc("110112", 12345, valid=False))
