"""A service request's whole way in a real Chromium: erin (enterprise A) asks for a
consultation on the request page; alice (the office) routes it to the service hall, the only
points offered being those that do consultations; hal answers; erin reads the answer and rates
it 5, which closes the request. Then a rights-protection request is handed over by alice and
becomes a protection lead (source: service request), which the request page links to."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from ipcity.protection.choices import LeadSource
from ipcity.protection.models import Lead
from ipcity.services import requests as actions
from ipcity.services.choices import RequestStatus, ServiceKind
from ipcity.services.models import ServiceRequest
from tests.services.conftest import sworld  # noqa: F401  (the personas fixture)

from .test_organization_flow import sign_in

pytestmark = pytest.mark.browser

PHONE = "13812345678"


def zh(label) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(label) if type(label) is str else str(label)


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def user_page(browser, live_server, user, password):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, user, password)
    return page


def test_consultation_from_submission_to_rating_and_a_hand_over(
    browser,
    live_server,
    sworld,  # noqa: F811
):
    s = sworld
    base = live_server.url

    # 1. erin asks for a consultation.
    erin = user_page(browser, live_server, s.erin, s.password)
    erin.goto(f"{base}/services/requests/add/")
    erin.select_option("#id_kind", ServiceKind.CONSULTATION.value)
    erin.fill("#id_subject", "发明专利申请流程咨询")
    erin.fill("#id_description", "我司准备申请发明专利，想了解流程和所需材料。")
    erin.fill("#id_contact_phone", PHONE)
    submit(erin, "[data-testid=request-form] button[type=submit]")
    req = ServiceRequest.objects.get(subject="发明专利申请流程咨询")
    assert req.requester == s.enterprise_a and req.status == RequestStatus.SUBMITTED
    expect(erin.locator("[data-testid=status]")).to_contain_text(zh(RequestStatus.SUBMITTED.label))

    # 2. alice routes it to the hall; only points doing consultations are offered.
    alice = user_page(browser, live_server, s.alice, s.password)
    alice.goto(f"{base}/services/requests/{req.pk}/")
    submit(alice, "[data-testid=actions] a[data-action=assign]")
    options = alice.locator("#id_point option").all_inner_texts()
    assert any(s.hall.organization.name in o for o in options)
    assert not any(s.bank.organization.name in o for o in options)
    alice.select_option("#id_point", str(s.hall.pk))
    submit(alice, "[data-testid=action-submit]")
    req.refresh_from_db()
    assert req.service_point == s.hall and req.response_due is not None

    # 3. hal answers.
    hal = user_page(browser, live_server, s.hal, s.password)
    hal.goto(f"{base}/services/requests/{req.pk}/")
    submit(hal, "[data-testid=actions] a[data-action=answer]")
    hal.fill("#id_text", "请准备技术交底书，可通过服务大厅预约专利代理师辅导。")
    submit(hal, "[data-testid=action-submit]")
    req.refresh_from_db()
    assert req.status == RequestStatus.ANSWERED

    # 4. erin reads the answer and rates it 5: the request is closed.
    erin.goto(f"{base}/services/requests/{req.pk}/")
    expect(erin.locator("[data-testid=answer]")).to_contain_text("技术交底书")
    submit(erin, "[data-testid=actions] a[data-action=rate]")
    erin.check("input[name=rating][value='5']")
    erin.fill("#id_comment", "答复及时。")
    submit(erin, "[data-testid=action-submit]")
    req.refresh_from_db()
    assert req.rating == 5 and req.status == RequestStatus.CLOSED
    expect(erin.locator("[data-testid=status]")).to_contain_text(zh(RequestStatus.CLOSED.label))
    expect(erin.locator("[data-testid=rating]")).to_contain_text("5/5")

    # 5. A rights-protection request handed over by alice becomes a protection lead.
    rights = actions.submit_request(
        s.erin,
        kind=ServiceKind.RIGHTS_PROTECTION,
        subject="商标被仿冒",
        description="某店铺销售仿冒我司注册商标的产品。",
        requester_name=s.enterprise_a.name,
        contact_phone=PHONE,
        right_numbers="12345678",
    )
    alice.goto(f"{base}/services/requests/{rights.pk}/")
    submit(alice, "[data-testid=actions] a[data-action=hand_over]")
    assert alice.input_value("#id_right_type") == "trademark"
    submit(alice, "[data-testid=action-submit]")
    lead = Lead.objects.get(source_reference=rights.tracking_code)
    assert lead.source == LeadSource.SERVICE_REQUEST
    assert lead.complainant_organization == s.enterprise_a
    rights.refresh_from_db()
    assert rights.status == RequestStatus.HANDED_OVER and rights.lead == lead
    expect(alice.locator("[data-testid=lead]")).to_contain_text(lead.tracking_code)
    expect(
        alice.locator(f'[data-testid=lead] a[href="/protection/leads/{lead.pk}/"]')
    ).to_be_visible()
