"""Access control, denied by default.

Every endpoint must say who may use it: ``@public`` or ``@roles_required(...)``. A central
``before_request`` check enforces it, so a view that forgets to say is refused, not exposed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

View = TypeVar("View", bound=Callable[..., Any])

#: Endpoints that serve files and need no marking.
ALWAYS_PUBLIC_SUFFIXES = ("static",)


def public(view: View) -> View:
    """Mark a view as open to anonymous visitors (respondents, open data)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def roles_required(*roles: str) -> Callable[[View], View]:
    """Mark a view as open to signed-in staff with one of these roles."""
    if not roles:
        raise ValueError("name at least one role")

    def mark(view: View) -> View:
        view.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return mark


def access_rule(app: Flask, endpoint: str) -> tuple[bool, frozenset[str] | None]:
    """Return (is_public, allowed_roles) for an endpoint; (False, None) means nobody."""
    if endpoint.split(".")[-1] in ALWAYS_PUBLIC_SUFFIXES:
        return True, None
    view = app.view_functions.get(endpoint)
    if view is None:
        return False, None
    view = getattr(view, "view_class", view)
    if getattr(view, "is_public", False):
        return True, None
    return False, getattr(view, "allowed_roles", None)


def enforce_access() -> Any:
    """before_request hook: refuse anonymous and wrong-role users before the view runs."""
    if request.endpoint is None:  # 404 and 405 are handled by Flask itself
        return None
    is_public, roles = access_rule(current_app, request.endpoint)
    if is_public:
        return None
    if roles is None:
        current_app.logger.error("endpoint %s has no access rule; refused", request.endpoint)
        abort(403)
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    if current_user.role not in roles:
        abort(403)
    return None
