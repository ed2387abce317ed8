"""A district officer's yearly round: import an export of patents, watch the import, place a
holder no signal could place, and see the district's figure change down to its patents."""

import re

import pytest
from playwright.sync_api import expect

from ipcity.rights.models import Patent
from tests.rights.exports import number, record, write

from .test_organization_flow import sign_in

pytestmark = pytest.mark.browser

GRANTED = {
    "grant_date": "2020.08.01",
    "status": "有效",
    "validity": "有效",
    "type_text": "发明授权",
}


def recompute(page, live_server, year):
    page.goto(f"{live_server.url}/indicators/?year={year}")
    page.fill("#compute-year", str(year))
    page.click('[data-testid="compute"]')
    expect(page.locator('[data-testid="job-status"]').first).to_have_class(
        re.compile("text-bg-success")
    )
    page.goto(f"{live_server.url}/indicators/?year={year}")


def tile_value(page, code):
    return page.locator(f'[data-testid="tile-{code}"] .fs-4').inner_text().split()[0]


def test_import_review_and_trace_the_district_figure(page, live_server, world, tmp_path):
    records = [
        record(
            1,
            title="一种图像识别方法",
            applicants="示例甲科技有限公司",
            address="北京市通州区中仓街道示例路1号",
            **GRANTED,
        ),
        record(
            2,
            title="一种数据压缩装置",
            applicants="示例乙制造有限公司",
            address="北京市通州区新华街道示例路2号",
            **GRANTED,
        ),
        record(
            3,
            title="一种纺织机械",
            applicants="示例南通纺织有限公司",
            address="江苏省南通市通州区示例路3号",
            **GRANTED,
        ),
        record(4, title="一种储能电池", applicants="示例未定能源有限公司", address="", **GRANTED),
    ]
    upload = write(tmp_path / "incopat.csv", "incopat", records)
    sign_in(page, live_server, world.alice, world.password)

    # Import: check, then commit, and watch it finish.
    page.goto(f"{live_server.url}/imports/new/rights.patent/")
    page.set_input_files("input[name=file]", str(upload))
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("[data-testid=import-state][data-state=validated]")
    assert page.inner_text("[data-testid=count-valid]") == "4"
    page.locator("[data-testid=import-commit] button[type=submit]").click()
    page.wait_for_selector("[data-testid=import-result]")
    assert Patent.objects.count() == 4
    unresolved = Patent.objects.get(application_number=number(4))
    assert unresolved.attribution == "unresolved"
    assert Patent.objects.get(application_number=number(3)).attribution == "outside"

    recompute(page, live_server, 2020)
    assert tile_value(page, "valid_invention_patents") == "2"

    # The holder no signal placed waits on the review list; the officer places it.
    page.goto(f"{live_server.url}/rights/review/")
    holder = unresolved.holders.get()
    page.locator(f'a[href="/rights/review/holder/{holder.pk}/"]').click()
    page.check('input[name="attribution"][value="in_district"]')
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    unresolved.refresh_from_db()
    assert (unresolved.attribution, unresolved.attribution_signal) == ("in_district", "manual")

    recompute(page, live_server, 2020)
    assert tile_value(page, "valid_invention_patents") == "3"

    # The figure opens to exactly the patents behind it.
    page.click('[data-testid="tile-valid_invention_patents"]')
    page.wait_for_url("**/indicators/records/**")
    assert page.locator('[data-testid="record-count"]').inner_text() == "3"
    body = page.inner_text("main")
    for title in ("一种图像识别方法", "一种数据压缩装置", "一种储能电池"):
        assert title in body
    assert "一种纺织机械" not in body
