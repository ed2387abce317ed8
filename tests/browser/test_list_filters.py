"""A list's filter form: each change lists what the form shows, however many changes came
before (the form asks for the list's own path, not the address with the earlier choices)."""

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.rights.registry_builders import make_patent

from .test_organization_flow import sign_in

pytestmark = pytest.mark.browser


def test_changing_a_filter_replaces_the_earlier_choice(page, live_server, world):
    make_patent("一种发明的滤水装置", patent_type="invention")
    make_patent("一种外观的滤水壶", patent_type="design")
    make_patent("一种实用的滤水杯", patent_type="utility_model")
    sign_in(page, live_server, world.alice, world.password)
    page.goto(f"{live_server.url}/rights/patents/")
    table = page.locator("#object-table")
    expect(table).to_contain_text("一种外观的滤水壶")

    page.select_option("select[name=patent_type]", "invention")
    expect(table).not_to_contain_text("一种外观的滤水壶")
    expect(table).to_contain_text("一种发明的滤水装置")

    page.select_option("select[name=patent_type]", "design")
    expect(table).not_to_contain_text("一种发明的滤水装置")
    expect(table).to_contain_text("一种外观的滤水壶")
    expect(table).not_to_contain_text("一种实用的滤水杯")
    query = parse_qs(urlparse(page.url).query)
    assert query["patent_type"] == ["design"]

    # The address the list was left at gives the same rows when opened again.
    page.goto(page.url)
    expect(table).to_contain_text("一种外观的滤水壶")
    expect(table).not_to_contain_text("一种发明的滤水装置")
