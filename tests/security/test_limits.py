"""Request size limits (413) and throttling (429): abuse is refused early and politely.

The limits are the application's real defaults (``webapp.config.DefaultConfig``), not values
made small for the test, so a change of default that opens the door fails here.
"""

from __future__ import annotations

import io

import pytest
from flask import Flask

from tests.conftest import TEST_PASSWORD
from tests.fuzz.support import changed_tables, table_counts
from webapp.config import DefaultConfig


def analyst_client(app: Flask, make_user):
    user = make_user("analyst")
    client = app.test_client()
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def assert_polite_refusal(response, status: int) -> None:
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "werkzeug" not in body.lower()


def test_limits_are_set() -> None:
    assert 0 < DefaultConfig.MAX_CONTENT_LENGTH <= 50 * 1024 * 1024
    assert 0 < DefaultConfig.MAX_FORM_MEMORY_SIZE <= 4 * 1024 * 1024


@pytest.mark.parametrize("path", ["/risk/imports", "/risk/catalogue", "/surveys/new"])
def test_oversize_upload_is_refused_with_413(app: Flask, make_user, path: str) -> None:
    client = analyst_client(app, make_user)
    oversize = io.BytesIO(b"0" * (DefaultConfig.MAX_CONTENT_LENGTH + 1024))
    before = table_counts(app)
    response = client.post(
        path,
        data={"file": (oversize, "huge.csv"), "layout": "auto"},
        content_type="multipart/form-data",
    )
    assert_polite_refusal(response, 413)
    assert changed_tables(before, table_counts(app)) == {}


def test_oversize_form_field_is_refused_with_413(app: Flask) -> None:
    """A single text field above the form memory limit, on the public sign-in form."""
    client = app.test_client()
    response = client.post(
        "/sign-in",
        data={"email": "a@example.org", "password": "x" * (DefaultConfig.MAX_FORM_MEMORY_SIZE + 1)},
        content_type="multipart/form-data",
    )
    assert_polite_refusal(response, 413)


def test_oversize_urlencoded_body_is_refused_with_413(app: Flask) -> None:
    client = app.test_client()
    body = b"language=kk&next=" + b"a" * (DefaultConfig.MAX_CONTENT_LENGTH + 1)
    response = client.post("/language", data=body, content_type="application/x-www-form-urlencoded")
    assert_polite_refusal(response, 413)


