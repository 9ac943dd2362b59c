"""Security properties that hold for the whole application, walked over the URL map."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD
from tests.webapp.test_access import concrete_url
from webapp.auth.access import access_rule
from webapp.auth.models import ROLE_VALUES

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_every_state_changing_request_needs_a_csrf_token(app, make_user):
    """Signed in with every role, so that role checks cannot hide a missing CSRF check."""
    clients = {}
    for role in ROLE_VALUES:
        user = make_user(role)
        staff = app.test_client()
        page = staff.get("/sign-in").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = staff.post(
            "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
        clients[role] = staff
    clients["anonymous"] = app.test_client()
    checked = []
    for rule in app.url_map.iter_rules():
        methods = rule.methods & STATE_CHANGING
        if not methods:
            continue
        is_public, roles = access_rule(app, rule.endpoint)
        who = ["anonymous"] if is_public else sorted(roles or [])
        url = concrete_url(app, rule)
        for method in methods:
            for name in who:
                response = clients[name].open(url, method=method, data={"x": "1"})
                assert response.status_code == 400, (method, url, name, response.status_code)
                checked.append((method, url))
    assert ("POST", "/sign-in") in checked
    assert ("POST", "/language") in checked


def test_session_cookie_flags(app, make_user):
    user = make_user("analyst")
    client = app.test_client()
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    cookie = next(
        header for header in response.headers.getlist("Set-Cookie") if header.startswith("session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.app_config(SESSION_COOKIE_SECURE=True)
def test_secure_cookies_behind_tls(app, make_user):
    user = make_user("analyst")
    client = app.test_client()
    response = client.post(
        "/sign-in",
        data={"email": user.email, "password": TEST_PASSWORD},
        base_url="https://listening.example",
    )
    cookie = next(
        header for header in response.headers.getlist("Set-Cookie") if header.startswith("session=")
    )
    assert "Secure" in cookie
    assert "max-age=31556926" in response.headers["Strict-Transport-Security"]


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
