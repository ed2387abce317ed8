"""gunicorn hooks of `ipcity serve` and `ipcity run` (the command line sets everything else)."""

import gc


def post_worker_init(worker):
    """Load what requests need, then keep it out of the garbage collector's way.

    Django imports the URL configuration and every view module at the first request; done here,
    a worker has them before it answers. `gc.freeze()` then moves every object alive (Django,
    the platform's modules, their constants) to a generation that no collection walks again:
    the periodic full collections walked all of them, about 3 ms a request of the page mix,
    and 0.8 ms once they are frozen (in one process, `ipcity bench` city data)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the views)
    gc.collect()
    gc.freeze()
