"""A checked file with errors: the import button works only once "only the valid rows" is ticked."""

import pytest
from playwright.sync_api import expect

from ipcity.orgs.models import Organization
from tests.data.sheets import org_row, valid_uscc, write_xlsx

from .test_organization_flow import sign_in

pytestmark = pytest.mark.browser


def test_the_import_button_waits_for_the_only_valid_box(page, live_server, world, tmp_path):
    rows = [org_row("按钮测试甲公司", valid_uscc(11)), org_row("", valid_uscc(12))]
    upload = write_xlsx(tmp_path / "o.xlsx", rows)
    sign_in(page, live_server, world.alice, world.password)
    page.goto(f"{live_server.url}/imports/new/orgs.organization/")
    page.set_input_files("input[name=file]", str(upload))
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("[data-testid=import-state][data-state=validated]")
    button = page.locator("#import-commit-button")
    expect(button).to_be_disabled()
    # The box imports the valid rows: no "all or nothing" beside it to say otherwise.
    commit = page.locator("[data-testid=import-commit]")
    expect(commit).to_contain_text("勾选上方")
    expect(commit).not_to_contain_text("全部成功才写入")
    page.check("#id_only_valid")
    expect(button).to_be_enabled()
    page.uncheck("#id_only_valid")
    expect(button).to_be_disabled()
    page.check("#id_only_valid")
    button.click()
    page.wait_for_selector("[data-testid=import-result]")
    assert Organization.objects.filter(name="按钮测试甲公司").exists()
