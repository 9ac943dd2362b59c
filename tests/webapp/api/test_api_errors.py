"""Every error under the API's prefix is JSON in the API's one error shape, with its headers;
the site's own pages keep their HTML error pages."""

from __future__ import annotations

import pytest
from flask import Flask

from webapp.auth.access import public

ORIGIN = {"Origin": "https://example.org"}
#: Addresses under the API prefix that no route serves: the prefix itself (with and without
#: its slash), an unknown version, an unknown collection, a known one with a trailing slash.
UNROUTED = ("/api", "/api/", "/api/v2/regions", "/api/v1/nonexistent", "/api/v1/regions/")


def assert_api_error_headers(response) -> None:
    """What a browser on another site needs to read the error, and no cache keeping it."""
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", UNROUTED)
def test_an_address_no_route_serves_is_a_json_404_naming_it(client, openapi, url):
    response = client.get(url, headers=ORIGIN)
    assert response.status_code == 404
    error = openapi.validate_error(response)
    # The address the client asked for, and where the API's addresses are listed, instead of
    # Werkzeug's "check your spelling" written for a person at a browser.
    assert url in error["detail"] and "/api/v1/" in error["detail"], error
    assert_api_error_headers(response)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_write_is_a_json_405_naming_the_allowed_methods(client, openapi, method):
    response = client.open("/api/v1/regions", method=method, headers=ORIGIN)
    assert response.status_code == 405
    error = openapi.validate_error(response)
    assert method in error["detail"] and "GET" in error["detail"], error
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert_api_error_headers(response)


def test_a_malformed_parameter_is_a_json_400(client, regions, openapi):
    response = client.get("/api/v1/regions?page=two", headers=ORIGIN)
    assert response.status_code == 400
    openapi.validate("/api/v1/regions", response)  # documented for the route
    assert "page" in openapi.validate_error(response)["detail"]
    assert_api_error_headers(response)


@pytest.mark.app_config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="1 per minute")
def test_too_many_requests_is_a_json_429(client, regions, openapi):
    assert client.get("/api/v1/domains").status_code == 200
    response = client.get("/api/v1/domains", headers=ORIGIN)
    assert response.status_code == 429
    openapi.validate("/api/v1/domains", response)
    openapi.validate_error(response)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert_api_error_headers(response)


def _add_failing_page(app: Flask, rule: str) -> None:
    @public
    def fail() -> str:
        raise RuntimeError("internal detail: /srv/secret.py line 3")

    app.add_url_rule(rule, endpoint=f"failing{rule.replace('/', '_')}", view_func=fail)


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_an_unexpected_failure_is_a_json_500_without_its_details(app, client, monkeypatch):
    from tests.webapp.api.conftest import OpenApiChecker
    from webapp.api import views
    from webapp.api.openapi import openapi_document

    # Read directly: a request (fetching it) would close the app to the route added below.
    openapi = OpenApiChecker(openapi_document())

    def broken() -> None:
        raise RuntimeError("internal detail: /srv/secret.py line 3")

    # A failure inside a real API view, and one in a handler outside the blueprint.
    monkeypatch.setattr(views.risk, "published_run", broken)
    _add_failing_page(app, "/api/v1/failing")
    for url in ("/api/v1/run", "/api/v1/failing"):
        response = client.get(url, headers=ORIGIN)
        assert response.status_code == 500, url
        error = openapi.validate_error(response)
        assert error["title"] == "Internal Server Error"
        assert "secret" not in response.get_data(as_text=True), url
        assert "Traceback" not in response.get_data(as_text=True), url
        assert_api_error_headers(response)


@pytest.mark.app_config(PROPAGATE_EXCEPTIONS=False)
def test_the_sites_own_pages_keep_their_html_error_pages(app, client):
    _add_failing_page(app, "/failing")
    for method, url, status in (
        ("GET", "/no-such-page", 404),
        ("GET", "/apiary", 404),  # begins like the API, but is not under it
        ("GET", "/api-docs", 404),
        ("DELETE", "/", 405),
        ("GET", "/failing", 500),
    ):
        response = client.open(url, method=method, headers=ORIGIN)
        assert response.status_code == status, url
        assert response.mimetype == "text/html", url
        assert "<html" in response.get_data(as_text=True), url
        assert "secret" not in response.get_data(as_text=True), url
        assert "Access-Control-Allow-Origin" not in response.headers, url
