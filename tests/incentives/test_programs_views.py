"""Programme pages and API: list and detail by persona, drafts for the organizer, budget for
staff, create with rules (validation), publish, close, copy."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ipcity.incentives import programs
from ipcity.incentives.choices import ProgramStatus, RuleKind
from ipcity.incentives.models import Program, Rule

from .builders_programs import make_program, make_rule


@pytest.fixture
def published(iworld):
    program = make_program(iworld, required_materials="营业执照复印件")
    make_rule(program, max_items_per_applicant=10, label="")
    return program


@pytest.fixture
def draft(iworld):
    return make_program(iworld, code="DRAFT", status=ProgramStatus.DRAFT, name="草稿项目")


def test_detail_by_persona(iworld, published, login):
    url = published.get_absolute_url()
    for user in (iworld.erin, iworld.bob, iworld.leo, iworld.alice, iworld.charlie):
        response = login(user).get(url)
        assert response.status_code == 200, user
    body = login(iworld.erin).get(url).content.decode()
    assert "5,000 yuan per item" in body and "at most 10 items per applicant" in body
    assert 'data-testid="apply"' in body
    assert 'data-testid="budget"' not in body
    body = login(iworld.bob).get(url).content.decode()
    assert 'data-testid="apply"' not in body  # reads programmes only
    assert 'data-testid="budget"' in login(iworld.alice).get(url).content.decode()
    assert 'data-testid="budget"' in login(iworld.leo).get(url).content.decode()


def test_drafts_only_for_the_organizer(iworld, draft, login):
    url = draft.get_absolute_url()
    assert login(iworld.alice).get(url).status_code == 200
    assert login(iworld.erin).get(url).status_code == 404
    assert login(iworld.bob).get(url).status_code == 404
    listing = login(iworld.erin).get(reverse("incentives:program_list")).content.decode()
    assert "草稿项目" not in listing


def test_create_with_rules_in_one_page(iworld, login):
    client = login(iworld.alice)
    url = reverse("incentives:program_add")
    assert client.get(url).status_code == 200
    data = {
        "code": "TZ2027",
        "name": "2027年资助",
        "year": "2027",
        "organizer": iworld.office.pk,
        "call_opens": "2027-03-01",
        "call_closes": "2027-04-30",
        "budget": "1000000",
        "rules-TOTAL_FORMS": "2",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-kind": RuleKind.INVENTION_GRANT,
        "rules-0-amount": "5000",
        "rules-0-in_district_required": "on",
        "rules-1-kind": RuleKind.PLEDGE_INTEREST,
        "rules-1-rate_percent": "50",
        "rules-1-cap_per_item": "200000",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    program = Program.objects.get(code="TZ2027")
    assert program.status == ProgramStatus.DRAFT
    assert program.rules.count() == 2


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"rules-0-kind": RuleKind.INVENTION_GRANT}, "amount"),
        ({"rules-0-kind": RuleKind.INVENTION_GRANT, "rules-0-rate_percent": "10"}, "rate_percent"),
        (
            {
                "rules-0-kind": RuleKind.INVENTION_GRANT,
                "rules-0-amount": "1",
                "rules-0-date_from": "2026-05-01",
                "rules-0-date_to": "2026-01-01",
            },
            "date_to",
        ),
    ],
)
def test_bad_rules_refused_nothing_written(iworld, login, rule, field):
    data = {
        "code": "BAD",
        "name": "x",
        "year": "2027",
        "organizer": iworld.office.pk,
        "call_opens": "2027-03-01",
        "call_closes": "2027-04-30",
        "budget": "1",
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        **rule,
    }
    response = login(iworld.alice).post(reverse("incentives:program_add"), data)
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not Program.objects.filter(code="BAD").exists()


def test_call_dates_checked(iworld, login):
    data = {
        "code": "BAD",
        "name": "x",
        "year": "2027",
        "organizer": iworld.office.pk,
        "call_opens": "2027-05-01",
        "call_closes": "2027-04-30",
        "budget": "1",
        "rules-TOTAL_FORMS": "0",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    response = login(iworld.alice).post(reverse("incentives:program_add"), data)
    assert response.status_code == 400
    assert not Program.objects.filter(code="BAD").exists()


def test_others_may_not_create_or_edit(iworld, published, login):
    for user in (iworld.erin, iworld.leo, iworld.bob):
        assert login(user).get(reverse("incentives:program_add")).status_code == 403
        assert (
            login(user).get(reverse("incentives:program_edit", args=[published.pk])).status_code
            == 403
        )


def test_publish_close_copy(iworld, draft, login):
    make_rule(draft, date_from=datetime.date(2024, 2, 29), date_to=datetime.date(2026, 12, 31))
    client = login(iworld.erin)
    url = reverse("incentives:program_action", args=[draft.pk, "publish"])
    assert client.post(url).status_code == 404
    client = login(iworld.alice)
    client.post(url)
    draft.refresh_from_db()
    assert draft.status == ProgramStatus.PUBLISHED
    client.post(reverse("incentives:program_action", args=[draft.pk, "close"]))
    draft.refresh_from_db()
    assert draft.status == ProgramStatus.CLOSED
    client.post(reverse("incentives:program_action", args=[draft.pk, "copy"]), {"year": 2027})
    copy = Program.objects.get(year=2027)
    assert copy.status == ProgramStatus.DRAFT and copy.committed_amount == 0
    rule = copy.rules.get()
    assert rule.date_from == datetime.date(2025, 2, 28) and rule.date_to.year == 2027
    assert copy.call_opens.year == draft.call_opens.year + 1


def test_publish_needs_a_rule(iworld, draft):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        programs.publish(iworld.alice, draft)


@pytest.mark.parametrize("rows", [3, 10])
def test_list_queries_bounded(iworld, login, django_assert_max_num_queries, rows):
    for i in range(rows):
        make_program(iworld, code=f"P{i}")
    client = login(iworld.erin)
    client.get(reverse("incentives:program_list"))
    with django_assert_max_num_queries(20):
        assert client.get(reverse("incentives:program_list")).status_code == 200


def test_api(iworld, published, draft, login, django_assert_max_num_queries):
    client = login(iworld.erin)
    data = client.get("/api/incentives/programs/").json()
    assert [p["code"] for p in data["results"]] == [published.code]
    assert data["results"][0]["budget"] is None
    assert data["results"][0]["rules"][0]["text"]
    assert client.get(f"/api/incentives/programs/{draft.pk}/").status_code == 404
    office = login(iworld.alice)
    assert office.get(f"/api/incentives/programs/{published.pk}/").json()["budget"] == "1000000.00"
    payload = {
        "code": "API1",
        "name": "API",
        "year": 2027,
        "call_opens": "2027-01-01",
        "call_closes": "2027-02-01",
        "budget": "100",
        "rules": [{"kind": "invention_grant", "amount": "100"}],
    }
    response = office.post("/api/incentives/programs/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    bad = {**payload, "code": "API2", "rules": [{"kind": "invention_grant", "rate_percent": "5"}]}
    response = office.post("/api/incentives/programs/", bad, content_type="application/json")
    assert response.status_code == 422
    assert not Program.objects.filter(code="API2").exists()
    assert Rule.objects.filter(program__code="API1").get().amount == Decimal("100")
    client = login(iworld.erin)  # the same test client, signed in again
    response = client.post(
        "/api/incentives/programs/", {**payload, "code": "API3"}, content_type="application/json"
    )
    assert response.status_code == 403
    for i in range(10):
        make_program(iworld, code=f"Q{i}")
    with django_assert_max_num_queries(12):
        assert client.get("/api/incentives/programs/").status_code == 200


def _edit_data(program, **changes):
    """The programme page's POST as the form shows it, with `changes` applied."""
    data = {
        "code": program.code,
        "name": program.name,
        "year": str(program.year),
        "organizer": program.organizer_id,
        "call_opens": program.call_opens.isoformat(),
        "call_closes": program.call_closes.isoformat(),
        "budget": str(program.budget),
        "rules-INITIAL_FORMS": str(program.rules.count()),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    rules = list(program.rules.order_by("pk"))
    for i, rule in enumerate(rules):
        data[f"rules-{i}-id"] = rule.pk
        data[f"rules-{i}-kind"] = rule.kind
        for name in ("amount", "rate_percent", "cap_per_item", "cap_per_applicant"):
            value = getattr(rule, name)
            data[f"rules-{i}-{name}"] = str(value) if value is not None else ""
        data[f"rules-{i}-max_items_per_applicant"] = rule.max_items_per_applicant or ""
        data[f"rules-{i}-label"] = rule.label
        data[f"rules-{i}-in_district_required"] = "on" if rule.in_district_required else ""
    data["rules-TOTAL_FORMS"] = str(len(rules))
    data.update(changes)
    return data


def test_designation_rule_takes_kinds_and_levels(iworld, draft, login):
    client = login(iworld.alice)
    url = reverse("incentives:program_edit", args=[draft.pk])
    data = _edit_data(
        draft,
        **{
            "rules-TOTAL_FORMS": "1",
            "rules-0-kind": RuleKind.DESIGNATION,
            "rules-0-amount": "100000",
            "rules-0-designation_kinds": ["ip_advantage", "ip_demonstration"],
            "rules-0-designation_levels": ["national"],
        },
    )
    assert client.post(url, data).status_code == 302
    rule = draft.rules.get()
    assert rule.params == {"kinds": ["ip_advantage", "ip_demonstration"], "levels": ["national"]}
    # The form shows them ticked again.
    body = client.get(url).content.decode()
    assert 'value="ip_demonstration"' in body and "checked" in body
    # A grant rule has no designation kinds.
    data = _edit_data(
        draft,
        **{
            "rules-0-kind": RuleKind.INVENTION_GRANT,
            "rules-0-amount": "1",
            "rules-0-designation_kinds": ["ip_advantage"],
        },
    )
    response = client.post(url, data)
    assert response.status_code == 400
    assert 'data-field="designation_kinds"' in response.content.decode()
    rule.refresh_from_db()
    assert rule.kind == RuleKind.DESIGNATION


def test_rule_params_checked_through_the_api_too(iworld):
    errors = programs.rule_errors(
        {"kind": RuleKind.DESIGNATION, "amount": 1, "params": {"kinds": ["knighthood"]}}
    )
    assert "params" in errors and "knighthood" in str(errors["params"])
    errors = programs.rule_errors(
        {"kind": RuleKind.DESIGNATION, "amount": 1, "params": {"colour": ["red"]}}
    )
    assert "params" in errors
    ok = {"kind": RuleKind.DESIGNATION, "amount": 1, "params": {"levels": ["district"]}}
    assert programs.rule_errors(ok) == {}


def test_rules_locked_once_applications_exist(iworld, published, login):
    from .builders_programs import make_application

    rule = published.rules.get()
    make_application(published, iworld.enterprise_a)
    url = reverse("incentives:program_edit", args=[published.pk])
    data = _edit_data(published, **{"rules-0-amount": "999999"})
    response = login(iworld.alice).post(url, data)
    assert response.status_code == 400
    assert "once applications exist" in response.content.decode()
    rule.refresh_from_db()
    assert rule.amount == Decimal("5000")
    # The programme's own fields may still change.
    data = _edit_data(published, name="改名后的项目")
    assert login(iworld.alice).post(url, data).status_code == 302
    published.refresh_from_db()
    assert published.name == "改名后的项目"


def test_budget_not_below_what_approvals_reserved(iworld, published, login):
    Program.objects.filter(pk=published.pk).update(committed_amount=Decimal("300000"))
    published.refresh_from_db()
    url = reverse("incentives:program_edit", args=[published.pk])
    response = login(iworld.alice).post(url, _edit_data(published, budget="299999.99"))
    assert response.status_code == 400
    assert 'data-field="budget"' in response.content.decode()
    published.refresh_from_db()
    assert published.budget == Decimal("1000000")
    assert login(iworld.alice).post(url, _edit_data(published, budget="300000")).status_code == 302
    published.refresh_from_db()
    assert published.budget == Decimal("300000")
