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
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
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
    return cards_and_html(request)[0]


def cards_and_html(request) -> tuple[list[dict], str]:
    """The user's cards and their HTML (`core/_cards.html`), kept together: a dashboard view
    then renders neither again. Translated texts are kept as the text of the request's language
    (which the key holds), not as lazy objects that each cost a class to unpickle."""
    user = request.user
    seconds = settings.IPCITY_DASHBOARD_CACHE_SECONDS
    # Inside a transaction the cards may count rows that are not committed (and may never be).
    if seconds <= 0 or not user.is_authenticated or connection.in_atomic_block:
        return _made(request)
    token = generation.current()
    if not token:
        return _made(request)
    key = f"ipcity:cards:{user.pk}:{get_language()}:{timezone.localdate().isoformat()}:{token}"
    try:
        kept = cache.get(key)
    except Exception:
        log.warning("the cache could not be read", exc_info=True)
        return _made(request)
    if kept is None:
        kept = _made(request)
        try:
            cache.set(key, kept, seconds)
        except Exception:
            log.warning("the cards could not be cached", exc_info=True)
    return kept


def _made(request) -> tuple[list[dict], str]:
    cards = _plain(compute_cards(request))
    return cards, render_to_string("core/_cards.html", {"cards": cards})


def _plain(value):
    """`value` with every lazy translation made text, through dicts, lists and tuples."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_plain(item) for item in value)
    return value
