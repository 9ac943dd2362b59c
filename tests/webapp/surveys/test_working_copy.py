"""The designer's working copy of an open or closed survey: edits go into one unpublished
next version that respondents never see, "publish changes" makes it current at once,
"discard" drops it; at most one per survey and no two versions with one number, enforced by
the database; all audited. Service level first, then a few pages."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from tests.webapp.surveys.surveys_support import answer_page, make_survey, xlsx_bytes
from tests.webapp.test_migrations import drop_everything
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.surveys.models import Survey, SurveyResponse, SurveyVersion
from webapp.surveys.results.services import survey_version_definitions
from webapp.surveys.services import ImportRefused, SurveyError, authoring
from webapp.surveys.services import designing as design


def relabel(survey: Survey, text: str):
    """The editing version's definition with the age question's English label changed."""
    definition = design.editing_version(survey).load()
    question = definition.question("age")
    data = design.QuestionInput(
        name="age",
        type="integer",
        label={**question.label, "en": text},
        required=question.required,
        constraint=question.constraint,
    )
    return design.save_question(definition, data, page="about", original="age")


def numbers(survey_id: int) -> list[tuple[int, bool]]:
    rows = db.session.execute(
        sa.select(SurveyVersion.number, SurveyVersion.published_at.is_not(None))
        .where(SurveyVersion.survey_id == survey_id)
        .order_by(SurveyVersion.number)
    )
    return [(number, bool(published)) for number, published in rows]


def actions(survey_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.target_id == str(survey_id))
            .order_by(AuditEvent.id)
        )
    )


@pytest.mark.parametrize("state", ["open", "closed"])
def test_edits_go_into_one_working_copy_until_published(app, regions, make_user, state):
    analyst = make_user("analyst")
    survey_id = make_survey(app)
    with app.app_context():
        actor = db.session.merge(analyst)
        survey = db.session.get(Survey, survey_id)
        if state == "closed":
            authoring.close_survey(survey)
        first = survey.current_version
        assert not design.has_working_copy(survey)
        copy = design.save_design(survey, relabel(survey, "Age?"), actor=actor, change={"c": 1})
        again = design.save_design(survey, relabel(survey, "Age!"), actor=actor, change={"c": 2})
        db.session.commit()
        assert again.id == copy.id and copy.number == 2 and copy.published_at is None
        assert design.has_working_copy(survey)
        assert survey.current_version_id == first.id  # respondents still get version 1
        assert first.load().question("age").label["en"] == "Your age"
        assert design.editing_version(survey).load().question("age").label["en"] == "Age!"
        assert numbers(survey_id) == [(1, True), (2, False)]
        # The results read only versions respondents could answer.
        assert [version_id for version_id, _d in survey_version_definitions(survey)] == [first.id]

        published = design.publish_changes(survey, actor=actor)
        db.session.commit()
        assert published.id == copy.id and survey.current_version_id == copy.id
        assert published.published_at is not None and survey.state == state
        assert numbers(survey_id) == [(1, True), (2, True)]
        assert not design.has_working_copy(survey)
        assert actions(survey_id)[-4:] == [
            "survey.working_copy",
            "survey.design",
            "survey.design",
            "survey.publish_changes",
        ]
        event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert event.details == {"version": 2, "previous_version": 1}
        assert event.actor_id == analyst.id
        # A next edit starts the working copy of version 3 from version 2.
        third = design.save_design(survey, relabel(survey, "Age 3"), actor=actor, change={})
        assert third.number == 3 and third.load().question("age").label["en"] == "Age 3"


def test_discard_drops_the_working_copy_and_only_it(app, regions):
    survey_id = make_survey(app)
    draft_id = make_survey(app, slug="draft", open_it=False)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        with pytest.raises(SurveyError):
            design.discard_changes(survey, actor=None)  # nothing to discard
        with pytest.raises(SurveyError):
            design.publish_changes(survey, actor=None)  # nothing to publish
        copy = design.open_working_copy(survey, actor=None)
        assert design.open_working_copy(survey, actor=None).id == copy.id  # one only
        db.session.commit()
        assert design.discard_changes(survey, actor=None) == 2
        db.session.commit()
        assert numbers(survey_id) == [(1, True)] and not design.has_working_copy(survey)
        assert actions(survey_id)[-2:] == ["survey.working_copy", "survey.discard_changes"]
        draft = db.session.get(Survey, draft_id)
        assert design.open_working_copy(draft, actor=None).id == draft.current_version_id
        with pytest.raises(SurveyError):
            design.discard_changes(draft, actor=None)  # a draft's only version stays
        with pytest.raises(SurveyError):
            design.publish_changes(draft, actor=None)  # opening publishes a draft
        assert numbers(draft_id) == [(1, False)]


def test_the_database_keeps_one_working_copy_and_unique_numbers(app, regions):
    survey_id = make_survey(app)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        design.open_working_copy(survey, actor=None)
        db.session.commit()
        definition = survey.current_version.definition
        for number in (2, 3):  # the number taken, then a second unpublished version
            db.session.add(SurveyVersion(survey_id=survey_id, number=number, definition=definition))
            with pytest.raises(sa.exc.IntegrityError):
                db.session.flush()
            db.session.rollback()
        assert numbers(survey_id) == [(1, True), (2, False)]


def test_concurrent_saves_cannot_take_one_number(app, regions, monkeypatch):
    """An upload and an "Edit" that both read the survey before either stored its version
    (stale reads, replayed here): the second insert is refused with a message, not a 500
    and not a second version 2."""
    survey_id = make_survey(app)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        design.open_working_copy(survey, actor=None)  # the concurrent "Edit" won: version 2
        db.session.commit()
        monkeypatch.setattr(authoring, "working_copy", lambda survey: None)
        monkeypatch.setattr(authoring, "next_version_number", lambda survey: 2)
        definition = authoring.read_definition(xlsx_bytes(), "w.xlsx")
        with pytest.raises(ImportRefused) as refused:
            authoring.add_version(survey, definition, source_filename="w.xlsx")
        assert "at the same moment" in str(refused.value)
        db.session.rollback()
        with pytest.raises(SurveyError) as racing:  # a second "Edit" racing the first
            design.open_working_copy(survey, actor=None)
        assert "at the same moment" in str(racing.value)
        db.session.rollback()
        monkeypatch.undo()
        assert numbers(survey_id) == [(1, True), (2, False)]


def test_an_edit_racing_a_publish_never_changes_a_published_version(app, regions, monkeypatch):
    survey_id = make_survey(app)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        copy = design.save_design(survey, relabel(survey, "Age?"), actor=None, change={})
        edited = relabel(survey, "Too late")
        design.publish_changes(survey, actor=None)
        db.session.commit()
        # The edit had found the working copy just before the publish committed.
        monkeypatch.setattr(design, "open_working_copy", lambda survey, actor: copy)
        with pytest.raises(design.DesignRefused) as refused:
            design.save_design(survey, edited, actor=None, change={})
        assert "published or discarded meanwhile" in str(refused.value)
        db.session.rollback()
        assert db.session.get(SurveyVersion, copy.id).load().question("age").label["en"] == "Age?"


def test_an_upload_waits_for_the_working_copy(app, regions):
    survey_id = make_survey(app)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        design.open_working_copy(survey, actor=None)
        db.session.commit()
        definition = authoring.read_definition(xlsx_bytes(), "w.xlsx")
        with pytest.raises(ImportRefused) as refused:
            authoring.add_version(survey, definition, source_filename="w.xlsx")
        assert "publish or discard them" in str(refused.value)
        db.session.rollback()
        design.discard_changes(survey, actor=None)
        assert authoring.add_version(survey, definition).number == 2  # then as before


# --------------------------------------------------------------------------- pages


@pytest.fixture
def analyst(make_user):
    return make_user("analyst")


def test_respondents_never_see_the_working_copy_and_finish_on_their_version(
    app, client, regions, analyst, sign_in
):
    from flask.testing import FlaskClient

    survey_id = make_survey(app)
    respondent: FlaskClient = app.test_client()
    start = respondent.get("/s/wellbeing?lang=en").get_data(as_text=True)
    assert "Your age" in start
    page2 = answer_page(respondent, start, {"region": "KZ-75", "age": "30"}, language="en")
    assert page2.status_code == 303  # a draft on version 1, half filled

    sign_in(analyst)
    overview = client.get(f"/surveys/{survey_id}/design").get_data(as_text=True)
    assert "Edit to work on version 2" in overview
    assert client.post(f"/surveys/{survey_id}/design/edit").status_code == 302
    edited = client.post(
        f"/surveys/{survey_id}/design/questions/age",
        data={
            "name": "age",
            "type": "integer",
            "page": "about",
            "choice_list": "",
            "label_en": "How old are you?",
            "required": "y",
        },
    )
    assert edited.status_code == 302, re.findall(r"error-message[^>]*>([^<]*)", edited.text)
    overview = client.get(f"/surveys/{survey_id}/design").get_data(as_text=True)
    assert "You are editing version 2, a working copy" in overview
    assert "How old are you?" in overview
    preview = client.get(f"/surveys/{survey_id}/design/preview?lang=en").get_data(as_text=True)
    assert "How old are you?" in preview
    assert "working copy, not published" in client.get(f"/surveys/{survey_id}").get_data(
        as_text=True
    )
    newcomer = app.test_client().get("/s/wellbeing?lang=en").get_data(as_text=True)
    assert "Your age" in newcomer and "How old are you?" not in newcomer

    published = client.post(f"/surveys/{survey_id}/design/publish", follow_redirects=True)
    assert "Version 2 is published" in published.get_data(as_text=True)
    newcomer = app.test_client().get("/s/wellbeing?lang=en").get_data(as_text=True)
    assert "How old are you?" in newcomer

    page = respondent.get(page2.location).get_data(as_text=True)
    assert "Your age" not in page  # page 2 of version 1
    answer_page(respondent, page, {"employed": "no", "trust": "3"}, language="en")
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        response = db.session.scalar(sa.select(SurveyResponse))
        assert response.survey_version_id == survey.versions[0].id  # the version it started
        assert survey.current_version.number == 2


def test_discard_and_refusals_through_the_pages(app, client, regions, analyst, sign_in):
    survey_id = make_survey(app)
    sign_in(analyst)
    client.post(f"/surveys/{survey_id}/design/edit")
    client.post(f"/surveys/{survey_id}/design/questions/topics/delete")
    with app.app_context():
        assert numbers(survey_id) == [(1, True), (2, False)]
        version = db.session.get(Survey, survey_id).current_version
        assert "topics" in {q.name for q in version.load().questions()}
    upload = client.post(
        f"/surveys/{survey_id}/versions",
        data={"file": (io.BytesIO(xlsx_bytes()), "w.xlsx")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 422
    assert "publish or discard them" in upload.get_data(as_text=True)
    discarded = client.post(f"/surveys/{survey_id}/design/discard", follow_redirects=True)
    assert "was discarded" in discarded.get_data(as_text=True)
    again = client.post(f"/surveys/{survey_id}/design/discard", follow_redirects=True)
    assert "no unpublished changes" in again.get_data(as_text=True)
    with app.app_context():
        assert numbers(survey_id) == [(1, True)]
        assert actions(survey_id)[-1] == "survey.discard_changes"


# --------------------------------------------------------------------------- migration


def test_the_migration_upgrades_a_database_that_holds_versions(app):
    """Two unpublished versions of one survey (possible only by hand before): the older is
    marked published, the index is created, and other rows are left as they were."""
    with app.app_context():
        drop_everything()
        upgrade(revision="f5c1d8e2b7a4")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO surveys (id, slug, kind, audience, state, note, created_at) "
                    "VALUES (1, 's', 'citizen', 'public', 'closed', '', :now), "
                    "(2, 't', 'citizen', 'public', 'draft', '', :now)"
                ),
                {"now": "2026-01-01 00:00:00+00:00"},
            )
            for survey, number, published in [
                (1, 1, True),
                (1, 2, False),
                (1, 3, False),
                (2, 1, False),
            ]:
                connection.execute(
                    sa.text(
                        "INSERT INTO survey_versions (survey_id, number, definition, "
                        "source_filename, created_at, published_at) VALUES (:s, :n, '{}', '', "
                        ":created, :published)"
                    ),
                    {
                        "s": survey,
                        "n": number,
                        "created": f"2026-01-0{number} 00:00:00+00:00",
                        "published": "2026-02-01 00:00:00+00:00" if published else None,
                    },
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT survey_id, number, published_at IS NOT NULL FROM survey_versions "
                    "ORDER BY survey_id, number"
                )
            ).all()
            assert [tuple(row) for row in rows] == [
                (1, 1, True),
                (1, 2, True),
                (1, 3, False),
                (2, 1, False),
            ]
            indexes = {
                index["name"] for index in sa.inspect(connection).get_indexes("survey_versions")
            }
        assert "uq_survey_versions_one_working_copy" in indexes
