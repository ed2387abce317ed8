"""Headline cards on the home dashboard. Each app registers a card function in ready().

A card function takes the request and returns a dict for `core/cards/<template>.html`
(`{"template": ..., "title": ..., ...}`) or None when the user may not see it. Every figure on a
card links to the filtered list of records behind it.

The cards of a user are kept in the cache for the data generation they were computed in
(core.generation): the next write anywhere makes them be computed anew. They are kept per user
(each sees only the figures of their own scope), language and day, and for at most
IPCITY_DASHBOARD_CACHE_SECONDS in any case (0: not kept).
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

from . import generation

log = logging.getLogger(__name__)

_CARDS: list[tuple[int, Callable]] = []


def register_card(order: int = 100):
    def wrap(func):
        _CARDS.append((order, func))
        return func

    return wrap


def compute_cards(request) -> list[dict]:
    cards = []
    for _order, func in sorted(_CARDS, key=lambda c: c[0]):
        card = func(request)
        if card:
            cards.append(card)
    return cards


def cards_for(request) -> list[dict]:
    user = request.user
    seconds = settings.IPCITY_DASHBOARD_CACHE_SECONDS
    # Inside a transaction the cards may count rows that are not committed (and may never be).
    if seconds <= 0 or not user.is_authenticated or connection.in_atomic_block:
        return compute_cards(request)
    token = generation.current()
    if not token:
        return compute_cards(request)
    key = f"ipcity:cards:{user.pk}:{get_language()}:{timezone.localdate().isoformat()}:{token}"
    try:
        cards = cache.get(key)
    except Exception:
        log.warning("the cache could not be read", exc_info=True)
        return compute_cards(request)
    if cards is None:
        cards = compute_cards(request)
        try:
            cache.set(key, cards, seconds)
        except Exception:
            log.warning("the cards could not be cached", exc_info=True)
    return cards
