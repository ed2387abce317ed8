"""The technology marketplace in a real Chromium: an enterprise posts a need, sees the offers
that match it, writes to the owner of the best one; the owner records the transaction the talks
led to, and the year's transaction statistics move by its count and amount."""

import pytest
from playwright.sync_api import expect

from ipcity.utilization.models import ContactRequest, DemandListing, Transaction
from tests.utilization.test_marketplace_builders import held_patent, make_offer

from .test_organization_flow import sign_in

pytestmark = pytest.mark.browser

YEAR = 2024


def stats_cell(page, base, year, key="all", table="stats-total"):
    """(count, amount) of one cell of the statistics page for `year`."""
    page.goto(f"{base}/utilization/transactions/stats/?year={year}")
    link = page.locator(f'[data-testid={table}] a[data-key="{key}"][data-year="{year}"]')
    count = link.get_attribute("data-count")
    amount = link.locator("xpath=../following-sibling::td[1]").inner_text().strip()
    return int(count), amount


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_a_need_finds_an_offer_and_ends_in_the_years_statistics(browser, page, live_server, world):
    base = live_server.url
    patent = held_patent(world.enterprise_b, "一种基于深度学习的图像识别方法")
    offer = make_offer(
        world.enterprise_b,
        "深度学习图像识别专利许可",
        patents=[patent],
        kinds=("exclusive", "ordinary"),
        description="适用于工业质检的图像识别算法。",
    )
    make_offer(world.enterprise_b, "一种混凝土搅拌装置", ipc="E04B1/38")

    # erin's enterprise posts a need and publishes it at once.
    sign_in(page, live_server, world.erin, world.password)
    before = stats_cell(page, base, YEAR)
    page.goto(f"{base}/utilization/marketplace/needs/add/")
    page.fill("#id_title", "寻求图像识别质检技术")
    page.fill("#id_ipc_codes", "G06V 10/82")
    page.fill("#id_keywords", "图像识别;缺陷检测")
    page.fill("#id_description", "生产线需要基于深度学习的图像识别缺陷检测。")
    page.check('input[name="kinds"][value="ordinary"]')
    submit(page, "[data-testid=save-publish]")
    need = DemandListing.objects.get(title="寻求图像识别质检技术")
    assert need.status == "published" and need.owner == world.enterprise_a
    expect(page.locator("[data-testid=listing-status]")).to_be_visible()

    # The matched offers: the image recognition offer, with its score and reasons.
    matches = page.locator("[data-testid=match]")
    expect(matches).to_have_count(1)
    expect(matches.first).to_contain_text("深度学习图像识别专利许可")
    assert int(matches.first.locator("[data-testid=match-score]").inner_text()) >= 50
    expect(matches.first).to_contain_text("G06V10")

    # erin writes to the offer's owner, attaching her need.
    with page.expect_navigation():
        matches.first.locator("a").first.click()
    page.fill("[data-testid=contact-form] textarea[name=message]", "希望以普通许可方式实施该专利。")
    page.select_option("[data-testid=contact-form] select[name=about]", str(need.pk))
    submit(page, "[data-testid=contact-form] button[type=submit]")
    contact = ContactRequest.objects.get()
    assert page.url.endswith(contact.get_absolute_url())
    assert contact.requester == world.enterprise_a and contact.demand_listing == need

    # charlie, for the offer's owner, finds the request and records the deal.
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    owner = context.new_page()
    owner.set_default_timeout(15_000)
    sign_in(owner, live_server, world.charlie, world.password)
    owner.goto(f"{base}/utilization/marketplace/contacts/?direction=received")
    with owner.expect_navigation():
        owner.locator(f'a[href="{contact.get_absolute_url()}"]').first.click()
    expect(owner.locator("[data-testid=message]")).to_contain_text("普通许可")
    owner.fill("#id_reply", "欢迎，可签订普通许可合同。")
    submit(owner, "[data-testid=answer]")
    submit(owner, "[data-testid=conclude]")
    # The form is prefilled from the offer: its patent and the kind both sides accept.
    assert patent.application_number in owner.input_value("#id_patents")
    assert owner.input_value("#id_kind") == "ordinary"
    owner.fill("#id_amount", "66.5")
    owner.fill("#id_contract_date", f"{YEAR}-06-18")
    submit(owner, "[data-testid=conclude-submit]")
    expect(owner.locator("[data-testid=deal]")).to_contain_text("66.50")
    context.close()

    deal = Transaction.objects.get()
    assert (deal.origin, deal.year, deal.supply_listing, deal.demand_listing) == (
        "marketplace",
        YEAR,
        offer,
        need,
    )

    # The year's statistics moved by one transaction and its amount, for erin too.
    count, amount = stats_cell(page, base, YEAR)
    assert count == before[0] + 1
    assert float(amount.replace(",", "")) == float(before[1].replace(",", "")) + 66.5
    assert stats_cell(page, base, YEAR, "origin_marketplace", "stats-source") == (1, "66.50")
