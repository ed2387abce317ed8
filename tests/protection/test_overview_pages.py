"""The protection overview page, its xlsx export, the menu entry and the dashboard card, with the
office, a leader (read-only), an agency officer and an enterprise user (a stranger), in English
and in Chinese."""

import html
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ipcity.core.dashboard import cards_for
from ipcity.core.menu import menu_for
from ipcity.protection import cards, stats

from .test_stats_figures import YEAR, build, more_cases

pytestmark = pytest.mark.django_db

URL = "/protection/"


@pytest.fixture
def figures(pworld):
    return build(pworld)


def test_url_and_menu(pworld):
    assert reverse("protection:overview") == URL
    for user, shown in ((pworld.alice, True), (pworld.mia, True), (pworld.erin, False)):
        items = [i for s in menu_for(user) if s["key"] == "protection" for i in s["items"]]
        entry = [i for i in items if i.url_name == "protection:overview"]
        assert bool(entry) is shown
        if entry:
            assert entry[0].order == 10


@pytest.mark.parametrize("persona", ["alice", "leo", "mia", "pete"])
def test_page_shows_the_figures(pworld, figures, login, persona):
    response = login(getattr(pworld, persona)).get(f"{URL}?year={YEAR}")
    assert response.status_code == 200
    body = response.content.decode()
    opened = re.search(r'data-testid="value-opened">([^<]+)<', body).group(1)
    assert opened == "5"
    assert re.search(r'data-testid="value-fines">([^<]+)<', body).group(1) == "62,345.67"
    assert 'data-testid="wan-fines">6.23' in body
    # every figure of the page links to its list (while the list exists)
    result = response.context["stats"]
    for figure in result.all_figures():
        if figure.url and figure.key in ("opened", "closed", "fines"):
            assert html.escape(figure.url) in body, figure.key
    # the chart data travels as JSON, drawn by the static script (no inline script)
    data = json.loads(
        re.search(
            r'<script id="protection-overview-data" type="application/json">(.*?)</script>',
            body,
            re.S,
        ).group(1)
    )
    assert [p["value"] for p in data["months"]["opened"]] == [0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1]
    assert sum(p["value"] for p in data["fines"]["values"]) == pytest.approx(6.23, abs=0.01)
    assert "vendor/echarts/echarts.min.js" in body and "protection/overview.js" in body
    # A host name, not any "cdn" (a random CSRF token on the page may contain those letters).
    assert not re.search(r"//[^\"'\s]*cdn", body, re.I)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", body)
    assert scripts == []


def test_table_and_agency_filter(pworld, figures, login):
    p = pworld
    client = login(p.alice)
    body = client.get(f"{URL}?year={YEAR}").content.decode()
    for org in (p.amr, p.culture, p.agri):
        assert org.name in body
    assert f'data-testid="cell-opened_agency_{p.amr.pk}"' in body
    one = client.get(f"{URL}?year={YEAR}&agency={p.agri.pk}")
    assert one.status_code == 200
    assert one.context["stats"].by_key()["opened"].value == 1
    assert [a["agency"] for a in one.context["stats"].by_agency] == [p.agri.pk]


def test_bad_parameters(pworld, figures, login):
    client = login(pworld.alice)
    year = timezone.localdate().year
    for query in ("year=abc", "year=1800", f"year={year + 1}"):
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 400
        assert response.context["year"] == year
        assert "not a year this page covers" in response.content.decode()
    bad = client.get(f"{URL}?agency={pworld.world.enterprise_a.pk}")
    assert bad.status_code == 400 and bad.context["agency"] is None
    assert "not an enforcement agency" in bad.content.decode()
    assert client.get(f"{URL}?agency=x").status_code == 400


def test_stranger_gets_404_and_anonymous_signs_in(pworld, client, login):
    assert client.get(URL).status_code == 302
    assert login(pworld.erin).get(URL).status_code == 404
    assert login(pworld.charlie).get(f"{URL}?export=xlsx").status_code == 404


def test_xlsx(pworld, figures, login):
    from openpyxl import load_workbook

    response = login(pworld.leo).get(f"{URL}?year={YEAR}&export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    figures_sheet, table = wb.worksheets
    values = {r[0]: r[1] for r in figures_sheet.iter_rows(values_only=True) if r and r[0]}
    assert values["Cases opened"] == 5
    assert float(values["Fines"]) == pytest.approx(62345.67)
    rows = list(table.iter_rows(values_only=True))
    assert rows[0][0] == "Agency" and len(rows) == 1 + 3 + 1  # header, 3 agencies, total
    total = rows[-1]
    assert total[0] == "Total" and total[-3:-1] == (5, 2)
    by_name = {r[0]: r for r in rows[1:-1]}
    assert by_name[pworld.amr.name][-3] == 3


def test_page_query_count_does_not_grow(pworld, figures, login):
    p = pworld
    client = login(p.alice)
    client.get(f"{URL}?year={YEAR}")
    more_cases(p, 3, 0)
    with CaptureQueriesContext(connection) as few:
        client.get(f"{URL}?year={YEAR}")
    more_cases(p, 10, 100)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{URL}?year={YEAR}")
    assert response.status_code == 200
    assert len(many) == len(few)


def test_chinese(pworld, figures, login, chinese_default):
    client = login(pworld.alice)
    response = client.get(f"{URL}?year={YEAR}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert '<html lang="zh' in response.content.decode()
    assert client.get(f"{URL}?year={YEAR}&export=xlsx").status_code == 200
    home = client.get("/")
    assert home.status_code == 200


def _card(rf, user):
    request = rf.get("/")
    request.user = user
    return cards.protection_card(request)


def test_card(pworld, figures, rf):
    p = pworld
    card = _card(rf, p.leo)
    year = timezone.localdate().year
    assert card["title"] == f"Protection, {year}"
    assert card["more_url"] == f"{URL}?year={year}"
    items = card["groups"][0]["items"]
    assert [i["label"] for i in items] == [
        "Cases opened",
        "Cases closed",
        "Open cases",
        "Overdue cases",
        "Transferred to police",
        "Fines (10k yuan)",
    ]
    by = {f.key: f for f in stats.headline(p.leo, year)}
    assert items[2]["value"] == by["open_now"].text == "5"
    assert all(i["url"].startswith(reverse("protection:case_list") + "?") for i in items)
    assert _card(rf, p.erin) is None
    assert _card(rf, p.mia)["groups"] == card["groups"]  # summaries: the same for everyone


def test_card_on_home(pworld, figures, login):
    body = login(pworld.leo).get("/").content.decode()
    assert f"Protection, {timezone.localdate().year}" in body
    body = login(pworld.erin).get("/").content.decode()
    assert "Protection, " not in body


def test_card_registered_once(rf, pworld):
    request = rf.get("/")
    request.user = pworld.leo
    titles = [c["title"] for c in cards_for(request)]
    assert sum(1 for t in titles if str(t).startswith("Protection")) == 1
