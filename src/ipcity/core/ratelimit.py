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
from functools import lru_cache
from ipaddress import ip_address, ip_network

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    nets = []
    for entry in proxies:
        try:
            nets.append(ip_network(entry.strip(), strict=False))
        except ValueError:
            logger.warning("IPCITY_TRUSTED_PROXIES: %r is not an address; ignored", entry)
    return tuple(nets)


def _trusted(address: str, networks) -> bool:
    try:
        ip = ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request) -> str:
    """The client's address.

    REMOTE_ADDR, unless it is one of `IPCITY_TRUSTED_PROXIES` (addresses or networks): then the
    right-most address of X-Forwarded-For that is not a trusted proxy, i.e. the one the outermost
    of our proxies saw. Addresses further left were written by the client and are not believed;
    X-Forwarded-For from a client that is not a trusted proxy is ignored altogether.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(getattr(settings, "IPCITY_TRUSTED_PROXIES", ()) or ()))
    if networks and _trusted(remote, networks):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
            if _trusted(hop, networks):
                continue
            try:
                return str(ip_address(hop))
            except ValueError:
                break  # garbage where an address should be: fall back to the proxy's own
    return remote or "unknown"


def normalized_ip(raw: str) -> str | None:
    """An address in its canonical text form, or None when `raw` is not an address."""
    try:
        return str(ip_address(raw.strip()))
    except ValueError:
        return None


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
