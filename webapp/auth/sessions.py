"""Staff sessions end after a while without activity, unless "keep me signed in" was chosen.

Flask's session cookie lasts until the browser closes, and a browser left open on a shared
computer kept an administrator signed in for weeks. The session now notes when it was last
used (rewritten at most once a minute, so pages do not all send a new cookie); a request
after ``STAFF_IDLE_TIMEOUT`` without one signs the account out and asks for the password
again. A remember-me cookie is the person's choice to stay signed in on that device: it
lasts ``REMEMBER_COOKIE_DURATION`` and is not cut short.
"""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_login.config import COOKIE_NAME
from werkzeug.wrappers import Response

#: Session key: the time (seconds since the epoch) of the session's last request.
LAST_SEEN = "last_seen"
#: The note is refreshed at most this often (seconds).
REFRESH_SECONDS = 60


def expire_idle_session() -> Response | None:
    """before_request hook: sign out a staff session idle for too long."""
    if "_user_id" not in session or request.endpoint in {"static", "core.healthz"}:
        return None
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    if remember_cookie in request.cookies or not current_user.is_authenticated:
        return None
    now = time.time()
    last_seen = session.get(LAST_SEEN)
    idle_limit = current_app.config["STAFF_IDLE_TIMEOUT"].total_seconds()
    if isinstance(last_seen, int | float) and now - last_seen > idle_limit:
        logout_user()
        session.pop(LAST_SEEN, None)
        flash(_("You were signed out after a while without activity. Please sign in again."))
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.sign_in", next=target))
    if not isinstance(last_seen, int | float) or now - last_seen > REFRESH_SECONDS:
        session[LAST_SEEN] = now
    return None
