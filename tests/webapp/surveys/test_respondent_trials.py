"""What a respondent meets at the edges: a version published between showing the first page
and its post, the platform's date at night, the rate limit, the logs, a draft survey."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest

from tests.conftest import TEST_PASSWORD
from tests.webapp.surveys.surveys_support import (
    HEADER,
    WELLBEING_SURVEY,
    answer_page,
    count_responses,
    make_survey,
    stored_responses,
    xlsx_bytes,
)
from webapp.extensions import db
from webapp.surveys.models import Survey
from webapp.surveys.services import authoring

PAGE_ONE = {"region": "KZ-75", "age": "41"}
PAGE_TWO = {"employed": "no", "trust": "4"}
#: The wellbeing form with a required question on a new first page: version 2 moves every
#: page one place on, so a page-1 post of version 1 read against it would lose its answers.
INTRO_FIRST = [
    HEADER,
    ["begin group", "intro", "Кіріспе", "Введение", "Intro"],
    ["text", "newq", "Жаңа", "Новый", "New question", "yes"],
    ["end group", "intro"],
    *WELLBEING_SURVEY[1:],
]
VERSION = re.compile(r'name="version" value="(\d+)"')


def publish(app, survey_id: int, rows: list) -> int:
    """Upload ``rows`` as the open survey's next version (published at once); its id."""
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        version = authoring.add_version(
            survey, authoring.read_definition(xlsx_bytes(rows), "v2.xlsx"), source_filename="v2"
        )
        db.session.commit()
        return version.id


def version_ids(app, survey_id: int) -> list[int]:
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        return sorted(version.id for version in survey.versions)


def test_a_version_published_after_the_first_page_was_shown_does_not_take_its_answers(
    app, client, regions
):
    """Before: the first post started the draft on the version current at the post, so the
    first page's answers (region, age) were read against version 2's first page and dropped,
    and the respondent was shown a page they had not seen, with errors."""
    survey_id = make_survey(app)
    first = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    shown = int(VERSION.search(first).group(1))
    publish(app, survey_id, INTRO_FIRST)
    posted = answer_page(client, first, PAGE_ONE, language="en", version=str(shown))
    assert posted.status_code == 303
    page_two = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert "Do you work?" in page_two and "New question" not in page_two
    assert answer_page(client, page_two, PAGE_TWO, language="en").status_code == 200
    [stored] = stored_responses(app)
    assert stored["survey_version_id"] == shown
    assert stored["answers"] == {"region": "KZ-75", "age": 41, "employed": "no", "trust": "4"}
    # A new respondent gets version 2, and the page names it.
    fresh = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    assert "New question" in fresh
    assert int(VERSION.search(fresh).group(1)) == max(version_ids(app, survey_id))


def test_a_one_page_survey_stores_the_version_its_page_showed(app, client, regions):
    one_page = [HEADER, ["integer", "age", "Жасы", "Возраст", "Your age", "yes"]]
    survey_id = make_survey(app, data=xlsx_bytes(one_page))
    first = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    shown = int(VERSION.search(first).group(1))
    publish(app, survey_id, [HEADER, ["integer", "age", "Жасы", "Возраст", "Age (years)", "yes"]])
    stored = answer_page(client, first, {"age": "33"}, language="en", version=str(shown))
    assert stored.status_code == 200
    assert [row["survey_version_id"] for row in stored_responses(app)] == [shown]


def test_a_version_named_by_the_form_must_be_a_published_one_of_this_survey(app, client, regions):
    """A forged ``version`` (another survey's, an unpublished one, not a number) is ignored:
    the draft starts on the current version."""
    survey_id = make_survey(app)
    other_id = make_survey(app, slug="other")
    [other_version] = version_ids(app, other_id)
    [current] = version_ids(app, survey_id)
    for forged in (str(other_version), "x", "99999"):
        page = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
        posted = answer_page(client, page, PAGE_ONE, language="en", version=forged)
        assert posted.status_code == 303
        last = client.get(posted.headers["Location"]).get_data(as_text=True)
        assert answer_page(client, last, PAGE_TWO, language="en").status_code == 200
    assert {row["survey_version_id"] for row in stored_responses(app)} == {current}


