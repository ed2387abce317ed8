"""The office's cultivation round in a browser: find the enterprises that meet a track's
criteria, add them to the pool, move one through the pipeline until it is designated, and the
enterprise then reads its entry and its designation."""

import pytest

from ipcity.utilization.models import Designation, PoolEntry
from tests.browser.test_organization_flow import sign_in

from ..rights.registry_builders import make_patent
from .test_cultivation_builders import make_criterion

pytestmark = pytest.mark.browser


def test_find_candidates_cultivate_and_designate(page, live_server, world, tmp_path):
    make_criterion("valid_inventions", "gte", 1, code="bm-inv", name="至少一件有效发明")
    make_criterion("in_district", "true", code="bm-d", name="注册地在本区")
    make_patent("一种图像识别方法", [world.enterprise_a])
    sign_in(page, live_server, world.alice, world.password)

    page.goto(
        f"{live_server.url}/utilization/cultivation/pool/candidates/?track=benchmark:district"
    )
    row = page.locator("tr", has_text=world.enterprise_a.name)
    assert row.locator("input[type=checkbox]").is_checked()
    assert "2/2" in row.inner_text()
    page.screenshot(path=str(tmp_path / "candidates.png"), full_page=True)
    page.locator('[data-testid="add-candidates"]').click()
    page.wait_for_url("**/pool/pipeline/**")
    entry = PoolEntry.objects.get()
    assert entry.meets_all and entry.stage == "candidate"

    card = page.locator(f'[data-entry="{entry.pk}"]')
    assert "2/2" in card.inner_text()
    card.locator("form", has=page.locator("input[value=cultivated]")).locator("button").click()
    page.wait_for_selector(f'[data-stage="cultivated"] [data-entry="{entry.pk}"]')
    page.screenshot(path=str(tmp_path / "pipeline.png"), full_page=True)

    page.goto(f"{live_server.url}{entry.get_absolute_url()}")
    assert page.locator('[data-testid="criteria-met"]').inner_text() == "2/2"
    assert page.locator('[data-code="bm-inv"]').get_by_role("link").count() == 1
    form = page.locator("#move form", has=page.locator("input[value=designated]"))
    form.locator("input[name=year]").fill("2025")
    form.locator("input[name=valid_until]").fill("2099-12-31")
    form.locator("input[name=source_document]").fill("通知识产权发〔2025〕8号")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    page.screenshot(path=str(tmp_path / "entry.png"), full_page=True)
    designation = Designation.objects.get()
    assert designation.source_document == "通知识产权发〔2025〕8号"
    assert PoolEntry.objects.get().designation == designation

    page.context.clear_cookies()
    sign_in(page, live_server, world.erin, world.password)
    page.goto(f"{live_server.url}{entry.get_absolute_url()}")
    assert page.locator("#move").count() == 0
    page.locator(f'a[href="{designation.get_absolute_url()}"]').first.click()
    page.wait_for_url(f"**{designation.get_absolute_url()}")
    assert world.enterprise_a.name in page.inner_text("main")
