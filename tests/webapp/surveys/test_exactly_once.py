"""No answer lost or counted twice: retries, conflicts, two app instances, bots, limits."""

from __future__ import annotations

import threading

import pytest

from tests.webapp.surveys.surveys_support import (
    answer_page,
    count_responses,
    form_of,
    make_survey,
)

PAGE_ONE = {"region": "KZ-75", "age": "41"}
PAGE_TWO = {"employed": "yes", "employer": "Clinic", "trust": "4"}


@pytest.fixture
def survey_id(app, regions):
    return make_survey(app)


def reach_last_page(client) -> str:
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    response = answer_page(client, html, PAGE_ONE, language="en")
    assert response.status_code == 303
    return client.get(response.headers["Location"]).get_data(as_text=True)


def thanked(response) -> bool:
    """The thank-you page, shown by the post itself (no redirect)."""
    return response.status_code == 200 and "Your answers have been recorded." in response.get_data(
        as_text=True
    )


def test_double_post_stores_one_row_and_shows_the_same_thank_you(app, client, survey_id):
    last = reach_last_page(client)
    first = answer_page(client, last, PAGE_TWO, language="en")
    second = answer_page(client, last, PAGE_TWO, language="en")
    assert thanked(first) and thanked(second)
    assert "Location" not in first.headers and "Location" not in second.headers
    assert count_responses(app) == 1
    # The post's address is the submission's own: opening it again shows the same page.
    reopened = client.get(form_of(last)["action"])
    assert thanked(reopened)
    assert count_responses(app) == 1


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_repeat_post_after_the_direct_thank_you_stores_nothing_new(app, client, survey_id):
    """Reloading the thank-you page re-sends the post (browsers ask first): still one row,
    with the stored content unchanged, and the same page again."""
    from tests.webapp.surveys.surveys_support import stored_responses

    last = reach_last_page(client)
    assert thanked(answer_page(client, last, PAGE_TWO, language="en"))
    [stored] = stored_responses(app)
    for _ in range(3):
        assert thanked(answer_page(client, last, PAGE_TWO, language="en"))
    assert stored_responses(app) == [stored]
    # From another browser with a fresh session (and CSRF token) it is the same.
    other = app.test_client()
    fresh_page = other.get("/s/wellbeing?lang=en").get_data(as_text=True)
    repost = other.post(
        form_of(last)["action"],
        data={
            "csrf_token": form_of(fresh_page)["csrf_token"],
            "submission_id": form_of(last)["submission_id"],
            "page": form_of(last)["page"],
            "language": "en",
            "action": "next",
            **{f"answer-{name}": value for name, value in PAGE_TWO.items()},
        },
    )
    assert thanked(repost)
    assert stored_responses(app) == [stored]


def test_back_button_repost_of_an_earlier_page_is_harmless(app, client, survey_id):
    page_one = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    response = answer_page(client, page_one, PAGE_ONE, language="en")
    last = client.get(response.headers["Location"]).get_data(as_text=True)
    answer_page(client, last, PAGE_TWO, language="en")
    again = answer_page(client, page_one, PAGE_ONE, language="en")
    assert thanked(again)
    assert count_responses(app) == 1


def test_same_submission_id_with_different_content_is_refused(app, client, survey_id):
    last = reach_last_page(client)
    answer_page(client, last, PAGE_TWO, language="en")
    changed = answer_page(client, last, {**PAGE_TWO, "trust": "1"}, language="en")
    assert changed.status_code == 409
    assert "already submitted" in changed.get_data(as_text=True)
    assert count_responses(app) == 1


def race(clients: list, last_page: str) -> list:
    """Post the same last page from every client at the same moment."""
    barrier = threading.Barrier(len(clients))
    results: list = [None] * len(clients)

    def post(index: int) -> None:
        barrier.wait()
        results[index] = answer_page(clients[index], last_page, PAGE_TWO, language="en")

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_duplicate_posts_across_two_app_instances_store_one_row(app, client, survey_id, tmp_path):
    from webapp import create_app
    from webapp.extensions import db

    other_app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "INSTANCE_PATH": str(tmp_path / "second-instance"),
        }
    )
    try:
        clients = [app.test_client(), other_app.test_client()] * 2
        for round_number in range(1, 4):
            results = race(clients, reach_last_page(client))
            assert all(thanked(result) for result in results)
            assert count_responses(app) == round_number
        last = reach_last_page(client)
        assert thanked(answer_page(client, last, PAGE_TWO, language="en"))
        # And once more, later, through the second instance only.
        late = answer_page(other_app.test_client(), last, PAGE_TWO, language="en")
        assert thanked(late)
        assert count_responses(app) == 4
    finally:
        with other_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_honeypot_post_is_discarded_silently(app, client, survey_id):
    last = reach_last_page(client)
    response = answer_page(client, last, PAGE_TWO, language="en", contact_website="http://spam")
    assert response.status_code == 200
    assert "recorded" in response.get_data(as_text=True)
    assert count_responses(app) == 0


