"""A complaint's whole way through the protection module in a real Chromium: an anonymous visitor
files it on the public form and follows it with the tracking code; the office routes the lead to
the market regulation brigade, whose officer opens a case, assigns two certified handlers and
records an illegal business amount over the transfer threshold; the office holds a major-case
consultation with the police and the procuratorate; the head approves the proposed transfer, the
officer sends it, the police acknowledge and accept it; the officer closes the case and the
complainant's status page shows the case opened.

Along the way: the police see the case in full only once it is sent (and the owning agency's
access log records their view), another joint member sees the summary only."""

import pytest
from django.utils import timezone, translation
from django.utils.translation import pgettext_lazy
from playwright.sync_api import expect

from ipcity.protection.choices import (
    CaseStatus,
    CloseReason,
    LeadStatus,
    Offence,
    TransferStatus,
)
from ipcity.protection.loaders import ensure_thresholds
from ipcity.protection.models import Case, CriminalTransfer, Lead, Meeting
from tests.protection.conftest import pworld  # noqa: F401  (the personas fixture)

from .test_organization_flow import sign_in

pytestmark = pytest.mark.browser

PHONE = "13812345678"
RESPONDENT = "通州示例商贸有限公司"
POLICE_NUMBER = "京公通经立字〔2026〕88号"


def zh(label) -> str:
    """What the signed-in pages (Chinese browsers) show for an English msgid."""
    with translation.override("zh-hans"):
        return translation.gettext(label) if type(label) is str else str(label)


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def user_page(browser, live_server, user, password):
    """A fresh browser context signed in as `user` (one per persona, as on their own desks)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, user, password)
    return page


def case_action(page, name):
    """Unfold the case page's form of action `name` and return it."""
    panel = page.locator(f"[data-testid=action-{name}]")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel


def look_up(page, base, code, contact):
    page.goto(f"{base}/public/protection/status/")
    page.fill("#id_code", code)
    page.fill("#id_contact", contact)
    submit(page, "form:has(#id_code) button[type=submit]")


