"""Plan pages: import (upload or paste → preview and correct → save), the plan's page with its
unmatched units, and the division of work import and export, for every persona."""

from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from ipcity.orgs.models import Organization
from ipcity.plans import actions_import as actions
from ipcity.plans.models import Plan, PlanDraft, PlanSection, PlanTask, TaskUnit
from ipcity.plans.parsing import parse_text

from ..factories import make_user

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "src/ipcity/plans/data/tongzhou-ip-pilot-plan-2024.txt"
OFFICE = "区市场监督管理局（区知识产权局）"


def seed_text():
    return SEED.read_text(encoding="utf-8")


def upload(name, content: bytes):
    return SimpleUploadedFile(name, content)


@pytest.fixture
def plan(world):
    parsed = parse_text(seed_text())
    parsed["tasks"][0]["lead_units"] = [OFFICE]
    parsed["tasks"][0]["co_units"] = ["区科学技术委员会", "区融媒体中心"]
    parsed["units"] = actions.match_units(parsed, actions.UnitMatcher())
    return actions.save_parsed_plan(None, parsed)


# -- list -----------------------------------------------------------------------------------


def test_plan_list_shows_plans_and_the_import_button_to_the_office(world, login, plan):
    response = login(world.alice).get(reverse("plans:plan_list"))
    assert response.status_code == 200
    assert plan.title in response.text
    assert reverse("plans:plan_import") in response.text


def test_plan_list_is_read_only_for_leo_and_closed_to_charlie(world, login, plan):
    response = login(world.leo).get(reverse("plans:plan_list"))
    assert response.status_code == 200
    assert plan.title in response.text
    assert reverse("plans:plan_import") not in response.text
    assert login(world.charlie).get(reverse("plans:plan_list")).status_code == 403


def test_plan_list_runs_a_bounded_number_of_queries(
    world, login, plan, django_assert_max_num_queries
):
    for n in range(5):
        Plan.objects.create(title=f"方案{n}", doc_number=f"测〔2024〕{n}号")
    client = login(world.alice)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("plans:plan_list"))
    assert response.status_code == 200


# -- import ---------------------------------------------------------------------------------


def test_import_page_is_for_the_office_only(world, login):
    url = reverse("plans:plan_import")
    assert login(world.alice).get(url).status_code == 200
    assert login(world.leo).get(url).status_code == 403
    assert login(world.leo).post(url, {"text": seed_text()}).status_code == 403
    assert login(world.charlie).get(url).status_code == 403
    assert not PlanDraft.objects.exists()


def test_uploading_the_seed_shows_a_preview_and_saving_it_creates_the_plan(world, login):
    client = login(world.alice)
    response = client.post(
        reverse("plans:plan_import"), {"file": upload("plan.txt", seed_text().encode())}
    )
    draft = PlanDraft.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("plans:plan_draft", args=[draft.pk])
    assert not Plan.objects.exists()

    preview = client.get(response.url)
    assert preview.status_code == 200
    assert "通政发〔2024〕11号" in preview.text
    assert "加强知识产权人才培养" in preview.text

    saved = client.post(response.url, {"action": "save", **form_values(draft)})
    plan = Plan.objects.get()
    assert saved.status_code == 302
    assert saved.url == plan.get_absolute_url()
    assert (plan.doc_number, plan.issuer, str(plan.issued_on)) == (
        "通政发〔2024〕11号",
        "北京市通州区人民政府",
        "2024-03-26",
    )
    assert plan.tasks.count() == 17
    mechanisms = PlanSection.objects.filter(plan=plan, kind="mechanism")
    assert mechanisms.count() == 5
    assert PlanSection.objects.filter(plan=plan, kind="safeguard").count() == 3
    counts = [m.tasks.count() for m in mechanisms.order_by("order")]
    assert counts == [4, 4, 2, 3, 4]
    assert plan.attachments_named == ["《通州区国家知识产权强市建设试点城市工作方案》任务分工表"]
    draft.refresh_from_db()
    assert draft.saved_at and draft.plan == plan
    assert client.get(reverse("plans:plan_draft", args=[draft.pk])).status_code == 302


def form_values(draft) -> dict:
    """What the preview form posts when nothing is changed."""
    data = draft.data
    values = {f: data[f] or "" for f in ("title", "doc_number", "issuer", "date")}
    for task in data["tasks"]:
        n = task["number"]
        values[f"task-{n}-title"] = task["title"]
        values[f"task-{n}-section"] = task["section_key"]
        values[f"task-{n}-lead"] = "、".join(task["lead_units"])
        values[f"task-{n}-co"] = "、".join(task["co_units"])
        values[f"task-{n}-deadline"] = task["deadline"] or ""
    return values


