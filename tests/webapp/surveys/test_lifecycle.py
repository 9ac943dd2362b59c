"""Lifecycle states and dates as respondents see them, and invitation-only surveys."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.webapp.surveys.surveys_support import (
    answer_page,
    count_responses,
    make_survey,
    stored_responses,
)
from webapp.database import utcnow
from webapp.extensions import db
from webapp.surveys.models import Invitation, Survey
from webapp.surveys.services import authoring

PAGE_ONE = {"region": "KZ-75", "age": "41"}
PAGE_TWO = {"employed": "no", "trust": "4"}


def set_survey(app, survey_id: int, **values) -> None:
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        for key, value in values.items():
            setattr(survey, key, value)
        db.session.commit()


def test_draft_survey_is_not_shown(client, app, regions):
    make_survey(app, open_it=False)
    response = client.get("/s/wellbeing?lang=en")
    assert response.status_code == 404
    assert "not available" in response.get_data(as_text=True)


def test_not_yet_open_says_when(client, app, regions):
    survey_id = make_survey(app)
    set_survey(app, survey_id, opens_at=utcnow() + timedelta(days=3))
    response = client.get("/s/wellbeing?lang=en")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "not open yet" in text and "It opens on" in text


@pytest.mark.parametrize("how", ["state", "closing_date"])
def test_closed_survey_refuses_politely_and_stores_nothing(client, app, regions, how):
    survey_id = make_survey(app)
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    response = answer_page(client, html, PAGE_ONE, language="en")
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    if how == "state":
        set_survey(app, survey_id, state="closed")
    else:
        set_survey(app, survey_id, closes_at=utcnow() - timedelta(minutes=1))
    assert client.get("/s/wellbeing").status_code == 410
    late = answer_page(client, page2, PAGE_TWO, language="en")
    assert late.status_code == 410
    assert "closed" in late.get_data(as_text=True)
    assert count_responses(app) == 0


def make_invitations(app, count: int) -> list[str]:
    with app.app_context():
        survey = authoring.find_survey("wellbeing")
        tokens = authoring.create_invitations(survey, count)
        db.session.commit()
        return tokens


def test_invitation_only_survey_needs_a_valid_unused_token(client, app, regions):
    make_survey(app, audience="invitation")
    [token, other] = make_invitations(app, 2)
    assert client.get("/s/wellbeing").status_code == 403
    assert client.get("/s/wellbeing/i/not-a-token").status_code == 403

    html = client.get(f"/s/wellbeing/i/{token}?lang=en").get_data(as_text=True)
    assert f'name="invitation" value="{token}"' in html
    response = answer_page(client, html, PAGE_ONE, language="en", invitation=token)
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    thanks = answer_page(client, page2, PAGE_TWO, language="en")
    assert thanks.status_code == 200 and "recorded" in thanks.get_data(as_text=True)

    [stored] = stored_responses(app)
    assert stored["invitation_id"] is not None
    # The token is used up: the link and a fresh form posted with it are refused.
    assert client.get(f"/s/wellbeing/i/{token}").status_code == 410
    fresh = client.get(f"/s/wellbeing/i/{other}?lang=en").get_data(as_text=True)
    reuse = answer_page(app.test_client(), fresh, PAGE_ONE, language="en", invitation=token)
    assert reuse.status_code == 410
    assert count_responses(app) == 1
    with app.app_context():
        hashes = db.session.scalars(sa.select(Invitation.token_hash)).all()
        assert hashlib.sha256(token.encode()).hexdigest() in hashes
        assert token not in hashes


def test_invitation_save_and_continue_with_the_same_link(client, app, regions):
    make_survey(app, audience="invitation")
    [token] = make_invitations(app, 1)
    html = client.get(f"/s/wellbeing/i/{token}?lang=en").get_data(as_text=True)
    saved = answer_page(
        client,
        html,
        {"region": "KZ-75", "age": "52"},
        action="save",
        language="en",
        invitation=token,
    )
    assert saved.status_code == 200
    later = app.test_client().get(f"/s/wellbeing/i/{token}").get_data(as_text=True)
    assert 'value="52"' in later
    # A second window that started before the save cannot open a second draft.
    other_window = app.test_client()
    parallel = answer_page(
        other_window,
        html.replace(
            html.split('name="submission_id" value="')[1][:36],
            "11111111-1111-4111-8111-111111111111",
        ),
        PAGE_ONE,
        language="en",
        invitation=token,
    )
    assert parallel.status_code == 409
    assert count_responses(app) == 0


def test_analyst_generates_invitation_links_once(client, app, regions, make_user, sign_in):
    survey_id = make_survey(app, audience="invitation")
    sign_in(make_user("analyst"))
    shown = client.post(f"/surveys/{survey_id}/invitations", data={"count": 3})
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    assert shown.get_data(as_text=True).count("/s/wellbeing/i/") == 3
    csv = client.post(f"/surveys/{survey_id}/invitations", data={"count": 2, "format": "csv"})
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).count("/s/wellbeing/i/") == 2
    refused = client.post(f"/surveys/{survey_id}/invitations", data={"count": 0})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 5


def test_changed_repost_of_an_invitation_offers_no_dead_end_link(client, app, regions):
    """The link "Start a new response" leads to the survey's plain address, which an
    invitation-only survey refuses (403): the conflict page offers it only where it works."""
    make_survey(app, audience="invitation")
    [token] = make_invitations(app, 1)
    html = client.get(f"/s/wellbeing/i/{token}?lang=en").get_data(as_text=True)
    response = answer_page(client, html, PAGE_ONE, language="en", invitation=token)
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    answer_page(client, page2, PAGE_TWO, language="en")
    changed = answer_page(client, page2, {**PAGE_TWO, "trust": "1"}, language="en")
    assert changed.status_code == 409
    text = changed.get_data(as_text=True)
    assert "already submitted" in text
    assert 'href="/s/wellbeing"' not in text and "Start a new response" not in text
    assert client.get("/s/wellbeing").status_code == 403


def test_changed_repost_of_a_public_survey_offers_a_new_response(client, app, regions):
    make_survey(app)
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    response = answer_page(client, html, PAGE_ONE, language="en")
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    answer_page(client, page2, PAGE_TWO, language="en")
    changed = answer_page(client, page2, {**PAGE_TWO, "trust": "1"}, language="en")
    assert changed.status_code == 409
    assert 'href="/s/wellbeing">Start a new response' in changed.get_data(as_text=True)
