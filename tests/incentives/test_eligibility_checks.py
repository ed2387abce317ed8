"""Eligibility pre-check: every check passing and failing, amounts with caps and rates."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ipcity.incentives import applications, eligibility
from ipcity.incentives.choices import ApplicationStatus, RuleKind
from ipcity.incentives.models import ApplicationItem

from .builders_programs import make_application, make_program, make_reward, make_rule


@pytest.fixture
def setup(iworld):
    program = make_program(iworld)
    rule = make_rule(program, max_items_per_applicant=10)
    app = make_application(program, iworld.enterprise_a)
    return iworld, program, rule, app


def codes(item, ok=None):
    return {c["code"] for c in item.checks if ok is None or c["ok"] is ok}


def test_granted_valid_patent_held_in_district_is_eligible(setup):
    w, _program, rule, app = setup
    item = applications.add_item(w.erin, app, rule, "ZL 2023 1 0000001.1")
    assert item.patent == w.inv_a
    assert item.eligible, item.checks
    assert item.computed_amount == Decimal("5000.00")
    assert item.reward_key == f"patent:{w.inv_a.pk}"
    assert not codes(item, ok=False)
    app.refresh_from_db()
    assert app.requested_amount == Decimal("5000.00")


@pytest.mark.parametrize(
    ("name", "code"),
    [("pending_a", "granted"), ("lapsed_a", "granted"), ("inv_b", "held"), ("outside", "district")],
)
def test_failing_checks(setup, name, code):
    w, _program, rule, app = setup
    patent = getattr(w, name)
    item = applications.add_item(w.erin, app, rule, patent.application_number)
    assert not item.eligible
    assert code in codes(item, ok=False)
    assert item.computed_amount == 0
    message = next(eligibility.message(c) for c in item.checks if c["code"] == code)
    assert message


def test_unknown_number_is_kept_with_a_reason(setup):
    w, _program, rule, app = setup
    item = applications.add_item(w.erin, app, rule, "209910009999.1")
    assert not item.eligible
    assert codes(item, ok=False) == {"found"}


def test_wrong_patent_type(setup):
    w, _program, rule, app = setup
    item = applications.add_item(w.erin, app, rule, w.um_a.application_number)
    assert "kind" in codes(item, ok=False)


def test_district_not_required(setup):
    w, _program, rule, app = setup
    rule.in_district_required = False
    rule.save()
    item = applications.add_item(w.erin, app, rule, w.outside.application_number)
    assert item.eligible, item.checks


def test_grant_date_outside_window(setup):
    w, _program, rule, app = setup
    rule.date_from = datetime.date(2025, 4, 1)
    rule.date_to = datetime.date(2025, 12, 31)
    rule.save()
    early = applications.add_item(w.erin, app, rule, w.inv_a.application_number)
    inside = applications.add_item(w.erin, app, rule, w.inv_a2.application_number)
    assert "window" in codes(early, ok=False)
    assert "window" in codes(inside, ok=True)
    assert inside.eligible


def test_already_rewarded_refused(setup, iworld):
    w, _program, rule, app = setup
    old = make_program(w, code="TZ2025", year=2025)
    old_rule = make_rule(old)
    old_app = make_application(old, w.enterprise_a, status=ApplicationStatus.PAID)
    old_item = ApplicationItem.objects.create(
        application=old_app,
        rule=old_rule,
        patent=w.inv_a,
        reference=w.inv_a.application_number,
        reward_key=f"patent:{w.inv_a.pk}",
        eligible=True,
    )
    make_reward(old_item, old, w.enterprise_a)
    item = applications.add_item(w.erin, app, rule, w.inv_a.application_number)
    assert not item.eligible
    assert "rewarded" in codes(item, ok=False)
    assert old.name in next(eligibility.message(c) for c in item.checks if c["code"] == "rewarded")


def test_claimed_in_another_live_application_is_a_warning(setup):
    w, _program, rule, app = setup
    other = make_program(w, code="TZ2026B")
    other_rule = make_rule(other)
    other_app = make_application(other, w.enterprise_a, status=ApplicationStatus.SUBMITTED)
    ApplicationItem.objects.create(
        application=other_app,
        rule=other_rule,
        patent=w.inv_a,
        reference="x",
        reward_key=f"patent:{w.inv_a.pk}",
    )
    item = applications.add_item(w.erin, app, rule, w.inv_a.application_number)
    warning = next(c for c in item.checks if c["code"] == "claimed_elsewhere")
    assert warning["ok"] is False
    assert item.eligible  # a warning, not a refusal
    # A withdrawn application no longer claims it.
    other_app.status = ApplicationStatus.WITHDRAWN
    other_app.save()
    assert "claimed_elsewhere" not in {c["code"] for c in eligibility.check_item(item)}


def test_max_items_per_applicant(setup):
    w, _program, rule, app = setup
    rule.max_items_per_applicant = 1
    rule.save()
    first = applications.add_item(w.erin, app, rule, w.inv_a.application_number)
    second = applications.add_item(w.erin, app, rule, w.inv_a2.application_number)
    first.refresh_from_db()
    assert first.eligible and first.computed_amount == 5000
    assert not second.eligible and "limit" in codes(second, ok=False)
    app.refresh_from_db()
    assert app.requested_amount == Decimal("5000.00")


def test_cap_per_applicant_reduces_the_last_item(setup):
    w, _program, rule, app = setup
    rule.cap_per_applicant = Decimal("8000")
    rule.save()
    applications.add_item(w.erin, app, rule, w.inv_a.application_number)
    second = applications.add_item(w.erin, app, rule, w.inv_a2.application_number)
    assert second.eligible
    assert second.computed_amount == Decimal("3000.00")
    app.refresh_from_db()
    assert app.requested_amount == Decimal("8000.00")


def test_rate_with_cap_per_item(iworld):
    from ipcity.incentives import rules

    program = make_program(iworld)
    rule = make_rule(
        program,
        RuleKind.PLEDGE_INTEREST,
        rate_percent=Decimal("50"),
        cap_per_item=Decimal("200000"),
    )
    item = ApplicationItem(rule=rule, claimed_base=Decimal("120000"))
    assert rules.compute(rule, item) == Decimal("60000.00")
    item.claimed_base = Decimal("900000")
    assert rules.compute(rule, item) == Decimal("200000.00")
    item.claimed_base = None
    assert rules.compute(rule, item) == 0
    assert rules.compute(
        rule, ApplicationItem(rule=rule, claimed_base=Decimal("1000")), rules.Usage(0, Decimal("0"))
    ) == Decimal("500.00")


def test_pledge_interest_item(iworld):
    from ipcity.orgs.choices import OrganizationKind
    from ipcity.utilization.models import Pledge

    from ..factories import make_org

    bank = make_org(
        "北京银行通州支行", OrganizationKind.ENTERPRISE if False else OrganizationKind.GOVERNMENT
    )
    pledge = Pledge.objects.create(
        pledgor=iworld.enterprise_a,
        pledgee=bank,
        amount=Decimal("500"),
        registration_number="Y2025990001",
        registration_date=datetime.date(2025, 5, 1),
        term_start=datetime.date(2025, 5, 1),
        term_end=datetime.date(2026, 4, 30),
    )
    program = make_program(iworld)
    rule = make_rule(
        program,
        RuleKind.PLEDGE_INTEREST,
        rate_percent=Decimal("50"),
        cap_per_item=Decimal("200000"),
    )
    app = make_application(program, iworld.enterprise_a)
    with pytest.raises(ValidationError):
        applications.add_item(iworld.erin, app, rule, "Y2025990001")
    item = applications.add_item(iworld.erin, app, rule, "Y2025990001", claimed_base="30000")
    assert item.pledge == pledge
    assert item.reward_key == f"pledge:{pledge.pk}:2026"
    assert item.computed_amount == Decimal("15000.00"), item.checks
    # Another enterprise's pledge is not found among B's pledges.
    app_b = make_application(program, iworld.enterprise_b)
    other = applications.add_item(iworld.charlie, app_b, rule, "Y2025990001", claimed_base="1000")
    assert other.pledge is None and not other.eligible


def test_refresh_queries_do_not_grow_with_items(setup, django_assert_max_num_queries):
    from ..conftest import World  # noqa: F401
    from .conftest import make_patent

    w, _program, rule, app = setup
    rule.max_items_per_applicant = None
    rule.save()

    def add(n, start):
        for i in range(n):
            patent = make_patent(f"20231{start + i:07d}", w.enterprise_a, region=w.street)
            ApplicationItem.objects.create(
                application=app, rule=rule, patent=patent, reference=patent.application_number
            )

    add(3, 100)
    with django_assert_max_num_queries(14) as small:
        eligibility.refresh(app)
    add(27, 200)
    with django_assert_max_num_queries(len(small.captured_queries)):
        items = eligibility.refresh(app)
    assert len(items) == 30 and all(i.eligible for i in items)


def test_pledge_interest_bounded_by_the_secured_amount_and_keyed_by_the_window_year(iworld):
    from ipcity.orgs.choices import OrganizationKind
    from ipcity.utilization.models import Pledge

    from ..factories import make_org

    bank = make_org("北京银行通州支行", OrganizationKind.GOVERNMENT)
    pledge = Pledge.objects.create(
        pledgor=iworld.enterprise_a,
        pledgee=bank,
        amount=Decimal("100"),  # 10k yuan: 1,000,000 yuan secured
        registration_number="Y2025990002",
        registration_date=datetime.date(2025, 3, 1),
        term_start=datetime.date(2025, 3, 1),
        term_end=datetime.date(2026, 2, 28),
    )
    program = make_program(iworld)
    rule = make_rule(
        program,
        RuleKind.PLEDGE_INTEREST,
        rate_percent=Decimal("50"),
        date_from=datetime.date(2025, 1, 1),
        date_to=datetime.date(2025, 12, 31),
    )
    app = make_application(program, iworld.enterprise_a)
    item = applications.add_item(iworld.erin, app, rule, "Y2025990002", claimed_base="1000001")
    assert not item.eligible and "base" in codes(item, ok=False)
    assert "1,000,000" in next(eligibility.message(c) for c in item.checks if c["code"] == "base")
    item.claimed_base = Decimal("1000000")
    item.save()
    (item,) = eligibility.refresh(app)
    assert item.eligible, item.checks
    assert item.computed_amount == Decimal("500000.00")
    # Interest of 2025 (the window), whatever year the programme is.
    assert item.reward_key == f"pledge:{pledge.pk}:2025"


def test_a_patent_is_rewarded_once_across_rule_kinds(setup):
    """A high-value invention claimed for its grant and again as high-value in one application
    is claimed once: the second is refused when added, and an item that slipped in (a rule
    changed under it) is checked as a duplicate."""
    w, program, rule, app = setup
    w.inv_a.is_high_value = True
    w.inv_a.save()
    high_value = make_rule(program, RuleKind.HIGH_VALUE_INVENTION, amount=Decimal("20000"))
    first = applications.add_item(w.erin, app, rule, w.inv_a.application_number)
    assert first.reward_key == f"patent:{w.inv_a.pk}"
    with pytest.raises(ValidationError):
        applications.add_item(w.erin, app, high_value, w.inv_a.application_number)
    second = ApplicationItem.objects.create(
        application=app, rule=high_value, patent=w.inv_a, reference=w.inv_a.application_number
    )
    items = eligibility.refresh(app)
    assert [i.pk for i in items] == [first.pk, second.pk]
    assert items[0].eligible and not items[1].eligible
    assert "duplicate" in codes(items[1], ok=False)
    app.refresh_from_db()
    assert app.requested_amount == Decimal("5000.00")


def test_check_words_follow_the_reader_language(setup):
    """A check is stored untranslated and worded in each reader's language."""
    from django.utils import translation

    w, _program, rule, app = setup
    item = applications.add_item(w.erin, app, rule, w.lapsed_a.application_number)
    granted = next(c for c in item.checks if c["code"] == "granted")
    with translation.override("en"):
        english = eligibility.message(granted)
    with translation.override("zh-hans"):
        chinese = eligibility.message(granted)
    assert "not in force" in english
    assert english != chinese and "专利" in chinese
    # The status label inside the message is translated too, not stored in one language.
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english.split("(")[-1])


def test_refresh_queries_do_not_grow_with_unfound_numbers(setup, django_assert_max_num_queries):
    """Numbers not in the registry (or not yet there) are looked up together, and a number
    registered meanwhile is found on the next refresh."""
    from .conftest import make_patent

    w, _program, rule, app = setup
    rule.max_items_per_applicant = None
    rule.save()

    def add(n, start):
        for i in range(n):
            ApplicationItem.objects.create(
                application=app, rule=rule, reference=f"20231{start + i:07d}"
            )

    add(2, 500)
    with django_assert_max_num_queries(12) as small:
        eligibility.refresh(app)
    add(20, 600)
    with django_assert_max_num_queries(len(small.captured_queries)):
        items = eligibility.refresh(app)
    assert len(items) == 22 and not any(i.eligible for i in items)
    patent = make_patent("202310000500.4", w.enterprise_a, region=w.street)
    items = eligibility.refresh(app)
    assert [i.patent_id for i in items if i.eligible] == [patent.pk]
