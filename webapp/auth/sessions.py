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

from webapp.auth.access import access_rule

#: Session key: the time (seconds since the epoch) of the session's last request.
LAST_SEEN = "last_seen"
#: The note is refreshed at most this often (seconds).
REFRESH_SECONDS = 60


#: Endpoints that are not a person's activity and need no session: files, the health probe.
UNTOUCHED_ENDPOINTS = frozenset({"static", "core.healthz"})
#: Addresses of machine clients (the open-data API): never redirected to a sign-in page.
API_PREFIX = "/api/"


def _untouched() -> bool:
    """Requests the hook leaves alone: files, the health probe and the open-data API.

    An API call is a script's (a chart on a page, a notebook), even from a staff member's
    browser: it must neither be sent to the HTML sign-in page nor count as the person's
    activity, or a page polling the API would keep an idle staff session alive forever.
    Unknown addresses under ``/api/`` count too (their endpoint is None).
    """
    endpoint = request.endpoint or ""
    return (
        endpoint in UNTOUCHED_ENDPOINTS
        or endpoint.rsplit(".", 1)[-1] == "static"
        or request.path.startswith(API_PREFIX)
    )


def _is_public_page() -> bool:
    """The request is for a page open to anyone (``@public``: survey pages, the home page)."""
    return request.endpoint is not None and access_rule(current_app, request.endpoint)[0]


def expire_idle_session() -> Response | None:
    """before_request hook: sign out a staff session idle for too long.

    Staff pages ask for the password again (a redirect to the sign-in page). A public page
    (a survey a staff member opens as a respondent would, the home page) needs no sign-in:
    an idle session is ended there quietly and the page is served as to any visitor. A page
    a person opens is activity, public or not; the API and files are not, and are left
    alone (``_untouched``).
    """
    if "_user_id" not in session or _untouched():
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
        if _is_public_page():
            return None
        flash(_("You were signed out after a while without activity. Please sign in again."))
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.sign_in", next=target))
    if not isinstance(last_seen, int | float) or now - last_seen > REFRESH_SECONDS:
        session[LAST_SEEN] = now
    return None


#: What an account that must choose its password may still use besides files and the API:
#: the change page itself, signing out, and the language switch (to read that page).
OPEN_BEFORE_OWN_PASSWORD = frozenset({"auth.change_password", "auth.sign_out", "core.set_language"})


def require_own_password() -> Response | None:
    """before_request hook: an account signed in with a one-time password is sent to the
    change-password page from every other page until it has chosen its own.

    The one-time password was seen by whoever handed it over; without this it worked for
    ever. Files and the open-data API are left alone (``_untouched``): the API authenticates
    nobody and answers this session as it answers anyone.
    """
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    if "_user_id" not in session and remember_cookie not in request.cookies:
        return None  # anonymous: do not load (and so rewrite) the session
    if _untouched() or request.endpoint in OPEN_BEFORE_OWN_PASSWORD:
        return None
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.change_password", next=target))
