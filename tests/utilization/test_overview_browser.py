"""The overview in a real Chromium: the trend chart draws from the embedded data without errors,
and a figure opens the list behind it."""

import pytest

from tests.browser.test_organization_flow import sign_in

from .test_overview import YEAR, populate

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_the_overview_draws_its_trend_and_opens_a_list(uworld, live_server, page):
    from ipcity.utilization.loaders import ensure_editions

    ensure_editions()
    populate(uworld)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, uworld.leo, uworld.password)
    page.goto(f"{live_server.url}/utilization/?year={YEAR}")
    page.wait_for_selector('[data-chart="trend"] canvas', timeout=15_000)
    assert page.locator('[data-testid="value-transactions"]').inner_text() == "4"
    page.click('[data-testid="figure-transactions"]')
    page.wait_for_url(f"**/utilization/transactions/?year={YEAR}")
    page.go_back()
    page.locator('[data-testid="table-pledgors"] [data-testid="enterprise-link"]').first.click()
    page.wait_for_url("**/utilization/enterprises/*/")
    assert page.locator('[data-testid="part-pledges"]').is_visible()
    assert errors == []
