"""The open-data API: every endpoint against its OpenAPI document, pagination, bad parameters,
and nothing unpublished."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate as validate_spec

from forecasting.geography import load_units
from tests.webapp.api.conftest import PUBLISHED, UNITS, UNPUBLISHED
from tests.webapp.review.materialised import expected_score


def test_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    validate_spec(document)


def test_document_lists_exactly_the_routes_and_parameters_the_api_serves(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    served = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule): rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
    }
    assert set(served) == set(document["paths"])
    for path, rule in served.items():
        assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, path
        operation = document["paths"][path]["get"]
        declared = set()
        for parameter in operation["parameters"]:
            if "$ref" in parameter:
                parameter = document["components"]["parameters"][parameter["$ref"].split("/")[-1]]
            declared.add((parameter["name"], parameter["in"]))
        assert {name for name, where in declared if where == "path"} == set(rule.arguments)
        # Every documented query parameter is accepted; an undocumented one is refused.
        query = {name for name, where in declared if where == "query"}
        url = path.replace("{code}", "KZ-75").replace("{survey_id}", "1")
        assert client.get(url, query_string={"undocumented": "1"}).status_code == 400
        for name in query:
            response = client.get(url, query_string={name: "1"})
            detail = (response.get_json() or {}).get("error", {}).get("detail", "")
            assert "unknown query parameter" not in detail, (path, name)


def test_every_endpoint_answers_anonymous_visitors_per_its_schema(client, published, openapi):
    openapi.validate("/api/v1/", client.get("/api/v1/"))
    body = openapi.validate("/api/v1/regions", client.get("/api/v1/regions"))
    # 20 current units and the historic ones (South Kazakhstan, the oblasts abolished in 1997)
    assert body["meta"]["total"] == len(load_units()) == 26
    openapi.validate("/api/v1/regions/{code}", client.get("/api/v1/regions/KZ-75"))
    body = openapi.validate("/api/v1/domains", client.get("/api/v1/domains"))
    assert {item["code"] for item in body["data"]} >= {"economic_hardship", "trust_in_state"}
    body = openapi.validate("/api/v1/indicators", client.get("/api/v1/indicators?per_page=100"))
    assert "unemployment_rate" in {item["code"] for item in body["data"]}
    body = openapi.validate(
        "/api/v1/indicators/{code}", client.get("/api/v1/indicators/unemployment_rate")
    )
    assert body["names"]["ru"] == "Уровень безработицы"
    body = openapi.validate("/api/v1/run", client.get("/api/v1/run"))
    assert body["run_id"] == PUBLISHED
    assert [item["code"] for item in body["classes"]][-1] == "very_high"
    assert body["classes"][3]["lower_bound"] == 5.0
    openapi.validate("/api/v1/scores", client.get("/api/v1/scores"))
    openapi.validate("/api/v1/forecasts", client.get("/api/v1/forecasts"))


def test_scores_are_the_published_runs_only(client, published, openapi):
    body = openapi.validate("/api/v1/scores", client.get("/api/v1/scores?per_page=100"))
    assert body["run"]["run_id"] == PUBLISHED
    assert body["meta"]["total"] == len(UNITS) * 5
    periods = {item["period"] for item in body["data"]}
    assert periods == {"2019", "2020", "2021", "2022", "2023"}  # never the other run's 2024
    first = next(item for item in body["data"] if item["region"] == UNITS[1])
    assert first["score"] == expected_score(1, 0)
    forecasts = client.get("/api/v1/forecasts?per_page=100").get_json()
    assert forecasts["run"]["run_id"] == PUBLISHED
    assert {item["period"] for item in forecasts["data"]} == {"2024", "2025"}
    means = {(item["region"], item["period"]): item["mean"] for item in forecasts["data"]}
    assert means[(UNITS[0], "2024")] == pytest.approx(expected_score(0, 4) + 0.2)
    # The unpublished run's identifier appears in no response.
    for url in ("/api/v1/run", "/api/v1/scores?per_page=100", "/api/v1/forecasts?per_page=100"):
        assert UNPUBLISHED not in client.get(url).get_data(as_text=True)


def test_a_published_period_of_the_other_run_is_refused(client, published, openapi):
    response = client.get("/api/v1/scores?period=2024")
    openapi.validate("/api/v1/scores", response)
    assert response.status_code == 422
    assert "2024" in response.get_json()["error"]["detail"]


def test_filters(client, published, openapi):
    body = openapi.validate("/api/v1/scores", client.get("/api/v1/scores?period=2023&region=KZ-71"))
    assert [(item["region"], item["period"]) for item in body["data"]] == [("KZ-71", "2023")]
    body = openapi.validate(
        "/api/v1/forecasts", client.get("/api/v1/forecasts?region=KZ-75&target=score&period=2025")
    )
    assert [(item["region"], item["period"]) for item in body["data"]] == [("KZ-75", "2025")]
    assert 0 <= body["data"][0]["probability_high"] <= 1
    body = openapi.validate(
        "/api/v1/indicators", client.get("/api/v1/indicators?domain=trust_in_state")
    )
    assert body["data"] and {item["domain"] for item in body["data"]} == {"trust_in_state"}
    body = openapi.validate("/api/v1/regions", client.get("/api/v1/regions?current=false"))
    historic = [unit.code for unit in load_units() if not unit.is_current]
    assert [item["code"] for item in body["data"]] == historic


def test_pagination_walks_every_item_once(client, published, openapi):
    seen = []
    url = "/api/v1/scores?per_page=7"
    pages = 0
    while url:
        body = openapi.validate("/api/v1/scores", client.get(url))
        seen.extend((item["region"], item["period"]) for item in body["data"])
        assert body["meta"]["per_page"] == 7
        url = body["links"]["next"]
        pages += 1
    assert pages == body["meta"]["pages"] == 4  # 25 scores
    assert len(seen) == len(set(seen)) == 25
    assert body["links"]["prev"] is not None
    first = client.get("/api/v1/scores?per_page=7").get_json()
    assert first["links"]["prev"] is None
    assert "page=4" in first["links"]["last"]
    beyond = client.get("/api/v1/scores?per_page=7&page=9").get_json()
    assert beyond["data"] == [] and beyond["meta"]["total"] == 25


BAD_REQUESTS = [
    ("/api/v1/scores?page=0", 400, "page"),
    ("/api/v1/scores?page=two", 400, "page"),
    ("/api/v1/scores?page=100000000000000000000000", 400, "page"),
    ("/api/v1/scores?region=%01", 400, "control"),
    ("/api/v1/regions/%01", 404, "region"),
    ("/api/v1/indicators/" + "x" * 300, 404, "indicator"),
    ("/api/v1/surveys/99999999999/results", 404, ""),
    ("/api/v1/scores?per_page=1000", 400, "per_page"),
    ("/api/v1/scores?per_page=", 400, "per_page"),
    ("/api/v1/scores?regoin=KZ-75", 400, "regoin"),
    ("/api/v1/scores?region=KZ-75&region=KZ-71", 400, "region"),
    ("/api/v1/scores?region=", 400, "region"),
    ("/api/v1/scores?region=KZ-99", 422, "KZ-99"),
    ("/api/v1/scores?period=1999", 422, "1999"),
    ("/api/v1/forecasts?target=nonsense", 422, "nonsense"),
    ("/api/v1/forecasts?period=2030", 422, "2030"),
    ("/api/v1/indicators?domain=nonsense", 422, "nonsense"),
    ("/api/v1/regions?current=maybe", 400, "current"),
    ("/api/v1/regions/KZ-99", 404, "KZ-99"),
    ("/api/v1/indicators/nonsense", 404, "nonsense"),
    ("/api/v1/nothing-here", 404, ""),
]


def test_bad_requests_get_json_errors(client, published):
    for url, status, mentions in BAD_REQUESTS:
        response = client.get(url)
        assert response.status_code == status, url
        assert response.mimetype == "application/json", url
        error = response.get_json()["error"]
        assert error["status"] == status
        assert mentions in error["detail"], (url, error)


def test_writes_are_refused_with_json(client, published):
    response = client.post("/api/v1/scores")
    assert response.status_code == 405
    assert response.get_json()["error"]["status"] == 405


def test_without_a_published_run_risk_endpoints_say_so(client, regions, openapi):
    for path in ("/api/v1/run", "/api/v1/scores", "/api/v1/forecasts"):
        response = client.get(path)
        openapi.validate(path, response)
        assert response.status_code == 404
        assert "published" in response.get_json()["error"]["detail"]
    # The catalogue and geography do not depend on a run.
    assert client.get("/api/v1/regions").status_code == 200


# --- Headers an open-data consumer relies on -----------------------------------------------


def test_any_site_may_read_the_api_from_a_browser(client, published):
    """Open data: a page on another site (a newsroom's chart, a notebook) may fetch it."""
    for url in ("/api/v1/regions", "/api/v1/scores?region=KZ-99", "/api/v1/openapi.json"):
        response = client.get(url, headers={"Origin": "https://example.org"})
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/scores",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


def test_responses_say_how_long_they_may_be_cached(client, published):
    response = client.get("/api/v1/scores")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"
    etag = response.headers["ETag"]
    again = client.get("/api/v1/scores", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    # Another page is another representation, so another tag.
    other = client.get("/api/v1/scores?page=2", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    # An error must not be kept: the run may be published a minute later.
    error = client.get("/api/v1/scores?region=KZ-99")
    assert error.status_code == 422
    assert error.headers["Cache-Control"] == "no-store"
    assert "ETag" not in error.headers


@pytest.mark.app_config(API_CACHE_SECONDS=300)
def test_cache_lifetime_is_configurable(client, published):
    assert client.get("/api/v1/regions").headers["Cache-Control"] == "public, max-age=300"


def test_a_signed_in_visitors_response_is_not_kept_by_shared_caches(
    client, published, make_user, sign_in
):
    """A staff session's cookie may be refreshed on any response: never store that publicly."""
    sign_in(make_user("analyst"))
    response = client.get("/api/v1/regions")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, max-age=60"


@pytest.mark.app_config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute")
def test_too_many_requests_is_a_documented_json_error(app, client, regions):
    from tests.webapp.api.conftest import OpenApiChecker
    from webapp.api.openapi import openapi_document
    from webapp.extensions import limiter

    # The document is read directly: fetching it would spend a request of the limit.
    openapi = OpenApiChecker(openapi_document())
    with app.app_context():
        limiter.reset()  # counts are kept in this process's memory, across tests
    assert [client.get("/api/v1/regions").status_code for _ in range(3)] == [200, 200, 429]
    response = client.get("/api/v1/regions")
    openapi.validate("/api/v1/regions", response)
    assert response.status_code == 429
    assert response.headers["Retry-After"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.app_config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="5 per minute")
def test_each_request_counts_once_however_many_apps_the_process_built(app, client, tmp_path):
    """Each create_app added the API's limit to the shared limiter again, so a process that
    built several apps (tests, a CLI command beside a server) counted a request that often."""
    from webapp import create_app
    from webapp.extensions import limiter

    for number in range(2):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / f"other-{number}")})
    with app.app_context():
        limiter.reset()
    remaining = [client.get("/api/v1/domains").headers["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["4", "3", "2"]


def test_every_operation_documents_caching_and_limits(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        responses = item["get"]["responses"]
        assert {"304", "429"} <= set(responses), path
        assert {"ETag", "Cache-Control", "Access-Control-Allow-Origin"} <= set(
            responses["200"]["headers"]
        ), path


def test_a_wrong_method_says_which_are_allowed(client):
    """HTTP requires an Allow header on a 405; the JSON error handler used to drop it."""
    response = client.post("/api/v1/regions")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.is_json and response.get_json()["error"]["status"] == 405


@pytest.mark.app_config(
    RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute", PROPAGATE_EXCEPTIONS=False
)
def test_retry_after_is_only_sent_with_a_refusal(app, client, regions, monkeypatch):
    """Flask-Limiter put 'Retry-After: 60' on every success; it belongs on a 429 (and a 503)."""
    import sqlalchemy as sa

    from webapp.extensions import limiter
    from webapp.risk import services as risk

    with app.app_context():
        limiter.reset()
    ok = client.get("/api/v1/regions")
    assert ok.status_code == 200
    assert "Retry-After" not in ok.headers
    assert ok.headers["X-RateLimit-Limit"] == "2"
    assert ok.headers["X-RateLimit-Remaining"] == "1"
    assert "X-RateLimit-Reset" in ok.headers

    def unreachable():
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(risk, "published_run", unreachable)
    down = client.get("/api/v1/run")  # the database restarting: its own wait, not the window's
    assert down.status_code == 503
    assert down.headers["Retry-After"] == "5"
    assert "Retry-After" not in client.get("/api/v1/regions").headers  # the last one allowed
    refused = client.get("/api/v1/regions")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_the_entry_point_without_its_slash_is_the_same_json(client, openapi):
    """/api/v1 was a 308 HTML page (without the CORS header) pointing at /api/v1/."""
    bare = client.get("/api/v1", headers={"Origin": "https://example.org"})
    assert bare.status_code == 200
    assert openapi.validate("/api/v1/", bare) == client.get("/api/v1/").get_json()
    assert bare.headers["Access-Control-Allow-Origin"] == "*"


def test_an_unknown_address_under_the_api_is_its_json_404_with_its_headers(client, openapi):
    for url in ("/api/v1/nothing-here", "/api/v1/surveys/1/nothing", "/api/v1/regions/KZ-10/x"):
        response = client.get(url, headers={"Origin": "https://example.org"})
        assert response.status_code == 404, url
        body = openapi.validate("/api/v1/regions/{code}", response)  # the documented Error
        assert body["error"]["status"] == 404
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
        assert response.headers["Cache-Control"] == "no-store", url
    # The site's own pages keep their HTML error page.
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Access-Control-Allow-Origin" not in page.headers
