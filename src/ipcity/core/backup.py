"""Backups of the database and the uploaded files, and their restore.

One archive, `ipcity-backup-<YYYYmmdd-HHMMSS>.tar.gz`, holds:

- `manifest.json` first (so a restore reads it before anything else): format and version, when
  and from which engine it was made, the latest applied migration of every app, and every other
  member with its size and SHA-256;
- `database.sqlite3` (an online copy through SQLite's backup API: a consistent snapshot taken
  while the application keeps writing, WAL included) or `database.pgdump` (`pg_dump
  --format=custom`, the password passed through `PGPASSWORD`, never on a command line);
- `media/…`: the uploaded files under `MEDIA_ROOT`. Job results (`MEDIA_ROOT/jobs/`) are left
  out: they are exports and error reports rebuilt by running the job again, often large, and
  private to one user; a restore keeps the job results that are on disk.

The archive is written under a hidden temporary name and renamed when complete, so a failed
backup never leaves something that looks like an archive. A restore checks the manifest and
every member's size and checksum while unpacking into a staging directory, before it touches
the database or the files; then it swaps the files in and restores the database, and puts the
old files back if the database restore fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "ipcity-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DB_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Job results are disposable (see the module's docstring); staging directories are ours.
MEDIA_EXCLUDED_TOP = ("jobs",)
STAGING_PREFIX = ".ipcity-"
ARCHIVE_RE = re.compile(r"^ipcity-backup-(\d{8}-\d{6})(?:-(\d+))?\.tar\.gz$")
CHUNK = 1024 * 1024
WORK_PREFIX = ".ipcity-backup-"
STALE_WORK_SECONDS = 24 * 3600


class BackupError(Exception):
    """A failure to report to the operator in one line (no traceback)."""


@dataclass
class BackupResult:
    path: Path
    size: int
    database_bytes: int
    media_files: int
    media_bytes: int
    removed: list[Path] = field(default_factory=list)


@dataclass
class RestorePlan:
    """A verified archive, unpacked into a staging directory, ready to be applied."""

    archive: Path
    manifest: dict
    staging: Path
    database_file: Path
    database_bytes: int
    media_dir: Path
    media_files: int
    media_bytes: int
    pending_migrations: list[str]

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


# -- helpers ----------------------------------------------------------------------------------


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def engine_of(alias: str = DEFAULT_DB_ALIAS) -> str:
    vendor = connections[alias].vendor
    if vendor not in DB_MEMBERS:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """Hands a file to tarfile while hashing exactly the bytes that went into the archive."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _migration_state(alias: str) -> dict[str, str]:
    """The latest applied migration of every app, as recorded in the database."""
    recorder = MigrationRecorder(connections[alias])
    state: dict[str, str] = {}
    for row in recorder.migration_qs.order_by("applied", "id"):
        state[row.app] = row.name
    return dict(sorted(state.items()))


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files(skip_under: Path | None) -> list[tuple[str, Path]]:
    """(archive path, file) for every regular uploaded file, job results and symlinks left out."""
    root = _media_root()
    if not root.is_dir():
        return []
    skip = skip_under.resolve() if skip_under else None
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        current = Path(dirpath)
        if current == root:
            dirnames[:] = [
                d
                for d in dirnames
                if d not in MEDIA_EXCLUDED_TOP and not d.startswith(STAGING_PREFIX)
            ]
        if skip is not None:
            dirnames[:] = [d for d in dirnames if (current / d).resolve() != skip]
        dirnames.sort()
        for name in sorted(filenames):
            path = current / name
            if path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            found.append((MEDIA_PREFIX + relative, path))
    return found


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq's environment for the configured database: nothing secret on a command line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    mapping = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
        ("service", "PGSERVICE"),
    ):
        if options.get(option):
            mapping[variable] = options[option]
    env.update({k: str(v) for k, v in mapping.items() if v not in (None, "")})
    return env


