"""A migrated SQLite file shared by the tests that start the platform in subprocesses
(`ipcity run`, the worker); each test starts from a copy.

Applying the migrations to an empty file takes Django a minute or two (it renders the model
states of every operation); tests/core/test_migrations.py does that once and compares the result.
The template here is built the quick way, the same schema: the tables straight from the models
(`migrate --run-syncdb` with tests/core/syncdb_settings.py), then every migration recorded as
applied (`migrate --fake`, which also runs what follows a migrate: permissions, built-in roles).
It is built once for all pytest-xdist workers of the run: the first worker to need it builds it
under a lock in the run's shared temporary folder; the others wait, then copy it."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def subprocess_env(var_dir: Path, **extra) -> dict:
    """The environment of an `ipcity` subprocess on its own SQLite file in `var_dir`, free of
    the test run's database and settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST_", "SECURE_", "DATABASE_"))
    }
    env.update(
        IPCITY_VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'db.sqlite3'}",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        **extra,
    )
    return env


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory, worker_id) -> Path:
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # the workers' folders sit side by side in the run's folder
        shared = shared.parent
    var_dir = shared / "migrated"
    db = var_dir / "db.sqlite3"
    with (shared / "migrated.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (var_dir / "done").exists():
            var_dir.mkdir(exist_ok=True)
            steps = [
                ({"DJANGO_SETTINGS_MODULE": "tests.core.syncdb_settings"}, ["--run-syncdb"]),
                ({}, ["--fake"]),
            ]
            for extra, args in steps:
                done = subprocess.run(
                    [sys.executable, "-m", "ipcity.cli", "migrate", "--no-input", *args],
                    env=subprocess_env(var_dir, **extra),
                    capture_output=True,
                    text=True,
                    timeout=900,
                )
                assert done.returncode == 0, done.stdout + done.stderr
            (var_dir / "done").touch()
    return db


def copy_database(template: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return target


@pytest.fixture
def reader_client(module_demo, client, django_user_model):
    """A client signed in as a superuser, over the demo data."""
    from ipcity.orgs.models import Organization

    user = django_user_model.objects.create_superuser(
        "page-reader",
        password=None,
        organization=Organization.objects.order_by("pk").first(),
        display_name="page reader",
    )
    client.force_login(user)
    return client
