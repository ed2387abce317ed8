"""Unit names matched to organizations: exact, short name, then fuzzy proposals only."""

import pytest

from ipcity.orgs.choices import OrganizationKind
from ipcity.orgs.models import Organization
from ipcity.plans.matching import UnitMatcher, normalize

from ..factories import make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def matcher(world):
    make_org("通州区财政局", OrganizationKind.GOVERNMENT, short_name="财政局")
    make_org("通州区人民法院", OrganizationKind.GOVERNMENT)
    make_org("通州区委宣传部（版权局）", OrganizationKind.GOVERNMENT)
    return UnitMatcher()


def test_an_exact_name_matches(world, matcher):
    match = matcher.match("通州区科学技术委员会")
    assert (match.status, match.organization_id) == ("exact", world.unit.pk)


def test_a_short_name_matches(matcher):
    match = matcher.match("财政局")
    assert match.status == "short"
    assert match.organization_name == "通州区财政局"


def test_the_district_prefix_is_ignored_also_inside_brackets(world, matcher):
    match = matcher.match("区市场监督管理局（区知识产权局）")
    assert (match.status, match.organization_id) == ("short", world.office.pk)
    assert matcher.match("北京市通州区科学技术委员会").organization_id == world.unit.pk
    assert matcher.match("区委宣传部(区版权局)").status == "short"


def test_an_abbreviation_is_only_proposed_for_confirmation(world, matcher):
    match = matcher.match("区科委")
    assert match.status == "fuzzy"
    assert match.organization_id is None
    assert match.candidates[0]["id"] == world.unit.pk


def test_one_of_two_names_of_an_office_is_proposed(world, matcher):
    match = matcher.match("区知识产权局")
    assert match.status == "fuzzy"
    assert match.candidates[0]["id"] == world.office.pk


def test_an_unknown_unit_matches_nothing_and_nothing_is_created(matcher):
    before = Organization.objects.count()
    match = matcher.match("区融媒体中心")
    assert (match.status, match.organization_id, match.candidates) == ("none", None, [])
    assert Organization.objects.count() == before


def test_enterprises_are_matched_exactly_but_never_proposed(world, matcher):
    assert matcher.match("示例甲科技有限公司").status == "exact"
    assert all(c["id"] != world.enterprise_a.pk for c in matcher.match("示例甲科技").candidates)


def test_a_user_is_matched_only_against_organizations_they_see(world):
    bob = UnitMatcher(user=world.bob)
    assert bob.match("通州区科学技术委员会").organization_id == world.unit.pk
    assert bob.match("通州区市场监督管理局（知识产权局）").status == "none"


def test_normalize_folds_width_traditional_and_prefixes():
    assert normalize("北京市通州区 市場監督管理局（區知識產權局）", ("北京市通州区", "区")) == (
        "市场监督管理局(知识产权局)"
    )


def test_the_demo_plan_matches_every_demo_unit_but_the_one_left_for_a_person(db):
    from ipcity.core.demo import load_demo
    from ipcity.plans.models import Plan, TaskUnit

    load_demo()
    load_demo()
    plan = Plan.objects.get()
    assert plan.tasks.count() == 17
    unmatched = TaskUnit.objects.filter(task__plan=plan, organization__isnull=True)
    assert list(unmatched.values_list("name_as_written", flat=True)) == ["区融媒体中心"]
    lead = TaskUnit.objects.get(task__plan=plan, task__number=1, role="lead")
    assert lead.organization.name == "通州区市场监督管理局（知识产权局）"
