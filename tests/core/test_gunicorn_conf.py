"""The production server's hooks: a worker loads the views and freezes what it holds."""

import gc

from django.urls import clear_url_caches, get_resolver

from ipcity import gunicorn_conf
from ipcity.core.management.commands.serve import gunicorn_argv


def test_the_server_runs_with_the_platforms_hooks():
    argv = gunicorn_argv("127.0.0.1:8000")
    assert argv[argv.index("--config") + 1] == "python:ipcity.gunicorn_conf"


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
