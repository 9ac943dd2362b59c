"""What a respondent's request reads and works out: nothing it does not need, nothing twice.

Counted, not timed: the SQL statements a request sends (a ``before_cursor_execute``
listener) and the skip-logic expressions it compiles (the parser's constructor).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.webapp.surveys.surveys_support import (
    WELLBEING_SURVEY,
    answer_page,
    make_survey,
    stored_responses,
    xlsx_bytes,
)

#: The wellbeing form without its region question (row 2): nothing asks the registry.
NO_REGION_SURVEY = [row for row in WELLBEING_SURVEY if row[1] != "region"]


class Statements:
    """The statements sent to the app's database while listening."""

    def __init__(self, app) -> None:
        from webapp.extensions import db

        with app.app_context():
            self.engine = db.engine
        self.sent: list[str] = []

    def _note(self, connection, cursor, statement, *args) -> None:
        self.sent.append(statement)

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._note)

    def reading(self, table: str) -> list[str]:
        """The SELECT statements that read ``table`` (alone or joined)."""
        return [
            s
            for s in self.sent
            if s.lstrip().upper().startswith("SELECT") and re.search(rf"\b{table}\b", s)
        ]


def test_a_survey_without_a_region_question_never_reads_the_registry(app, client, regions):
    make_survey(app, slug="noregion", data=xlsx_bytes(NO_REGION_SURVEY))
    with Statements(app) as statements:
        first = client.get("/s/noregion?lang=en").get_data(as_text=True)
        moved = answer_page(client, first, {"age": "12"}, language="en")  # an error: 422
        assert moved.status_code == 422
        moved = answer_page(client, moved.get_data(as_text=True), {"age": "40"}, language="en")
        assert moved.status_code == 303
        second = client.get(moved.headers["Location"]).get_data(as_text=True)
        back = answer_page(client, second, {"employed": "no"}, action="back", language="en")
        assert back.status_code == 303
        first = client.get(back.headers["Location"]).get_data(as_text=True)
        moved = answer_page(client, first, {"age": "40"}, language="en")
        second = client.get(moved.headers["Location"]).get_data(as_text=True)
        thanks = answer_page(client, second, {"employed": "no", "trust": "3"}, language="en")
        assert thanks.status_code == 200
        # The same post again: a harmless retry, checked against the stored response.
        again = answer_page(client, second, {"employed": "no", "trust": "3"}, language="en")
        assert again.status_code == 200
        assert "recorded" in again.get_data(as_text=True)
        assert statements.reading("survey_responses")  # the retry did read what was stored
    assert statements.reading("regions") == []
    [stored] = stored_responses(app)
    assert stored["answers"] == {"age": 40, "employed": "no", "trust": "3"}
    assert stored["region_code"] is None


def test_a_survey_with_a_region_question_reads_the_registry_on_each_request(app, client, regions):
    """The registry may change between requests (another process loads a new file), so a
    survey that asks for a region reads it again each time: once per request."""
    make_survey(app)
    with Statements(app) as statements:
        first = client.get("/s/wellbeing?lang=en")
        moved = answer_page(
            client, first.get_data(as_text=True), {"region": "KZ-75", "age": "40"}, language="en"
        )
        assert moved.status_code == 303
        client.get(moved.headers["Location"])
    assert len(statements.reading("regions")) == 3


def test_the_first_page_builds_no_survey_object(app, client, regions, monkeypatch):
    """The first page changes nothing: the survey and its version are read as plain values
    (one statement), also when this worker has not parsed the definition yet."""
    from webapp.surveys import models

    make_survey(app)
    monkeypatch.setattr(models, "_DEFINITIONS", {})  # a worker that has seen no version
    built: list[object] = []

    def note(target, context) -> None:
        built.append(target)

    sa.event.listen(models.Survey, "load", note)
    try:
        with Statements(app) as statements:
            for _ in range(2):
                page = client.get("/s/wellbeing?lang=en")
                assert page.status_code == 200
                assert 'name="answer-age"' in page.get_data(as_text=True)
    finally:
        sa.event.remove(models.Survey, "load", note)
    assert built == []
    assert len(statements.reading("surveys")) == 2  # one per request
    # The definition column was read once, by the first request of this "worker".
    assert len([s for s in statements.reading("survey_versions") if "definition" in s]) == 1


@pytest.fixture
def parser_runs(monkeypatch):
    """How many expressions were compiled (the parser made) since the cache was emptied."""
    from webapp.surveys import expressions

    runs: list[str] = []
    real = expressions._Parser

    class Counting(real):
        def __init__(self, text: str) -> None:
            runs.append(text)
            super().__init__(text)

    expressions.parse_cached.cache_clear()
    monkeypatch.setattr(expressions, "_Parser", Counting)
    return runs


def test_a_page_with_skip_logic_compiles_its_expressions_once(app, client, regions, parser_runs):
    """The employer question's condition reads an answer on the same page (the second);
    showing that page again compiles nothing: forms are immutable, compiled once."""
    make_survey(app)
    first = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    moved = answer_page(client, first, {"region": "KZ-75", "age": "40"}, language="en")
    address = moved.headers["Location"]
    page = client.get(address).get_data(as_text=True)
    assert 'data-show-if="answer-employed"' in page
    assert "${employed} = 'yes'" in parser_runs
    parser_runs.clear()
    for _ in range(3):
        assert 'data-show-if="answer-employed"' in client.get(address).get_data(as_text=True)
    assert parser_runs == []


# --------------------------------------------------------------------------- definitions


def _version(version_id: int, created: int, title: str):
    import datetime as dt

    from webapp.surveys.models import SurveyVersion

    definition = {
        "form_id": "cache",
        "title": {"en": title},
        "languages": ["en"],
        "default_language": "en",
        "pages": [
            {"name": "p", "label": {"en": "P"}, "questions": [{"name": "q", "type": "text"}]}
        ],
    }
    return SurveyVersion(
        id=version_id,
        definition=definition,
        created_at=dt.datetime(2026, 1, 1) + dt.timedelta(seconds=created),
    )


@pytest.fixture
def definitions(app_context, monkeypatch):
    """The worker's definition cache, empty and small for the test."""
    from webapp.surveys import models

    cache: dict = {}
    monkeypatch.setattr(models, "_DEFINITIONS", cache)
    monkeypatch.setattr(models, "_DEFINITION_CACHE_SIZE", 4)
    return cache


def test_a_version_is_never_given_another_versions_definition(definitions):
    assert _version(1, 0, "First").load().label() == "First"
    # A new version, and the unpublished version replaced in place (same id, new
    # created_at): each gets its own definition, not the one cached for the old key.
    assert _version(2, 0, "Second").load().label() == "Second"
    assert _version(1, 5, "Replaced").load().label() == "Replaced"
    assert _version(1, 0, "First").load().label() == "First"
    assert len(definitions) == 3


@pytest.mark.any_database  # the per-process cache, not the database, is under test
def test_the_definition_cache_is_safe_for_a_workers_threads(definitions):
    """gunicorn's threaded workers share the cache; loading many versions at once (so that
    threads evict together) must never fail. Python switches threads every few bytecodes
    here, so the former eviction (two threads popping the same oldest key) showed."""
    import sys
    import threading

    failures: list[BaseException] = []
    start = threading.Barrier(8)

    def load_many(offset: int) -> None:
        start.wait()
        try:
            for number in range(1500):
                version = _version(offset * 10_000 + number, 0, f"v{number}")
                assert version.load().label() == f"v{number}"
        except BaseException as error:  # reported below
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=load_many, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    assert len(definitions) <= 4
