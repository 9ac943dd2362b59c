"""Security headers on every kind of response: HTML pages, error pages, JSON, files, downloads.

A policy set once in the factory can still be lost on one page type (a ``send_file``
download, an error handler, a blueprint's static folder), so each type is fetched for real.
The content security policy is parsed, not string-matched: "no unsafe-inline" must hold for
every directive, and the pages themselves must not depend on inline code the policy blocks.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import TEST_PASSWORD

#: Paths anyone may fetch, one per page type, with the status each is expected to answer.
PUBLIC_PAGES = {
    "/": 200,  # HTML page
    "/sign-in": 200,  # HTML form
    "/regions/": 200,
    "/healthz": 200,  # JSON
    "/api/v1/regions": 200,  # API JSON
    "/api/v1/openapi.json": 200,
    "/api/v1/no-such-thing": 404,  # API JSON error
    "/no-such-page": 404,  # HTML error page
    "/static/favicon.svg": 200,  # static file
    "/admin/users": 302,  # redirect to sign-in
}
#: Pages of signed-in staff: a form page, a list, a CSV download, a refused page.
STAFF_PAGES = {
    "admin": {"/admin/users": 200, "/admin/audit/": 200, "/surveys/": 200},
    "analyst": {"/risk/catalogue.csv": 200, "/risk/imports": 200, "/admin/users": 403},
}
#: Directives that must be present in the content security policy, with their exact value.
REQUIRED_DIRECTIVES = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "object-src": {"'none'"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
}
UNSAFE_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:"}
#: Markup a policy without 'unsafe-inline' would block: inline scripts, handlers, styles.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.IGNORECASE
)


def parse_policy(header: str) -> dict[str, set[str]]:
    policy: dict[str, set[str]] = {}
    for directive in header.split(";"):
        parts = directive.split()
        if parts:
            policy[parts[0].lower()] = set(parts[1:])
    return policy


def assert_secure_headers(response, where: str) -> None:
    headers = response.headers
    policy = parse_policy(headers.get("Content-Security-Policy", ""))
    for directive, sources in REQUIRED_DIRECTIVES.items():
        assert policy.get(directive) == sources, (where, directive, policy.get(directive))
    for directive, sources in policy.items():
        assert not sources & UNSAFE_SOURCES, (where, directive, sources & UNSAFE_SOURCES)
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where


def signed_in(app: Flask, make_user, role: str, base_url: str = "http://localhost") -> FlaskClient:
    user = make_user(role)
    client = app.test_client()
    response = client.post(
        "/sign-in", data={"email": user.email, "password": TEST_PASSWORD}, base_url=base_url
    )
    assert response.status_code == 302
    return client


def test_public_page_types_carry_every_security_header(client: FlaskClient) -> None:
    for path, status in PUBLIC_PAGES.items():
        response = client.get(path)
        assert response.status_code == status, (path, response.status_code)
        assert_secure_headers(response, path)


def test_staff_page_types_carry_every_security_header(app: Flask, make_user) -> None:
    for role, pages in STAFF_PAGES.items():
        staff = signed_in(app, make_user, role)
        for path, status in pages.items():
            response = staff.get(path)
            assert response.status_code == status, (role, path, response.status_code)
            assert_secure_headers(response, f"{role} {path}")


def test_error_pages_and_refusals_carry_every_security_header(client: FlaskClient) -> None:
    refused = [
        client.post("/sign-out"),  # anonymous on a staff-only POST
        client.open("/healthz", method="DELETE"),  # 405
        client.get("/s/no-such-survey"),  # 404 on a respondent page
    ]
    for response in refused:
        assert response.status_code in {302, 401, 404, 405}, response.status_code
        assert_secure_headers(response, response.request.path)


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_server_error_page_carries_headers_and_no_trace(app: Flask) -> None:
    """An unexpected exception becomes the generic 500 page, still with every header."""

    @app.get("/__security_probe_error")
    def boom() -> str:
        raise RuntimeError("secret internals: the database host is db.internal")

    boom.is_public = True  # type: ignore[attr-defined]
    response = app.test_client().get("/__security_probe_error")
    assert response.status_code == 500
    assert_secure_headers(response, "500 page")
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert "secret internals" not in body


def test_pages_need_no_inline_code_the_policy_would_block(app: Flask, make_user) -> None:
    """With no 'unsafe-inline', inline scripts, handlers and style attributes would break."""
    anonymous = app.test_client()
    staff = signed_in(app, make_user, "admin")
    pages = [(anonymous, path) for path in ("/", "/sign-in", "/regions/", "/no-such-page")]
    pages += [(staff, path) for path in ("/", "/admin/users", "/admin/audit/", "/surveys/")]
    for client, path in pages:
        body = client.get(path).get_data(as_text=True)
        found = INLINE_CODE.search(body)
        assert found is None, (path, body[max(0, found.start() - 80) : found.end() + 80])


def test_hsts_on_every_page_type_behind_tls(app: Flask, make_user) -> None:
    tls = "https://listening.example"
    anonymous = app.test_client()
    for path in ("/", "/sign-in", "/api/v1/regions", "/healthz", "/no-such-page"):
        response = anonymous.get(path, base_url=tls)
        hsts = response.headers.get("Strict-Transport-Security", "")
        assert "max-age=31556926" in hsts and "includeSubDomains" in hsts, (path, hsts)
    staff = signed_in(app, make_user, "analyst", base_url=tls)
    response = staff.get("/risk/catalogue.csv", base_url=tls)
    assert response.status_code == 200
    assert "max-age=" in response.headers.get("Strict-Transport-Security", "")


@pytest.mark.app_config(FORCE_HTTPS=True)
def test_plain_http_is_redirected_to_https_when_forced(client: FlaskClient) -> None:
    response = client.get("/sign-in")
    assert response.status_code in {301, 302}
    assert response.headers["Location"].startswith("https://")


@pytest.mark.app_config(FORCE_HTTPS=True)
def test_the_health_check_answers_plain_http_when_https_is_forced(client: FlaskClient) -> None:
    """The supervisor or load balancer asks gunicorn itself (http://127.0.0.1:8000/healthz),
    behind the proxy that ends TLS: a redirect to https://127.0.0.1:8000, where nothing speaks
    TLS, read as "down" while the site was up. Every other page is still redirected."""
    response = client.get("/healthz")
    assert response.status_code == 200, response.headers.get("Location")
    assert response.get_json()["database"] == "ok"
    assert client.get("/").status_code in {301, 302}


@pytest.mark.app_config(SESSION_COOKIE_SECURE=True)
def test_every_cookie_is_secure_and_httponly_behind_tls(app: Flask, make_user) -> None:
    """Session, remember-me and language cookies: none readable by scripts or sent in clear."""
    tls = "https://listening.example"
    user = make_user("analyst")
    client = app.test_client()
    cookies = []
    response = client.post(
        "/sign-in",
        data={"email": user.email, "password": TEST_PASSWORD, "remember": "y"},
        base_url=tls,
    )
    cookies += response.headers.getlist("Set-Cookie")
    response = client.post("/language", data={"language": "kk", "next": "/"}, base_url=tls)
    cookies += response.headers.getlist("Set-Cookie")
    names = {cookie.split("=", 1)[0] for cookie in cookies}
    assert {"session", "remember_token", "language"} <= names, names
    for cookie in cookies:
        assert "Secure" in cookie, cookie
        assert "HttpOnly" in cookie, cookie
        assert re.search(r"SameSite=(Lax|Strict)", cookie), cookie


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_an_unreachable_database_is_a_503_with_retry_after(app: Flask) -> None:
    """During a database restart requests fail; clients are told to retry, not that the
    application is broken (seen as HTTP 500 by bench/load_with_faults.py)."""
    import sqlalchemy as sa

    def unreachable() -> str:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    unreachable.is_public = True  # type: ignore[attr-defined]
    app.add_url_rule("/__security_probe_db", view_func=unreachable)
    app.add_url_rule("/api/v1/__security_probe_db", "api_probe_db", view_func=unreachable)
    client = app.test_client()
    for path in ("/__security_probe_db", "/api/v1/__security_probe_db"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "5"
        assert_secure_headers(response, path)
        body = response.get_data(as_text=True)
        assert "connection refused" not in body and "Traceback" not in body
    assert client.get("/api/v1/__security_probe_db").is_json
