"""Every refused field of the survey forms is named in its message, beside the field and in
the error summary, in kk, ru and en: missing fields, values that are not among a select's
options (tampered or stale posts) and tampered hidden fields."""

from __future__ import annotations

import html
import io
import re

import pytest
import sqlalchemy as sa

from tests.webapp.surveys.surveys_support import make_survey, xlsx_bytes
from webapp.extensions import db
from webapp.surveys.models import Survey
from webapp.surveys.services import SurveyError, authoring

#: The field's label, in each language, as the ru and kk catalogues give it.
STATE_BODY = {
    "en": "State body (council feedback)",
    "ru": "Государственный орган (для отзывов совета)",
}


@pytest.fixture
def analyst(client, make_user, sign_in):
    user = make_user("analyst")
    sign_in(user)
    return user


def beside(page: str, field_id: str) -> str:
    found = re.search(rf'id="{re.escape(field_id)}-error">([^<]*)<', page)
    assert found, f"no error beside {field_id}"
    return html.unescape(found.group(1))


def summary(page: str) -> list[str]:
    block = re.search(r'class="error-summary".*?</ul>', page, re.S)
    assert block, "no error summary"
    return [html.unescape(text) for text in re.findall(r"<li>(?:<a[^>]*>)?([^<]*)<", block[0])]


def post_upload(client, language: str, **fields):
    return client.post(
        "/surveys/new",
        data={"file": (io.BytesIO(xlsx_bytes()), "wellbeing.xlsx"), **fields},
        content_type="multipart/form-data",
        headers={"Accept-Language": language},
    )


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_upload_missing_state_body_is_named_beside_it_and_in_the_summary(
    app, client, regions, analyst, language
):
    response = post_upload(client, language, audience="public")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    message = beside(page, "state_body")
    with app.test_request_context(headers={"Accept-Language": language}):
        from flask_babel import force_locale, gettext

        with force_locale(language):
            label = gettext("State body (council feedback)")
            wanted = gettext("choose one of the options.")
    if language in STATE_BODY:
        assert label == STATE_BODY[language]
    assert label in message and wanted in message
    assert message in summary(page)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 0


def test_upload_foreign_select_values_name_their_fields(app, client, regions, analyst):
    response = post_upload(client, "en", audience="everyone", state_body="99999")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert beside(page, "audience") == (
        "Who answers: the value sent is not one of the options; choose one from the list."
    )
    assert beside(page, "state_body").startswith("State body (council feedback): the value sent")
    listed = summary(page)
    assert beside(page, "audience") in listed and beside(page, "state_body") in listed
    russian = post_upload(client, "ru", audience="everyone", state_body="").get_data(as_text=True)
    assert beside(russian, "audience").startswith("Кто отвечает: ")
    assert "not one of the options" not in beside(russian, "audience")


def test_service_refusals_are_shown_beside_their_own_field(app, client, regions, analyst):
    """A state body removed between showing the form and posting it: refused by the service
    (the form's choices are read per request), beside the state body, not the address."""
    with app.app_context():
        with pytest.raises(SurveyError) as refused:
            authoring.create_survey(
                authoring.read_definition(xlsx_bytes(), "w.xlsx"), state_body_id=424242
            )
        assert refused.value.field == "state_body"
        with pytest.raises(SurveyError) as unknown:
            authoring.create_survey(
                authoring.read_definition(xlsx_bytes(), "w.xlsx"), audience="everyone"
            )
        assert unknown.value.field == "audience"
        db.session.rollback()
    make_survey(app, slug="taken", open_it=False)
    page = post_upload(client, "en", audience="public", state_body="", slug="taken").get_data(
        as_text=True
    )
    assert beside(page, "slug").startswith("Address (optional): The address 'taken'")


def test_designer_forms_name_missing_and_foreign_values(app, client, regions, analyst):
    response = client.post(
        "/surveys/design/new",
        headers={"Accept-Language": "en"},
        data={"languages": ["kk", "xx"], "form_id": "town", "question_name": "q"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert beside(page, "languages").startswith("Languages of the survey: a value sent is not")
    assert beside(page, "default_language") == "Default language: choose one of the options."
    assert beside(page, "audience") == "Who answers: choose one of the options."
    assert beside(page, "question_type") == "Type: choose one of the options."
    listed = summary(page)
    for field_id in ("languages", "default_language", "audience", "question_type"):
        assert beside(page, field_id) in listed
    missing_name = client.post(
        "/surveys/design/new", headers={"Accept-Language": "en"}, data={"form_id": "town"}
    )
    assert beside(missing_name.get_data(as_text=True), "question_name").startswith(
        "Name of the first question: "
    )
    survey_id = make_survey(app, open_it=False)
    question = client.post(
        f"/surveys/{survey_id}/design/questions/new",
        headers={"Accept-Language": "ru"},
        data={"name": "extra", "type": "essay", "page": "nowhere", "choice_list": "none"},
    )
    assert question.status_code == 422
    page = question.get_data(as_text=True)
    assert beside(page, "type").startswith("Тип: ")
    assert beside(page, "page").startswith("Страница: ")
    assert beside(page, "choice_list").startswith("Список вариантов: ")
    settings = client.post(
        f"/surveys/{survey_id}/design/settings",
        headers={"Accept-Language": "en"},
        data={"form_id": "wellbeing", "languages": ["kk"], "default_language": "de"},
    )
    assert settings.status_code == 422
    assert beside(settings.get_data(as_text=True), "default_language").startswith(
        "Default language: the value sent is not one of the options"
    )


def test_council_forms_name_foreign_values(app, client, regions, analyst):
    body = client.post(
        "/councils/state-bodies",
        headers={"Accept-Language": "en"},
        data={"body-name_kk": "a", "body-name_ru": "b", "body-name_en": "c", "body-level": "x"},
    )
    assert body.status_code == 422
    assert beside(body.get_data(as_text=True), "body-level").startswith("Level: the value sent")
    names = {"body-name_kk": "a", "body-name_ru": "b", "body-name_en": "c"}
    added = client.post(
        "/councils/state-bodies", data={**names, "body-level": "republican", "body-region": ""}
    )
    assert added.status_code == 302
    council = client.post(
        "/councils/",
        headers={"Accept-Language": "en"},
        data={"council-name_kk": "a", "council-name_ru": "b", "council-name_en": "c"},
    )
    assert council.status_code == 422
    assert beside(council.get_data(as_text=True), "council-state_body") == (
        "State body: choose one of the options."
    )


def test_a_tampered_move_of_a_choice_row_is_no_server_error(app, client, regions, analyst):
    survey_id = make_survey(app, open_it=False)
    response = client.post(
        f"/surveys/{survey_id}/design/lists/yesno",
        data={
            "name": "yesno",
            "move": "2:up",  # one past the last row: its neighbour above exists
            "choice-0-name": "yes",
            "choice-0-original": "0",
            "choice-0-label-en": "Yes",
            "choice-1-name": "no",
            "choice-1-original": "1",
            "choice-1-label-en": "No",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        names = [choice.name for choice in survey.current_version.load().choice_lists["yesno"]]
    assert names == ["yes", "no"]
