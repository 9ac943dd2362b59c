"""Navigation entries that domains contribute, shown by role in the header and on the home page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask_babel import LazyString


@dataclass(frozen=True)
class NavigationItem:
    label: LazyString | str
    endpoint: str
    #: Roles that see the entry; empty means everyone, signed in or not.
    roles: frozenset[str] = field(default_factory=frozenset)
    description: LazyString | str = ""
    order: int = 100

    def visible_to(self, user: Any) -> bool:
        if not self.roles:
            return True
        return bool(getattr(user, "is_authenticated", False)) and user.role in self.roles


def add_navigation(app: Flask, item: NavigationItem) -> None:
    items = app.extensions.setdefault("navigation", [])
    items.append(item)
    items.sort(key=lambda entry: entry.order)


def navigation_for(app: Flask, user: Any) -> list[NavigationItem]:
    return [item for item in app.extensions.get("navigation", []) if item.visible_to(user)]
