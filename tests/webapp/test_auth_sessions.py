"""The idle limit of staff sessions (webapp.auth.sessions) across the kinds of request: staff
pages expire and redirect, public pages end an idle session quietly, and the open-data API
neither redirects nor counts as activity."""

from __future__ import annotations

import time

import pytest


@pytest.fixture
def staff(app, client, make_user, sign_in):
    """A signed-in administrator who has opened a staff page (the idle clock is running)."""
    sign_in(make_user("admin"))
    assert client.get("/admin/users").status_code == 200
    return client


def last_seen(client) -> float | None:
    with client.session_transaction() as stored:
        return stored.get("last_seen")


def set_last_seen(client, seconds_ago: float) -> float:
    moment = time.time() - seconds_ago
    with client.session_transaction() as stored:
        stored["last_seen"] = moment
    return moment


def idle_limit(app) -> float:
    return app.config["STAFF_IDLE_TIMEOUT"].total_seconds()


def test_api_calls_of_an_idle_staff_session_are_served_as_json(app, staff):
    set_last_seen(staff, idle_limit(app) + 60)
    for url in ("/api/v1/domains", "/api/v1/", "/api/v1/no-such-route"):
        response = staff.get(url)
        assert response.status_code in (200, 404), url
        assert response.is_json, (url, response.headers.get("Location"))
    # The staff pages still ask for the password: the API calls did not revive the session.
    response = staff.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/admin/users"


def test_api_calls_do_not_extend_a_staff_session(app, staff):
    """A page polling the API must not keep an idle staff session alive for ever."""
    moment = set_last_seen(staff, 30 * 60)  # older than the minute after which it is rewritten
    for _ in range(3):
        assert staff.get("/api/v1/domains").status_code == 200
    assert last_seen(staff) == moment
    # A staff page is activity, and does move it.
    assert staff.get("/admin/users").status_code == 200
    assert last_seen(staff) > moment


def test_a_public_page_ends_an_idle_session_quietly_instead_of_redirecting(app, staff):
    set_last_seen(staff, idle_limit(app) + 60)
    response = staff.get("/s/")
    assert response.status_code == 200  # the open surveys, as any visitor sees them
    with staff.session_transaction() as stored:
        assert "_user_id" not in stored and "last_seen" not in stored
    assert staff.get("/admin/users").status_code == 302  # signed out for good


def test_static_files_neither_expire_nor_extend_the_session(app, staff):
    moment = set_last_seen(staff, 30 * 60)
    assert staff.get("/static/css/app.css").status_code == 200
    assert last_seen(staff) == moment


def test_staff_pages_keep_the_idle_limit(app, staff):
    set_last_seen(staff, idle_limit(app) - 120)
    assert staff.get("/admin/users").status_code == 200
    set_last_seen(staff, idle_limit(app) + 1)
    assert staff.get("/admin/users").status_code == 302
