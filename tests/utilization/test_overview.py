"""The utilization overview, its dashboard card and the enterprise page.

One small world for 2025 (see `figures`): every figure is written out by hand for the office, for
erin (enterprise A) and for charlie (enterprise B), and every figure must equal the list it links
to, as that list's own FilterSet filters it for the same reader. Dates that "today" judges (in
force today, past the transition today) are built relative to today, so the figures hold
whatever day the tests run.
"""

import datetime
import html
import json
import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Sum
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from ipcity.core.menu import menu_for
from ipcity.utilization import stats
from ipcity.utilization.deals import record_transaction
from ipcity.utilization.loaders import ensure_editions
from ipcity.utilization.models import (
    Certificate,
    Designation,
    InsurancePolicy,
    Pledge,
    PoolEntry,
    RiskAlert,
    SupportRecord,
    Transaction,
)

from ..factories import make_org, make_user
from ..rights.registry_builders import make_patent

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = 2025
_numbers = iter(range(1, 100_000))


def pledge(pledgor, pledgee, when, amount, status="registered"):
    return Pledge.objects.create(
        pledgor=pledgor,
        pledgee=pledgee,
        amount=Decimal(amount),
        registration_date=when,
        registration_number=f"Y{next(_numbers):06d}",
        status=status,
    )


def policy(insured, insurer, when, amount, kind="enforcement"):
    return InsurancePolicy.objects.create(
        insured=insured,
        insurer=insurer,
        kind=kind,
        policy_number=f"P{next(_numbers):06d}",
        insured_amount=Decimal(amount),
        start_date=when,
    )


def deal(assignor, assignee, year, amount=None, kind="assignment") -> Transaction:
    """Recorded as the pages record one: year and source flags come from the parties."""
    return record_transaction(
        None,
        kind=kind,
        assignor=assignor,
        assignee=assignee,
        patents=[make_patent()],
        amount=None if amount is None else Decimal(amount),
        contract_date=D(year, 6, 1),
    )


def still_valid(day: datetime.date) -> datetime.date:
    """`day`, or a year from today if that is later: an end date that has not passed when the
    tests run, however late that is."""
    return max(day, stats.today() + timedelta(days=365))


def certificate(org, version, issued, expires, status="valid"):
    return Certificate.objects.create(
        organization=org,
        standard_version=version,
        number=f"C{next(_numbers):06d}",
        body_name="中知（北京）认证有限公司",
        issue_date=issued,
        expiry_date=expires,
        status=status,
    )


def alert(pledge_, kind, status="open"):
    return RiskAlert.objects.create(
        pledge=pledge_, kind=kind, detected_on=D(2025, 10, 1), status=status
    )


def populate(w, year=YEAR, pool=True):
    """One year's records of A, B, the university, the banks and an enterprise outside (the
    pool holds an enterprise once per track, so only the first call adds to it)."""
    a, b = w.enterprise_a, w.enterprise_b
    Designation.objects.create(
        organization=a,
        kind="ip_advantage",
        level="municipal",
        year=year,
        valid_from=D(year, 6, 1),
        valid_until=still_valid(D(year + 3, 5, 31)),  # in force today
    )
    Designation.objects.create(
        organization=b,
        kind="ip_demonstration",
        level="district",
        year=year,
        valid_until=still_valid(D(year + 2, 12, 31)),  # in force today
    )
    Designation.objects.create(
        organization=a,
        kind="high_tech",
        level="national",
        year=year - 2,
        valid_from=D(year - 2, 1, 1),
        valid_until=D(year, 12, 31),  # over before today (2026)
    )
    if pool:
        PoolEntry.objects.create(
            organization=a, target_kind="ip_demonstration", year=year, meets_all=True
        )
        PoolEntry.objects.create(
            organization=b, target_kind="ip_advantage", year=year, stage="cultivated"
        )
    SupportRecord.objects.create(
        organization=a, kind="training", date=D(year, 4, 1), title="贯标培训"
    )
    certificate(a, "2023", D(year, 2, 1), D(year + 3, 1, 31))
    # a 2013 certificate valid through the end of 2025, never converted: overdue from 2026, as
    # long as it has not expired
    certificate(b, "2013", D(year - 1, 1, 1), still_valid(D(year + 1, 12, 31)))
    certificate(w.outside, "2023", D(year, 3, 1), D(year + 3, 2, 28))
    deal(w.university, a, year, "80")  # from a university
    deal(w.outside, a, year, "20", kind="exclusive")  # from outside
    deal(a, b, year, None, kind="ordinary")
    deal(b, w.outside, year, "5")
    deal(a, b, year - 1, "7")
    p_a = pledge(a, w.bank_a, D(year, 3, 1), "500.00")
    pledge(a, w.bank_b, D(year, 9, 1), "120.50", status="released")
    p_b = pledge(b, w.bank_a, D(year, 5, 1), "300", status="changed")
    pledge(b, w.bank_a, D(year, 6, 1), "1000", status="cancelled")
    pledge(a, w.bank_a, D(year - 1, 12, 31), "50")
    policy(a, w.bank_b, D(year, 2, 1), "200")
    policy(b, w.bank_b, D(year, 7, 1), "50.25", kind="liability")
    alert(p_a, "lapsed")
    alert(p_b, "fee_overdue", status="acknowledged")
    alert(p_b, "invalidated")