def test_a_person_corrects_titles_sections_and_units_before_saving(world, login):
    client = login(world.alice)
    client.post(reverse("plans:plan_import"), {"text": seed_text()})
    draft = PlanDraft.objects.get()
    url = reverse("plans:plan_draft", args=[draft.pk])
    values = form_values(draft)
    values.update(
        {
            "title": "通州区知识产权强市试点工作方案",
            "task-1-title": "专利质量提升行动",
            "task-4-section": "3.2",
            "task-1-lead": OFFICE,
            "task-1-co": "区科委、区融媒体中心",
        }
    )
    response = client.post(url, {"action": "update", **values})
    assert response.status_code == 302
    draft.refresh_from_db()
    units = draft.data["units"]
    assert units[OFFICE]["status"] == "short"
    assert units["区科委"]["status"] == "fuzzy"
    assert units["区融媒体中心"]["status"] == "none"
    preview = client.get(url)
    assert "similar: please confirm" in preview.text

    index = list(units).index("区科委")
    values.update({f"unit-{index}-name": "区科委", f"unit-{index}-org": str(world.unit.pk)})
    response = client.post(url, {"action": "save", **values})
    assert response.status_code == 302
    plan = Plan.objects.get()
    assert plan.title == "通州区知识产权强市试点工作方案"
    task1 = plan.tasks.get(number=1)
    assert task1.title == "专利质量提升行动"
    assert plan.tasks.get(number=4).section.number == "（二）"
    units = {u.name_as_written: u.organization_id for u in task1.units.all()}
    assert units == {OFFICE: world.office.pk, "区科委": world.unit.pk, "区融媒体中心": None}


def test_pasted_text_and_a_word_document_both_work(world, login):
    import docx

    client = login(world.alice)
    assert client.post(reverse("plans:plan_import"), {"text": seed_text()}).status_code == 302
    document = docx.Document()
    for line in seed_text().splitlines():
        document.add_paragraph(line)
    out = BytesIO()
    document.save(out)
    response = client.post(
        reverse("plans:plan_import"), {"file": upload("方案.docx", out.getvalue())}
    )
    assert response.status_code == 302
    draft = PlanDraft.objects.get(source_name="方案.docx")
    assert len(draft.data["tasks"]) == 17