@pytest.fixture
def night_in_almaty(monkeypatch):
    """20:00 UTC on 30 November: 01:00 on 1 December in Almaty (UTC+5)."""
    import webapp.surveys.services.responding as responding
    import webapp.surveys.views.respond as respond

    moment = dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(respond, "utcnow", lambda: moment)
    monkeypatch.setattr(responding, "utcnow", lambda: moment)
    return moment


def test_today_is_the_platforms_date_not_utcs(app, client, regions, night_in_almaty):
    """Before: ``today()`` was the UTC date, so at 01:00 in Almaty a visit "today" was in
    the future and refused (422)."""
    visit = [HEADER, ["date", "visit", "Күні", "Дата", "Visit day", "yes", None, ". <= today()"]]
    make_survey(app, data=xlsx_bytes(visit))
    page = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    assert answer_page(client, page, {"visit": "2026-12-01"}, language="en").status_code == 200
    page = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    refused = answer_page(client, page, {"visit": "2026-12-02"}, language="en")
    assert refused.status_code == 422
    assert count_responses(app) == 1


@pytest.mark.app_config(TIMEZONE="UTC", BABEL_DEFAULT_TIMEZONE="UTC")
def test_today_follows_the_timezone_setting(app, client, regions, night_in_almaty):
    visit = [HEADER, ["date", "visit", "Күні", "Дата", "Visit day", "yes", None, ". <= today()"]]
    make_survey(app, data=xlsx_bytes(visit))
    page = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    assert answer_page(client, page, {"visit": "2026-12-01"}, language="en").status_code == 422
    assert answer_page(client, page, {"visit": "2026-11-30"}, language="en").status_code == 200


LIMITED = {
    "kk": ("Әрекеттер тым көп", "Бұл беттегі жауаптар әлі сақталған жоқ"),
    "ru": ("Слишком много попыток", "Ответы на этой странице ещё не сохранены"),
    "en": ("Too many attempts", "The answers on this page have not been saved yet"),
}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.app_config(RATELIMIT_ENABLED=True, SURVEY_SUBMIT_RATE_LIMIT="2 per minute")
def test_the_rate_limit_is_explained_in_the_surveys_language(app, client, regions, language):
    """Before: the common error page, in the browser's language (English here while the
    survey was answered in Kazakh or Russian), saying only "Error code: 429"."""
    make_survey(app)
    browser = {"Accept-Language": "ru" if language == "en" else "en"}
    start = client.get(f"/s/wellbeing?lang={language}", headers=browser)
    page = start.get_data(as_text=True)
    posted = answer_page(client, page, PAGE_ONE, language=language)
    assert posted.status_code == 303
    page_two = client.get(posted.headers["Location"], headers=browser).get_data(as_text=True)
    incomplete = answer_page(client, page_two, {"employed": "no"}, language=language)
    assert incomplete.status_code == 422  # the limit's second post
    assert answer_page(client, page_two, {"employed": "no"}, language=language).status_code == 429
    limited = answer_page(client, page_two, PAGE_TWO, language=language)
    text = limited.get_data(as_text=True)
    assert limited.status_code == 429
    assert limited.headers.get("Retry-After")
    heading, explanation = LIMITED[language]
    assert heading in text and explanation in text
    assert f'<html lang="{language}"' in text
    # Its link goes back to the page the respondent was on, earlier answers kept.
    back = re.search(r'<a href="(/s/wellbeing/r/[^"]+)">', text).group(1)
    assert back == posted.headers["Location"]
    assert count_responses(app) == 0


@pytest.mark.app_config(RATELIMIT_ENABLED=True, SURVEY_SUBMIT_RATE_LIMIT="1 per minute")
def test_no_log_line_names_a_respondents_address_or_browser(app, client, regions, caplog):
    """Before: Flask-Limiter's INFO line for a refused post named the client's address."""
    caplog.set_level(logging.INFO)
    make_survey(app)
    browser = {"REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": "ProbeBrowser/9.9"}
    page = client.get("/s/wellbeing?lang=en", environ_base=browser).get_data(as_text=True)
    form = {
        "csrf_token": "",
        "submission_id": "",
        "page": "0",
        "language": "en",
        **{f"answer-{name}": value for name, value in PAGE_ONE.items()},
    }
    action = re.search(r'action="(/s/wellbeing/r/[^"]+)"', page).group(1)
    statuses = [client.post(action, data=form, environ_base=browser).status_code for _ in "ab"]
    assert statuses == [303, 429]
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "/s/wellbeing" in logged  # the request log ran and was captured
    assert "203.0.113.77" not in logged and "ProbeBrowser" not in logged


