"""Settings for the worker subprocesses of test_worker: the real settings plus a slow job kind.

The module doubles as the app that registers the job kind, so the worker process knows it.
"""

import time
from pathlib import Path

from django.apps import AppConfig

from ipcity.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.core.worker_settings.SlowJobConfig"]  # noqa: F405

SLOW_JOB_KIND = "test_slow_regions"
SLOW_JOB_ROWS = 3


def slow_regions(job, ctx):
    """Writes rows in one transaction; holds after the first while the `hold` file exists."""
    from django.conf import settings
    from django.db import transaction

    from ipcity.orgs.models import Region

    var_dir = Path(settings.VAR_DIR)
    with transaction.atomic():
        for i in range(SLOW_JOB_ROWS):
            Region.objects.create(code=f"99999900{i:04d}", name=f"测试{i}", kind="street")
            ctx.progress(i + 1, SLOW_JOB_ROWS)
            (var_dir / "started").touch()
            while (var_dir / "hold").exists():
                time.sleep(0.05)
    return {"rows": SLOW_JOB_ROWS}


class SlowJobConfig(AppConfig):
    name = "tests.core.worker_settings"
    label = "test_worker_jobs"

    def ready(self):
        from ipcity.core.jobs import job_handler

        job_handler(SLOW_JOB_KIND)(slow_regions)
