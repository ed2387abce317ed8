"""The production server's hooks: a worker loads the views and freezes what it holds."""

import gc

from django.urls import clear_url_caches, get_resolver

from ipcity import gunicorn_conf
from ipcity.core.management.commands.serve import gunicorn_argv


def test_the_server_runs_with_the_platforms_hooks_unless_the_operator_has_a_config(
    monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    argv = gunicorn_argv("127.0.0.1:8000")
    assert argv[argv.index("--config") + 1] == "python:ipcity.gunicorn_conf"
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--config=/etc/ipcity/gunicorn.py --workers 3")
    assert "--config" not in gunicorn_argv("127.0.0.1:8000")
    monkeypatch.delenv("GUNICORN_CMD_ARGS")
    (tmp_path / "gunicorn.conf.py").write_text("workers = 3\n")
    assert "--config" not in gunicorn_argv("127.0.0.1:8000")


def test_a_worker_loads_the_views_then_freezes_what_it_holds():
    clear_url_caches()
    assert "url_patterns" not in vars(get_resolver())
    gc.unfreeze()
    try:
        gunicorn_conf.post_worker_init(worker=None)
        assert "url_patterns" in vars(get_resolver())  # the URLs read, their views imported
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_the_server_runs_single_threaded_processes_two_a_core_unless_told(monkeypatch):
    def shape():
        argv = gunicorn_argv("127.0.0.1:8000")
        return int(argv[argv.index("--workers") + 1]), int(argv[argv.index("--threads") + 1])

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("IPCITY_WEB_THREADS", raising=False)
    for cores, workers in ((1, 2), (2, 4), (3, 6), (64, 8), (None, 2)):
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        assert shape() == (workers, 1)
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("IPCITY_WEB_THREADS", "4")
    assert shape() == (3, 4)
