"""A worker killed in the middle of a job: nothing partial is kept, the job is marked interrupted
when a worker starts again, and running it again succeeds.

The worker runs as a real `ipcity worker` subprocess against its own SQLite file (migrated here),
since the test database of this process is not shared with other processes on SQLite.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from .conftest import copy_database

ROOT = Path(__file__).resolve().parents[2]


class Platform:
    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.db_path = var_dir / "worker.sqlite3"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.core.worker_settings",
            "IPCITY_VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{self.db_path}",
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
            "DEBUG": "false",
        }
        self.workers: list[subprocess.Popen] = []

    def ipcity(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "ipcity.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def python(self, code: str) -> str:
        return self.ipcity("shell", "--no-imports", "-c", code).strip()

    def start_worker(self) -> subprocess.Popen:
        log = (self.var_dir / f"worker{len(self.workers)}.log").open("w")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ipcity.cli",
                "worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(proc)
        return proc

    def query(self, sql: str, *params):
        with sqlite3.connect(self.db_path, timeout=20) as conn:
            return conn.execute(sql, params).fetchone()[0]

    def job_status(self, job_id: str) -> str:
        return self.query("SELECT status FROM core_job WHERE id = ?", job_id.replace("-", ""))

    def written_rows(self) -> int:
        return self.query("SELECT count(*) FROM orgs_region WHERE code LIKE '999999%'")

    def wait_for(self, condition, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.1)
        logs = "\n".join(p.read_text() for p in self.var_dir.glob("worker*.log"))
        pytest.fail(f"timed out waiting for {what}\n{logs}")

    def stop(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def platform(tmp_path, migrated_sqlite):
    platform = Platform(tmp_path)
    copy_database(migrated_sqlite, platform.db_path)
    platform.ipcity("migrate", "-v", "0")  # nothing left to apply: checks the copy is current
    yield platform
    platform.stop()


@pytest.mark.xdist_group("platform")
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="the worker subprocesses use their own SQLite file: the SQLite pass runs this",
)
def test_a_killed_worker_leaves_nothing_behind_and_the_job_can_be_run_again(platform):
    hold = platform.var_dir / "hold"
    hold.touch()
    job_id = platform.python(
        "from ipcity.core.jobs import submit;"
        "print(submit('test_slow_regions', 'slow', None, {}).pk)"
    )
    worker = platform.start_worker()
    platform.wait_for((platform.var_dir / "started").exists, "the job to start writing")

    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()

    assert platform.job_status(job_id) == "running"
    assert platform.written_rows() == 0

    hold.unlink()
    platform.start_worker()
    platform.wait_for(lambda: platform.job_status(job_id) == "interrupted", "the job marked")
    assert platform.written_rows() == 0

    platform.python(
        "from ipcity.core.jobs import rerun; from ipcity.core.models import Job;"
        f"rerun(Job.objects.get(pk='{job_id}'))"
    )
    platform.wait_for(lambda: platform.job_status(job_id) == "succeeded", "the re-run")
    assert platform.written_rows() == 3
    assert platform.query("SELECT attempts FROM core_job") == 2
