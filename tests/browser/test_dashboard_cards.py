"""The home dashboard's figure cards at laptop widths: figures stay on one line and inside their
box, labels wrap (two lines at most) instead of being cut."""

import pytest
from django.utils import timezone

from tests.utilization.test_overview import pledge, policy

from .test_organization_flow import sign_in

pytestmark = pytest.mark.browser

CHECK = """() => [...document.querySelectorAll('.card-figure')].map(el => {
  const lh = parseFloat(getComputedStyle(el).lineHeight);
  const label = el.parentElement.querySelector('.card-figure-label');
  return {
    text: el.textContent.trim(),
    size: getComputedStyle(el).fontSize,
    lines: Math.round(el.getBoundingClientRect().height / lh),
    fits: el.scrollWidth <= el.clientWidth,
    labelCut: label ? label.scrollHeight > label.clientHeight + 1 : false,
  };
})"""


@pytest.mark.parametrize("width", [1366, 1440])
def test_dashboard_figures_do_not_wrap(page, live_server, world, width, tmp_path):
    today = timezone.localdate()
    pledge(world.enterprise_a, world.enterprise_b, today, "12345678.90")
    policy(world.enterprise_a, world.enterprise_b, today, "1400")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, world.alice, world.password)
    figures = page.evaluate(CHECK)
    page.screenshot(path=str(tmp_path / f"home-{width}.png"), full_page=True)
    assert any(f["text"] == "12,345,678.90" for f in figures), figures
    for figure in figures:
        assert figure["lines"] == 1, figure
        assert figure["fits"], figure
        assert not figure["labelCut"], figure
