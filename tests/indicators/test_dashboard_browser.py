"""The dashboard's charts in a real Chromium: they draw from the JSON endpoint without errors."""

import pytest

from ipcity.indicators.compute import compute_year
from tests.browser.test_organization_flow import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_draws_its_charts(district, live_server, page):
    compute_year(2020)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, district.leo, district.password)
    page.goto(f"{live_server.url}/indicators/?year=2020")
    for name in ("trend", "composition", "holders", "streets"):
        page.wait_for_selector(f'[data-chart="{name}"] canvas', timeout=15_000)
    page.click('[data-testid="tile-valid_invention_patents"]')
    page.wait_for_url("**/indicators/records/**")
    assert page.locator('[data-testid="record-count"]').inner_text() == "7"
    assert errors == []