CLOSED = {
    "kk": "Бұл сауалнама жабылды",
    "ru": "Этот опрос закрыт",
    "en": "This survey is closed",
}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_closed_survey_says_so_in_the_language_its_link_names(app, client, regions, language):
    """Before: the refusal pages followed the browser only, so a link with ``?lang=kk``
    shared with Kazakh speakers answered in English (or Russian) once the survey closed."""
    survey_id = make_survey(app)
    with app.app_context():
        authoring.close_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    browser = {"Accept-Language": "ru" if language == "en" else "en"}
    closed = client.get(f"/s/wellbeing?lang={language}", headers=browser)
    assert closed.status_code == 410
    assert CLOSED[language] in closed.get_data(as_text=True)


USED = {
    "kk": "Бұл шақыру",
    "ru": "Это приглашение",
    "en": "This invitation has already been used",
}


def test_a_used_invitation_says_so_in_the_language_it_was_answered_in(app, client, regions):
    """Before: in the browser's language (English here), the respondent having answered in
    Russian."""
    make_survey(app, audience="invitation")
    with app.app_context():
        [token] = authoring.create_invitations(authoring.find_survey("wellbeing"), 1)
        db.session.commit()
    english = {"Accept-Language": "en"}
    page = client.get(f"/s/wellbeing/i/{token}?lang=ru", headers=english).get_data(as_text=True)
    posted = answer_page(client, page, PAGE_ONE, language="ru", invitation=token)
    last = client.get(posted.headers["Location"], headers=english).get_data(as_text=True)
    assert answer_page(client, last, PAGE_TWO, language="ru").status_code == 200
    used = client.get(f"/s/wellbeing/i/{token}", headers=english)
    assert used.status_code == 410
    assert USED["ru"] in used.get_data(as_text=True)
    for language in ("kk", "en"):
        named = client.get(f"/s/wellbeing/i/{token}?lang={language}", headers=english)
        assert USED[language] in named.get_data(as_text=True)


def test_a_draft_survey_shows_neither_its_questions_nor_its_title(app, client, regions):
    """Before: the "not available" page of a draft was headed by the draft's title."""
    make_survey(app, open_it=False)
    for response in (
        client.get("/s/wellbeing?lang=en"),
        client.post(
            "/s/wellbeing/r/123e4567-e89b-42d3-a456-426614174000",
            data={"page": "0", "language": "en", "answer-age": "40"},
        ),
    ):
        text = response.get_data(as_text=True)
        assert response.status_code == 404 and "not available" in text
        assert "Wellbeing" not in text and "Your age" not in text
    assert count_responses(app) == 0


def test_a_council_member_signed_out_mid_way_comes_back_to_the_same_answers(
    app, client, regions, make_user, sign_in
):
    """Before: the post of a signed-out member went to the sign-in page with no way back,
    and after signing in they landed on their home page, the survey's address lost."""
    from webapp.surveys import councils

    member = make_user("council_member")
    with app.app_context():
        body = councils.create_state_body(
            councils.Names("Әкімдік", "Акимат", "Akimat"), "local", "KZ-75"
        )
        council = councils.create_council(councils.Names("Кеңес", "Совет", "Council"), body.id)
        councils.add_member(council, member.email)
        db.session.commit()
        body_id = body.id
    make_survey(app, audience="council", state_body_id=body_id)
    sign_in(member)
    page = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    posted = answer_page(client, page, PAGE_ONE, language="en")
    page_two = client.get(posted.headers["Location"]).get_data(as_text=True)
    client.post("/sign-out")
    refused = answer_page(client, page_two, PAGE_TWO, language="en")
    assert refused.status_code == 302
    assert "next=" in refused.headers["Location"]
    signed_in = client.post(
        refused.headers["Location"], data={"email": member.email, "password": TEST_PASSWORD}
    )
    assert signed_in.headers["Location"] == posted.headers["Location"]
    again = client.get(signed_in.headers["Location"]).get_data(as_text=True)
    assert "Do you work?" in again
    assert answer_page(client, again, PAGE_TWO, language="en").status_code == 200
    [stored] = stored_responses(app)
    assert stored["answers"]["age"] == 41 and stored["council_id"] is not None


