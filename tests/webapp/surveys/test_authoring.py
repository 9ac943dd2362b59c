"""Analysts' pages (upload, problems, versions, exports, lifecycle) and the demo content."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.webapp.surveys.surveys_support import (
    WELLBEING_CHOICES,
    WELLBEING_SETTINGS,
    WELLBEING_SURVEY,
    make_survey,
    xlsx_bytes,
)
from webapp.extensions import db
from webapp.surveys.definition import definition_from_json
from webapp.surveys.models import Council, Survey, SurveyResponse, SurveyVersion
from webapp.surveys.xlsform import import_xlsform


@pytest.fixture
def analyst(client, make_user, sign_in):
    user = make_user("analyst")
    sign_in(user)
    return user


def upload(client, data: bytes, filename: str, **fields):
    return client.post(
        "/surveys/new",
        data={
            "file": (io.BytesIO(data), filename),
            "audience": "public",
            "state_body": "",
            **fields,
        },
        content_type="multipart/form-data",
    )


def test_upload_creates_a_draft_survey(app, client, regions, analyst):
    response = upload(client, xlsx_bytes(), "wellbeing.xlsx", slug="my-survey")
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Wellbeing" in detail and "/s/my-survey" in detail
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey))
        assert survey.state == "draft" and survey.created_by_id == analyst.id
        assert survey.current_version.source_filename == "wellbeing.xlsx"


def test_upload_problems_are_listed_and_nothing_is_stored(app, client, regions, analyst):
    broken = [*WELLBEING_SURVEY, ["select_one nowhere", "colour", "a", "b", "c"]]
    response = upload(
        client, xlsx_bytes(broken, WELLBEING_CHOICES, WELLBEING_SETTINGS), "broken.xlsx"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The file was not imported" in page and "nowhere" in page
    assert "<td>survey</td>" in page
    empty = upload(client, b"", "empty.xlsx")
    assert empty.status_code == 422
    wrong_type = upload(client, b"%PDF-1.4", "scan.pdf")
    assert wrong_type.status_code == 422 and ".xlsx, .xls or .json" in wrong_type.get_data(
        as_text=True
    )
    taken = upload(client, xlsx_bytes(), "a.xlsx", slug="dup")
    assert taken.status_code == 302
    again = upload(client, xlsx_bytes(), "b.xlsx", slug="dup")
    assert again.status_code == 422 and "already used" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 1


def test_downloads_round_trip_and_json_upload_imports(app, client, regions, analyst):
    survey_id = make_survey(app)
    xlsx = client.get(f"/surveys/{survey_id}/versions/1/download/xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    original = import_xlsform(xlsx_bytes())
    assert import_xlsform(xlsx.data) == original
    json_download = client.get(f"/surveys/{survey_id}/versions/1/download/json")
    assert definition_from_json(json_download.data) == original
    assert client.get(f"/surveys/{survey_id}/versions/9/download/json").status_code == 404
    response = upload(client, json_download.data, "wellbeing.json", slug="from-json")
    assert response.status_code == 302
    with app.app_context():
        copy = db.session.scalar(sa.select(Survey).where(Survey.slug == "from-json"))
        assert copy.current_version.load() == original


def test_lifecycle_buttons_dates_and_new_versions(app, client, regions, analyst):
    survey_id = make_survey(app, open_it=False)
    assert client.post(f"/surveys/{survey_id}/state", data={"action": "close"}).status_code == 302
    with app.app_context():
        assert db.session.get(Survey, survey_id).state == "draft"  # refused, with a message
    client.post(f"/surveys/{survey_id}/state", data={"action": "open"})
    bad_dates = client.post(
        f"/surveys/{survey_id}/dates",
        data={"opens_at": "2030-01-02T10:00", "closes_at": "2030-01-01T10:00"},
    )
    assert bad_dates.status_code == 422
    assert "after the opening date" in bad_dates.get_data(as_text=True)
    good = client.post(
        f"/surveys/{survey_id}/dates", data={"opens_at": "2030-01-01T10:00", "closes_at": ""}
    )
    assert good.status_code == 302
    new = client.post(
        f"/surveys/{survey_id}/versions",
        data={"file": (io.BytesIO(xlsx_bytes()), "v2.xlsx")},
        content_type="multipart/form-data",
    )
    assert new.status_code == 302
    refused = client.post(
        f"/surveys/{survey_id}/versions",
        data={"file": (io.BytesIO(b"junk"), "v3.xlsx")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        assert survey.state == "open" and survey.opens_at.year == 2030
        assert [version.number for version in survey.versions] == [1, 2]
    listing = client.get("/surveys/").get_data(as_text=True)
    assert "/s/wellbeing" in listing


def test_demo_loader_is_idempotent_and_follows_skip_logic(app, regions, make_user):
    from webapp.surveys.answers import validate_answers
    from webapp.surveys.services.demo import load_demo_surveys

    make_user("council_member", email="council@demo.listening-state.kz")
    with app.app_context():
        summary = load_demo_surveys(citizen_responses=300, council_responses=40)
        db.session.commit()
        assert "300 synthetic citizen responses" in summary
        assert load_demo_surveys() == "already loaded"
        surveys = db.session.scalars(sa.select(Survey).order_by(Survey.id)).all()
        assert [survey.state for survey in surveys] == ["open", "open"]
        assert all("Synthetic" in survey.note for survey in surveys)
        regions_used = set()
        for response in db.session.scalars(sa.select(SurveyResponse)):
            definition = db.session.get(SurveyVersion, response.survey_version_id).load()
            clean, errors = validate_answers(definition, None, response.answers)
            assert errors == {}, (response.answers, errors)
            assert clean == response.answers  # nothing hidden, nothing out of type
            regions_used.add(response.region_code)
        assert len(regions_used) >= 15
        attributed = db.session.scalar(
            sa.select(sa.func.count()).where(SurveyResponse.respondent_user_id.is_not(None))
        )
        assert attributed > 0
        # Council feedback carries its council's region (none for a republican council).
        council_rows = db.session.execute(
            sa.select(SurveyResponse.region_code, Council.region_code).join(
                Council, SurveyResponse.council_id == Council.id
            )
        ).all()
        assert len(council_rows) == 40
        assert all(response == council for response, council in council_rows)
        assert {council for _, council in council_rows} >= {None, "KZ-75"}


@pytest.mark.parametrize(
    ("audience", "label", "note"),
    [
        ("public", "Public address", None),
        ("council", "Council members' address", "others are turned away"),
        ("invitation", "Invitation address", "this address alone is refused"),
    ],
)
def test_the_survey_page_says_who_can_use_its_address(
    app, client, regions, analyst, audience, label, note
):
    survey_id = make_survey(app, audience=audience, slug=f"form-{audience}")
    page = client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert f"<dt>{label}</dt>" in page and f"/s/form-{audience}" in page
    if note is None:
        assert "turned away" not in page and "alone is refused" not in page
    else:
        assert note in page
    kazakh = client.get(f"/surveys/{survey_id}", headers={"Accept-Language": "kk"})
    text = kazakh.get_data(as_text=True)
    assert "Council members" not in text and "Invitation address" not in text
    assert "turned away" not in text and "alone is refused" not in text


def test_dates_are_entered_and_shown_in_the_platforms_time_zone(app, client, regions, analyst):
    """The fields said UTC while every page shows Almaty time: 09:00 typed read 14:00."""
    from datetime import UTC, datetime

    survey_id = make_survey(app)
    saved = client.post(
        f"/surveys/{survey_id}/dates",
        data={"opens_at": "2030-01-01T09:00", "closes_at": "2030-02-01T18:30"},
    )
    assert saved.status_code == 302
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        # Asia/Almaty is UTC+5.
        assert survey.opens_at == datetime(2030, 1, 1, 4, 0, tzinfo=UTC)
        assert survey.closes_at == datetime(2030, 2, 1, 13, 30, tzinfo=UTC)
    page = client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert 'value="2030-01-01T09:00"' in page and 'value="2030-02-01T18:30"' in page
    assert "9:00:00" in page and "6:30:00" in page  # the summary line: the same times
    assert "UTC, optional" not in page and "Asia/Almaty" in page
