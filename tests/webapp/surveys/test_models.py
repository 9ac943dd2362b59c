"""Survey storage: versions, the lifecycle state machine, and database guarantees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tests.webapp.surveys.surveys_support import answer_page, make_survey, xlsx_bytes
from webapp.extensions import db
from webapp.surveys.models import Survey, SurveyResponse, SurveyStateError, SurveyVersion
from webapp.surveys.services import authoring


def test_editing_a_published_survey_adds_a_version_and_responses_keep_theirs(app, client, regions):
    survey_id = make_survey(app)
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    response = answer_page(client, html, {"region": "KZ-75", "age": "33"}, language="en")
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    answer_page(client, page2, {"employed": "no", "trust": "3"}, language="en")

    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        first = survey.current_version
        assert first.number == 1 and first.published_at is not None
        edited = authoring.read_definition(xlsx_bytes(), "wellbeing-v2.xlsx")
        second = authoring.add_version(survey, edited, source_filename="wellbeing-v2.xlsx")
        db.session.commit()
        assert second.number == 2
        assert survey.current_version_id == second.id
        assert second.published_at is not None  # the survey is open: live at once
        [stored] = db.session.scalars(sa.select(SurveyResponse)).all()
        assert stored.survey_version_id == first.id
        versions = db.session.scalars(
            sa.select(SurveyVersion.number).where(SurveyVersion.survey_id == survey_id)
        ).all()
        assert sorted(versions) == [1, 2]


def test_an_unpublished_version_is_replaced_in_place(app, regions):
    survey_id = make_survey(app, open_it=False)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        version = authoring.add_version(
            survey, authoring.read_definition(xlsx_bytes(), "w.xlsx"), source_filename="w.xlsx"
        )
        db.session.commit()
        assert version.number == 1
        assert version.source_filename == "w.xlsx"
        assert len(survey.versions) == 1


def test_state_machine_allows_only_listed_moves(app, regions):
    survey_id = make_survey(app, open_it=False)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        with pytest.raises(SurveyStateError):
            survey.close()  # draft -> closed
        survey.open()
        with pytest.raises(SurveyStateError):
            survey.open()  # open -> open
        survey.close()
        survey.open()  # closed -> open (reopen)
        assert survey.state == "open"
        empty = Survey(slug="empty", kind="citizen", audience="public", state="draft")
        with pytest.raises(SurveyStateError):
            empty.open()


def test_is_accepting_follows_state_and_dates():
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    survey = Survey(slug="s", state="draft")
    assert not survey.is_accepting(now)
    survey.state = "open"
    assert survey.is_accepting(now)
    survey.opens_at = now + timedelta(hours=1)
    assert not survey.is_accepting(now)
    assert survey.availability(now) == "not_yet_open"
    survey.opens_at, survey.closes_at = now - timedelta(days=1), now
    assert not survey.is_accepting(now)
    assert survey.availability(now) == "closed"
    survey.closes_at = now + timedelta(seconds=1)
    assert survey.is_accepting(now)
    survey.state = "closed"
    assert not survey.is_accepting(now)


def _response(survey: Survey, **values) -> SurveyResponse:
    return SurveyResponse(
        survey_id=survey.id,
        survey_version_id=survey.current_version_id,
        submission_id=values.pop("submission_id", "00000000-0000-4000-8000-000000000001"),
        content_hash="0" * 64,
        language=values.pop("language", "kk"),
        answers={},
        **values,
    )


def test_database_refuses_duplicates_unknown_languages_and_attributed_public_answers(
    app, regions, make_user
):
    survey_id = make_survey(app)
    user = make_user("council_member")
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        db.session.add(_response(survey))
        db.session.commit()
        for bad in (
            _response(survey),  # the same submission id
            _response(survey, submission_id="00000000-0000-4000-8000-000000000002", language="de"),
            _response(
                survey,
                submission_id="00000000-0000-4000-8000-000000000003",
                respondent_user_id=user.id,
            ),  # a person without a council
        ):
            db.session.add(bad)
            with pytest.raises(IntegrityError):
                db.session.flush()
            db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1


def test_responses_have_no_column_that_could_identify_a_device(app):
    with app.app_context():
        columns = {
            column["name"] for column in sa.inspect(db.engine).get_columns("survey_responses")
        }
    for forbidden in ("ip", "address", "agent", "user_agent", "cookie", "device"):
        assert not any(forbidden in name for name in columns), columns
