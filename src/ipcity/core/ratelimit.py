"""Fixed-window rate limits kept in Django's cache (files by default, Redis with REDIS_URL).

    if not ratelimit.allow("complaint", client_ip(request), limit=5, window=3600):
        ... answer 429 ...

The count for a key lives in one cache entry per window; `cache.add` creates it atomically and
`cache.incr` bumps it, so two requests at the same moment cannot both pass the last slot on a
cache that increments atomically (Redis). A cache error lets the request through: a broken cache
must not lock the public out.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The client's address. Behind a proxy set `IPCITY_TRUSTED_PROXY` in deployment and let the
    proxy overwrite REMOTE_ADDR; forwarded headers from clients are not trusted here."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, ident: str, window: int) -> str:
    bucket = int(time.time()) // window
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{bucket}"


def allow(scope: str, ident: str, limit: int, window: int) -> bool:
    """Count one attempt for `ident` under `scope`; False once more than `limit` were made in
    the current window of `window` seconds."""
    key = _key(scope, ident, window)
    try:
        if cache.add(key, 1, timeout=window + 5):
            return limit >= 1
        return cache.incr(key) <= limit
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        return limit >= 1
    except Exception:
        logger.warning("rate limit cache unavailable; allowing %s", scope, exc_info=True)
        return True


def remaining(scope: str, ident: str, limit: int, window: int) -> int:
    try:
        used = cache.get(_key(scope, ident, window)) or 0
    except Exception:
        return limit
    return max(0, limit - int(used))
