"""Joint conference: meetings, resolutions supervised like tasks, follow-up by the owner unit."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ipcity.plans import actions as plan_actions
from ipcity.plans import actions_conference as actions
from ipcity.plans.choices import TaskStatus
from ipcity.plans.models import Meeting, MeetingAttachment, Resolution


@pytest.fixture
def meeting(world):
    m = Meeting.objects.create(title="第一次联席会议", held_on=datetime.date(2026, 1, 15))
    m.attendees.add(world.unit, world.office)
    return m


@pytest.fixture
def resolution(world, meeting):
    return Resolution.objects.create(
        meeting=meeting,
        text="区科委牵头制定专利转化方案",
        owner=world.unit,
        deadline=timezone.localdate() + datetime.timedelta(days=60),
    )


def test_office_creates_a_meeting_with_attending_units(world, login):
    client = login(world.alice)
    response = client.post(
        reverse("plans:meeting_create"),
        {
            "title": "2026年第一次联席会议",
            "held_on": "2026-02-10",
            "place": "区政府",
            "agenda": "一、通报进展",
            "attendees": [world.unit.pk, world.office.pk],
            "minutes": "",
        },
    )
    meeting = Meeting.objects.get(title="2026年第一次联席会议")
    assert response.status_code == 302
    assert set(meeting.attendees.all()) == {world.unit, world.office}


def test_unit_operator_and_leader_may_not_create_meetings(world, login):
    assert login(world.bob).get(reverse("plans:meeting_create")).status_code == 403
    assert login(world.leo).get(reverse("plans:meeting_create")).status_code == 403


def test_meeting_pages_for_the_personas(world, login, meeting, resolution):
    for user in (world.alice, world.bob, world.leo):
        client = login(user)
        assert client.get(reverse("plans:meeting_list")).status_code == 200
        page = client.get(meeting.get_absolute_url())
        assert page.status_code == 200
        assert "区科委牵头制定专利转化方案" in page.content.decode()
    client = login(world.charlie)
    assert client.get(reverse("plans:meeting_list")).status_code == 403
    assert client.get(meeting.get_absolute_url()).status_code == 404


def test_office_adds_a_resolution_from_a_meeting(world, login, meeting):
    client = login(world.alice)
    response = client.post(
        reverse("plans:resolution_create", args=[meeting.pk]),
        {"text": "建立联络员制度", "owner": world.unit.pk, "deadline": "2026-06-30"},
    )
    assert response.status_code == 302
    resolution = Resolution.objects.get(text="建立联络员制度")
    assert resolution.owner == world.unit
    assert resolution.history.first().history_user == world.alice


def test_a_resolution_needs_text(world, login, meeting):
    client = login(world.alice)
    response = client.post(
        reverse("plans:resolution_create", args=[meeting.pk]),
        {"text": "", "owner": world.unit.pk},
    )
    assert response.status_code == 400
    assert not Resolution.objects.exists()


def test_bob_may_not_add_resolutions(world, login, meeting):
    response = login(world.bob).post(
        reverse("plans:resolution_create", args=[meeting.pk]),
        {"text": "x", "owner": world.unit.pk},
    )
    assert response.status_code == 403


def test_owner_unit_marks_progress_and_completes(world, login, resolution):
    client = login(world.bob)
    url = reverse("plans:resolution_progress", args=[resolution.pk])
    client.post(url, {"status": TaskStatus.IN_PROGRESS, "follow_up": "已起草"})
    resolution.refresh_from_db()
    assert resolution.status == TaskStatus.IN_PROGRESS
    assert resolution.completed_on is None
    client.post(url, {"status": TaskStatus.COMPLETED, "follow_up": "已印发"})
    resolution.refresh_from_db()
    assert resolution.status == TaskStatus.COMPLETED
    assert resolution.completed_on == timezone.localdate()
    assert resolution.history.first().history_user == world.bob


def test_leader_reads_but_may_not_record_progress(world, login, resolution):
    client = login(world.leo)
    assert client.get(reverse("plans:resolution_detail", args=[resolution.pk])).status_code == 200
    response = client.post(
        reverse("plans:resolution_progress", args=[resolution.pk]),
        {"status": TaskStatus.COMPLETED},
    )
    assert response.status_code == 403


def test_stranger_gets_404_for_a_resolution(world, login, resolution):
    client = login(world.charlie)
    assert client.get(reverse("plans:resolution_detail", args=[resolution.pk])).status_code == 404
    response = client.post(
        reverse("plans:resolution_progress", args=[resolution.pk]),
        {"status": TaskStatus.COMPLETED},
    )
    assert response.status_code == 404


def test_a_unit_sees_only_resolutions_it_owns(world, login, meeting, resolution):
    other = Resolution.objects.create(meeting=meeting, text="办公室自办事项", owner=world.office)
    client = login(world.bob)
    page = client.get(reverse("plans:resolution_list")).content.decode()
    assert resolution.text in page
    assert other.text not in page
    assert client.get(reverse("plans:resolution_detail", args=[other.pk])).status_code == 404


def test_open_resolutions_list_shows_lights_and_hides_completed(world, login, meeting):
    today = timezone.localdate()
    Resolution.objects.create(
        meeting=meeting, text="逾期事项", owner=world.unit, deadline=today - datetime.timedelta(3)
    )
    Resolution.objects.create(
        meeting=meeting,
        text="已完成事项",
        owner=world.unit,
        status=TaskStatus.COMPLETED,
        completed_on=today,
    )
    page = login(world.alice).get(reverse("plans:resolution_list")).content.decode()
    assert "逾期事项" in page
    assert "text-bg-danger" in page
    assert "已完成事项" not in page
    everything = login(world.alice).get(reverse("plans:resolution_list") + "?status=all")
    assert "已完成事项" in everything.content.decode()


def test_record_progress_rejects_an_unknown_status(world, resolution):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        actions.record_progress(world.bob, resolution, "", "finished")


def test_lists_run_a_bounded_number_of_queries(
    world, login, meeting, django_assert_max_num_queries
):
    for i in range(15):
        m = Meeting.objects.create(title=f"会议{i}", held_on=datetime.date(2025, 1, 1 + i))
        m.attendees.add(world.unit)
        Resolution.objects.create(meeting=m, text=f"事项{i}", owner=world.unit)
    client = login(world.alice)
    client.get(reverse("plans:meeting_list"))
    with django_assert_max_num_queries(15):
        assert client.get(reverse("plans:meeting_list")).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(reverse("plans:resolution_list")).status_code == 200


# --- attachments --------------------------------------------------------------------------


def attach(client, meeting, name, content):
    return client.post(
        reverse("plans:meeting_attachment_add", args=[meeting.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_the_office_attaches_a_file_that_meeting_viewers_download(world, login, meeting):
    client = login(world.alice)
    response = attach(client, meeting, "会议纪要.pdf", b"%PDF-1.4 minutes")
    assert response.status_code == 200
    attachment = meeting.attachments.get()
    assert attachment.name == "会议纪要.pdf"
    assert attachment.size == len(b"%PDF-1.4 minutes")
    assert attachment.uploaded_by == world.alice
    assert "会议纪要.pdf" in response.content.decode()
    url = reverse("plans:meeting_attachment_download", args=[attachment.pk])
    for user in (world.alice, world.leo):
        download = login(user).get(url)
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        assert b"".join(download.streaming_content) == b"%PDF-1.4 minutes"


def test_the_leader_downloads_but_may_not_attach(world, login, meeting):
    attachment = actions.add_meeting_attachment(
        world.alice, meeting, SimpleUploadedFile("议程.docx", b"agenda")
    )
    client = login(world.leo)
    url = reverse("plans:meeting_attachment_download", args=[attachment.pk])
    assert client.get(url).status_code == 200
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert reverse("plans:meeting_attachment_add", args=[meeting.pk]) not in page
    response = client.post(
        reverse("plans:meeting_attachment_add", args=[meeting.pk]),
        {"file": SimpleUploadedFile("a.pdf", b"%PDF")},
    )
    assert response.status_code == 403
    assert meeting.attachments.count() == 1


def test_a_stranger_gets_404_for_meeting_files(world, login, meeting):
    attachment = actions.add_meeting_attachment(
        world.alice, meeting, SimpleUploadedFile("议程.docx", b"agenda")
    )
    client = login(world.charlie)
    url = reverse("plans:meeting_attachment_download", args=[attachment.pk])
    assert client.get(url).status_code == 404
    response = client.post(
        reverse("plans:meeting_attachment_add", args=[meeting.pk]),
        {"file": SimpleUploadedFile("a.pdf", b"%PDF")},
    )
    assert response.status_code == 404


def test_an_oversized_or_disallowed_meeting_file_is_refused(world, login, meeting, monkeypatch):
    client = login(world.alice)
    response = attach(client, meeting, "run.html", b"<script>")
    assert "This kind of file is not accepted: run.html" in response.content.decode()
    monkeypatch.setattr(plan_actions, "ATTACHMENT_MAX_BYTES", 10)
    response = attach(client, meeting, "big.pdf", b"x" * 11)
    assert "The file is larger than" in response.content.decode()
    assert not MeetingAttachment.objects.exists()
