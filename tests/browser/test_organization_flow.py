"""A district officer's first day: sign in, add an organization, import a file of them, find one,
read its history and export the list, in a real Chromium."""

import csv
import io

import openpyxl
import pytest
from playwright.sync_api import expect

from ipcity.orgs.models import Organization
from tests.data.sheets import valid_uscc

pytestmark = pytest.mark.browser


def sign_in(page, live_server, user, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")


def test_officer_creates_imports_finds_and_exports_organizations(
    page, live_server, world, tmp_path
):
    sign_in(page, live_server, world.alice, world.password)
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # Create one organization by hand.
    page.goto(f"{live_server.url}/orgs/add/")
    page.fill("#id_name", "浏览器测试示例科技有限公司")
    page.select_option("#id_kind", "enterprise")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/orgs/*/")
    created = Organization.objects.get(name="浏览器测试示例科技有限公司")
    assert page.url.endswith(f"/orgs/{created.pk}/")

    # Import a file of three organizations.
    rows = [
        ("名称", "类型", "统一社会信用代码", "地址"),
        ("导入示例甲科技有限公司", "企业", valid_uscc(1), "北京市通州区中仓街道示例路1号"),
        ("导入示例乙科技有限公司", "企业", valid_uscc(2), "北京市通州区新华街道示例路2号"),
        ("导入示例丙研究院", "高校院所", "", "北京市通州区示例路3号"),
    ]
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    upload = tmp_path / "organizations.csv"
    upload.write_text(text.getvalue(), encoding="utf-8-sig")
    page.goto(f"{live_server.url}/orgs/")
    page.locator('a[href="/imports/new/orgs.organization/"]').click()
    page.set_input_files("input[name=file]", str(upload))
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("[data-testid=import-state][data-state=validated]")
    assert page.inner_text("[data-testid=count-valid]") == "3"
    page.locator("[data-testid=import-commit] button[type=submit]").click()
    page.wait_for_selector("[data-testid=import-result]")
    assert Organization.objects.filter(name__startswith="导入示例").count() == 3

    # Find one in the filtered list and open it.
    page.goto(f"{live_server.url}/orgs/")
    page.fill("input[name=q]", "导入示例乙")
    page.locator("#filter-panel button[type=submit]").click()
    target = Organization.objects.get(name="导入示例乙科技有限公司")
    expect(page.locator("#object-table tbody tr")).to_have_count(1)
    link = page.locator(f'#object-table a[href="/orgs/{target.pk}/"]')
    link.click()
    page.wait_for_url(f"**/orgs/{target.pk}/")

    # Its history shows the import, made by alice.
    page.locator(f'a[href="/orgs/{target.pk}/history/"]').click()
    page.wait_for_url(f"**/orgs/{target.pk}/history/")
    assert "alice" in page.inner_text("main")

    # Export the list to xlsx and read the file back.
    page.goto(f"{live_server.url}/orgs/?q=导入示例")
    with page.expect_download() as download_info:
        page.locator('a[href*="export=xlsx"]').click()
    path = tmp_path / "export.xlsx"
    download_info.value.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"导入示例甲科技有限公司", "导入示例乙科技有限公司", "导入示例丙研究院"}


def test_a_stranger_gets_the_friendly_not_found_page(page, live_server, world):
    sign_in(page, live_server, world.charlie, world.password)
    response = page.goto(f"{live_server.url}/orgs/{world.enterprise_a.pk}/")
    assert response.status == 404
    assert "Traceback" not in page.content()


def test_the_dashboard_fits_a_phone_screen(browser, live_server, world):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server, world.alice, world.password)
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 390
