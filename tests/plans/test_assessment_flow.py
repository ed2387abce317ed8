"""The assessment year as the personas live it: bob self-assesses his unit, alice reviews and
finalizes, leo reads, charlie sees nothing; then the ranking and its Excel and Word exports."""

import io
from decimal import Decimal as D

import docx
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from openpyxl import load_workbook

from ipcity.orgs.choices import OrganizationKind
from ipcity.plans import actions_assessment as actions
from ipcity.plans.choices import AssessmentStatus, ItemMethod, UnitRole
from ipcity.plans.models import (
    KPI,
    AssessmentItem,
    AssessmentScheme,
    Plan,
    PlanTask,
    TaskUnit,
    UnitAssessment,
)
from tests.factories import make_org


@pytest.fixture
def year(world):
    plan = Plan.objects.create(title="通州区知识产权试点工作方案", issuer="北京市通州区人民政府")
    task = PlanTask.objects.create(plan=plan, number=1, title="专利质量提升")
    TaskUnit.objects.create(task=task, organization=world.unit, role=UnitRole.LEAD)
    KPI.objects.create(task=task, name="发明专利", baseline=0, target=100, actual=80, year=2026)
    scheme = AssessmentScheme.objects.create(
        year=2026, name="2026年度知识产权工作考核", plan=plan, bonus_cap=5
    )
    items = {
        "auto": AssessmentItem.objects.create(
            scheme=scheme, name="任务完成情况", method=ItemMethod.AUTO_KPI, max_points=40, order=1
        ),
        "manual": AssessmentItem.objects.create(
            scheme=scheme, name="工作机制", method=ItemMethod.MANUAL, max_points=60, order=2
        ),
        "bonus": AssessmentItem.objects.create(
            scheme=scheme, name="创新加分", method=ItemMethod.BONUS, max_points=8, order=3
        ),
        "veto": AssessmentItem.objects.create(
            scheme=scheme, name="重大失职", method=ItemMethod.VETO, order=4
        ),
    }
    finance = make_org("通州区财政局", OrganizationKind.GOVERNMENT)
    return scheme, items, finance


def ua_of(scheme, org):
    return UnitAssessment.objects.get(scheme=scheme, organization=org)


def open_for(client, scheme, *orgs):
    return client.post(
        reverse("plans:scheme_open", args=[scheme.pk]), {"units": [o.pk for o in orgs]}
    )


def self_assess(client, ua, items, manual, bonus, submit=True):
    return client.post(
        reverse("plans:assessment_self", args=[ua.pk]),
        {
            f"score_{items['manual'].pk}": manual,
            f"evidence_{items['manual'].pk}": "制度文件",
            f"score_{items['bonus'].pk}": bonus,
            "self_comment": "全面完成",
            "submit": "1" if submit else "0",
        },
    )


def step(client, ua, name):
    return client.post(reverse("plans:assessment_transition", args=[ua.pk, name]))


def test_the_whole_year_from_opening_to_ranking(world, login, year):
    scheme, items, finance = year
    alice, bob = login(world.alice), None
    assert open_for(alice, scheme, world.unit, finance).status_code == 302
    assert scheme.unit_assessments.count() == 2

    bob = login(world.bob)
    mine = ua_of(scheme, world.unit)
    assert self_assess(bob, mine, items, "50", "8").status_code == 302
    mine.refresh_from_db()
    assert mine.status == AssessmentStatus.SELF_SUBMITTED
    auto = mine.scores.get(item=items["auto"])
    assert auto.self_score == D("32.00")  # 40 × 0.8

    # Bob's claim: 32 + 50 + min(8, cap 5) = 87
    assert mine.total == D("87.00")

    alice = login(world.alice)
    review = {
        f"score_{items['manual'].pk}": "45",
        f"note_{items['manual'].pk}": "机制尚不完善",
        f"score_{items['bonus'].pk}": "",
        f"score_{items['auto'].pk}": "",
        "review_comment": "同意",
    }
    assert alice.post(reverse("plans:assessment_review", args=[mine.pk]), review).status_code == 302
    assert step(alice, mine, "review").status_code == 302
    assert step(alice, mine, "finalize").status_code == 302
    mine.refresh_from_db()
    assert mine.status == AssessmentStatus.FINAL
    assert mine.total == D("82.00")  # 32 + 45 + 5
    assert mine.rank == 1

    # The finance bureau: a veto is triggered, so it ranks last with 0 whatever it claimed.
    theirs = ua_of(scheme, finance)
    actions.save_self_assessment(world.alice, theirs, {items["manual"].pk: {"score": "60"}}, "")
    actions.submit_self_assessment(world.alice, theirs)
    actions.save_review(world.alice, theirs, {items["veto"].pk: {"veto": True}}, "")
    actions.transition(world.alice, theirs, "review")
    actions.transition(world.alice, theirs, "finalize")
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.total, theirs.vetoed, theirs.rank) == (D("0"), True, 2)
    assert mine.rank == 1