@pytest.fixture
def figures(uworld):
    ensure_editions()
    populate(uworld)
    return uworld


# What each reader sees for 2025 (today is after 2025, so "in force today" is judged now).
OFFICE = {
    "designated": "2",
    "designations_current": "2",  # A's advantage and B's demonstration; high-tech ended
    "designated_ip_advantage_municipal": "1",
    "designated_ip_demonstration_district": "1",
    "pool_candidate": "1",
    "pool_cultivated": "1",
    "pool_ready": "1",
    "certificates_valid": "3",
    "certificates_2013": "1",
    "certificates_2023": "2",
    "transactions": "4",
    "transaction_amount": "105.00",
    "university_transactions": "1",
    "transactions_from_outside": "1",
    "transactions_exclusive": "1",
    "pledge_amount": "920.50",
    "pledges": "3",
    "enterprises_financed": "2",
    "insured_amount": "250.25",
    "policies": "2",
    "open_alerts": "2",
}
ERIN = {
    "designated": "1",
    "designations_current": "1",
    "pool_candidate": "1",
    "pool_cultivated": "0",
    "certificates_valid": "1",
    "certificates_2013": "0",
    "transactions": "3",
    "transaction_amount": "100.00",
    "university_transactions": "1",
    "pledge_amount": "620.50",
    "pledges": "2",
    "enterprises_financed": "1",
    "insured_amount": "200.00",
    "open_alerts": "1",
}
CHARLIE = {
    "designated": "1",
    "certificates_valid": "1",
    "certificates_2013": "1",
    "transactions": "2",
    "transaction_amount": "5.00",
    "pledge_amount": "300.00",
    "pledges": "1",
    "insured_amount": "50.25",
    "open_alerts": "1",
}


def shown(response) -> dict[str, str]:
    body = response.content.decode()
    return dict(re.findall(r'data-testid="value-([\w-]+)">([^<]*)<', body))


def overview(client, year=YEAR):
    return client.get(reverse("utilization:overview"), {"year": year})


# --- figures -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona, expected", [("alice", OFFICE), ("leo", OFFICE)])
def test_the_office_and_the_leader_read_every_figure(figures, login, persona, expected):
    response = overview(login(getattr(figures, persona)))

    assert response.status_code == 200
    values = shown(response)
    for key, value in expected.items():
        assert values[key] == value, key


def test_the_transition_overdue_count_is_judged_today(figures, login):
    # B's 2013 certificate is still marked valid in 2026, after the transition ended
    values = shown(overview(login(figures.alice)))

    assert values["certificates_overdue"] == "1"


def test_erin_sees_only_her_enterprises_figures(figures, login):
    values = shown(overview(login(figures.erin)))

    for key, value in ERIN.items():
        assert values[key] == value, key
    assert values["certificates_overdue"] == "0"