def test_oversize_api_request_gets_json_413(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/api/v1/regions", data=b"x" * (DefaultConfig.MAX_CONTENT_LENGTH + 1))
    # A GET body is never read by the API; refusing it or ignoring it are both safe,
    # but whatever comes back is JSON without a trace.
    assert response.status_code in {200, 413}
    assert response.is_json


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_sign_in_is_throttled_after_repeated_failures(app: Flask, make_user) -> None:
    user = make_user("admin")
    client = app.test_client()
    per_minute = int(DefaultConfig.SIGN_IN_RATE_LIMIT.split()[0])
    statuses = [
        client.post("/sign-in", data={"email": user.email, "password": f"guess {n}"}).status_code
        for n in range(per_minute)
    ]
    assert set(statuses) == {200}, statuses  # wrong password: the form again
    throttled = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert_polite_refusal(throttled, 429)
    assert "Retry-After" in throttled.headers or "X-RateLimit-Reset" in throttled.headers
    # The right password does not get through while throttled, and reading the form still works.
    assert client.get("/sign-in").status_code == 200


@pytest.mark.app_config(RATELIMIT_ENABLED=True, SURVEY_SUBMIT_RATE_LIMIT="5 per minute")
def test_survey_posts_are_throttled(app: Flask) -> None:
    """Respondent posts share one limit per client address; a flood gets 429, not rows."""
    client = app.test_client()
    url = "/s/any-survey/r/00000000-0000-4000-8000-000000000000"
    statuses = [client.post(url, data={"page": "0"}).status_code for _ in range(6)]
    assert statuses[-1] == 429, statuses
    assert table_counts(app)["survey_responses"] == 0


@pytest.mark.app_config(RATELIMIT_ENABLED=True, SURVEY_SUBMIT_RATE_LIMIT="4 per minute")
def test_limits_in_memory_start_no_thread_per_request(app: Flask, monkeypatch) -> None:
    """The default storage counts in memory and sweeps expired counters itself: the library's
    plain memory storage started a timer thread at nearly every rate-limited request."""
    import threading
    import time

    from webapp.extensions import SweptMemoryStorage, limiter

    assert isinstance(limiter.storage, SweptMemoryStorage)
    started = []
    original = threading.Thread.start

    def counting_start(thread: threading.Thread) -> None:
        started.append(thread)
        original(thread)

    monkeypatch.setattr(threading.Thread, "start", counting_start)
    client = app.test_client()
    url = "/s/any-survey/r/00000000-0000-4000-8000-000000000000"
    statuses = []
    for _ in range(5):
        statuses.append(client.post(url, data={"page": "0"}).status_code)
        time.sleep(0.015)  # longer than the library's 10 ms timer
    assert statuses[-1] == 429 and 429 not in statuses[:-1], statuses
    assert started == []


@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window", "sliding-window-counter"])
def test_swept_memory_storage_counts_like_memory_and_frees_expired_keys(
    strategy: str, monkeypatch
) -> None:
    import limits

    from webapp.extensions import SweptMemoryStorage

    monkeypatch.setattr(SweptMemoryStorage, "SWEEP_SECONDS", 0.0)
    storage = limits.storage.storage_from_string("swept-memory://")
    assert isinstance(storage, SweptMemoryStorage)
    limiter = limits.strategies.STRATEGIES[strategy](storage)
    three = limits.parse("3 per hour")
    assert [limiter.hit(three, "client-a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(three, "client-b")  # per client

    storage.incr("short-lived", expiry=0.01)
    storage.acquire_entry("short-lived-events", limit=5, expiry=0.01)
    assert "short-lived" in storage.storage and storage.events["short-lived-events"]
    import time

    time.sleep(0.03)
    storage.incr("another", expiry=60)  # a later hit sweeps what has expired
    assert "short-lived" not in storage.storage
    assert "short-lived-events" not in storage.events or not storage.events["short-lived-events"]
    assert not limiter.hit(three, "client-a")  # live counters are kept


def test_a_key_going_during_the_sweep_does_not_fail_the_request(monkeypatch) -> None:
    """The sweep walks a copy of the keys; another thread may read a key as expired (and drop
    it) meanwhile. That must not fail the rate-limited request that happens to sweep."""
    import limits

    from webapp.extensions import SweptMemoryStorage

    class GoneWhileWalked(dict):
        def __getitem__(self, key):
            if key == "gone":
                raise KeyError(key)
            return super().__getitem__(key)

    monkeypatch.setattr(SweptMemoryStorage, "SWEEP_SECONDS", 0.0)
    storage = limits.storage.storage_from_string("swept-memory://")
    storage.expirations = GoneWhileWalked(gone=0.0)
    limiter = limits.strategies.FixedWindowRateLimiter(storage)
    two = limits.parse("2 per hour")
    assert [limiter.hit(two, "client") for _ in range(3)] == [True, True, False]


#: A Redis address nothing listens on.
REDIS_DOWN = "redis://127.0.0.1:1/0"


@pytest.mark.app_config(
    RATELIMIT_ENABLED=True, REDIS_URL=REDIS_DOWN, RATELIMIT_STORAGE_URI=REDIS_DOWN
)
def test_sign_in_and_survey_posts_keep_working_and_limited_when_redis_is_down(
    app: Flask, make_user
) -> None:
    """Redis down must not take sign-in and survey answers down with it (it was a 500 for
    every one): limits are counted in the process's memory until Redis is back."""
    user = make_user("analyst")
    client = app.test_client()
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    client = app.test_client()
    statuses = [
        client.post("/sign-in", data={"email": f"x{n}@example.org", "password": "x"}).status_code
        for n in range(11)
    ]
    # Ten failed attempts a minute per address (the successful sign-in does not count).
    assert statuses == [200] * 10 + [429], statuses
    health = app.test_client().get("/healthz")
    assert health.status_code == 200  # the site works; the body says what is missing
    assert health.get_json()["rate_limits"] == "unavailable"
    assert health.get_json()["status"] == "degraded"


def test_health_check_names_the_rate_limit_storage(app: Flask) -> None:
    assert app.test_client().get("/healthz").get_json()["rate_limits"] == "memory"


@pytest.mark.app_config(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute")
def test_behind_a_proxy_clients_are_told_apart_only_when_the_proxy_is_trusted(
    app: Flask, tmp_path
) -> None:
    """Behind nginx every request comes from the proxy. Untrusted (the default), its
    X-Forwarded-For is ignored (a client could forge it); with TRUSTED_PROXIES=1 each
    client has its own limit, so one client's failures do not lock out the others."""
    from webapp import create_app

    def statuses(application: Flask) -> list[int]:
        client = application.test_client()
        result = []
        for number in range(6):
            response = client.post(
                "/sign-in",
                data={"email": f"client{number}@example.org", "password": "x"},
                environ_base={"REMOTE_ADDR": "127.0.0.1"},
                headers={"X-Forwarded-For": f"203.0.113.{number % 2}"},
            )
            result.append(response.status_code)
        return result

    assert statuses(app)[-3:] == [429, 429, 429]  # one address for everybody
    trusted = create_app({**app.config, "TRUSTED_PROXIES": 1, "TESTING": True})
    assert statuses(trusted) == [200] * 6  # two clients, three attempts each


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Files of up to 20 MB are accepted, and up to 1 MB of text in one field."),
        ("ru", "Принимаются файлы размером до 20 МБ и до 1 МБ текста в одном поле."),
        ("kk", "20 МБ-қа дейінгі файлдар және бір өріске 1 МБ-қа дейінгі мәтін қабылданады."),
    ],
)
def test_oversize_upload_page_says_how_large_a_file_may_be(
    app: Flask, make_user, language: str, sentence: str
) -> None:
    """An analyst whose statistics file is refused can only act on the refusal if the page
    names the limit (it said "Error code: 413" and nothing more)."""
    client = analyst_client(app, make_user)
    client.post("/language", data={"language": language, "next": "/"})
    oversize = io.BytesIO(b"0" * (DefaultConfig.MAX_CONTENT_LENGTH + 1024))
    response = client.post(
        "/risk/imports",
        data={"file": (oversize, "huge.csv"), "layout": "auto"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert sentence in response.get_data(as_text=True)


@pytest.mark.app_config(MAX_CONTENT_LENGTH=512 * 1024)
def test_oversize_page_reads_the_configured_limit(app: Flask, make_user) -> None:
    client = analyst_client(app, make_user)
    response = client.post(
        "/risk/imports",
        data={"file": (io.BytesIO(b"0" * (600 * 1024)), "big.csv"), "layout": "auto"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "Files of up to 0.5 MB are accepted" in response.get_data(as_text=True)