def test_public_complaint_to_case_transferred_to_the_police_and_closed(
    browser,
    page,
    live_server,
    settings,
    pworld,  # noqa: F811
):
    p = pworld
    base = live_server.url
    # The rate limit counts in the var dir's file cache, which outlives a run; the limit has its
    # own test (tests/protection/test_leads_public.py) and must not stop this flow when re-run.
    settings.IPCITY_PUBLIC_FORM_RATE = 1000
    ensure_thresholds()  # reference data (post_migrate), in case the live-server flush lost it

    # 1. An anonymous visitor files a complaint, without choosing an agency.
    page.goto(f"{base}/public/protection/complaint/")
    page.fill("#id_complainant_name", "示例甲科技有限公司")
    page.fill("#id_complainant_phone", PHONE)
    page.select_option("#id_right_type", "trademark")
    page.fill("#id_right_numbers", "12345678")
    page.fill("#id_respondent_name", RESPONDENT)
    page.fill("#id_respondent_address", "北京市通州区示例路8号")
    page.fill("#id_description", "被投诉人在其门店销售假冒我公司注册商标的运动鞋，数量较大。")
    submit(page, "form:has(#id_complainant_name) button[type=submit]")
    code = page.inner_text("[data-testid=tracking-code]").strip()
    lead = Lead.objects.get(tracking_code=code)
    assert lead.source == "public" and lead.respondent_name == RESPONDENT
    assert lead.agency_id is None  # no agency chosen: the office routes it

    # ... and follows it with the code and the phone number given.
    with page.expect_navigation():
        page.locator("main a", has_text=zh("Follow a complaint")).first.click()
    page.fill("#id_code", code)
    page.fill("#id_contact", PHONE)
    submit(page, "form:has(#id_code) button[type=submit]")
    status = page.locator("[data-testid=lead-status]")
    expect(status).to_contain_text(code)
    expect(status).to_contain_text(zh(LeadStatus.RECEIVED.label))
    # A wrong contact finds nothing.
    look_up(page, base, code, "13900000000")
    expect(page.locator("[data-testid=not-found]")).to_be_visible()

    # 2. The office finds the lead in the list and routes it to the amr brigade.
    alice = user_page(browser, live_server, p.alice, p.password)
    alice.goto(f"{base}/protection/leads/")
    alice.fill("#filter-panel input[name=q]", code)
    submit(alice, "#filter-panel button[type=submit]")
    expect(alice.locator("#object-table tbody tr")).to_have_count(1)
    submit(alice, f'#object-table a[href="/protection/leads/{lead.pk}/"]')
    expect(alice.locator("[data-testid=parties]")).to_contain_text(RESPONDENT)
    submit(alice, f'[data-testid=actions] a[href$="/leads/{lead.pk}/route/"]')
    alice.select_option("#id_agency", str(p.amr.pk))
    alice.fill("#id_note", "商标侵权，属市场监管管辖")
    submit(alice, "main form button[type=submit]")
    lead.refresh_from_db()
    assert lead.agency_id == p.amr.pk
    expect(alice.locator("main")).to_contain_text(p.amr.name)

    # The amr officer opens a case from the lead.
    mia = user_page(browser, live_server, p.mia, p.password)
    mia.goto(f"{base}/protection/leads/?q={code}")
    submit(mia, f'#object-table a[href="/protection/leads/{lead.pk}/"]')
    submit(mia, f'[data-testid=actions] a[href$="/leads/{lead.pk}/open_case/"]')
    mia.fill("#id_title", "通州示例商贸有限公司销售假冒注册商标的商品案")
    assert mia.input_value("#id_right_type") == "trademark"
    mia.fill("#id_note", "经核查，线索属实，予以立案。")
    submit(mia, "main form button[type=submit]")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CASE_OPENED
    case = Case.objects.get(lead=lead)
    assert case.agency_id == p.amr.pk
    assert mia.url.endswith(f"/protection/cases/{case.pk}/")  # opening leads to the new case
    expect(mia.locator("[data-testid=case-status]")).to_have_text(zh(CaseStatus.OPENED.label))

    # Before anything is sent, the police (a joint member) see the case's summary only.
    paul = user_page(browser, live_server, p.paul, p.password)
    paul.goto(f"{base}/protection/cases/{case.pk}/")
    expect(paul.locator("[data-testid=summary-badge]")).to_be_visible()
    expect(paul.locator("[data-testid=facts]")).to_have_count(0)
    assert paul.goto(f"{base}/protection/cases/{case.pk}/history/").status == 404

    # 3. mia starts the investigation, assigns two certified handlers, names the respondent
    # and records the facts: one counterfeit mark, a business amount of 68,000 yuan in 2026.
    panel = case_action(mia, "investigate")
    submit(mia, "[data-testid=action-investigate] button[type=submit]")
    expect(mia.locator("[data-testid=case-status]")).to_have_text(
        zh(CaseStatus.INVESTIGATING.label)
    )
    for officer, is_lead in ((p.mia_officer, True), (p.hank_officer, False)):
        panel = case_action(mia, "assign_handler")
        panel.locator("#id_assign_handler-officer").select_option(str(officer.pk))
        if is_lead:
            panel.locator("#id_assign_handler-is_lead").check()
        submit(mia, "[data-testid=action-assign_handler] button[type=submit]")
    handlers = mia.locator("[data-testid=handlers]")
    expect(handlers.locator("[data-testid=cert-ok]")).to_have_count(2)
    expect(handlers).to_contain_text(p.mia_officer.certificate_number)
    expect(handlers).to_contain_text(p.hank_officer.certificate_number)

    panel = case_action(mia, "add_party")
    panel.locator("#id_add_party-role").select_option("respondent")
    panel.locator("#id_add_party-kind").select_option("organization")
    panel.locator("#id_add_party-name").fill(RESPONDENT)
    panel.locator("#id_add_party-address").fill("北京市通州区示例路8号")
    submit(mia, "[data-testid=action-add_party] button[type=submit]")
    expect(mia.locator("[data-testid=parties]")).to_contain_text(RESPONDENT)

    submit(mia, "[data-testid=edit-link]")
    mia.fill("#id_conduct", "在门店销售假冒注册商标的运动鞋。")
    mia.fill("#id_conduct_date", "2026-03-10")
    mia.select_option("#id_offence", Offence.COUNTERFEIT_MARK.value)
    mia.fill("#id_business_amount", "68000")
    mia.fill("#id_marks_count", "1")
    mia.fill("#id_goods", "运动鞋 1200 双")
    submit(mia, "main form button[type=submit]")
    assert mia.url.endswith(f"/protection/cases/{case.pk}/")
    expect(mia.locator("[data-testid=facts]")).to_contain_text("68")

    # The threshold (counterfeit mark, one mark, business amount >= 50,000) proposed a transfer.
    transfer = CriminalTransfer.objects.get(case=case)
    assert transfer.status == TransferStatus.PROPOSED and transfer.police_id == p.police.pk
    assert transfer.proposed_by == p.mia and transfer.rule_set.code == "spc-spp-2025-5"
    assert any(m["measure"] == "business_amount" for m in transfer.matched_rules)
    assert transfer.auto_proposed
    # The case page says so: status, link, and that the platform proposed it on the rules met.
    notice = mia.locator("[data-testid=transfer-notice]")
    expect(notice).to_contain_text(zh(TransferStatus.PROPOSED.label))
    expect(notice.locator("[data-testid=transfer-origin]")).to_contain_text("50000.00")
    expect(notice.locator("[data-testid=transfer-notice-link]")).to_have_attribute(
        "href", f"/protection/transfers/{transfer.pk}/"
    )

    # The case page's transfer link lists it; mia sees the rule met on the transfer page.
    with mia.expect_navigation():
        mia.locator("main a", has_text=zh("Transfers")).first.click()
    row = mia.locator(f"#object-table tr[data-transfer='{transfer.pk}']")
    expect(row).to_contain_text(zh(TransferStatus.PROPOSED.label))
    submit(mia, f"#object-table tr[data-transfer='{transfer.pk}'] a")
    expect(mia.locator("[data-testid=matched-rules]")).to_contain_text("50000.00")
    expect(mia.locator("[data-testid=matched-rules]")).to_contain_text("68000.00")
    expect(mia.locator("[data-action=approve]")).to_have_count(0)  # the head approves

    # 4. The office records a major-case consultation with the police and the procuratorate.
    alice.goto(f"{base}/protection/meetings/add/")
    alice.select_option("#id_kind", "consultation")
    alice.fill("#id_title", "通州示例商贸案重大案件会商")
    alice.fill("#id_held_on", timezone.localdate().isoformat())
    alice.fill("#id_place", "区知识产权局三楼会议室")
    alice.select_option(
        "#id_participants", [str(p.amr.pk), str(p.police.pk), str(p.procuratorate.pk)]
    )
    alice.fill("#id_case_numbers", case.number)
    alice.fill("#id_summary", "涉案非法经营额六万八千元，已达立案追诉标准。")
    alice.fill("#id_decisions", "同意移送公安机关，检察院同步开展立案监督。")
    submit(alice, "main form button[type=submit]")
    meeting = Meeting.objects.get(title="通州示例商贸案重大案件会商")
    assert alice.url.endswith(f"/protection/meetings/{meeting.pk}/")
    assert set(meeting.participants.values_list("pk", flat=True)) == {
        p.amr.pk,
        p.police.pk,
        p.procuratorate.pk,
    }
    expect(alice.locator("[data-testid=decisions]")).to_contain_text("同意移送公安机关")
    expect(alice.locator("[data-testid=cases]")).to_contain_text(case.number)

    # 5. The head approves the transfer; mia sends it to the police.
    hank = user_page(browser, live_server, p.hank, p.password)
    hank.goto(f"{base}/protection/transfers/")
    submit(hank, f"#object-table tr[data-transfer='{transfer.pk}'] a")
    submit(hank, "[data-action=approve]")
    expect(hank.locator("[data-testid=status]")).to_have_text(zh(TransferStatus.APPROVED.label))

    mia.reload()
    # Sending needs the documents of order 310: mia attaches the transfer letter first.
    expect(mia.locator("[data-checklist=letter]")).to_have_attribute("data-attached", "no")
    mia.fill("#doc-title", "Transfer letter")
    mia.set_input_files(
        "#doc-file",
        files=[
            {
                "name": "letter.txt",
                "mimeType": "text/plain",
                "buffer": "涉嫌犯罪案件移送书\n".encode(),
            }
        ],
    )
    submit(mia, "[data-testid=documents] button[type=submit]")
    expect(mia.locator("[data-checklist=letter]")).to_have_attribute("data-attached", "yes")
    submit(mia, "[data-action=send]")
    expect(mia.locator("[data-testid=status]")).to_have_text(zh(TransferStatus.SENT.label))
    case.refresh_from_db()
    assert case.status == CaseStatus.TRANSFERRED and case.is_transferred

    # paul sees the transfer, acknowledges receipt and accepts it with the police case number.
    paul.goto(f"{base}/protection/transfers/")
    expect(paul.locator("#object-table tbody tr")).to_have_count(1)
    submit(paul, f"#object-table tr[data-transfer='{transfer.pk}'] a")
    submit(paul, "[data-action=acknowledge]")
    transfer.refresh_from_db()
    assert transfer.received_at is not None and transfer.acceptance_due is not None
    paul.fill("#acc-number", POLICE_NUMBER)
    paul.fill("#acc-note", "符合立案追诉标准，决定立案侦查。")
    submit(paul, "[data-action=accept]")
    expect(paul.locator("[data-testid=status]")).to_have_text(zh(TransferStatus.ACCEPTED.label))
    expect(paul.locator("main")).to_contain_text(POLICE_NUMBER)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED and transfer.police_decided_by == p.paul

    # 6. Shared with the police now: paul opens the case's details from the transfer ...
    submit(paul, f'main a[href="/protection/cases/{case.pk}/"]')
    expect(paul.locator("[data-testid=shared-badge]")).to_be_visible()
    expect(paul.locator("[data-testid=facts]")).to_contain_text("68")
    expect(paul.locator("[data-testid=parties]")).to_contain_text(RESPONDENT)
    expect(paul.locator("[data-testid=actions] form")).to_have_count(0)

    # ... and the owning agency's access log shows that view.
    mia.goto(f"{base}/protection/cases/{case.pk}/")
    expect(mia.locator("[data-testid=case-status]")).to_have_text(zh(CaseStatus.TRANSFERRED.label))
    expect(mia.locator("[data-testid=clocks]")).to_contain_text(
        zh(pgettext_lazy("case flag", "Transferred"))
    )
    submit(mia, f'a[href="/protection/cases/{case.pk}/access-log/"]')
    log = mia.locator("[data-testid=access-log]")
    expect(log).to_contain_text("paul")
    expect(log).to_contain_text(p.police.name)

    # carl of the culture brigade, a joint member, sees the summary only.
    carl = user_page(browser, live_server, p.carl, p.password)
    carl.goto(f"{base}/protection/cases/{case.pk}/")
    expect(carl.locator("[data-testid=summary-badge]")).to_be_visible()
    expect(carl.locator("[data-testid=summary-fields]")).to_contain_text(
        zh(CaseStatus.TRANSFERRED.label)
    )
    expect(carl.locator("[data-testid=facts]")).to_have_count(0)
    # (The title, a summary field, names the respondent; the parties and goods are details.)
    expect(carl.locator("main")).not_to_contain_text("示例路8号")
    expect(carl.locator("main")).not_to_contain_text("运动鞋 1200 双")
    assert carl.goto(f"{base}/protection/cases/{case.pk}/history/").status == 404

    # mia closes the case: accepted by the police.
    mia.goto(f"{base}/protection/cases/{case.pk}/")
    panel = case_action(mia, "close")
    panel.locator("#id_close-reason").select_option(CloseReason.TRANSFERRED.value)
    submit(mia, "[data-testid=action-close] button[type=submit]")
    expect(mia.locator("[data-testid=case-status]")).to_have_text(zh(CaseStatus.CLOSED.label))
    expect(mia.locator("[data-testid=facts]")).to_contain_text(zh(CloseReason.TRANSFERRED.label))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.close_reason == CloseReason.TRANSFERRED

    # 7. The complainant's status page shows the case opened.
    look_up(page, base, code, PHONE)
    status = page.locator("[data-testid=lead-status]")
    expect(status).to_contain_text(zh(LeadStatus.CASE_OPENED.label))
    expect(status).to_contain_text(p.amr.name)
    expect(page.locator("[data-testid=decision]")).to_contain_text(timezone.localdate().isoformat())
    expect(page.locator("[data-testid=reply]")).not_to_be_empty()

    for other in (alice, mia, paul, hank, carl):
        other.context.close()
