"""`ipcity backup` and `ipcity restore` on the real test database of this run.

The engine is the connection's: SQLite normally, PostgreSQL when DATABASE_URL points there
(the CI runs the suite on both), so the same round trip proves both paths. Each test works on
its own worker's test database and on its own tmp dirs (MEDIA_ROOT included).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from ipcity.core import backup
from ipcity.orgs.models import Organization

from ..factories import make_org

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
UPLOAD = "plans/reports/2025/report.pdf"
ORIGINAL = b"%PDF-1.4 original report \x00\x01\x02"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "backups"


def organizations() -> list[tuple]:
    return list(Organization.objects.order_by("pk").values_list("pk", "name", "parent_id"))


def run_backup(out: Path, *args: str) -> Path:
    before = set(out.glob("*.tar.gz")) if out.exists() else set()
    call_command("backup", "--output", str(out), *args, stdout=io.StringIO())
    (created,) = set(out.glob("*.tar.gz")) - before
    return created


def restore(archive: Path, *args: str) -> str:
    stdout = io.StringIO()
    call_command("restore", str(archive), *args, stdout=stdout)
    return stdout.getvalue()


def rewrite(source: Path, target: Path, change) -> Path:
    """Copy an archive member by member; `change(name, data, manifest)` returns (name, data)."""
    with tarfile.open(source, "r:gz") as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]
    manifest = json.loads(members[0][1])
    rewritten = [change(name, data, manifest) for name, data in members[1:]]
    manifest_bytes = json.dumps(manifest).encode()
    with tarfile.open(target, "w:gz") as tar:
        for name, data in [("manifest.json", manifest_bytes), *rewritten]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def staging_left(media: Path) -> list[str]:
    return [p.name for p in media.iterdir() if p.name.startswith(".ipcity-")]


@pytest.fixture
def state(world, media):
    """Rows and an uploaded file as they are at backup time, plus a disposable job result."""
    world.enterprise_a.name = "示例甲科技有限公司（备份时）"
    world.enterprise_a.save()
    doomed = make_org("将被删除的示例企业有限公司")
    default_storage.save(UPLOAD, ContentFile(ORIGINAL))
    (media / "jobs").mkdir()
    (media / "jobs" / "export.xlsx").write_bytes(b"job result")
    return {"orgs": organizations(), "doomed": doomed, "world": world}


def change_everything(state, media: Path) -> None:
    world = state["world"]
    world.enterprise_a.name = "改过的名字"
    world.enterprise_a.save()
    state["doomed"].delete()
    make_org("备份之后新建的企业有限公司")
    (media / UPLOAD).write_bytes(b"overwritten")
    (media / "plans" / "later.txt").write_bytes(b"added after the backup")
    assert organizations() != state["orgs"]


def test_round_trip_restores_rows_and_files_exactly(state, media, out):
    archive = run_backup(out)
    assert backup.ARCHIVE_RE.match(archive.name)
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    engine = connection.vendor
    assert names[0] == "manifest.json"
    assert manifest["engine"] == engine
    assert manifest["database"] in names
    assert f"media/{UPLOAD}" in names
    assert not any(name.startswith("media/jobs/") for name in names)
    assert manifest["migrations"]["orgs"].startswith("0001")
    files = {entry["path"]: entry for entry in manifest["files"]}
    assert files[f"media/{UPLOAD}"]["size"] == len(ORIGINAL)

    change_everything(state, media)
    (media / UPLOAD).unlink()  # and the original file gone altogether
    from django.core.cache import cache

    from ipcity.core import generation

    before = generation.current()

    output = restore(archive, "--yes")
    # What was cached from the data before the restore is not served after it.
    assert cache.get(generation.KEY) != before

    assert f"Restored the {engine} database" in output
    assert "1 uploaded files" in output
    assert organizations() == state["orgs"]
    assert (media / UPLOAD).read_bytes() == ORIGINAL
    assert not (media / "plans" / "later.txt").exists()
    # Job results are not in the archive; the ones on disk stay.
    assert (media / "jobs" / "export.xlsx").read_bytes() == b"job result"
    assert staging_left(media) == []
    # The application works on the restored database.
    assert Organization.objects.filter(name="示例甲科技有限公司（备份时）").exists()


def test_tampered_member_is_refused_and_nothing_changes(state, media, out, tmp_path):
    archive = run_backup(out)
    change_everything(state, media)
    changed_rows = organizations()

    def flip_one_byte(name, data, manifest):
        if name == f"media/{UPLOAD}":
            data = data[:5] + bytes([data[5] ^ 0x01]) + data[6:]
        return name, data

    tampered = rewrite(archive, tmp_path / "tampered.tar.gz", flip_one_byte)
    with pytest.raises(CommandError, match=f"media/{UPLOAD} does not match its checksum"):
        restore(tampered, "--yes")

    def flip_database_byte(name, data, manifest):
        if name == manifest["database"]:
            data = data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:]
        return name, data

    tampered_db = rewrite(archive, tmp_path / "tampered-db.tar.gz", flip_database_byte)
    with pytest.raises(CommandError, match="does not match its checksum"):
        restore(tampered_db, "--yes")

    assert organizations() == changed_rows
    assert (media / UPLOAD).read_bytes() == b"overwritten"
    assert (media / "plans" / "later.txt").exists()
    assert staging_left(media) == []


def test_damaged_or_truncated_archive_is_refused(state, media, out, tmp_path):
    archive = run_backup(out)
    change_everything(state, media)
    changed_rows = organizations()
    raw = archive.read_bytes()

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CommandError, match="Restore refused, nothing changed"):
        restore(truncated, "--yes")

    damaged = tmp_path / "damaged.tar.gz"
    middle = len(raw) // 2
    damaged.write_bytes(raw[:middle] + bytes([raw[middle] ^ 0xFF]) + raw[middle + 1 :])
    with pytest.raises(CommandError, match="Restore refused, nothing changed"):
        restore(damaged, "--yes")

    not_ours = tmp_path / "other.tar.gz"
    with tarfile.open(not_ours, "w:gz") as tar:
        info = tarfile.TarInfo("etc/passwd")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    with pytest.raises(CommandError, match="not an ipcity backup"):
        restore(not_ours, "--yes")

    assert organizations() == changed_rows
    assert (media / UPLOAD).read_bytes() == b"overwritten"
    assert staging_left(media) == []


def test_member_outside_the_manifest_or_with_an_unsafe_name_is_refused(state, media, out, tmp_path):
    archive = run_backup(out)

    def escape(name, data, manifest):
        if name == f"media/{UPLOAD}":
            name = "media/../../escaped.pdf"
            for entry in manifest["files"]:
                if entry["path"] == f"media/{UPLOAD}":
                    entry["path"] = name
        return name, data

    evil = rewrite(archive, tmp_path / "evil.tar.gz", escape)
    with pytest.raises(CommandError, match="unsafe name"):
        restore(evil, "--yes")
    assert not (tmp_path / "escaped.pdf").exists()
    assert not (media.parent / "escaped.pdf").exists()
    assert staging_left(media) == []


def test_archive_of_another_engine_is_refused(state, media, out, tmp_path):
    archive = run_backup(out)
    change_everything(state, media)
    changed_rows = organizations()
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def switch_engine(name, data, manifest):
        ours = backup.DB_MEMBERS[connection.vendor]
        if manifest["engine"] != other:
            manifest["engine"] = other
            manifest["database"] = backup.DB_MEMBERS[other]
            for entry in manifest["files"]:
                if entry["path"] == ours:
                    entry["path"] = manifest["database"]
        return (manifest["database"] if name == ours else name), data

    foreign = rewrite(archive, tmp_path / "foreign.tar.gz", switch_engine)
    with pytest.raises(CommandError, match=f"holds a {other} database"):
        restore(foreign, "--yes")
    assert organizations() == changed_rows
    assert (media / UPLOAD).read_bytes() == b"overwritten"
    assert staging_left(media) == []


def test_archive_from_a_newer_version_is_refused(state, media, out, tmp_path):
    archive = run_backup(out)

    def newer(name, data, manifest):
        manifest["migrations"]["orgs"] = "9999_from_the_future"
        return name, data

    future = rewrite(archive, tmp_path / "future.tar.gz", newer)
    with pytest.raises(CommandError, match=r"newer version of ipcity.*orgs\.9999_from_the_future"):
        restore(future, "--yes")


def test_restore_asks_for_confirmation(state, media, out):
    archive = run_backup(out)
    change_everything(state, media)
    changed_rows = organizations()
    # pytest's stdin is not a terminal: without --yes nothing happens.
    with pytest.raises(CommandError, match=r"needs confirmation.*--yes"):
        restore(archive)
    assert organizations() == changed_rows
    assert staging_left(media) == []


def test_keep_removes_only_older_archives(state, out):
    out.mkdir()
    old = ["ipcity-backup-20240101-010101.tar.gz", "ipcity-backup-20250101-010101.tar.gz"]
    for name in old:
        (out / name).write_bytes(b"old")
    unrelated = out / "notes.txt"
    unrelated.write_text("keep me")

    first = run_backup(out, "--keep", "2")
    second = run_backup(out, "--keep", "2")  # within the same second: a distinct name

    assert first != second
    remaining = sorted(p.name for p in out.glob("ipcity-backup-*"))
    assert remaining == sorted([first.name, second.name])
    assert unrelated.exists()
    assert [p.name for p in backup.list_archives(out)] == [first.name, second.name]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_backup_failure_is_one_line_and_leaves_no_archive(state, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(CommandError, match=r"^Backup failed: the backup directory"):
        call_command("backup", "--output", str(blocker / "backups"), stdout=io.StringIO())

    out = tmp_path / "backups"
    if connection.vendor == "postgresql":
        # pg_dump missing: a clear message, no traceback, no archive.
        empty = tmp_path / "empty-bin"
        empty.mkdir()
        monkeypatch.setenv("PATH", str(empty))
        with pytest.raises(CommandError, match="pg_dump not found"):
            call_command("backup", "--output", str(out), stdout=io.StringIO())
    else:
        # The database file vanished.
        monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "missing.sqlite3"))
        with pytest.raises(CommandError, match="does not exist"):
            call_command("backup", "--output", str(out), stdout=io.StringIO())
    assert list(out.iterdir()) == []


def test_command_line_exit_status_and_message(tmp_path):
    """Run as an operator would: non-zero exit, one line on stderr, no traceback."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "IPCITY_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "ipcity.cli", "restore", str(tmp_path / "nothing.tar.gz"), "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "Restore refused, nothing changed" in lines[0]
    assert "is not a file" in lines[0]


