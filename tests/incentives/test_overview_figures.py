"""The overview: figures equal their lists; money only for staff; the stats API; the card."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ipcity.incentives import payments, stats

from .builders_awards import approved, confirmed, make_program, submitted

pytestmark = pytest.mark.django_db


def _count(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["table"].paginator.count


def test_figures_equal_their_lists(iworld, login, client):
    iw = iworld
    program = make_program(iw.office)
    app = confirmed(iw, program, patents=(iw.inv_a, iw.inv_a2))
    payments.record(iw.alice, app, app.approved_amount, timezone.localdate(), "V1")
    submitted(iw.charlie, program, iw.enterprise_b, iw.inv_b)
    figures = stats.figures(iw.alice, program.year)
    login(iw.alice)
    row = next(p for p in figures["programs"] if p["id"] == program.pk)
    assert row["approved"] == app.approved_amount and row["paid"] == app.approved_amount
    assert row["remaining"] == program.budget - app.approved_amount
    assert _count(client, row["payments_url"]) == row["payments"] == 1
    assert _count(client, row["applications_url"]) == row["applications"] == 2
    assert _count(client, row["awarded_url"]) == row["awarded"] == 1
    for status in row["statuses"]:
        assert _count(client, status["url"]) == status["count"]
    for kind in figures["kinds"]:
        assert _count(client, kind["url"]) == kind["rights"] == 2
    for applicant in figures["applicants"]:
        assert _count(client, applicant["url"]) == applicant["rights"]
    assert _count(client, figures["totals"]["rights_url"]) == figures["totals"]["rights"] == 2
    page = client.get(reverse("incentives:overview"), {"year": program.year})
    assert page.status_code == 200
    assert "20,000.00" in page.content.decode() or "20000" in page.content.decode()
    # Every bar of the charts links to a list holding exactly the bar's rows.
    charts = page.context["charts"]
    assert set(charts) == {"budget", "applications", "kinds"}
    bars = 0
    for name in ("applications", "kinds"):
        for series in charts[name]["series"]:
            if series.get("axis") == 1 or name == "applications":
                for point in series["data"]:
                    assert _count(client, point["url"]) == point["value"]
                    bars += 1
    assert bars >= 3
    approved_bar = charts["budget"]["series"][1]["data"][0]
    assert approved_bar["value"] == float(app.approved_amount)
    assert 'data-chart="budget"' in page.content.decode()
    assert "bar_charts.js" in page.content.decode()


def test_money_only_for_staff(iworld, login, client):
    iw = iworld
    program = make_program(iw.office)
    approved(iw, program)
    assert "budget" in stats.figures(iw.leo)["totals"]
    assert "budget" not in stats.figures(iw.erin)["totals"]
    assert "budget" not in stats.figures(iw.charlie)["totals"]
    assert stats.figures(iw.charlie)["totals"]["applications"] == 0
    response = login(iw.erin).get(reverse("incentives:overview"))
    assert response.status_code == 200
    assert "budget" not in response.context["charts"]  # no money chart for an enterprise
    client.logout()
    data = login(iw.leo).get("/api/incentives/stats").json()
    assert data["totals"]["approved"] == "10000.00"
    client.logout()
    assert "budget" not in login(iw.charlie).get("/api/incentives/stats").json()["totals"]


def test_card(iworld, rf):
    from ipcity.incentives.cards import incentives_card

    iw = iworld
    program = make_program(iw.office)
    approved(iw, program)
    request = rf.get("/")
    request.user = iw.alice
    card = incentives_card(request)
    assert card and any(item["value"] == "10,000.00" for item in card["groups"][0]["items"])
    request.user = iw.erin
    card = incentives_card(request)
    assert card and all(not str(i["value"]).count(",") for i in card["groups"][0]["items"])


def test_overview_query_count(iworld, login, django_assert_max_num_queries):
    iw = iworld
    client = login(iw.alice)
    for _n in range(2):
        for _i in range(3):
            make_program(iw.office)
        with django_assert_max_num_queries(20):
            assert client.get(reverse("incentives:overview")).status_code == 200
        with django_assert_max_num_queries(14):
            assert client.get("/api/incentives/stats").status_code == 200
