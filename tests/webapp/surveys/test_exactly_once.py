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


def test_double_post_stores_one_row_and_shows_the_same_thank_you(app, client, survey_id):
    last = reach_last_page(client)
    first = answer_page(client, last, PAGE_TWO, language="en")
    second = answer_page(client, last, PAGE_TWO, language="en")
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count_responses(app) == 1
    thanks = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Your answers have been recorded." in thanks


def test_back_button_repost_of_an_earlier_page_is_harmless(app, client, survey_id):
    page_one = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    response = answer_page(client, page_one, PAGE_ONE, language="en")
    last = client.get(response.headers["Location"]).get_data(as_text=True)
    answer_page(client, last, PAGE_TWO, language="en")
    again = answer_page(client, page_one, PAGE_ONE, language="en")
    assert again.status_code == 303
    assert "recorded" in client.get(again.headers["Location"]).get_data(as_text=True)
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
            assert [result.status_code for result in results] == [303] * len(clients)
            assert len({result.headers["Location"] for result in results}) == 1
            assert count_responses(app) == round_number
        last = reach_last_page(client)
        assert answer_page(client, last, PAGE_TWO, language="en").status_code == 303
        # And once more, later, through the second instance only.
        late = answer_page(other_app.test_client(), last, PAGE_TWO, language="en")
        assert late.status_code == 303
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