def test_the_request_log_keeps_no_invitation_token(app, client, regions, caplog):
    """Before: the request log wrote ``/s/<slug>/i/<token>`` whole, while the database keeps
    only each token's hash."""
    caplog.set_level(logging.INFO)
    make_survey(app, audience="invitation")
    with app.app_context():
        [token] = authoring.create_invitations(authoring.find_survey("wellbeing"), 1)
        db.session.commit()
    assert client.get(f"/s/wellbeing/i/{token}?lang=en").status_code == 200
    paths = [getattr(record, "path", "") for record in caplog.records]
    assert "/s/wellbeing/i/<token>" in paths
    assert not any(token in f"{record.getMessage()} {record.__dict__}" for record in caplog.records)


NOT_SENT = {
    "kk": "Жауаптарыңыз жіберілген жоқ",
    "ru": "Ваши ответы не были отправлены",
    "en": "Your answers have not been sent",
}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_survey_closed_mid_way_says_the_answers_were_not_sent_and_keeps_them(
    app, client, regions, language
):
    """Before: only "This survey is closed": nothing told the respondent whether the answers
    they had just sent were kept. Reopened, the same address goes on with them."""
    survey_id = make_survey(app)
    page = client.get(f"/s/wellbeing?lang={language}").get_data(as_text=True)
    posted = answer_page(client, page, PAGE_ONE, language=language)
    page_two = client.get(posted.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        authoring.close_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    for refused in (
        answer_page(client, page_two, PAGE_TWO, language=language),
        client.get(posted.headers["Location"]),
    ):
        assert refused.status_code == 410
        assert NOT_SENT[language] in refused.get_data(as_text=True)
    assert NOT_SENT[language] not in client.get(f"/s/wellbeing?lang={language}").get_data(
        as_text=True
    )
    assert count_responses(app) == 0
    with app.app_context():
        authoring.open_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    again = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert answer_page(client, again, PAGE_TWO, language=language).status_code == 200
    [stored] = stored_responses(app)
    assert stored["answers"]["age"] == 41 and stored["language"] == language


EXPIRED = {
    "kk": ("Бұл беттің мерзімі өтті", "Бұл беттегі жауаптар сақталмады"),
    "ru": ("Срок действия этой страницы истёк", "Ответы на этой странице не сохранены"),
    "en": ("This page has expired", "The answers on this page have not been saved"),
}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_page_sent_after_the_session_ended_says_so_and_leads_back(app, client, regions, language):
    """A page left open while the session ended (the browser closed, days pass) is sent
    with a token the new session does not know. Before: the common 400 page in the
    browser's language ("The form may have expired... Go to the home page"), no way back to
    the survey but its first address, a new response."""
    make_survey(app)
    browser = {"Accept-Language": "ru" if language == "en" else "en"}
    page = client.get(f"/s/wellbeing?lang={language}", headers=browser).get_data(as_text=True)
    posted = answer_page(client, page, PAGE_ONE, language=language)
    page_two = client.get(posted.headers["Location"], headers=browser).get_data(as_text=True)
    later = app.test_client()  # the same browser after its session cookie is gone
    expired = answer_page(later, page_two, PAGE_TWO, language=language)
    text = expired.get_data(as_text=True)
    assert expired.status_code == 400
    heading, explanation = EXPIRED[language]
    assert heading in text and explanation in text
    back = re.search(r'<a href="(/s/wellbeing/r/[^"]+)">', text).group(1)
    assert back == posted.headers["Location"]
    again = later.get(back, headers=browser).get_data(as_text=True)
    assert answer_page(later, again, PAGE_TWO, language=language).status_code == 200
    [stored] = stored_responses(app)
    assert stored["answers"]["age"] == 41 and stored["language"] == language
