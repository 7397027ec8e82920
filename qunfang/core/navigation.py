"""The menu, grouped by line of work. Each app registers its own entries in AppConfig.ready().

Entries are only added by apps that exist, so the menu never offers a page that is not built.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Line:
    key: str
    label: Promise
    order: int


# The lines of work in the seed summaries, in the order a district HQ reads them.
LINES = {
    line.key: line
    for line in [
        Line("command", _("指挥总览"), 10),
        Line("opinion", _("舆情监测"), 20),
        Line("publicity", _("宣传与村村响"), 30),
        Line("volunteers", _("志愿服务"), 40),
        Line("residents", _("民政台账"), 50),
        Line("supplies", _("物资保障"), 60),
        Line("hotline", _("热线"), 70),
        Line("enterprise", _("企业服务"), 80),
        Line("org", _("组织与区域"), 90),
    ]
}


@dataclass(frozen=True)
class NavItem:
    line: str
    label: Promise
    url_name: str
    order: int = 0
    visible: Callable[[object], bool] = field(default=lambda user: True)


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if item.line not in LINES:
        raise ValueError(f"unknown line of work {item.line!r}")
    if any(existing.url_name == item.url_name for existing in _ITEMS):
        return
    _ITEMS.append(item)


def menu_for(user, current_path: str) -> list[dict]:
    """The menu a user sees: lines of work in order, each with the entries the user may open."""
    groups: dict[str, dict] = {}
    for item in sorted(_ITEMS, key=lambda i: (LINES[i.line].order, i.order)):
        if not item.visible(user):
            continue
        url = reverse(item.url_name)
        group = groups.setdefault(
            item.line, {"key": item.line, "label": LINES[item.line].label, "items": []}
        )
        active = current_path == url if url == "/" else current_path.startswith(url)
        group["items"].append({"label": item.label, "url": url, "active": active})
    return list(groups.values())
