"""The office in a real Chromium: from the overdue warning to the certificate, a surveillance
audit that converts it to 2023, and the statistics that follow."""

from datetime import date

import pytest

from ipcity.utilization.models import Certificate
from tests.browser.test_organization_flow import sign_in

from .test_certification import make_cert, pin_today  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_the_office_converts_an_overdue_certificate_at_its_audit(
    world,
    live_server,
    page,
    pin_today,  # noqa: F811
):
    from ipcity.utilization.loaders import ensure_editions

    ensure_editions()
    pin_today(date(2026, 3, 1))
    cert = make_cert(world.enterprise_a, "BR-2013", issue=date(2024, 3, 10))
    make_cert(world.enterprise_b, "BR-2023", version="2023", issue=date(2025, 5, 6))
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, world.alice, world.password)

    page.goto(f"{live_server.url}/utilization/certificates/")
    page.click('[data-count="overdue"]')
    page.wait_for_url("**/utilization/certificates/?transition_overdue=true")
    assert page.locator('[data-testid="result-count"]').inner_text().strip().startswith("1")
    page.click("text=BR-2013")
    page.wait_for_url(f"**/utilization/certificates/{cert.pk}/")
    assert page.locator('[data-testid="transition-overdue"]').is_visible()

    audit = cert.audits.order_by("due_date").first()
    row = page.locator(f'[data-audit="{audit.pk}"]')
    row.locator(f'[name="audit-{audit.pk}-done_date"]').fill("2025-03-12")
    row.locator(f'[name="audit-{audit.pk}-result"]').select_option("passed")
    row.locator(f'[name="audit-{audit.pk}-converts_to_2023"]').check()
    row.locator('button[type="submit"]').click()
    page.wait_for_url(f"**/utilization/certificates/{cert.pk}/")
    assert page.locator('[data-testid="transition-overdue"]').count() == 0
    assert page.locator('[data-flag="converted"]').is_visible()
    cert.refresh_from_db()
    assert (cert.standard_version, cert.expiry_date) == ("2023", date(2027, 3, 10))

    page.goto(f"{live_server.url}/utilization/certificates/stats/")
    assert page.locator('[data-testid="overdue-warning"]').count() == 0
    figure = page.locator('[data-testid="stats-streets"] a[data-figure]').first
    assert figure.inner_text() == "2"
    figure.click()
    page.wait_for_url("**/utilization/certificates/?valid_on=2026-03-01*")
    assert page.locator('[data-testid="result-count"]').inner_text().strip().startswith("2")
    assert Certificate.objects.count() == 2
    assert errors == []
