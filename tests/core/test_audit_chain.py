"""The audit trail: what is recorded, the hash chain and its verification, retention, the page."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ipcity.accounts import actions
from ipcity.accounts.models import Role
from ipcity.core import audit
from ipcity.core.daily import duties
from ipcity.core.menu import menu_for
from ipcity.core.models import AppendOnlyError, AuditAction, AuditEntry, AuditHead
from ipcity.plans import actions_conference
from ipcity.plans.models import Meeting
from ipcity.protection import visibility
from ipcity.protection.choices import AgencyKind

from ..factories import make_user
from ..protection.conftest import make_agency, make_case

ROOT = Path(__file__).resolve().parents[2]
LOGIN = reverse("accounts:login")
PAGE = reverse("core:audit_trail")


@pytest.fixture
def ada(world):
    return make_user("ada", world.office, "audit_admin")


@pytest.fixture
def sue(world):
    return make_user("sue", world.office, "security_admin")


def entries(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("seq"))


def fill(n: int, action=AuditAction.EXPORT) -> list[AuditEntry]:
    return [audit.record(action, summary=f"entry {i}") for i in range(n)]


def raw_delete(seq: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq = %s", [seq])


# -- what is recorded ---------------------------------------------------------------------------


def test_a_failed_and_a_successful_sign_in_and_the_sign_out_are_recorded(client, world):
    client.post(LOGIN, {"username": "Bob", "password": "wrong"}, REMOTE_ADDR="198.51.100.7")
    client.post(LOGIN, {"username": "bob", "password": world.password}, REMOTE_ADDR="198.51.100.7")
    client.post(reverse("accounts:logout"), REMOTE_ADDR="198.51.100.7")
    failed, succeeded, logout = entries()
    assert failed.action == AuditAction.LOGIN_FAILED
    assert failed.actor is None and failed.actor_username == "bob"  # the name typed
    assert succeeded.action == AuditAction.LOGIN_SUCCEEDED
    assert succeeded.actor == world.bob and succeeded.actor_username == "bob"
    assert logout.action == AuditAction.LOGOUT and logout.actor == world.bob
    assert {e.ip for e in (failed, succeeded, logout)} == {"198.51.100.7"}
    assert [e.seq for e in (failed, succeeded, logout)] == [1, 2, 3]
    assert audit.verify() is None


def test_role_assignment_removal_and_role_change_are_recorded(world, sue):
    leader = Role.objects.get(code="leader")
    assignment = actions.assign_role(sue, world.bob, leader, "district")
    actions.remove_assignment(sue, assignment)
    role = actions.create_role(sue, {"code": "reader", "name": "读者"}, [])
    perm = leader.permissions.select_related("content_type").first()
    actions.update_role(sue, role, {"name": "只读"}, [perm])
    assigned, removed, created, changed = entries()
    assert assigned.action == AuditAction.ROLE_ASSIGNED and assigned.actor == sue
    assert assigned.object_type == "accounts.roleassignment"
    assert assigned.object_id == str(removed.object_id)
    assert assigned.details == {
        "user": "bob",
        "role": "leader",
        "scope": "district",
        "organization": None,
    }
    assert removed.action == AuditAction.ROLE_UNASSIGNED
    assert created.action == AuditAction.ROLE_CREATED and created.object_id == str(role.pk)
    assert changed.action == AuditAction.ROLE_CHANGED
    name = f"{perm.content_type.app_label}.{perm.codename}"
    assert changed.details == {
        "fields": ["name"],
        "permissions_added": [name],
        "permissions_removed": [],
    }


def test_user_changes_are_recorded_with_the_fields_changed(world):
    sam = make_user("sam", world.office, "system_admin")
    actions.update_user(sam, world.erin, {"display_name": "Erin Wang", "phone": ""})
    actions.set_user_active(sam, world.erin, False)
    changed, deactivated = entries()
    assert changed.action == AuditAction.USER_CHANGED
    assert changed.details == {"fields": ["display_name"]}
    assert deactivated.details == {"fields": ["is_active"], "is_active": False}


def test_an_export_is_one_entry_with_the_list_and_the_row_count(world, login):
    client = login(world.alice)
    response = client.get(
        reverse("orgs:organization_list"), {"kind": "government", "export": "csv"}
    )
    assert response.status_code == 200
    b"".join(response.streaming_content)
    (export,) = entries(action=AuditAction.EXPORT)
    assert export.actor == world.alice
    assert export.object_type == "orgs.organization"
    assert export.details["rows"] == 3
    assert export.details["format"] == "csv"
    assert export.details["filters"] == {"kind": ["government"]}
    assert not entries(action=AuditAction.DOWNLOAD)


def test_a_download_is_recorded_and_a_refused_one_is_not(world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    meeting = Meeting.objects.create(title="联席会议", held_on=datetime.date(2026, 1, 15))
    meeting.attendees.add(world.unit, world.office)
    attachment = actions_conference.add_meeting_attachment(
        world.alice, meeting, SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4 minutes")
    )
    url = reverse("plans:meeting_attachment_download", args=[attachment.pk])
    assert login(world.charlie).get(url).status_code == 404
    assert not entries(action=AuditAction.DOWNLOAD)
    response = login(world.leo).get(url, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    (download,) = entries(action=AuditAction.DOWNLOAD)
    assert download.actor == world.leo
    assert download.summary == "会议纪要.pdf"
    assert download.ip == "203.0.113.9"
    assert download.details["view"] == "plans:meeting_attachment_download"
    assert download.details["args"] == {"pk": attachment.pk}


def test_a_view_of_shared_case_details_is_recorded(world):
    make_agency(world.office, AgencyKind.IP_OFFICE, "京通知执")
    case = make_case(world.office)
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.44")
    request.user = world.bob
    visibility.log_shared_view(request, case, "detail")
    (viewed,) = entries()
    assert viewed.action == AuditAction.SHARED_CASE_VIEWED
    assert (viewed.object_type, viewed.object_id) == ("protection.case", str(case.pk))
    assert viewed.actor == world.bob and viewed.ip == "192.0.2.44"
    assert viewed.summary == "detail"


# -- the chain ----------------------------------------------------------------------------------


def test_entries_are_chained_by_their_hashes(db):
    first, second, third = fill(3)
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    stored = AuditEntry.objects.get(seq=2)
    assert stored.compute_hash() == stored.hash
    head = AuditHead.objects.get()
    assert (head.last_seq, head.last_hash) == (3, third.hash)
    report = audit.check_chain()
    assert report.intact and report.checked == 3
    assert (report.first_seq, report.last_seq) == (1, 3)


def test_verify_walks_the_chain_in_chunks(db):
    fill(7)
    report = audit.check_chain(chunk_size=2)
    assert report.intact and report.checked == 7


def test_an_altered_entry_is_named(db):
    fill(5)
    AuditEntry._base_manager.filter(seq=3).update(summary="nothing to see")
    broken = audit.verify(chunk_size=2)
    assert broken.seq == 3
    assert "altered" in broken.reason
    assert broken.at == AuditEntry.objects.get(seq=3).at


def test_an_entry_altered_with_a_recomputed_hash_breaks_the_next_link(db):
    fill(4)
    entry = AuditEntry.objects.get(seq=2)
    entry.summary = "rewritten"
    AuditEntry._base_manager.filter(seq=2).update(summary="rewritten", hash=entry.compute_hash())
    broken = audit.verify()
    assert broken.seq == 3
    assert "entry #2, which was changed or replaced" in broken.reason


def test_a_deleted_middle_entry_is_detected(db):
    fill(5)
    raw_delete(3)
    broken = audit.verify()
    assert broken.seq == 4
    assert broken.reason == "entry #3 is missing"


def test_deleted_latest_entries_are_detected(db):
    fill(5)
    raw_delete(4)
    raw_delete(5)
    broken = audit.verify()
    assert (broken.seq, broken.at) == (4, None)
    assert broken.reason == "entries #4 to #5 are missing"


def test_an_entry_cannot_be_changed_or_deleted_through_the_orm(db):
    (entry,) = fill(1)
    entry.summary = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=1).update(summary="changed")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=1).delete()
    with pytest.raises(AppendOnlyError):  # not through record(): it would not be chained
        AuditEntry.objects.create(seq=2, at=timezone.now(), action="export", prev_hash="", hash="")
    assert AuditEntry.objects.get().summary == "entry 0"
    assert audit.verify() is None


def test_an_action_rolled_back_leaves_no_entry_and_no_gap(db):
    fill(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(AuditAction.EXPORT, summary="rolled back")
        raise RuntimeError
    fill(1)
    assert [e.seq for e in entries()] == [1, 2]
    assert audit.verify() is None


def test_deleting_a_user_leaves_their_entries_and_the_chain_intact(world):
    audit.record(AuditAction.EXPORT, actor=world.erin)
    world.erin.delete()
    (entry,) = entries()
    assert entry.actor_username == "erin" and entry.actor_id is not None
    assert audit.verify() is None


@pytest.mark.django_db(transaction=True)
def test_writers_in_parallel_keep_the_chain_linear():
    errors = []

    def write():
        try:
            for _ in range(10):
                audit.record(AuditAction.EXPORT)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [e.seq for e in entries()] == list(range(1, 41))
    assert audit.check_chain().checked == 40


# -- the command --------------------------------------------------------------------------------


def test_verify_command_prints_the_count_or_names_the_broken_entry(db):
    fill(4)
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "Audit trail intact: 4 entries checked (#1 to #4)" in out.getvalue()
    AuditEntry._base_manager.filter(seq=2).update(summary="x")
    when = timezone.localtime(AuditEntry.objects.get(seq=2).at)
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", stdout=io.StringIO())
    message = str(failure.value)
    assert message.startswith("Audit trail broken at entry #2 (")
    assert when.isoformat(sep=" ", timespec="seconds") in message


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}:{password}@{host}:{port}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_verify_exit_status_and_message_on_the_command_line(tmp_path):
    """As cron or a monitoring check runs it: 0 when intact, 1 and one line when broken."""
    fill(3)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "IPCITY_VAR_DIR": str(tmp_path),
        "DATABASE_URL": _database_url(),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
    }

    def run():
        return subprocess.run(
            [sys.executable, "-m", "ipcity.cli", "audit", "verify"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    intact = run()
    assert intact.returncode == 0, intact.stderr
    assert "3 entries checked" in intact.stdout
    raw_delete(2)
    broken = run()
    assert broken.returncode == 1
    assert "Traceback" not in broken.stderr
    (line,) = broken.stderr.strip().splitlines()
    assert "Audit trail broken at entry #3 (" in line
    assert "entry #2 is missing" in line


# -- retention ----------------------------------------------------------------------------------


def _old_entries(monkeypatch, n: int, days_ago: int) -> list[AuditEntry]:
    then = timezone.now() - datetime.timedelta(days=days_ago)
    with monkeypatch.context() as patched:
        patched.setattr(timezone, "now", lambda: then)
        return fill(n)


def test_prune_removes_only_entries_past_the_retention_and_the_chain_still_verifies(
    db, monkeypatch
):
    _old_entries(monkeypatch, 3, days_ago=200)
    young = _old_entries(monkeypatch, 2, days_ago=179)
    fill(1)
    out = io.StringIO()
    call_command("audit", "prune", stdout=out)
    assert "Removed 3 audit entries older than 180 days" in out.getvalue()
    assert "the chain now starts at #4" in out.getvalue()
    kept = entries()
    assert [e.seq for e in kept] == [4, 5, 6, 7]
    assert kept[:2] == young
    marker = kept[-1]
    assert marker.action == AuditAction.AUDIT_PRUNED
    assert marker.details["removed"] == 3 and marker.details["retention_days"] == 180
    head = AuditHead.objects.get()
    assert (head.anchor_seq, head.anchor_prev_hash) == (4, young[0].prev_hash)
    report = audit.check_chain()
    assert report.intact and (report.first_seq, report.checked) == (4, 4)
    # Nothing more is old enough: a second run removes nothing and records nothing.
    assert audit.prune().removed == 0
    assert AuditEntry.objects.count() == 4
    # The kept chain still catches a removal, the anchor's included.
    raw_delete(5)
    assert audit.verify().reason == "entry #5 is missing"


def test_after_pruning_the_anchor_itself_cannot_go_unnoticed(db, monkeypatch):
    _old_entries(monkeypatch, 2, days_ago=365)
    fill(2)
    audit.prune()
    raw_delete(3)
    broken = audit.verify()
    assert (broken.seq, broken.reason) == (4, "entry #3 is missing")


def test_the_retention_follows_the_setting(db, monkeypatch, settings):
    settings.IPCITY_AUDIT_RETENTION_DAYS = 400
    _old_entries(monkeypatch, 1, days_ago=500)
    _old_entries(monkeypatch, 1, days_ago=300)
    result = audit.prune()
    assert (result.removed, result.days) == (1, 400)
    assert audit.verify() is None


def test_a_retention_below_180_days_is_refused(db, monkeypatch, settings):
    _old_entries(monkeypatch, 2, days_ago=100)
    settings.IPCITY_AUDIT_RETENTION_DAYS = 90
    with pytest.raises(CommandError, match="must be kept for at least 180 days"):
        call_command("audit", "prune", stdout=io.StringIO())
    line = {d.name: d for d in duties()}["audit-trail"].func(timezone.localdate())
    assert "not pruned" in line and "IPCITY_AUDIT_RETENTION_DAYS is 90" in line
    assert AuditEntry.objects.count() == 2


def test_the_daily_duty_checks_then_prunes_and_leaves_a_broken_chain_alone(db, monkeypatch):
    duty = {d.name: d for d in duties()}["audit-trail"]
    _old_entries(monkeypatch, 2, days_ago=200)
    last = fill(1)[0]
    line = duty.func(timezone.localdate())
    assert f"chain intact, 3 entries up to #3 ({last.hash[:16]})" in line
    assert "2 entries older than 180 days removed" in line
    _old_entries(monkeypatch, 1, days_ago=365)
    AuditEntry._base_manager.filter(seq=3).update(summary="x")
    line = duty.func(timezone.localdate())
    assert line.startswith("BROKEN at entry #3") and "nothing pruned" in line
    assert AuditEntry.objects.filter(seq=5).exists()


# -- the page -----------------------------------------------------------------------------------


def test_the_audit_administrator_reads_and_filters_the_trail(world, login, ada):
    audit.record(AuditAction.EXPORT, actor=world.alice, summary="organizations")
    audit.record(AuditAction.DOWNLOAD, actor=world.leo, summary="会议纪要.pdf")
    client = login(ada)
    page = client.get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "会议纪要.pdf" in text and "organizations" in text
    only = client.get(PAGE, {"action": "download"})
    assert [e.summary for e in only.context["entries"]] == ["会议纪要.pdf"]
    by_actor = client.get(PAGE, {"actor": "alice"})
    assert [e.summary for e in by_actor.context["entries"]] == ["organizations"]
    today = timezone.localdate()
    days = {"since": today.isoformat(), "until": today.isoformat()}
    assert len(client.get(PAGE, {**days, "actor": "leo"}).context["entries"]) == 1
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert client.get(PAGE, {"until": yesterday}).context["entries"] == []
    # Read only: the page answers nothing but reading.
    assert client.post(PAGE, {"action": "export"}).status_code == 405


def test_the_trail_pages_back_by_entry_number(world, login, ada):
    fill(60)
    client = login(ada)
    first = client.get(PAGE)
    shown = first.context["entries"]
    assert len(shown) == 50 and shown[0].seq == AuditEntry.objects.order_by("-seq")[0].seq
    older = client.get(PAGE, {"before": first.context["next_before"]}).context["entries"]
    assert [e.seq for e in older] == list(range(older[0].seq, 0, -1))
    assert older[0].seq == shown[-1].seq - 1


def test_the_page_costs_the_same_few_queries_however_long_the_trail(world, login, ada):
    client = login(ada)
    client.get(PAGE)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PAGE).status_code == 200
        return len(ctx.captured_queries)

    fill(3)
    few = count()
    fill(80)
    assert count() == few <= 10


@pytest.mark.parametrize("persona", ["alice", "leo", "bob", "charlie"])
def test_others_may_not_read_the_trail(world, login, persona):
    assert login(getattr(world, persona)).get(PAGE).status_code == 403


def test_the_other_administrators_may_not_read_it_either(world, login, sue):
    sam = make_user("sam", world.office, "system_admin")
    assert login(sam).get(PAGE).status_code == 403
    assert login(sue).get(PAGE).status_code == 403


def test_only_the_audit_administrator_finds_it_in_the_menu(world, ada):
    def system(user):
        section = next(s for s in menu_for(user) if s["key"] == "system")
        return {item.url_name for item in section["items"]}

    assert "core:audit_trail" in system(ada)
    assert "core:audit_trail" not in system(world.alice)


def test_reading_the_trail_is_part_of_the_audit_duty(world, ada):
    assert actions.duties_of({"core.view_auditentry"}) == {"audit"}
    assert actions.user_duties(ada) == {"audit"}
    assert (
        Role.objects.get(code="audit_admin").permissions.filter(codename="view_auditentry").exists()
    )


def test_the_django_admin_shows_entries_read_only(client, world, django_user_model):
    fill(1)
    root = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(root)
    entry = AuditEntry.objects.get(seq=1)
    assert client.get("/django-admin/core/auditentry/").status_code == 200
    change = f"/django-admin/core/auditentry/{entry.pk}/change/"
    assert client.get(change).status_code == 200
    assert client.post(change, {"summary": "changed"}).status_code == 403
    assert client.get("/django-admin/core/auditentry/add/").status_code == 403
    delete = client.get(f"/django-admin/core/auditentry/{entry.pk}/delete/")
    assert delete.status_code == 403
