"""The pages benchmark's smoke runs: `ipcity serve` really started on a tiny generated data set
in a SQLite file of its own, a few clients for a couple of seconds (the figures themselves are
measured on demand: `ipcity bench run --only pages`; see docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.conf import settings

from ipcity.bench.pages import Sample, percentile, summarize, tail_kinds
from tests.core.conftest import copy_database, migrated_sqlite, subprocess_env  # noqa: F401

SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
KINDS = {"dashboard", "patent_list", "patent_detail", "case_list", "org_profile", "api_list"}

pytestmark = [
    pytest.mark.xdist_group("platform"),
    pytest.mark.skipif(not SQLITE, reason="the server runs on its own SQLite file: SQLite pass"),
]


def ipcity(env: dict, *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ipcity.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def bench_env(tmp_path_factory, migrated_sqlite):  # noqa: F811
    """A migrated SQLite file with 300 generated patents (and the rest in proportion), its
    static files collected once."""
    var_dir = tmp_path_factory.mktemp("pages")
    copy_database(migrated_sqlite, var_dir / "db.sqlite3")
    env = subprocess_env(var_dir)
    generate = ["generate", "--scale", "district", "--patents", "300", "--database-only"]
    ipcity(env, "bench", "-v", "0", *generate)
    ipcity(env, "collectstatic", "--no-input", "-v", "0")
    return var_dir, env


def test_percentiles_and_summary():
    assert percentile([], 0.95) == 0.0
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50 and percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99 and percentile([7.0], 0.95) == 7
    samples = [Sample("a", "/", 200, ms, True) for ms in values[:-1]]
    samples.append(Sample("a", "/", 404, 100.0, False))
    figures = summarize(samples, 4.0)
    assert figures["requests"] == 100 and figures["errors"] == 1 and figures["per_s"] == 25
    assert (figures["p50_ms"], figures["p95_ms"], figures["max_ms"]) == (50, 95, 100)


def test_the_slowest_requests_are_counted_by_kind():
    samples = [Sample("fast", "/", 200, float(ms), True) for ms in range(1, 91)]
    samples += [Sample("slow", "/s", 200, float(ms), True) for ms in range(91, 101)]
    samples[0] = Sample("fast", "/", 200, 500.0, True)  # one fast kind's outlier
    # p95 is 96 here: the five slow requests from 96 and the outlier.
    assert tail_kinds(samples) == {"slow": 5, "fast": 1}
    assert tail_kinds([]) == {}


def test_the_mix_runs_against_the_server_without_errors(bench_env):
    var_dir, env = bench_env
    args = ["--only", "pages", "--clients", "2", "--seconds", "2", "--no-collectstatic"]
    out = ipcity(env, "bench", "run", *args, "--out", str(var_dir / "out"))
    assert "pages p95, 2 clients" in out and "<= 300:" in out
    (written,) = (var_dir / "out").glob("*.json")
    report = json.loads(written.read_text())["pages"]
    assert report["clients"] == 2 and report["patents"] == 300
    assert report["mix"]["requests"] > 0 and report["mix"]["errors"] == 0, report
    assert 0 < report["mix"]["p50_ms"] <= report["mix"]["p95_ms"] <= report["mix"]["max_ms"]
    assert set(report["pages"]) == KINDS
    assert sum(page["requests"] for page in report["pages"].values()) == report["mix"]["requests"]
    assert all(page["errors"] == 0 for page in report["pages"].values())
    # The trivial endpoint, the same clients on the same server.
    assert report["trivial_path"] == "/favicon.ico"
    assert report["trivial"]["requests"] > 0 and report["trivial"]["errors"] == 0
    assert report["trivial"]["p95_ms"] > 0
    # The slowest 5% by kind, and the slowest requests with their paths.
    assert set(report["tail"]) <= KINDS and sum(report["tail"].values()) >= 1
    assert report["slowest"] and all(" ms " in line for line in report["slowest"])
    assert "of the slowest 5%" in out


def test_an_error_answer_is_counted(bench_env):
    _var_dir, env = bench_env
    code = (
        "import json; from ipcity.bench.pages import run_pages_bench;"
        "f = run_pages_bench(2, 2, trivial_seconds=0.5, collectstatic=False,"
        " extra={'missing': '/rights/patents/999999999/'}, extra_weight=100);"
        "print(json.dumps(f.as_dict()))"
    )
    out = ipcity(env, "shell", "--no-imports", "-c", code)
    report = json.loads(out.strip().splitlines()[-1])
    missing = report["pages"]["missing"]
    assert missing["requests"] > 0 and missing["errors"] == missing["requests"]
    assert report["mix"]["errors"] == missing["errors"]
    assert report["statuses"] == {"404": missing["errors"]}
    assert any("/rights/patents/999999999/ → 404" in line for line in report["error_samples"])
    # The bench accounts are deactivated at the end.
    active = (
        "from ipcity.accounts.models import User;"
        "print(User.objects.filter(username__startswith='bench-load-', is_active=True).count())"
    )
    assert ipcity(env, "shell", "--no-imports", "-c", active).strip() == "0"


def test_a_database_without_benchmark_data_is_refused(tmp_path, migrated_sqlite):  # noqa: F811
    copy_database(migrated_sqlite, tmp_path / "db.sqlite3")
    env = subprocess_env(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "ipcity.cli", "bench", "run", "--only", "pages"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "holds no benchmark data set" in done.stderr
