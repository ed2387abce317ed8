"""The protection overview in a real Chromium: the three charts draw from the embedded data
without script errors, a headline figure and a chart bar open the case list behind them."""

import pytest

from tests.browser.test_organization_flow import sign_in

from .test_stats_figures import YEAR, build

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_the_overview_draws_its_charts_and_opens_lists(pworld, live_server, page):
    build(pworld)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, pworld.leo, pworld.password)
    page.goto(f"{live_server.url}/protection/?year={YEAR}")
    for chart in ("months", "right_types", "fines"):
        page.wait_for_selector(f'[data-chart="{chart}"] canvas', timeout=15_000)
    assert page.locator('[data-testid="value-opened"]').inner_text() == "5"
    page.click('[data-testid="figure-opened"]')
    page.wait_for_url(f"**/protection/cases/?*opened_after={YEAR}-01-01*")
    page.go_back()
    page.click(f'[data-testid="cell-opened_agency_{pworld.agri.pk}"]')
    page.wait_for_url(f"**/protection/cases/?*agency={pworld.agri.pk}*")
    assert errors == []
