"""In a real Chromium: an enterprise records a patent bought from a university, the statistics
move, and a figure opens exactly its transactions; the office derives from the registry."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from ipcity.utilization.models import Transaction
from tests.browser.test_organization_flow import sign_in

from ..rights.registry_builders import make_event, make_patent

pytestmark = pytest.mark.browser


def test_an_enterprise_records_a_transaction_and_the_statistics_follow(page, live_server, uworld):
    make_patent("一种示例转化技术", application_number="201710117081.7")
    sign_in(page, live_server, uworld.erin, uworld.password)

    page.goto(f"{live_server.url}/utilization/transactions/add/")
    page.select_option("#id_kind", "assignment")
    page.fill("#id_assignor_name", "示例理工大学")
    page.select_option("#id_assignee", str(uworld.enterprise_a.pk))
    page.fill("#id_patent_numbers", "ZL201710117081.7")
    page.fill("#id_amount", "35")
    page.fill("#id_contract_date", "2024-06-18")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/utilization/transactions/\d+/$"))
    deal = Transaction.objects.get()
    # Erin may not open the university's record, so the name she typed stays a name.
    assert deal.assignor is None and deal.assignor_name == "示例理工大学"
    expect(page.locator('[data-testid="parties"]')).to_contain_text("示例理工大学")

    page.goto(f"{live_server.url}/utilization/transactions/stats/?year=2024")
    figure = page.locator('a[data-key="kind_assignment"][data-year="2024"]')
    expect(figure).to_have_text("1")
    figure.click()
    page.wait_for_url(re.compile(r".*kind=assignment.*"))
    expect(page.locator('[data-testid="result-count"]')).to_contain_text("1")
    expect(page.locator("#object-table")).to_contain_text("201710117081.7")


def test_the_office_derives_transactions_from_legal_events(page, live_server, uworld):
    patent = make_patent(holders=[uworld.enterprise_a])
    make_event(patent, "transfer", datetime.date(2023, 5, 5), counterparty=uworld.enterprise_a.name)
    make_event(patent, "licence", None, counterparty="示例未注明日期公司")
    sign_in(page, live_server, uworld.alice, uworld.password)

    page.goto(f"{live_server.url}/utilization/transactions/")
    expect(page.locator('[data-testid="undated-link"] .badge')).to_have_text("1")
    page.locator('form[action$="/transactions/derive/"] button').click()
    expect(page.locator('[data-testid="job-status"]').first).to_have_class(
        re.compile("text-bg-success")
    )
    assert Transaction.objects.get().origin == "legal_event"

    page.goto(f"{live_server.url}/utilization/transactions/undated/")
    expect(page.locator('[data-testid="undated-events"]')).to_contain_text("示例未注明日期公司")
