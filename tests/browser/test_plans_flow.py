"""A plan's year from the issued document to the assessment report, in a real Chromium: the
office imports the plan, assigns a unit, the unit reports, the office accepts, the unit assesses
itself, the office reviews and finalizes, and the Word report names the unit and the year."""

import re
from pathlib import Path

import docx
import pytest
from playwright.sync_api import expect

import ipcity.plans
from ipcity.plans.models import (
    AssessmentItem,
    AssessmentScheme,
    Plan,
    ProgressReport,
    TaskUnit,
    UnitAssessment,
)

from .test_organization_flow import sign_in

pytestmark = pytest.mark.browser

SEED = Path(ipcity.plans.__file__).parent / "data" / "tongzhou-ip-pilot-plan-2024.txt"
YEAR = 2024


def submit(page, form="main form"):
    """Click a form's submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(f"{form} button:not([type=button]):not([formaction])").last.click()


def docx_text(path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_from_the_issued_plan_to_the_years_assessment_report(
    browser, page, live_server, world, tmp_path
):
    base = live_server.url
    sign_in(page, live_server, world.alice, world.password)

    # 1. The office uploads the plan as issued and checks the preview before saving.
    page.goto(f"{base}/plans/import/")
    page.set_input_files("[data-testid=plan-upload] input[name=file]", str(SEED))
    submit(page, "[data-testid=plan-upload]")
    page.wait_for_url("**/plans/drafts/*/")
    expect(page.locator("[data-testid=draft-tasks] tbody tr")).to_have_count(17)
    assert page.input_value("input[name=doc_number]") == "通政发〔2024〕11号"
    assert Plan.objects.count() == 0  # nothing is saved before the office says so
    with page.expect_navigation():
        page.click("[data-testid=draft-save]")
    plan = Plan.objects.get()
    page.wait_for_url(f"**/plans/{plan.pk}/")
    assert plan.tasks.count() == 17
    expect(page.locator("[data-testid^=task-]")).to_have_count(17)

    # 2. The division of work: bob's unit leads task 1, due at the end of the year.
    task = plan.tasks.get(number=1)
    page.locator(f'[data-testid=task-1] a[href="/plans/tasks/{task.pk}/"]').click()
    page.wait_for_url(f"**/plans/tasks/{task.pk}/")
    unit_form = f'form[action="/plans/tasks/{task.pk}/units/add/"]'
    page.select_option(f"{unit_form} select[name=unit-organization]", str(world.unit.pk))
    page.select_option(f"{unit_form} select[name=unit-role]", "lead")
    submit(page, unit_form)
    assert TaskUnit.objects.filter(task=task, organization=world.unit, role="lead").exists()
    page.locator(f'a[href="/plans/tasks/{task.pk}/edit/"]').click()
    page.wait_for_url(f"**/plans/tasks/{task.pk}/edit/")
    page.fill("input[name=deadline]", f"{YEAR}-12-31")
    submit(page)
    page.wait_for_url(f"**/plans/tasks/{task.pk}/")
    task.refresh_from_db()
    assert task.deadline.isoformat() == f"{YEAR}-12-31"

    # 3. bob finds the task among his own and reports on it.
    bob_context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
    )
    bob = bob_context.new_page()
    bob.set_default_timeout(15_000)
    try:
        sign_in(bob, live_server, world.bob, world.password)
        bob.goto(f"{base}/plans/tasks/mine/")
        mine = bob.locator("[data-testid=my-tasks]")
        expect(mine.locator(f'a[href="/plans/tasks/{task.pk}/"]')).to_have_count(1)
        mine.locator(f'a[href="/plans/tasks/{task.pk}/reports/add/"]').click()
        bob.wait_for_url(f"**/plans/tasks/{task.pk}/reports/add/")
        bob.select_option("select[name=organization]", str(world.unit.pk))
        bob.fill("textarea[name=text]", "已组织高价值专利培育项目申报，完成专家评审。")
        bob.fill("textarea[name=figures_text]", "发明专利授权量: 120")
        submit(bob)
        report = ProgressReport.objects.get(task=task, organization=world.unit)
        bob.wait_for_url(f"**/plans/reports/{report.pk}/")
        assert report.status == "draft"
        assert report.figures == {"发明专利授权量": 120}
        submit(bob, f'form[action="/plans/reports/{report.pk}/submit/"]')
        report.refresh_from_db()
        assert report.status == "submitted"
        assert report.submitted_by == world.bob

        # 4. The office accepts the report.
        page.goto(f"{base}/plans/reports/{report.pk}/")
        page.fill("#review-form textarea[name=comment]", "材料齐全，予以通过。")
        with page.expect_navigation():
            page.locator("#review-form button[type=submit]:not([formaction])").click()
        report.refresh_from_db()
        assert (report.status, report.reviewed_by) == ("accepted", world.alice)
        expect(page.locator("[data-testid=report-status]")).to_have_class(
            re.compile("text-bg-success")
        )

        # 5. The year's assessment: a scheme bound to the plan, one item scored by hand.
        page.goto(f"{base}/plans/assessment/schemes/")
        page.locator('a[href="/plans/assessment/schemes/new/"]').click()
        page.wait_for_url("**/plans/assessment/schemes/new/")
        page.fill("input[name=year]", str(YEAR))
        page.fill("input[name=name]", f"{YEAR}年度知识产权工作考核")
        page.select_option("select[name=plan]", str(plan.pk))
        submit(page)
        scheme = AssessmentScheme.objects.get(year=YEAR)
        page.wait_for_url(f"**/plans/assessment/schemes/{scheme.pk}/")
        assert scheme.plan == plan

        page.locator(f'a[href="/plans/assessment/schemes/{scheme.pk}/items/new/"]').click()
        page.wait_for_url(f"**/plans/assessment/schemes/{scheme.pk}/items/new/")
        page.fill("input[name=name]", "重点任务完成情况")
        page.select_option("select[name=method]", "manual")
        page.fill("input[name=max_points]", "100")
        submit(page)
        page.wait_for_url(f"**/plans/assessment/schemes/{scheme.pk}/")
        item = AssessmentItem.objects.get(scheme=scheme)
        assert item.method == "manual"

        # Units assigned to the plan's tasks are preselected when the office opens the year.
        page.locator(f'a[href="/plans/assessment/schemes/{scheme.pk}/open/"]').click()
        page.wait_for_url(f"**/plans/assessment/schemes/{scheme.pk}/open/")
        expect(page.locator(f"#unit-{world.unit.pk}")).to_be_checked()
        submit(page)
        page.wait_for_url(f"**/plans/assessment/schemes/{scheme.pk}/")
        assessment = UnitAssessment.objects.get(scheme=scheme)
        assert (assessment.organization, assessment.status) == (world.unit, "draft")

        # bob assesses his unit and submits it to the office.
        bob.goto(f"{base}/plans/assessment/{assessment.pk}/")
        bob.fill(f"input[name=score_{item.pk}]", "95")
        bob.fill(f"input[name=evidence_{item.pk}]", "进度报告已通过")
        bob.fill("textarea[name=self_comment]", "全年任务按期完成。")
        with bob.expect_navigation():
            bob.click("main form button[name=submit][value='1']")
        assessment.refresh_from_db()
        assert assessment.status == "self_submitted"
        assert assessment.scores.get().self_score == 95
    finally:
        bob_context.close()

    # The office reviews, marks reviewed, and finalizes.
    detail = f"/plans/assessment/{assessment.pk}/"
    page.goto(f"{base}{detail}")
    review_form = f'form[action="{detail}review/"]'
    page.fill(f"{review_form} input[name=score_{item.pk}]", "90")
    page.fill(f"{review_form} textarea[name=review_comment]", "核减5分：个别指标未达预期。")
    submit(page, review_form)
    assessment.refresh_from_db()
    assert assessment.scores.get().review_score == 90
    submit(page, f'form[action="{detail}step/review/"]')
    assessment.refresh_from_db()
    assert assessment.status == "reviewed"
    submit(page, f'form[action="{detail}step/finalize/"]')
    assessment.refresh_from_db()
    assert (assessment.status, assessment.total, assessment.rank) == ("final", 90, 1)

    # The ranking on the scheme's page shows the unit first.
    page.goto(f"{base}/plans/assessment/schemes/{scheme.pk}/")
    ranking = page.locator(f'tr:has(a[href="{detail}"])')
    expect(ranking).to_have_count(1)
    assert ranking.locator("td").first.inner_text().strip() == "1"
    assert world.unit.name in ranking.inner_text()

    # 6. The Word report of the year, as downloaded.
    with page.expect_download() as download_info:
        page.locator(f'a[href="/plans/assessment/schemes/{scheme.pk}/report.docx"]').click()
    download = download_info.value
    assert download.suggested_filename == f"assessment-{YEAR}.docx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = docx_text(path)
    assert world.unit.name in text
    assert str(YEAR) in text
    assert plan.issuer in text
