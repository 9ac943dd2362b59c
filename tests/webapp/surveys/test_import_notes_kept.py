"""Every import note stays readable after the upload, not only the few a redirect can flash."""

from __future__ import annotations

import html
import io

import pytest
import sqlalchemy as sa

from tests.webapp.surveys.surveys_support import (
    WELLBEING_CHOICES,
    WELLBEING_SETTINGS,
    WELLBEING_SURVEY,
    xlsx_bytes,
)
from webapp.extensions import db
from webapp.surveys.models import Survey, SurveyVersion
from webapp.surveys.views.manage import MAX_FLASHED_NOTES

#: A KoboToolbox export: a metadata row per device field, each noted on import.
METADATA = ["start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber"]
KOBO_SURVEY = [
    *WELLBEING_SURVEY,
    *[[kind, f"{kind}_{copy}"] for copy in (1, 2) for kind in METADATA],
]


@pytest.fixture
def analyst(client, make_user, sign_in):
    user = make_user("analyst")
    sign_in(user)
    return user


def upload(client, data: bytes, path: str = "/surveys/new"):
    return client.post(
        path,
        data={"file": (io.BytesIO(data), "kobo.xlsx"), "audience": "public", "state_body": ""},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_every_note_is_listed_on_the_survey_page(app, client, regions, analyst):
    """14 metadata rows gave 14 notes; the page after the upload flashed 8 and sent the
    analyst to 'flask surveys import', a command a web user cannot run."""
    response = upload(client, xlsx_bytes(KOBO_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS))
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "flask surveys import" not in page
    with app.app_context():
        [notes] = db.session.scalars(sa.select(SurveyVersion.import_notes)).all()
    assert len(notes) > MAX_FLASHED_NOTES
    assert "every note is listed under the version on this page" in page
    assert f"Import notes ({len(notes)})" in page
    for text in notes:
        assert f"<li>{text}</li>" in page
    assert any("'subscriberid_2'" in text or "subscriberid" in text for text in notes[8:])


def test_a_new_version_keeps_its_own_notes(app, client, regions, analyst):
    upload(client, xlsx_bytes(WELLBEING_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS))
    with app.app_context():
        survey_id = db.session.scalar(sa.select(Survey.id))
        [first] = db.session.scalars(sa.select(SurveyVersion)).all()
        assert not first.import_notes
    response = upload(
        client,
        xlsx_bytes(KOBO_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS),
        f"/surveys/{survey_id}/versions",
    )
    assert response.status_code == 200
    with app.app_context():
        versions = db.session.scalars(sa.select(SurveyVersion).order_by(SurveyVersion.number))
        notes = [version.import_notes for version in versions]
    # The draft's unpublished version 1 is replaced in place, with the new file's notes.
    assert len(notes) == 1 and len(notes[0]) == 2 * len(METADATA)


def test_the_command_line_import_keeps_the_notes(app, runner, regions, tmp_path):
    path = tmp_path / "kobo.xlsx"
    path.write_bytes(xlsx_bytes(KOBO_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS))
    result = runner.invoke(args=["surveys", "import", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        [notes] = db.session.scalars(sa.select(SurveyVersion.import_notes)).all()
    assert len(notes) == 2 * len(METADATA)
