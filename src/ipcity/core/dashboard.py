"""Headline cards on the home dashboard. Each app registers a card function in ready().

A card function takes the request and returns a dict for `core/cards/<template>.html`
(`{"template": ..., "title": ..., ...}`) or None when the user may not see it. Every figure on a
card links to the filtered list of records behind it.
"""

from collections.abc import Callable

_CARDS: list[tuple[int, Callable]] = []


def register_card(order: int = 100):
    def wrap(func):
        _CARDS.append((order, func))
        return func

    return wrap


def cards_for(request) -> list[dict]:
    cards = []
    for _order, func in sorted(_CARDS, key=lambda c: c[0]):
        card = func(request)
        if card:
            cards.append(card)
    return cards