def test_charlie_sees_only_his(figures, login):
    values = shown(overview(login(figures.charlie)))

    for key, value in CHARLIE.items():
        assert values[key] == value, key


def test_a_bank_sees_its_own_pledges(figures, login):
    values = shown(overview(login(figures.fiona)))

    # bank A took A's 500 and B's 300 (changed); B's cancelled one is not financing
    assert values["pledge_amount"] == "800.00"
    assert values["pledges"] == "2"
    assert values["enterprises_financed"] == "2"
    assert values["open_alerts"] == "2"


def _listed(user, url: str):
    """The queryset the linked list shows to `user`: its own FilterSet over its own restricted
    queryset, as ObjectListView builds it."""
    path, _sep, query = url.partition("?")
    view = resolve(path).func.view_class
    filterset = view.filterset_class(
        QueryDict(query),
        queryset=view.queryset.restrict(user, "view"),
        request=SimpleNamespace(user=user),
    )
    assert filterset.is_valid(), (url, filterset.errors)
    return filterset.qs


SUMMED = {
    "transaction_amount": "amount",
    "pledge_amount": "amount",
    "insured_amount": "insured_amount",
}
# Figures that count something other than a list's rows open a page of their own.
OWN_PAGES = {"enterprises_financed": "utilization:financed_enterprises"}