def test_archive_from_an_older_version_asks_for_migrate(state, media, out, tmp_path):
    archive = run_backup(out)

    def older(name, data, manifest):
        manifest["migrations"]["auth"] = "0001_initial"
        return name, data

    old = rewrite(archive, tmp_path / "old.tar.gz", older)
    output = restore(old, "--yes")
    assert "auth.0012_alter_user_first_name_max_length" in output
    assert "run `ipcity migrate` now" in output
    assert organizations() == state["orgs"]


@pytest.mark.parametrize(
    ("recorded", "pending"),
    [
        ("0005_search_index", ["rights.0001_squashed_0008_held_indexes"]),
        ("0008_held_indexes", []),
        ("0001_squashed_0008_held_indexes", []),
    ],
)
def test_an_archive_named_by_a_replaced_migration_is_measured_by_its_squash(recorded, pending):
    """A database migrated before the squash records the old names: one part way along the
    replaced chain still lacks the rest; one at its end is as far as the squashed migration."""
    from ipcity.core.backup import _migration_gap, _migration_state

    manifest = {"migrations": {**_migration_state("default"), "rights": recorded}}
    gap = _migration_gap(manifest)
    assert [m for m in gap if m.startswith("rights.")] == pending


@pytest.mark.parametrize(
    ("recorded", "pending"),
    [
        ("0005_search_index", ["rights.0001_squashed_0008_held_indexes"]),
        ("0008_held_indexes", []),
    ],
)
def test_a_replaced_migration_stays_known_once_its_file_is_deleted(monkeypatch, recorded, pending):
    """When the files a squash replaced are gone, their names are still this version's own, not
    those of a newer one."""
    from ipcity.core import backup

    class WithoutReplacedFiles(backup.MigrationLoader):
        def load_disk(self):
            super().load_disk()
            for squashed in list(self.disk_migrations.values()):
                for old in getattr(squashed, "replaces", []):
                    self.disk_migrations.pop(tuple(old), None)

    monkeypatch.setattr(backup, "MigrationLoader", WithoutReplacedFiles)
    manifest = {"migrations": {**backup._migration_state("default"), "rights": recorded}}
    gap = backup._migration_gap(manifest)
    assert [m for m in gap if m.startswith("rights.")] == pending