@pytest.mark.parametrize(
    "post,message",
    [
        ({"text": "   "}, "Upload the plan"),
        ({"file": ("empty.txt", b"")}, "empty"),
        ({"text": "这是一封普通的信，没有编号的任务。"}, "No numbered tasks"),
        ({"file": ("plan.docx", b"PK\x03\x04broken")}, "not a valid Word document"),
        ({"file": ("plan.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)}, ".doc"),
    ],
)
def test_malformed_or_empty_documents_give_a_clear_error_and_save_nothing(
    world, login, post, message
):
    if "file" in post:
        post = {"file": upload(*post["file"])}
    response = login(world.alice).post(reverse("plans:plan_import"), post)
    assert response.status_code == 400
    assert message in response.text
    assert "Traceback" not in response.text
    assert not PlanDraft.objects.exists()
    assert not Plan.objects.exists()


def test_saving_without_a_title_or_twice_the_same_document_is_refused(world, login, plan):
    client = login(world.alice)
    client.post(reverse("plans:plan_import"), {"text": seed_text()})
    draft = PlanDraft.objects.get()
    url = reverse("plans:plan_draft", args=[draft.pk])
    response = client.post(url, {"action": "save", **form_values(draft)})
    assert response.status_code == 400
    assert "already exists" in response.text
    values = {**form_values(draft), "title": "", "doc_number": ""}
    response = client.post(url, {"action": "save", **values})
    assert response.status_code == 400
    assert "needs a title" in response.text
    assert Plan.objects.count() == 1
    assert PlanTask.objects.count() == 17


def test_a_draft_is_private_to_whoever_uploaded_it(world, login):
    login(world.alice).post(reverse("plans:plan_import"), {"text": seed_text()})
    url = reverse("plans:plan_draft", args=[PlanDraft.objects.get().pk])
    other_admin = make_user("alice2", world.office, "office_admin")
    assert login(other_admin).get(url).status_code == 404
    assert login(world.leo).get(url).status_code == 404
    assert login(world.charlie).post(url, {"action": "save"}).status_code == 404
    assert not Plan.objects.exists()


def test_a_draft_can_be_discarded(world, login):
    client = login(world.alice)
    client.post(reverse("plans:plan_import"), {"text": seed_text()})
    url = reverse("plans:plan_draft", args=[PlanDraft.objects.get().pk])
    assert client.post(url, {"action": "discard"}).status_code == 302
    assert not PlanDraft.objects.exists()


# -- the plan's page ------------------------------------------------------------------------


def test_plan_page_shows_structure_and_unmatched_units_to_the_office(
    world, login, plan, django_assert_max_num_queries
):
    client = login(world.alice)
    with django_assert_max_num_queries(25):
        response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    text = response.text
    assert "完善知识产权创造机制" in text and "加强经费保障" in text
    assert "实施专利质量提升行动" in text
    assert 'data-testid="unmatched-units"' in text
    assert "区融媒体中心" in text
    assert reverse("plans:division_import", args=[plan.pk]) in text


def test_plan_page_is_read_only_for_leo_and_hidden_from_charlie(world, login, plan):
    response = login(world.leo).get(plan.get_absolute_url())
    assert response.status_code == 200
    assert 'data-testid="unmatched-units"' not in response.text
    assert reverse("plans:division_import", args=[plan.pk]) not in response.text
    assert login(world.charlie).get(plan.get_absolute_url()).status_code == 404


def test_a_unit_sees_only_its_own_tasks_on_the_plan_page(world, login, plan):
    response = login(world.bob).get(plan.get_absolute_url())
    assert response.status_code == 200
    assert 'data-testid="task-1"' in response.text
    assert 'data-testid="task-2"' not in response.text


def test_the_office_picks_an_organization_for_an_unmatched_unit(world, login, plan):
    url = reverse("plans:plan_unit_resolve", args=[plan.pk])
    post = {"name": "区融媒体中心", "action": "assign", "organization": world.subunit.pk}
    assert login(world.leo).post(url, post).status_code == 403
    assert login(world.charlie).post(url, post).status_code == 404
    unit = TaskUnit.objects.get(name_as_written="区融媒体中心")
    assert unit.organization_id is None
    response = login(world.alice).post(url, post)
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.organization_id == world.subunit.pk


def test_the_office_creates_an_organization_for_an_unmatched_unit(world, login, plan):
    url = reverse("plans:plan_unit_resolve", args=[plan.pk])
    response = login(world.alice).post(url, {"name": "区融媒体中心", "action": "create"})
    assert response.status_code == 302
    org = Organization.objects.get(name="区融媒体中心")
    assert TaskUnit.objects.get(name_as_written="区融媒体中心").organization == org


# -- division of work -----------------------------------------------------------------------


def division_file(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["序号", "重点工作任务", "牵头单位", "配合单位", "完成时限"])
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_division_import_previews_unknown_units_and_applies_the_table(world, login, plan):
    client = login(world.alice)
    content = division_file(
        [[2, "加快商标品牌培育", OFFICE, "区科学技术委员会、区某某新设中心", "2024年6月"]]
    )
    response = client.post(
        reverse("plans:division_import", args=[plan.pk]), {"file": upload("d.xlsx", content)}
    )
    assert response.status_code == 302
    preview = client.get(response.url)
    assert preview.status_code == 200
    assert 'data-testid="division-unknown"' in preview.text
    assert "区某某新设中心" in preview.text
    orgs = Organization.objects.count()
    applied = client.post(response.url, {"action": "apply"})
    assert applied.status_code == 302
    assert Organization.objects.count() == orgs
    task = plan.tasks.get(number=2)
    assert str(task.deadline) == "2024-06-30"
    assert {u.name_as_written for u in task.units.all()} == {
        OFFICE,
        "区科学技术委员会",
        "区某某新设中心",
    }


def test_a_bad_division_file_gives_a_clear_error(world, login, plan):
    response = login(world.alice).post(
        reverse("plans:division_import", args=[plan.pk]),
        {"file": upload("d.xlsx", b"not a workbook")},
    )
    assert response.status_code == 400
    assert "not a valid Excel workbook" in response.text


def test_division_import_is_for_the_office_only(world, login, plan):
    url = reverse("plans:division_import", args=[plan.pk])
    assert login(world.leo).get(url).status_code == 403
    assert login(world.bob).get(url).status_code == 403
    assert login(world.charlie).get(url).status_code == 404
    draft = actions.create_division_draft(
        world.alice, plan, division_file([[1, "实施专利质量提升行动", OFFICE, None, None]]), "d"
    )
    draft_url = reverse("plans:division_draft", args=[draft.pk])
    assert login(world.leo).post(draft_url, {"action": "apply"}).status_code == 404
    assert login(world.charlie).get(draft_url).status_code == 404


def test_division_export_downloads_the_table_for_readers_only(world, login, plan):
    url = reverse("plans:division_export", args=[plan.pk])
    response = login(world.leo).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert login(world.charlie).get(url).status_code == 404