def financed_shown(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return int(re.search(r'data-testid="financed-count"[^>]*>(\d+)<', response.content.decode())[1])


@pytest.mark.parametrize("persona", ["alice", "erin", "charlie", "fiona"])
def test_every_figure_equals_the_list_it_links_to(figures, login, persona):
    user = getattr(figures, persona)
    found = stats.figures_by_key(stats.sections(user, YEAR))
    client = login(user)

    assert found
    for key, figure in found.items():
        assert figure.url, key
        if key in OWN_PAGES:
            assert figure.url.startswith(reverse(OWN_PAGES[key])), key
            listed = financed_shown(client, figure.url)
        elif key in SUMMED:
            listed = _listed(user, figure.url).aggregate(s=Sum(SUMMED[key]))["s"] or Decimal("0")
        else:
            listed = _listed(user, figure.url).count()
        assert listed == figure.value, (persona, key, figure.url)


@pytest.mark.parametrize("day", [D(2027, 1, 1), D(2028, 6, 1), D(2031, 3, 15)])
def test_the_figures_judged_today_hold_on_a_later_day(uworld, monkeypatch, day):
    # "in force today" and "past the transition today" are judged on the day the page is read;
    # the world is built relative to that day, so the figures do not change as time passes
    from ipcity.utilization import certificates

    monkeypatch.setattr(stats, "today", lambda: day)
    monkeypatch.setattr(certificates, "current_date", lambda: day)
    ensure_editions()
    populate(uworld)

    found = stats.figures_by_key(stats.sections(uworld.alice, YEAR))
    assert found["designations_current"].value == 2
    assert found["certificates_overdue"].value == 1
    assert found["certificates_valid"].value == 3  # on 31 Dec 2025, whatever today is


def test_the_figures_link_to_the_contract_parameters(figures, login):
    found = stats.figures_by_key(stats.sections(figures.alice, YEAR))

    assert found["pledge_amount"].url.endswith(
        "?registration_year=2025&status=registered&status=changed&status=released"
    )
    assert found["transactions_from_outside"].url.endswith("?year=2025&from_outside=true")
    assert found["certificates_2013"].url.endswith("?valid_at_end_of=2025&standard_version=2013")
    assert found["designated_ip_advantage_municipal"].url.endswith(
        "?kind=ip_advantage&level=municipal&year=2025"
    )
    assert found["open_alerts"].url.endswith("?status=open")


def test_the_current_year_takes_certificates_valid_today(figures):
    found = stats.figures_by_key(stats.sections(figures.alice, stats.today().year))

    assert "valid_on=" in found["certificates_valid"].url
    assert _listed(figures.alice, found["certificates_valid"].url).count() == (
        found["certificates_valid"].value
    )


def test_the_trend_covers_five_years(figures, login):
    response = overview(login(figures.leo))

    body = response.content.decode()
    data = json.loads(
        re.search(
            r'<script id="utilization-trend-data" type="application/json">(.*?)</script>',
            body,
            re.S,
        ).group(1)
    )
    assert data["years"] == [2021, 2022, 2023, 2024, 2025]
    series = {s["key"]: s["values"] for s in data["series"]}
    assert series["transactions"] == [0, 0, 0, 1, 4]
    assert series["pledge_amount"] == [0, 0, 0, 50.0, 920.5]
    assert series["certificates"][-1] == 3
    assert "echarts.min.js" in body
    assert "<script>" not in body  # no inline script: the chart reads the embedded JSON


def test_enterprises_are_named_with_a_link_to_their_page(figures, login):
    body = overview(login(figures.alice)).content.decode()

    assert reverse("utilization:enterprise", args=[figures.enterprise_a.pk]) in body
    assert 'data-testid="table-pledgors"' in body


def test_a_bank_sees_the_pledgors_named_but_cannot_open_their_pages(figures, login):
    body = overview(login(figures.fiona)).content.decode()

    assert figures.enterprise_a.name in body
    assert reverse("utilization:enterprise", args=[figures.enterprise_a.pk]) not in body


def test_a_bad_year_says_so_and_shows_this_year(figures, login):
    response = login(figures.alice).get(reverse("utilization:overview"), {"year": "abc"})

    assert response.status_code == 400
    assert "not a year this page covers" in response.content.decode()


def test_a_user_without_utilization_rights_is_refused(figures, login):
    admin = make_user("sam", figures.office, "system_admin")

    assert login(admin).get(reverse("utilization:overview")).status_code == 403
    url = reverse("utilization:enterprise", args=[figures.enterprise_a.pk])
    assert login(admin).get(url).status_code == 403


def test_the_overview_is_the_first_utilization_entry(figures):
    section = next(s for s in menu_for(figures.leo) if s["key"] == "utilization")

    assert section["items"][0].url_name == "utilization:overview"


def test_the_overview_costs_the_same_queries_however_many_records(figures, login):
    client = login(figures.alice)
    overview(client)
    with CaptureQueriesContext(connection) as few:
        assert overview(client).status_code == 200
    for year in range(2016, 2025):
        populate(figures, year, pool=False)
    for _ in range(10):
        deal(figures.enterprise_a, figures.enterprise_b, YEAR, "1", kind="sole")
        p = pledge(figures.enterprise_b, figures.bank_b, D(YEAR, 8, 1), "1")
        alert(p, "owner_changed")
        policy(figures.enterprise_a, figures.bank_b, D(YEAR, 8, 1), "1")
        certificate(figures.enterprise_b, "2023", D(YEAR, 8, 1), D(YEAR + 3, 7, 31))
    with CaptureQueriesContext(connection) as many:
        assert overview(client).status_code == 200

    assert len(many) == len(few)
    assert len(few) <= 30


# --- the dashboard card --------------------------------------------------------------------------


def test_the_dashboard_card_shows_the_headline_linked(figures, login):
    body = login(figures.leo).get(reverse("core:home")).content.decode()

    this_year = stats.today().year
    assert f"Utilization, {this_year}" in body
    assert f"{reverse('utilization:overview')}?year={this_year}" in body
    headline = stats.headline(figures.leo, this_year)
    assert 4 <= len(headline) <= 6
    for figure in headline:
        assert figure.url
        assert figure.url.replace("&", "&amp;") in body


def test_the_card_counts_what_the_reader_may_view(figures):
    this_year = stats.today().year
    pledge(figures.enterprise_a, figures.bank_a, D(this_year, 1, 5), "10")
    pledge(figures.enterprise_b, figures.bank_a, D(this_year, 1, 6), "30")

    erin = {f.key: f.text for f in stats.headline(figures.erin, this_year)}
    office = {f.key: f.text for f in stats.headline(figures.alice, this_year)}
    assert erin["pledge_amount"] == "10.00"
    assert office["pledge_amount"] == "40.00"


def test_no_card_without_utilization_rights(figures, login):
    admin = make_user("sam", figures.office, "system_admin")

    body = login(admin).get(reverse("core:home")).content.decode()
    assert "Utilization, " not in body


# --- the enterprise page -------------------------------------------------------------------------


def enterprise(client, org):
    return client.get(reverse("utilization:enterprise", args=[org.pk]))


def counts(response) -> dict[str, str]:
    return dict(re.findall(r'data-testid="count-(\w+)">([^<]*)<', response.content.decode()))


def test_the_office_reads_everything_about_an_enterprise(figures, login):
    response = enterprise(login(figures.alice), figures.enterprise_a)

    assert response.status_code == 200
    assert counts(response) == {
        "designations": "2",
        "pool": "1",
        "support": "1",
        "certificates": "1",
        "transactions": "4",  # three in 2025, one in 2024
        "pledges": "3",
        "insurance": "1",
        "alerts": "1",
    }
    body = response.content.decode()
    assert f"?organization={figures.enterprise_a.pk}" in body
    assert f"?party={figures.enterprise_a.pk}" in body


def list_links(response) -> dict[str, str]:
    body = response.content.decode()
    return {
        key: html.unescape(url)
        for url, key in re.findall(r'href="([^"]*)" data-testid="list-(\w+)"', body)
    }


@pytest.mark.parametrize(
    "persona, org",
    [
        ("alice", "enterprise_a"),
        ("alice", "enterprise_b"),
        ("erin", "enterprise_a"),
        ("fiona", "bank_a"),
        ("leo", "bank_b"),
    ],
)
def test_each_sections_list_link_lists_the_same_records(figures, login, persona, org):
    # pledges and insurance on either side, alerts of the organization's pledges not resolved
    user, org = getattr(figures, persona), getattr(figures, org)
    response = enterprise(login(user), org)

    shown_counts = counts(response)
    links = list_links(response)
    assert {k for k, n in shown_counts.items() if n != "0"} == set(links)
    for key, url in links.items():
        assert _listed(user, url).count() == int(shown_counts[key]), (key, url)
    wanted = {
        "pledges": f"?party={org.pk}",
        "insurance": f"?party={org.pk}",
        "alerts": f"?party={org.pk}&status=open&status=acknowledged",
    }
    for key, query in wanted.items():
        if key in links:
            assert links[key].endswith(query), key


def test_the_enterprise_page_links_pledges_insurance_and_alerts_by_party(figures, login):
    org = figures.enterprise_b
    links = list_links(enterprise(login(figures.alice), org))

    assert links["pledges"].endswith(f"?party={org.pk}")
    assert links["insurance"].endswith(f"?party={org.pk}")
    assert links["alerts"].endswith(f"?party={org.pk}&status=open&status=acknowledged")
    assert "certificates" in links and "support" not in links  # B has no support records


def test_the_leader_reads_it_too(figures, login):
    response = enterprise(login(figures.leo), figures.enterprise_b)

    assert response.status_code == 200
    assert counts(response)["alerts"] == "2"  # open and acknowledged, not resolved


def test_erin_reads_her_own_enterprise(figures, login):
    response = enterprise(login(figures.erin), figures.enterprise_a)

    assert response.status_code == 200
    assert counts(response)["pledges"] == "3"


def test_charlie_cannot_open_erins_enterprise(figures, login):
    assert enterprise(login(figures.charlie), figures.enterprise_a).status_code == 404
    assert enterprise(login(figures.erin), figures.enterprise_b).status_code == 404


def test_an_unknown_organization_is_404(figures, login):
    response = login(figures.alice).get(reverse("utilization:enterprise", args=[999_999]))

    assert response.status_code == 404


def test_each_section_holds_only_what_the_reader_may_view(figures, login):
    # the bank sees its own organization's page: pledges it took, not bank B's
    response = enterprise(login(figures.fiona), figures.bank_a)

    assert response.status_code == 200
    found = counts(response)
    assert found["pledges"] == "4"  # A's 500 and 50, B's changed and cancelled ones
    assert found["transactions"] == "0"
    assert figures.bank_b.name not in response.content.decode()


def test_the_enterprise_page_costs_the_same_queries_however_many_records(
    figures, login, django_assert_max_num_queries
):
    client = login(figures.alice)
    enterprise(client, figures.enterprise_a)
    with CaptureQueriesContext(connection) as few:
        enterprise(client, figures.enterprise_a)
    for year in (2021, 2022, 2023, 2024):
        populate(figures, year, pool=False)
    with CaptureQueriesContext(connection) as many:
        response = enterprise(client, figures.enterprise_a)

    assert len(many) == len(few)
    assert counts(response)["transactions"] == "20"  # four of A's a year
    with django_assert_max_num_queries(20):
        enterprise(client, figures.enterprise_a)


def test_a_long_section_is_cut_with_a_link_to_the_list(figures, login):
    for _ in range(25):
        deal(figures.enterprise_a, figures.enterprise_b, YEAR, "1")

    response = enterprise(login(figures.alice), figures.enterprise_a)
    assert counts(response)["transactions"] == "20+"


# --- the enterprises financed ---------------------------------------------------------------------


def financed_page(client, year=YEAR):
    return client.get(reverse("utilization:financed_enterprises"), {"year": year})


def financed_rows(response) -> list[tuple[str, str, str]]:
    body = response.content.decode()
    rows = re.findall(r'<tr data-testid="financed-row">(.*?)</tr>', body, re.S)
    return [
        tuple(
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        )
        for r in rows
    ]


def test_the_enterprises_financed_are_the_distinct_pledgors(figures, login):
    response = financed_page(login(figures.alice))

    assert response.status_code == 200
    # A registered 500 and 120.50 (released since), B 300 (changed); B's cancelled one is not
    assert financed_rows(response) == [
        (figures.enterprise_a.name, "2", "620.50"),
        (figures.enterprise_b.name, "1", "300.00"),
    ]
    body = response.content.decode()
    assert reverse("utilization:enterprise", args=[figures.enterprise_a.pk]) in body
    # each count opens the pledges it counts
    for org, n in ((figures.enterprise_a, 2), (figures.enterprise_b, 1)):
        url = stats.pledgor_pledges_url(org.pk, YEAR)
        assert url.replace("&", "&amp;") in body
        assert _listed(figures.alice, url).count() == n


@pytest.mark.parametrize(
    "persona, expected",
    [("leo", ["示例甲科技有限公司", "示例乙制造有限公司"]), ("charlie", ["示例乙制造有限公司"])],
)
def test_each_reader_sees_the_pledgors_of_the_pledges_they_may_view(
    figures, login, persona, expected
):
    response = financed_page(login(getattr(figures, persona)))

    assert response.status_code == 200
    assert [row[0] for row in financed_rows(response)] == expected


def test_a_bank_sees_its_borrowers_without_opening_their_pages(figures, login):
    response = financed_page(login(figures.fiona))

    assert financed_rows(response) == [
        (figures.enterprise_a.name, "1", "500.00"),
        (figures.enterprise_b.name, "1", "300.00"),
    ]
    assert 'data-testid="enterprise-link"' not in response.content.decode()


def test_the_financed_page_needs_the_pledge_permission(figures, login):
    admin = make_user("sam", figures.office, "system_admin")

    assert financed_page(login(admin)).status_code == 403


def test_the_financed_page_refuses_a_bad_year_clearly(figures, login):
    response = financed_page(login(figures.alice), year="19x")

    assert response.status_code == 400
    assert "not a year this page covers" in response.content.decode()


def test_the_financed_page_costs_the_same_queries_however_many_pledgors(
    figures, login, django_assert_max_num_queries
):
    client = login(figures.alice)
    financed_page(client)
    with CaptureQueriesContext(connection) as few:
        financed_page(client)
    for n in range(15):
        org = make_org(f"示例质押企业{n}有限公司", region=figures.street)
        pledge(org, figures.bank_a, D(YEAR, 4, 1), "10")
    with CaptureQueriesContext(connection) as many:
        response = financed_page(client)

    assert len(many) == len(few)
    assert len(financed_rows(response)) == 17
    with django_assert_max_num_queries(12):
        financed_page(client)