@pytest.mark.app_config(RATELIMIT_ENABLED=True, SURVEY_SUBMIT_RATE_LIMIT="3 per minute")
def test_page_posts_are_rate_limited_per_client(app, client, survey_id):
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    statuses = [answer_page(client, html, {"age": "x"}).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_post_without_csrf_token_is_refused(app, client, survey_id):
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    form = form_of(html)
    refused = client.post(
        form["action"],
        data={
            "page": form["page"],
            "language": "en",
            **{f"answer-{k}": v for k, v in PAGE_ONE.items()},
        },
    )
    assert refused.status_code == 400
    accepted = answer_page(client, html, PAGE_ONE, language="en")
    assert accepted.status_code == 303


@pytest.mark.app_config(MAX_CONTENT_LENGTH=50_000)
def test_oversize_and_overlong_answers_are_refused(app, client, survey_id):
    last = reach_last_page(client)
    too_big = answer_page(client, last, {**PAGE_TWO, "employer": "x" * 60_000}, language="en")
    assert too_big.status_code == 413
    too_long = answer_page(client, last, {**PAGE_TWO, "employer": "x" * 10_001}, language="en")
    assert too_long.status_code == 422
    assert "too long" in too_long.get_data(as_text=True)
    assert count_responses(app) == 0


def test_tampered_page_number_and_unknown_submission_ids(app, client, survey_id):
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    form = form_of(html)
    bad_page = client.post(form["action"], data={"page": "99", "language": "en"})
    assert bad_page.status_code == 400
    assert client.post("/s/wellbeing/r/not-a-uuid", data={"page": "0"}).status_code == 404
    assert count_responses(app) == 0


def test_draft_and_response_are_read_together(app, client, survey_id):
    """The post reads a submission's draft and stored response in one statement."""
    from webapp.surveys.services.responding import find_draft_and_response

    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    submission_id = form_of(html)["submission_id"]
    with app.app_context():
        assert find_draft_and_response(submission_id) == (None, None)
    last = client.get(
        answer_page(client, html, PAGE_ONE, language="en").headers["Location"]
    ).get_data(as_text=True)
    with app.app_context():
        draft, response = find_draft_and_response(submission_id)
        assert draft is not None and draft.submission_id == submission_id and response is None
    assert thanked(answer_page(client, last, PAGE_TWO, language="en"))
    with app.app_context():
        draft, response = find_draft_and_response(submission_id)
        assert draft is None and response is not None
        assert response.submission_id == submission_id


def test_a_post_reads_survey_draft_and_response_in_one_statement(app, client, survey_id):
    """A page post reads the survey at its address with the submission's draft and stored
    response in one statement (on PostgreSQL each statement is a round trip)."""
    import re

    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.surveys.services.responding import find_survey_and_submission

    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    submission_id = form_of(html)["submission_id"]
    with app.app_context():
        found = find_survey_and_submission("wellbeing", submission_id)
        assert found is not None and found.survey.id == survey_id
        assert found.draft is None and found.response is None
        assert find_survey_and_submission("no-such-survey", submission_id) is None
        engine = db.engine

    selects: list[str] = []
    stored: list[str] = []

    def note(connection, cursor, statement, *args) -> None:
        # Up to the response's insert: the thank-you page may read the survey again after
        # the commit (the first time it is rendered in this process).
        if statement.lstrip().upper().startswith("INSERT INTO SURVEY_RESPONSES"):
            stored.append(statement)
        elif statement.lstrip().upper().startswith("SELECT") and not stored:
            selects.append(statement)

    def reads(table: str) -> list[str]:
        return [s for s in selects if re.search(rf"\b{table}\b", s)]

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        moved = answer_page(client, html, PAGE_ONE, language="en")
        assert moved.status_code == 303
        assert len(reads("surveys")) == 1 and reads("surveys") == reads("survey_drafts")
        assert reads("survey_drafts") == reads("survey_responses")
        last = client.get(moved.headers["Location"]).get_data(as_text=True)
        selects.clear()
        assert thanked(answer_page(client, last, PAGE_TWO, language="en"))
        assert len(stored) == 1
        assert len(reads("surveys")) == 1 and reads("surveys") == reads("survey_drafts")
        assert reads("survey_drafts") == reads("survey_responses")
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    with app.app_context():
        found = find_survey_and_submission("wellbeing", submission_id)
        assert found is not None and found.draft is None
        assert found.response is not None and found.response.submission_id == submission_id
