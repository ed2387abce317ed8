"""The dashboard's charts in a real Chromium: they draw from the JSON endpoint without errors."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from ipcity.indicators.compute import compute_year

CHROMIUM = Path(os.environ.get("IPCITY_CHROMIUM", "/usr/bin/chromium"))
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Chromium at {CHROMIUM}"),
]


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_draws_its_charts(district, live_server):
    from playwright.sync_api import sync_playwright

    compute_year(2020)
    client = Client()
    client.force_login(district.leo)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/indicators/?year=2020")
        for name in ("trend", "composition", "holders", "streets"):
            page.wait_for_selector(f'[data-chart="{name}"] canvas', timeout=15_000)
        page.click('[data-testid="tile-valid_invention_patents"]')
        page.wait_for_url("**/indicators/records/**")
        assert page.locator('[data-testid="record-count"]').inner_text() == "7"
        browser.close()
    assert errors == []
