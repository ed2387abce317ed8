"""An incentive application's whole way in a real Chromium: erin opens the programme, applies
online, claims a granted invention (checked at once, with the reasons shown) and uploads the
required document, submits; alice, rita and otto take the first review, the second review and
the approval on the application page's panel; the office publishes the public notice, ends it
and records the payment; erin finally sees the application paid, with the amount."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ipcity.incentives import notices, payments
from ipcity.incentives.choices import ApplicationStatus
from ipcity.incentives.models import Application
from tests.incentives.builders_programs import PDF, make_program, make_rule
from tests.incentives.conftest import iworld  # noqa: F401  (the personas fixture)

from .test_organization_flow import sign_in

pytestmark = pytest.mark.browser


def user_page(browser, live_server, user, password):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, user, password)
    return page


def take_stage(browser, live_server, user, password, application):
    page = user_page(browser, live_server, user, password)
    page.goto(f"{live_server.url}{application.get_absolute_url()}")
    form = page.locator("[data-testid=review-form]")
    form.locator("input[name=decision][value=pass]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.context.close()


def test_enterprise_applies_is_reviewed_noticed_and_paid(
    browser,
    page,
    live_server,
    iworld,  # noqa: F811
    tmp_path,
):
    w = iworld
    base = live_server.url
    program = make_program(w, required_materials="营业执照复印件")
    make_rule(program, max_items_per_applicant=10)

    # erin applies from the programme's page.
    sign_in(page, live_server, w.erin, w.password)
    page.goto(f"{base}{program.get_absolute_url()}")
    expect(page.locator("[data-testid=rules]")).to_contain_text("5,000")
    with page.expect_navigation():
        page.click("[data-testid=apply]")
    page.fill("#id_contact_phone", "13800000000")
    page.fill("#id_bank_name", "北京银行通州支行")
    page.fill("#id_bank_account", "6222000011112222")
    with page.expect_navigation():
        page.click("[data-testid=apply-form] button[type=submit]")

    # A granted invention: checked at once (HTMX), green; a lapsed one: red with the reason.
    form = page.locator("[data-testid=item-form]")
    form.locator("select[name=rule]").select_option(index=1)
    form.locator("input[name=reference]").fill("ZL202310000001.1")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=item][data-eligible=yes]")).to_have_count(1)
    form = page.locator("[data-testid=item-form]")
    form.locator("select[name=rule]").select_option(index=1)
    form.locator("input[name=reference]").fill(w.lapsed_a.application_number)
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=item][data-eligible=no]")).to_have_count(1)
    expect(
        page.locator("[data-testid=item][data-eligible=no] [data-check=granted][data-ok=no]")
    ).to_have_count(1)
    expect(page.locator("[data-testid=requested]")).to_have_text("5,000.00")

    licence = tmp_path / "licence.pdf"
    licence.write_bytes(PDF)
    material = page.locator("[data-testid=material-form]")
    material.locator("input[name=title]").fill("营业执照复印件")
    material.locator("input[name=file]").set_input_files(str(licence))
    with page.expect_navigation():
        material.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=materials]")).to_contain_text("licence.pdf")

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("[data-testid=submit]")
    application = Application.objects.get(program=program)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.number.startswith(f"JL{program.year}-")

    # The reviewers see the same checks and take one stage each.
    alice = user_page(browser, live_server, w.alice, w.password)
    alice.goto(f"{base}{application.get_absolute_url()}")
    expect(alice.locator("[data-check=held][data-ok=yes]").first).to_be_visible()
    alice.context.close()
    take_stage(browser, live_server, w.alice, w.password, application)
    take_stage(browser, live_server, w.rita, w.password, application)
    take_stage(browser, live_server, w.otto, w.password, application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.approved_amount == Decimal("5000.00")

    # Public notice and payment (the office's pages are exercised by their own tests).
    notice = notices.create_notice(w.alice, program, title="拟资助名单公示")
    notices.publish(w.alice, notice, [application])
    notice.refresh_from_db()
    notices.end_notice(w.alice, notice, today=notice.ends_on + datetime.timedelta(days=1))
    payments.record(
        w.alice, application, application.approved_amount, timezone.localdate(), "PZ-2026-001"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PAID

    page.goto(f"{base}{application.get_absolute_url()}")
    # The status badge turns green for a paid application (its words are translated later).
    expect(page.locator("[data-testid=status]")).to_have_class(re.compile("text-bg-success"))
    expect(page.locator("[data-testid=paid]")).to_have_text("5,000.00")
    expect(page.locator("[data-testid=payment-amount]")).to_have_text("5,000.00")
