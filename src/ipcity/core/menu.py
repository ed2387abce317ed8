"""The navigation, mirroring the plan: 工作方案 / 创造 / 运用 / 保护 / 服务 / 统计 / 系统.

Apps register their entries in their AppConfig.ready() with `register(section, ...)`; an entry is
shown to a user who holds its permission (in any scope). Sections with no visible entry are shown
greyed out, so the shape of the plan stays visible while modules are still being built.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

SECTIONS = [
    ("plan", _("Work plan")),
    ("creation", _("Creation")),
    ("utilization", _("Utilization")),
    ("protection", _("Protection")),
    ("service", _("Service")),
    ("statistics", _("Statistics")),
    ("system", _("System")),
]


@dataclass(frozen=True)
class MenuItem:
    section: str
    label: str
    url_name: str
    perm: str | None  # "<app>.<codename>", None = any signed-in user
    order: int = 100
    icon: str = ""

    @property
    def url(self) -> str:
        # Every page shows the menu, each entry's address twice: reversed once per process.
        return _reversed(self.url_name, get_script_prefix(), get_urlconf())


@lru_cache(maxsize=1024)
def _reversed(url_name: str, prefix: str, urlconf) -> str:
    return reverse(url_name, urlconf=urlconf)


_ITEMS: list[MenuItem] = []


def register(
    section: str, label, url_name: str, perm: str | None = None, order: int = 100, icon: str = ""
) -> None:
    if section not in dict(SECTIONS):
        raise ValueError(f"unknown menu section {section!r}")
    if any(item.url_name == url_name for item in _ITEMS):
        return
    _ITEMS.append(MenuItem(section, label, url_name, perm, order, icon))


def menu_for(user) -> list[dict]:
    from .scope import grants_for

    def visible(item: MenuItem) -> bool:
        if item.perm is None:
            return True
        return user.is_superuser or bool(grants_for(user, item.perm))

    return [
        {"key": key, "label": label, "items": [i for i in items if visible(i)]}
        for key, label, items in _sections(_ITEMS)
    ]


# The sections' entries in order, for the last list of entries seen and its length.
_SORTED: list = [None, -1, ()]


def _sections(entries: list[MenuItem]) -> tuple[tuple[str, str, tuple[MenuItem, ...]], ...]:
    """The sections with their entries in order: sorted once per list of entries and length
    (entries are only ever added), not on every page."""
    kept, length, sections = _SORTED
    count = len(entries)  # before sorting: an entry added meanwhile makes the next call sort
    if kept is not entries or length != count:
        sections = tuple(
            (
                key,
                label,
                tuple(sorted((i for i in entries[:count] if i.section == key), key=_order)),
            )
            for key, label in SECTIONS
        )
        _SORTED[:] = [entries, count, sections]
    return sections


def _order(item: MenuItem) -> int:
    return item.order


def menu_html(sections: list[dict]) -> SafeString:
    """The entries of the main navigation (`menu_for`'s sections) as the navbar's list items.

    Written in Python and kept per set of visible entries and language: every page shows the
    menu, and a template loop over its 70-odd entries took 2.7 ms of each page."""
    shown = tuple(
        (section["key"], tuple(i.url_name for i in section["items"])) for section in sections
    )
    return _menu_html(shown, get_language(), get_script_prefix(), get_urlconf())


@lru_cache(maxsize=256)
def _menu_html(shown: tuple, language, prefix: str, urlconf) -> SafeString:
    labels = dict(SECTIONS)
    items = {item.url_name: item for item in _ITEMS}
    parts = []
    for key, names in shown:
        label = escape(labels[key])
        if not names:
            title = escape(gettext("Nothing here for you yet"))
            parts.append(
                '<li class="nav-item"><span class="nav-link disabled" aria-disabled="true" '
                f'title="{title}">{label}</span></li>'
            )
            continue
        parts.append(
            '<li class="nav-item dropdown"><a class="nav-link dropdown-toggle" href="#" '
            f'role="button" data-bs-toggle="dropdown" aria-expanded="false">{label}</a>'
            '<ul class="dropdown-menu">'
        )
        for name in names:
            item = items[name]
            icon = f'<i class="bi bi-{escape(item.icon)} me-2"></i>' if item.icon else ""
            parts.append(
                f'<li><a class="dropdown-item" href="{escape(item.url)}">{icon}'
                f"{escape(item.label)}</a></li>"
            )
        parts.append("</ul></li>")
    return mark_safe("".join(parts))