def test_bob_sees_only_his_units_assessment(world, login, year):
    scheme, items, finance = year
    actions.open_assessments(world.alice, scheme, [world.unit, finance])
    client = login(world.bob)
    page = client.get(reverse("plans:assessment_list")).content.decode()
    assert world.unit.name in page
    assert finance.name not in page
    other = ua_of(scheme, finance)
    assert client.get(reverse("plans:assessment_detail", args=[other.pk])).status_code == 404
    assert self_assess(client, other, items, "1", "1").status_code == 404
    scheme_page = client.get(scheme.get_absolute_url()).content.decode()
    assert finance.name not in scheme_page


def test_bob_may_neither_review_nor_change_a_submitted_self_assessment(world, login, year):
    scheme, items, _finance = year
    actions.open_assessments(world.alice, scheme, [world.unit])
    mine = ua_of(scheme, world.unit)
    client = login(world.bob)
    self_assess(client, mine, items, "50", "0")
    assert self_assess(client, mine, items, "60", "0").status_code == 403
    review = {f"score_{items['manual'].pk}": "60"}
    assert (
        client.post(reverse("plans:assessment_review", args=[mine.pk]), review).status_code == 403
    )
    assert step(client, mine, "finalize").status_code == 403
    assert client.get(reverse("plans:scheme_open", args=[scheme.pk])).status_code == 403
    mine.refresh_from_db()
    assert mine.status == AssessmentStatus.SELF_SUBMITTED


def test_a_self_score_above_the_items_points_is_refused(world, login, year):
    scheme, items, _finance = year
    actions.open_assessments(world.alice, scheme, [world.unit])
    mine = ua_of(scheme, world.unit)
    response = self_assess(login(world.bob), mine, items, "61", "0")
    assert response.status_code == 400
    assert "between 0 and 60" in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == AssessmentStatus.DRAFT


def test_leo_reads_everything_and_changes_nothing(world, login, year):
    scheme, items, finance = year
    actions.open_assessments(world.alice, scheme, [world.unit, finance])
    mine = ua_of(scheme, world.unit)
    client = login(world.leo)
    assert client.get(reverse("plans:scheme_list")).status_code == 200
    assert client.get(scheme.get_absolute_url()).status_code == 200
    assert client.get(reverse("plans:assessment_detail", args=[mine.pk])).status_code == 200
    assert self_assess(client, mine, items, "60", "0").status_code == 403
    assert step(client, mine, "review").status_code == 403
    assert client.get(reverse("plans:scheme_edit", args=[scheme.pk])).status_code == 403
    assert client.get(reverse("plans:scheme_create")).status_code == 403
    assert client.get(reverse("plans:scheme_export", args=[scheme.pk])).status_code == 200


def test_charlie_gets_nothing(world, login, year):
    scheme, _items, _finance = year
    actions.open_assessments(world.alice, scheme, [world.unit])
    mine = ua_of(scheme, world.unit)
    client = login(world.charlie)
    assert client.get(reverse("plans:scheme_list")).status_code == 403
    assert client.get(reverse("plans:assessment_list")).status_code == 403
    assert client.get(scheme.get_absolute_url()).status_code == 404
    assert client.get(reverse("plans:assessment_detail", args=[mine.pk])).status_code == 404
    assert client.get(reverse("plans:scheme_report", args=[scheme.pk])).status_code == 404
    assert step(client, mine, "finalize").status_code == 404


def test_an_impossible_step_is_refused(world, login, year):
    scheme, _items, _finance = year
    actions.open_assessments(world.alice, scheme, [world.unit])
    mine = ua_of(scheme, world.unit)
    response = step(login(world.alice), mine, "finalize")
    assert response.status_code == 302
    assert [m.message for m in get_messages(response.wsgi_request)] == [
        "This step is not possible in the current state."
    ]
    mine.refresh_from_db()
    assert mine.status == AssessmentStatus.DRAFT
    assert step(login(world.alice), mine, "explode").status_code == 403


def _finalize(world, scheme, items, org, manual, veto=False, bonus=""):
    ua = ua_of(scheme, org)
    entries = {items["manual"].pk: {"score": manual}, items["bonus"].pk: {"score": bonus}}
    actions.save_self_assessment(world.alice, ua, entries, "")
    actions.submit_self_assessment(world.alice, ua)
    actions.save_review(world.alice, ua, {items["veto"].pk: {"veto": veto}}, "")
    actions.transition(world.alice, ua, "review")
    actions.transition(world.alice, ua, "finalize")
    return ua


@pytest.fixture
def ranked(world, year):
    scheme, items, finance = year
    culture = make_org("通州区文化和旅游局", OrganizationKind.GOVERNMENT)
    actions.open_assessments(world.alice, scheme, [world.unit, finance, culture])
    _finalize(world, scheme, items, world.unit, "33")  # 32 auto + 33 = 65
    _finalize(world, scheme, items, finance, "60", veto=True)
    # No KPIs: 0 auto + 60 + bonus 8 capped at 5 = 65, a tie with bob's unit.
    _finalize(world, scheme, items, culture, "60", bonus="8")
    return scheme, items, finance, culture


