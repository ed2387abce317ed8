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
