"""A bank's pledge in the browser: fiona registers it, the pledged patent lapses in the registry,
the alert reaches her, she resolves it and records the release; frank never sees any of it."""

import datetime

import pytest
from playwright.sync_api import expect

from ipcity.rights import actions as rights_actions
from ipcity.utilization.models import Pledge, RiskAlert

from ..browser.test_organization_flow import sign_in
from ..rights.registry_builders import make_patent

pytestmark = pytest.mark.browser


def test_a_bank_registers_follows_and_releases_a_pledge(page, live_server, uworld, browser):
    patent = make_patent("一种示例质押方法", holders=[uworld.enterprise_a])
    sign_in(page, live_server, uworld.fiona, uworld.password)
    page.goto(f"{live_server.url}/utilization/finance/pledges/add/")
    expect(page.locator("#id_pledgee")).to_have_value(uworld.bank_a.name)
    page.fill("#id_pledgor", uworld.enterprise_a.uscc)
    page.fill("#id_patents", patent.application_number)
    page.fill("#id_amount", "600")
    page.fill("#id_registration_number", "Y2024110000001")
    page.fill("#id_registration_date", "2024-03-01")
    page.locator("form.card button[type=submit]").click()
    expect(page.locator('[data-testid="pledge-status"]')).to_be_visible()
    expect(page.locator('[data-testid="inclusive"]')).to_be_visible()
    pledge = Pledge.objects.get()
    patent.refresh_from_db()
    assert patent.pledge_amount == 600

    # The registry records the lapse: the alert is raised once the change commits.
    rights_actions.update_patent(
        uworld.alice, patent, {"legal_status": "lapsed", "lapse_date": "2024-09-01"}
    )
    alert = RiskAlert.objects.get(pledge=pledge)
    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("link", name="Pledge risk").first.click()
    page.wait_for_url(f"{live_server.url}{alert.get_absolute_url()}")
    page.fill("#id_resolve_note", "企业已申请恢复权利，贷款提前结清")
    page.locator("#id_resolve_note").locator("xpath=ancestor::form").locator("button").click()
    expect(page.locator('[data-testid="alert-status"]')).to_have_class(
        "badge fs-6 align-middle text-bg-success"
    )

    page.goto(f"{live_server.url}{pledge.get_absolute_url()}")
    page.fill("#id_release_date", datetime.date(2024, 10, 8).isoformat())
    page.locator('[data-testid="release-form"] button').click()
    expect(page.locator('[data-testid="pledge-status"]')).to_have_class(
        "badge fs-6 align-middle text-bg-secondary"
    )
    pledge.refresh_from_db()
    assert pledge.status == "released"

    other = browser.new_context(locale="zh-CN").new_page()
    sign_in(other, live_server, uworld.frank, uworld.password)
    response = other.goto(f"{live_server.url}{pledge.get_absolute_url()}")
    assert response.status == 404
    other.goto(f"{live_server.url}/utilization/finance/pledges/")
    expect(other.locator("body")).not_to_contain_text("Y2024110000001")
    other.context.close()