def test_ties_share_a_rank_and_the_veto_comes_last(world, ranked):
    scheme, _items, finance, culture = ranked
    assert ua_of(scheme, world.unit).rank == 1
    assert ua_of(scheme, culture).rank == 1
    assert ua_of(scheme, finance).rank == 3


def test_excel_score_sheet_lists_units_in_scope(world, login, ranked):
    scheme, _items, finance, culture = ranked
    url = reverse("plans:scheme_export", args=[scheme.pk])
    ws = load_workbook(io.BytesIO(login(world.alice).get(url).content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("Rank", "Unit", "任务完成情况")
    assert {r[1] for r in rows[1:]} == {world.unit.name, finance.name, culture.name}
    row = next(r for r in rows if r[1] == world.unit.name)
    assert row[0] == 1 and row[2] == 32 and row[3] == 33 and row[6] == 65
    ws = load_workbook(io.BytesIO(login(world.bob).get(url).content)).active
    assert [r[1] for r in ws.iter_rows(min_row=2, values_only=True)] == [world.unit.name]


def test_word_report_is_an_official_document_with_the_ranking(world, login, ranked):
    scheme, _items, finance, culture = ranked
    url = reverse("plans:scheme_report", args=[scheme.pk]) + "?doc_number=通知识产权〔2027〕1号"
    response = login(world.alice).get(url)
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    texts = [p.text for p in document.paragraphs]
    assert "通知识产权〔2027〕1号" in texts
    assert "北京市通州区人民政府" in texts
    ranking = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert ranking[0] == ["Rank", "Unit", "Total", "Note"]
    assert ranking[-1] == ["3", finance.name, "0.00", "Vetoed"]
    assert {ranking[1][1], ranking[2][1]} == {world.unit.name, culture.name}
    assert len(document.tables) == 4  # the ranking and one score table per unit
    assert round(document.sections[0].top_margin.mm) == 37


def test_copying_a_scheme_into_a_new_year_keeps_its_items(world, login, year):
    scheme, _items, _finance = year
    client = login(world.alice)
    response = client.post(reverse("plans:scheme_copy", args=[scheme.pk]), {"year": 2027})
    new = AssessmentScheme.objects.get(year=2027)
    assert response.status_code == 302
    assert new.name == "2027年度知识产权工作考核"
    assert list(new.items.values_list("name", "method")) == list(
        scheme.items.values_list("name", "method")
    )
    client.post(reverse("plans:scheme_copy", args=[scheme.pk]), {"year": 2027})
    assert AssessmentScheme.objects.filter(year=2027).count() == 1
    assert (
        login(world.bob)
        .post(reverse("plans:scheme_copy", args=[scheme.pk]), {"year": 2028})
        .status_code
        == 403
    )


def test_office_manages_items(world, login, year):
    scheme, _items, _finance = year
    client = login(world.alice)
    response = client.post(
        reverse("plans:scheme_item_create", args=[scheme.pk]),
        {
            "name": "宣传工作",
            "method": ItemMethod.MANUAL,
            "max_points": "5",
            "weight": "0",
            "order": 5,
        },
    )
    assert response.status_code == 302
    assert scheme.items.filter(name="宣传工作").exists()
    assert (
        login(world.bob).get(reverse("plans:scheme_item_create", args=[scheme.pk])).status_code
        == 403
    )


def test_lists_run_a_bounded_number_of_queries(world, login, ranked, django_assert_max_num_queries):
    scheme, *_ = ranked
    for i in range(10):
        org = make_org(f"测试单位{i}", OrganizationKind.GOVERNMENT)
        actions.open_assessments(world.alice, scheme, [org])
    client = login(world.alice)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("plans:assessment_list")).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(scheme.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("plans:scheme_export", args=[scheme.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("plans:scheme_list")).status_code == 200


def test_office_pages_render(world, login, year):
    scheme, items, _finance = year
    actions.open_assessments(world.alice, scheme, [world.unit])
    mine = ua_of(scheme, world.unit)
    client = login(world.alice)
    urls = [
        reverse("plans:scheme_create"),
        reverse("plans:scheme_edit", args=[scheme.pk]),
        reverse("plans:scheme_open", args=[scheme.pk]),
        reverse("plans:scheme_item_edit", args=[scheme.pk, items["auto"].pk]),
        reverse("plans:assessment_detail", args=[mine.pk]),
        reverse("plans:meeting_create"),
        reverse("plans:budget_create"),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    actions.submit_self_assessment(world.alice, mine)
    page = client.get(reverse("plans:assessment_detail", args=[mine.pk])).content.decode()
    assert "Save review" in page
    bob_page = login(world.bob).get(reverse("plans:assessment_detail", args=[mine.pk]))
    assert "Save review" not in bob_page.content.decode()


def test_bob_fills_in_his_draft(world, login, year):
    scheme, _items, _finance = year
    actions.open_assessments(world.alice, scheme, [world.unit])
    mine = ua_of(scheme, world.unit)
    page = login(world.bob).get(reverse("plans:assessment_detail", args=[mine.pk]))
    assert "Submit to the office" in page.content.decode()
