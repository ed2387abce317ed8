"""Progress reports: a unit writes and submits, the office or the lead unit accepts or returns."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ipcity.core.models import Notification
from ipcity.plans import actions
from ipcity.plans.choices import ReportFrequency, ReportStatus
from ipcity.plans.models import ProgressReport
from tests.factories import make_user

from .task_builders import make_plan, make_report, make_task


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tasks(world):
    plan = make_plan(report_frequency=ReportFrequency.QUARTERLY)
    bobs = make_task(plan, 1, title="实施专利质量提升行动", lead=[world.unit], co=[world.subunit])
    office = make_task(plan, 2, title="完善知识产权保护体系", lead=[world.office])
    return bobs, office


def _create(client, task, **data):
    data.setdefault("text", "本季度完成专利导航项目一项。")
    data.setdefault("figures_text", "专利授权量: 120\n备注: 按计划推进")
    return client.post(reverse("plans:report_create", args=[task.pk]), data)


# --- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "label", "end"),
    [
        (ReportFrequency.QUARTERLY, "2024-Q2", date(2024, 6, 30)),
        (ReportFrequency.MONTHLY, "2024-05", date(2024, 5, 31)),
        (ReportFrequency.HALF_YEARLY, "2024-H1", date(2024, 6, 30)),
        (ReportFrequency.YEARLY, "2024", date(2024, 12, 31)),
    ],
)
def test_the_period_follows_the_plans_reporting_frequency(frequency, label, end):
    assert actions.period_for(date(2024, 5, 20), frequency) == (label, end)
    assert actions.period_end(label, frequency) == end


def test_the_form_offers_the_current_period_first_then_the_ones_before():
    periods = actions.recent_periods(ReportFrequency.QUARTERLY, date(2024, 2, 10), count=3)
    assert [p for p, _end in periods] == ["2024-Q1", "2023-Q4", "2023-Q3"]


def test_a_period_label_that_does_not_parse_has_no_end():
    assert actions.period_end("Q2 2024", ReportFrequency.QUARTERLY) is None


# --- the state machine with personas ------------------------------------------------------


def test_bob_reports_on_his_units_task_and_submits(world, tasks, login):
    bobs = tasks[0]
    client = login(world.bob)
    response = _create(client, bobs, organization=world.unit.pk, period="2024-Q2")
    assert response.status_code == 302, response.content.decode()[:2000]
    report = ProgressReport.objects.get(task=bobs)
    assert report.status == ReportStatus.DRAFT
    assert report.period_end == date(2024, 6, 30)
    assert report.figures == {"专利授权量": 120, "备注": "按计划推进"}
    assert client.get(report.get_absolute_url()).status_code == 200
    response = client.post(reverse("plans:report_submit", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_by == world.bob
    assert report.history.first().history_user == world.bob


def test_charlie_cannot_see_bobs_report(world, tasks, login):
    report = make_report(tasks[0], world.unit)
    client = login(world.charlie)
    assert client.get(reverse("plans:report_detail", args=[report.pk])).status_code == 404
    assert client.post(reverse("plans:report_submit", args=[report.pk])).status_code == 404
    assert client.get(reverse("plans:report_list")).status_code == 403


def test_leo_reads_the_report_but_changes_nothing(world, tasks, login):
    report = make_report(tasks[0], world.unit, status=ReportStatus.SUBMITTED)
    client = login(world.leo)
    assert client.get(reverse("plans:report_detail", args=[report.pk])).status_code == 200
    assert client.post(reverse("plans:report_accept", args=[report.pk])).status_code == 403
    assert client.post(reverse("plans:report_submit", args=[report.pk])).status_code == 403
    assert client.get(reverse("plans:report_edit", args=[report.pk])).status_code == 403
    assert _create(client, tasks[0]).status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_alice_accepts_a_submitted_report_and_bob_is_told(
    world, tasks, login, django_capture_on_commit_callbacks
):
    report = make_report(
        tasks[0], world.unit, status=ReportStatus.SUBMITTED, submitted_by=world.bob
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.alice).post(
            reverse("plans:report_accept", args=[report.pk]), {"comment": "内容翔实"}
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    assert report.reviewed_by == world.alice
    assert report.review_comment == "内容翔实"
    assert Notification.objects.filter(user=world.bob, title__startswith="Report accepted")


def test_a_unit_does_not_accept_its_own_report(world, tasks, login):
    report = make_report(tasks[0], world.unit, status=ReportStatus.SUBMITTED)
    response = login(world.bob).post(reverse("plans:report_accept", args=[report.pk]))
    assert response.status_code == 403


def test_the_lead_unit_accepts_the_report_of_a_cooperating_subordinate(world, tasks):
    dora = make_user("dora", world.subunit, "unit_operator")
    report = actions.create_report(dora, tasks[0], {"text": "配合开展专利导航。"})
    assert report.organization == world.subunit
    actions.submit_report(dora, report)
    assert not actions.can_review(dora, report)
    actions.accept_report(world.bob, report)
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.ACCEPTED


def test_a_returned_report_needs_a_comment_and_can_be_revised_and_resubmitted(world, tasks, login):
    report = make_report(tasks[0], world.unit, status=ReportStatus.SUBMITTED)
    with pytest.raises(ValidationError):
        actions.return_report(world.alice, report, "")
    actions.return_report(world.alice, report, "请补充数据")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    client = login(world.bob)
    response = client.post(
        reverse("plans:report_edit", args=[report.pk]),
        {"text": "已补充数据。", "figures_text": "项目数: 2"},
    )
    assert response.status_code == 302
    client.post(reverse("plans:report_submit", args=[report.pk]))
    report.refresh_from_db()
    assert (report.status, report.text, report.figures) == (
        ReportStatus.SUBMITTED,
        "已补充数据。",
        {"项目数": 2},
    )


def test_an_accepted_report_can_no_longer_be_changed_or_accepted_again(world, tasks, login):
    report = make_report(tasks[0], world.unit, status=ReportStatus.ACCEPTED)
    with pytest.raises(ValidationError):
        actions.update_report(world.bob, report, {"text": "改写"})
    response = login(world.alice).post(
        reverse("plans:report_accept", args=[report.pk]), follow=True
    )
    assert "Only a submitted report can be accepted." in response.content.decode()


def test_a_unit_cannot_report_on_a_task_that_is_not_its_own(world, tasks, login):
    office = tasks[1]
    assert _create(login(world.bob), office).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.create_report(world.bob, office, {"text": "x"})


def test_a_unit_cannot_report_in_the_name_of_a_unit_outside_its_scope(world, tasks):
    with pytest.raises(ValidationError) as exc:
        actions.create_report(
            world.bob, tasks[0], {"organization": world.office, "text": "越权报送"}
        )
    assert "organization" in exc.value.message_dict


def test_the_same_unit_reports_once_per_period(world, tasks, login):
    bobs = tasks[0]
    client = login(world.bob)
    _create(client, bobs, organization=world.unit.pk, period="2024-Q2")
    response = _create(client, bobs, organization=world.unit.pk, period="2024-Q2")
    assert response.status_code == 400
    assert "already reported" in response.content.decode()


def test_a_report_with_a_malformed_figure_line_is_refused_with_a_message(world, tasks, login):
    response = _create(
        login(world.bob), tasks[0], organization=world.unit.pk, figures_text="没有冒号的一行"
    )
    assert response.status_code == 400
    assert "name: value" in response.content.decode()


# --- attachments --------------------------------------------------------------------------


def test_a_unit_attaches_a_file_that_scoped_users_download(world, tasks, login):
    report = make_report(tasks[0], world.unit)
    client = login(world.bob)
    upload = SimpleUploadedFile("进展材料.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client.post(reverse("plans:report_attachment_add", args=[report.pk]), {"file": upload})
    attachment = report.attachments.get()
    assert attachment.name == "进展材料.pdf"
    url = reverse("plans:report_attachment_download", args=[attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert login(world.leo).get(url).status_code == 200
    assert login(world.charlie).get(url).status_code == 404


def test_an_oversized_or_odd_attachment_is_refused(world, tasks, monkeypatch):
    report = make_report(tasks[0], world.unit)
    monkeypatch.setattr(actions, "ATTACHMENT_MAX_BYTES", 10)
    with pytest.raises(ValidationError, match="larger than"):
        actions.add_attachment(world.bob, report, SimpleUploadedFile("a.pdf", b"x" * 11))
    with pytest.raises(ValidationError, match="not accepted"):
        actions.add_attachment(world.bob, report, SimpleUploadedFile("a.html", b"<script>"))
    assert not report.attachments.exists()


def test_the_leader_cannot_attach_files(world, tasks, login):
    report = make_report(tasks[0], world.unit)
    upload = SimpleUploadedFile("a.pdf", b"%PDF")
    response = login(world.leo).post(
        reverse("plans:report_attachment_add", args=[report.pk]), {"file": upload}
    )
    assert response.status_code == 403


# --- list ---------------------------------------------------------------------------------


def test_the_report_list_shows_each_persona_its_scope(world, tasks, login):
    bobs, office = tasks
    mine = make_report(bobs, world.unit)
    theirs = make_report(office, world.office)
    alice_rows = login(world.alice).get(reverse("plans:report_list")).context["table"].data
    assert {r.pk for r in alice_rows} == {mine.pk, theirs.pk}
    bob_rows = login(world.bob).get(reverse("plans:report_list")).context["table"].data
    assert {r.pk for r in bob_rows} == {mine.pk}


def test_the_report_list_runs_a_bounded_number_of_queries(
    world, tasks, login, django_assert_max_num_queries
):
    plan = tasks[0].plan
    for number in range(10, 40):
        make_report(make_task(plan, number, lead=[world.unit]), world.unit)
    client = login(world.alice)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("plans:report_list"))
    assert response.status_code == 200


def test_submitting_tells_the_lead_unit(world, tasks, django_capture_on_commit_callbacks):
    dora = make_user("dora", world.subunit, "unit_operator")
    report = actions.create_report(dora, tasks[0], {"text": "配合开展专利导航。"})
    with django_capture_on_commit_callbacks(execute=True):
        actions.submit_report(dora, report)
    note = Notification.objects.get(user=world.bob)
    assert note.title.startswith("Progress report submitted")
    assert note.link == report.get_absolute_url()


def test_the_report_forms_render(world, tasks, login):
    report = make_report(tasks[0], world.unit)
    client = login(world.bob)
    page = client.get(reverse("plans:report_create", args=[tasks[0].pk]))
    assert page.status_code == 200
    current = actions.period_for(timezone.localdate(), ReportFrequency.QUARTERLY)[0]
    assert f'<option value="{current}" selected>' in page.content.decode()
    assert client.get(reverse("plans:report_edit", args=[report.pk])).status_code == 200
