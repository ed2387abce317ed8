"""A migrated SQLite file shared by the tests that start the platform in subprocesses
(`ipcity run`, the worker): migrating an empty database is done once per test process, by
`ipcity migrate` itself (which is also the check that the migrations build an empty SQLite
database), and each test starts from a copy.

Those tests carry `xdist_group("platform")` so that, with `--dist loadgroup` (CI), they share one
worker and the one migration."""

from __future__ import annotations

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
def migrated_sqlite(tmp_path_factory) -> Path:
    var_dir = tmp_path_factory.mktemp("migrated")
    db = var_dir / "db.sqlite3"
    env = subprocess_env(var_dir)
    done = subprocess.run(
        [sys.executable, "-m", "ipcity.cli", "migrate", "--no-input", "-v", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Applying" in done.stdout  # it really migrated an empty file
    return db


def copy_database(template: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return target