def _run_pg_tool(tool: str, args: list[str], settings_dict: dict) -> None:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(
            f"{tool} not found: install the PostgreSQL client tools (the postgresql-client "
            "package) matching the server's version"
        )
    try:
        done = subprocess.run(
            [executable, *args],
            env=_pg_env(settings_dict),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise BackupError(f"{tool} could not be started: {exc}") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        detail = lines[0] if lines else f"exit status {done.returncode}"
        if len(lines) > 1:
            detail += f" (and {len(lines) - 1} more lines)"
        raise BackupError(f"{tool} failed: {detail}")


def _sqlite_path(alias: str) -> Path:
    name = str(connections[alias].settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:") or not name:
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(name)


# -- backup -----------------------------------------------------------------------------------


def _dump_sqlite(alias: str, target: Path) -> None:
    source_path = _sqlite_path(alias)
    if not source_path.is_file():
        raise BackupError(f"the SQLite database {source_path} does not exist")
    timeout = (connections[alias].settings_dict.get("OPTIONS") or {}).get("timeout", 20)
    try:
        source = sqlite3.connect(source_path, timeout=timeout)
        try:
            copy = sqlite3.connect(target)
            try:
                # One step: a consistent snapshot even while others write (WAL readers never
                # block writers).
                source.backup(copy)
                # The copy stands alone: no WAL file belongs with it.
                copy.execute("PRAGMA journal_mode=DELETE")
                check = copy.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                copy.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite database could not be copied: {exc}") from exc
    if check != "ok":
        raise BackupError(f"the copy of the SQLite database fails its check: {check}")


def _dump_postgresql(alias: str, target: Path) -> None:
    _run_pg_tool(
        "pg_dump",
        ["--format=custom", "--no-password", f"--file={target}"],
        connections[alias].settings_dict,
    )


def archive_name(now=None) -> str:
    now = timezone.localtime(now)
    return f"ipcity-backup-{now:%Y%m%d-%H%M%S}.tar.gz"


def list_archives(directory: Path) -> list[Path]:
    """The backup archives in a directory, oldest first."""
    found = []
    if directory.is_dir():
        for path in directory.iterdir():
            match = ARCHIVE_RE.match(path.name)
            if match and path.is_file():
                found.append(((match.group(1), int(match.group(2) or 0)), path))
    return [path for _key, path in sorted(found)]


def prune(directory: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` archives; returns those removed."""
    if keep < 1:
        return []
    archives = list_archives(directory)
    removed = archives[: max(len(archives) - keep, 0)]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def _unique_target(directory: Path, now) -> Path:
    target = directory / archive_name(now)
    counter = 0
    while target.exists():
        counter += 1
        target = directory / archive_name(now).replace(".tar.gz", f"-{counter}.tar.gz")
    return target


def _remove_stale_work_dirs(output: Path) -> None:
    """Work directories of a backup that was killed (a day old or more) are only litter."""
    limit = time.time() - STALE_WORK_SECONDS
    for path in output.glob(WORK_PREFIX + "*"):
        with contextlib.suppress(OSError):
            if path.is_dir() and path.stat().st_mtime < limit:
                shutil.rmtree(path, ignore_errors=True)


def _add_file(tar: tarfile.TarFile, arcname: str, path: Path, size: int, mtime: float) -> str:
    info = tarfile.TarInfo(arcname)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    with path.open("rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return reader.digest.hexdigest()


def create_backup(
    output: Path, keep: int = 0, alias: str = DEFAULT_DB_ALIAS, now=None
) -> BackupResult:
    """Write one archive into `output`, then prune to the newest `keep` (0 keeps all)."""
    engine = engine_of(alias)
    now = now or timezone.now()
    try:
        output.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise BackupError(f"the backup directory {output} cannot be created: {exc}") from exc
    _remove_stale_work_dirs(output)
    target = _unique_target(output, now)
    work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=output))
    partial = work / "archive.tar.gz"
    try:
        database_file = work / DB_MEMBERS[engine]
        if engine == "sqlite":
            _dump_sqlite(alias, database_file)
        else:
            _dump_postgresql(alias, database_file)
        migrations = _migration_state(alias)

        # Sizes and checksums first, so the manifest can lead the archive; the bytes that go
        # in are hashed again, and a file that changed meanwhile fails the backup.
        members = [(DB_MEMBERS[engine], database_file), *_media_files(skip_under=output)]
        entries = []
        for arcname, path in members:
            stat = path.stat()
            entries.append(
                {
                    "path": arcname,
                    "size": stat.st_size,
                    "sha256": _sha256_file(path),
                    "mtime": stat.st_mtime,
                }
            )
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.localtime(now).isoformat(),
            "engine": engine,
            "database": DB_MEMBERS[engine],
            "migrations": migrations,
            "media_excluded": [f"{name}/" for name in MEDIA_EXCLUDED_TOP],
            "files": [{k: e[k] for k in ("path", "size", "sha256")} for e in entries],
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        manifest_file = work / MANIFEST
        manifest_file.write_bytes(manifest_bytes)

        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with (
            os.fdopen(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar,
        ):
            _add_file(tar, MANIFEST, manifest_file, len(manifest_bytes), now.timestamp())
            for (arcname, path), entry in zip(members, entries, strict=True):
                digest = _add_file(tar, arcname, path, entry["size"], entry["mtime"])
                if digest != entry["sha256"]:
                    raise BackupError(f"{arcname} changed during the backup; run it again")
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BackupError:
        raise
    except FileNotFoundError as exc:
        raise BackupError(f"a file vanished during the backup ({exc}); run it again") from exc
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"the archive could not be written: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)

    media = [e for e in entries if e["path"].startswith(MEDIA_PREFIX)]
    return BackupResult(
        path=target,
        size=target.stat().st_size,
        database_bytes=entries[0]["size"],
        media_files=len(media),
        media_bytes=sum(e["size"] for e in media),
        removed=prune(output, keep),
    )


# -- verify -----------------------------------------------------------------------------------


def _check_manifest(manifest) -> dict[str, dict]:
    """The manifest's files by path, after checking its shape."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("this is not an ipcity backup (its manifest is missing or foreign)")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"backup format version {manifest.get('version')!r} is not supported "
            f"(this ipcity reads version {VERSION})"
        )
    engine = manifest.get("engine")
    if engine not in DB_MEMBERS or manifest.get("database") != DB_MEMBERS[engine]:
        raise BackupError(f"the manifest names an unknown database engine {engine!r}")
    if not isinstance(manifest.get("migrations"), dict):
        raise BackupError("the manifest lacks the migration state")
    files = manifest.get("files")
    if not isinstance(files, list):
        raise BackupError("the manifest lacks the file list")
    by_path: dict[str, dict] = {}
    for entry in files:
        try:
            path, size, digest = entry["path"], entry["size"], entry["sha256"]
        except (TypeError, KeyError) as exc:
            raise BackupError("the manifest's file list is malformed") from exc
        if not isinstance(path, str) or not isinstance(size, int) or not isinstance(digest, str):
            raise BackupError("the manifest's file list is malformed")
        _safe_member_path(path, manifest["database"])
        if path in by_path:
            raise BackupError(f"the manifest lists {path} twice")
        by_path[path] = entry
    if manifest["database"] not in by_path:
        raise BackupError("the manifest lists no database file")
    return by_path


def _safe_member_path(name: str, database: str) -> PurePosixPath:
    """Only the database file and plain relative paths under media/ may be unpacked."""
    if name == database:
        return PurePosixPath(name)
    path = PurePosixPath(name)
    if (
        not name.startswith(MEDIA_PREFIX)
        or path.is_absolute()
        or "\\" in name
        or any(part in ("", ".", "..") for part in name.split("/"))
        or len(path.parts) < 2
        or path.parts[1] in MEDIA_EXCLUDED_TOP
        or path.parts[1].startswith(STAGING_PREFIX)
    ):
        raise BackupError(f"the archive holds a member with an unsafe name: {name!r}")
    return path


def _migration_gap(manifest: dict) -> list[str]:
    """Refuse an archive from a newer ipcity; name the migrations the restored DB will lack."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    # The names a squashed migration replaced stay known after their files are deleted.
    known = set(loader.disk_migrations) | {
        tuple(old) for squashed in loader.replacements.values() for old in squashed.replaces
    }
    known_apps = {app for app, _name in known}
    unknown = sorted(
        f"{app}.{name}"
        for app, name in manifest["migrations"].items()
        if (app, name) not in known and app in known_apps
    )
    if unknown:
        raise BackupError(
            "the archive comes from a newer version of ipcity (unknown migrations: "
            + ", ".join(unknown)
            + "); restore it with that version"
        )
    # A migration a squashed one replaced: the archive is as far as the squashed one when it
    # was the last it replaced, and short of the app's latest otherwise.
    replaced: dict[tuple[str, str], tuple[str, str] | None] = {}
    for key, squashed in loader.replacements.items():
        for i, old in enumerate(squashed.replaces):
            replaced[tuple(old)] = key if i == len(squashed.replaces) - 1 else None
    pending = []
    for app, name in manifest["migrations"].items():
        if (app, name) in replaced:
            if replaced[(app, name)] is None:
                pending.extend(f"{a}.{n}" for a, n in loader.graph.leaf_nodes(app))
                continue
            app, name = replaced[(app, name)]
        if (app, name) not in loader.graph.nodes:
            continue
        for node in loader.graph.leaf_nodes(app):
            if node != (app, name) and (app, name) in loader.graph.forwards_plan(node):
                pending.append(f"{node[0]}.{node[1]}")
    for app, _name in loader.graph.leaf_nodes():
        if app not in manifest["migrations"]:
            pending.append(f"{app}.*")
    return sorted(set(pending))


def _staging_dir() -> Path:
    root = _media_root()
    root.mkdir(parents=True, exist_ok=True)
    # Inside MEDIA_ROOT, so the files are renamed into place on the same file system (even
    # when MEDIA_ROOT is a mount point).
    return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + "restore-", dir=root))


def prepare_restore(archive: Path, alias: str = DEFAULT_DB_ALIAS) -> RestorePlan:
    """Check the archive completely and unpack it into a staging directory.

    Nothing outside the staging directory is changed; any problem raises BackupError and
    removes the staging directory.
    """
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    engine = engine_of(alias)
    staging = _staging_dir()
    try:
        manifest, count, total = _unpack_verified(archive, staging, engine)
        pending = _migration_gap(manifest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    media_dir = staging / "media"
    media_dir.mkdir(exist_ok=True)
    return RestorePlan(
        archive=archive,
        manifest=manifest,
        staging=staging,
        database_file=staging / manifest["database"],
        database_bytes=(staging / manifest["database"]).stat().st_size,
        media_dir=media_dir,
        media_files=count,
        media_bytes=total,
        pending_migrations=pending,
    )


def _unpack_verified(archive: Path, staging: Path, engine: str) -> tuple[dict, int, int]:
    try:
        with tarfile.open(archive, mode="r|gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError("this is not an ipcity backup (no manifest at its start)")
            if first.size > 64 * 1024 * 1024:
                raise BackupError("the manifest is implausibly large")
            try:
                manifest = json.loads(tar.extractfile(first).read())
            except ValueError as exc:
                raise BackupError("the manifest is not valid JSON") from exc
            expected = _check_manifest(manifest)
            if manifest["engine"] != engine:
                raise BackupError(
                    f"the archive holds a {manifest['engine']} database, but this ipcity runs "
                    f"on {engine}; restore it into a {manifest['engine']} installation"
                )
            seen: set[str] = set()
            media_count = media_bytes = 0
            while (member := tar.next()) is not None:
                name = member.name
                if name not in expected:
                    raise BackupError(f"the archive holds {name!r}, which its manifest lacks")
                if name in seen:
                    raise BackupError(f"the archive holds {name!r} twice")
                if not member.isfile():
                    raise BackupError(f"{name!r} in the archive is not a plain file")
                entry = expected[name]
                relative = _safe_member_path(name, manifest["database"])
                target = staging.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                size = 0
                source = tar.extractfile(member)
                with target.open("xb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                    raise BackupError(
                        f"{name} does not match its checksum in the manifest: the archive was "
                        "altered or damaged"
                    )
                seen.add(name)
                if name.startswith(MEDIA_PREFIX):
                    media_count += 1
                    media_bytes += size
            missing = sorted(set(expected) - seen)
            if missing:
                raise BackupError(
                    f"the archive lacks {len(missing)} file(s) its manifest lists, "
                    f"e.g. {missing[0]}: it is truncated"
                )
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"the archive is damaged or truncated ({exc})") from exc
    return manifest, media_count, media_bytes


# -- restore ----------------------------------------------------------------------------------


def _restore_sqlite(alias: str, source_file: Path) -> None:
    """Copy the archived database into the live file through SQLite's backup API.

    The copy is one write transaction on the live database: it takes SQLite's locks, goes
    through its WAL, and is all or nothing, so no stale `-wal`/`-shm` file can be applied to
    the wrong content and a process that still has the file open sees the restored data
    instead of writing into a replaced file. Only when the live file is not a usable database
    (damaged) is it replaced as a file instead, with its stale `-wal`/`-shm` removed.
    """
    live = _sqlite_path(alias)
    live.parent.mkdir(parents=True, exist_ok=True)
    timeout = (connections[alias].settings_dict.get("OPTIONS") or {}).get("timeout", 20)
    try:
        source = sqlite3.connect(source_file)
        try:
            target = sqlite3.connect(live, timeout=timeout)
            try:
                target.execute("SELECT count(*) FROM sqlite_master").fetchone()
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError(
                "the database is busy; stop `ipcity serve` and `ipcity worker`, then try again"
            ) from exc
        if live.exists() and _is_database(live):
            raise BackupError(f"the database could not be restored: {exc}") from exc
        _replace_sqlite_file(live, source_file)
    except sqlite3.DatabaseError:
        _replace_sqlite_file(live, source_file)


def _is_database(path: Path) -> bool:
    try:
        probe = sqlite3.connect(path)
        try:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            probe.close()
    except sqlite3.Error:
        return False
    return True


def _replace_sqlite_file(live: Path, source_file: Path) -> None:
    temporary = live.with_name(f".{live.name}.restore")
    shutil.copyfile(source_file, temporary)
    with contextlib.suppress(OSError):
        os.fsync(os.open(temporary, os.O_RDONLY))
    # The stale WAL and shared-memory files belong to the old content: remove them before the
    # new file appears under the name, never after.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    os.replace(temporary, live)


def _restore_postgresql(alias: str, source_file: Path) -> None:
    settings_dict = connections[alias].settings_dict
    _run_pg_tool(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={settings_dict['NAME']}",
            str(source_file),
        ],
        settings_dict,
    )


def _swap_media(plan: RestorePlan) -> list[tuple[Path, Path]]:
    """Move the current files aside and the restored ones in; returns the moves to undo."""
    root = _media_root()
    aside = plan.staging / "previous"
    aside.mkdir()
    moves: list[tuple[Path, Path]] = []
    try:
        for entry in sorted(root.iterdir()):
            if entry.name in MEDIA_EXCLUDED_TOP or entry.name.startswith(STAGING_PREFIX):
                continue
            os.rename(entry, aside / entry.name)
            moves.append((entry, aside / entry.name))
        for entry in sorted(plan.media_dir.iterdir()):
            os.rename(entry, root / entry.name)
            moves.append((entry, root / entry.name))
    except OSError:
        _undo(moves)
        raise
    return moves


def _undo(moves: list[tuple[Path, Path]]) -> None:
    for original, moved in reversed(moves):
        with contextlib.suppress(OSError):
            os.rename(moved, original)


def apply_restore(plan: RestorePlan, alias: str = DEFAULT_DB_ALIAS) -> None:
    """Swap the files in, restore the database; on failure put the old files back."""
    engine = plan.manifest["engine"]
    # No connection of this process may hold the database while it is replaced.
    connections.close_all()
    try:
        moves = _swap_media(plan)
    except OSError as exc:
        plan.discard()
        raise BackupError(f"the files could not be put in place, nothing changed: {exc}") from exc
    try:
        if engine == "sqlite":
            _restore_sqlite(alias, plan.database_file)
        else:
            _restore_postgresql(alias, plan.database_file)
    except BaseException as exc:
        _undo(moves)
        plan.discard()
        if isinstance(exc, BackupError):
            raise BackupError(f"{exc}; the files were put back") from exc
        raise
    finally:
        connections.close_all()
    plan.discard()
    # The restore wrote around the platform's connections: what was cached is of other data.
    from . import generation

    generation.bump()
