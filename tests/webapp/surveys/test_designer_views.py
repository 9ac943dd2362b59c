"""The designer's pages with the test client: designing from scratch, editing, refusals,
the version rule, the preview and the XLSForm round trip of a survey made in the browser."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.webapp.surveys.surveys_support import (
    CSRF,
    answer_page,
    count_responses,
    make_survey,
    xlsx_bytes,
)
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.surveys.definition import definition_from_json
from webapp.surveys.models import Survey
from webapp.surveys.xlsform import import_xlsform


@pytest.fixture
def analyst(client, make_user, sign_in):
    user = make_user("analyst")
    sign_in(user)
    return user


def stored(app, survey_id: int):
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        return survey.current_version.load(), [v.number for v in survey.versions]


def new_survey(client, **fields):
    data = {
        "title_kk": "Қала",
        "title_ru": "Город",
        "title_en": "Town",
        "languages": ["kk", "ru", "en"],
        "default_language": "kk",
        "form_id": "town",
        "slug": "town",
        "audience": "public",
        "question_name": "intro",
        "question_type": "note",
        "question_label_kk": "Сәлем",
        "question_label_ru": "Привет",
        "question_label_en": "Hello",
    }
    data.update(fields)
    return client.post("/surveys/design/new", data=data)


def question(client, survey_id: int, original: str | None = None, **fields):
    data = {"type": "text", "page": "page_1", "choice_list": "", **fields}
    url = f"/surveys/{survey_id}/design/questions/" + (original or "new")
    return client.post(url, data=data)


def test_design_a_survey_in_the_browser_and_round_trip_its_export(app, client, regions, analyst):
    assert "/surveys/design/new" in client.get("/surveys/").get_data(as_text=True)
    refused = new_survey(client, languages=["ru"], default_language="kk")
    assert refused.status_code == 422
    assert re.search(
        r'id="default_language-error">[^<]*is not one of the languages',
        refused.get_data(as_text=True),
    )
    created = new_survey(client)
    assert created.status_code == 302
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey))
        survey_id = survey.id
        assert survey.state == "draft" and survey.created_by_id == analyst.id
    assert created.headers["Location"] == f"/surveys/{survey_id}/design"
    overview = client.get(f"/surveys/{survey_id}/design").get_data(as_text=True)
    assert "intro" in overview and "Hello" in overview
    listed = client.post(
        f"/surveys/{survey_id}/design/lists/new",
        data={
            "name": "yesno",
            "choice-0-name": "yes",
            "choice-0-original": "",
            "choice-0-label-kk": "Иә",
            "choice-0-label-ru": "Да",
            "choice-0-label-en": "Yes",
            "choice-1-name": "no",
            "choice-1-original": "",
            "choice-1-label-en": "No",
            "choice-2-name": "",
            "choice-2-original": "",
        },
    )
    assert listed.status_code == 302
    assert (
        question(
            client,
            survey_id,
            **{
                "name": "works",
                "type": "select_one",
                "choice_list": "yesno",
                "label_en": "Do you work?",
                "label_ru": "Вы работаете?",
                "required": "y",
            },
        ).status_code
        == 302
    )
    assert (
        question(
            client,
            survey_id,
            **{
                "name": "age",
                "type": "integer",
                "label_en": "Age",
                "constraint": ". >= 18",
                "constraint_message_en": "Adults only",
                "relevant": "${works} = 'yes'",
            },
        ).status_code
        == 302
    )
    assert (
        question(
            client,
            survey_id,
            **{
                "name": "score",
                "type": "range",
                "page": "+new",
                "page_name": "rating",
                "page_label_en": "Rating",
                "label_en": "Score",
                "range_start": "0",
                "range_end": "4",
                "range_step": "1",
            },
        ).status_code
        == 302
    )
    moved = client.post(f"/surveys/{survey_id}/design/questions/age/move", data={"direction": "up"})
    assert moved.status_code == 302
    definition, versions = stored(app, survey_id)
    assert versions == [1]  # a draft is edited in place
    assert [q.name for q in definition.page("page_1").questions] == ["intro", "age", "works"]
    assert definition.page("rating").questions[0].parameters == {
        "start": "0",
        "end": "4",
        "step": "1",
    }
    xlsx = client.get(f"/surveys/{survey_id}/versions/1/download/xlsx")
    assert import_xlsform(xlsx.data) == definition
    as_json = client.get(f"/surveys/{survey_id}/versions/1/download/json")
    assert definition_from_json(as_json.data) == definition
    with app.app_context():
        changes = db.session.scalars(
            sa.select(AuditEvent.details).where(AuditEvent.action == "survey.design")
        ).all()
    assert [change["change"] for change in changes] == [
        "create",
        "list.add",
        "question.add",
        "question.add",
        "question.add",
        "question.move",
    ]


def test_problems_are_shown_beside_the_fields_and_nothing_is_saved(app, client, regions, analyst):
    survey_id = make_survey(app, open_it=False)
    before = stored(app, survey_id)
    response = question(
        client,
        survey_id,
        "age",
        name="age",
        type="integer",
        page="about",
        relevant="${nowhere} = 1",
        constraint="import os",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page
    assert re.search(r'<p class="error-message" id="relevant-error">[^<]*nowhere', page)
    assert re.search(r'<p class="error-message" id="constraint-error">', page)
    assert '<a href="#relevant">' in page and '<a href="#constraint">' in page
    duplicate = question(client, survey_id, name="employed", page="work")
    assert re.search(r'id="name-error">[^<]*duplicate name', duplicate.get_data(as_text=True))
    used = client.post(f"/surveys/{survey_id}/design/questions/employed/delete")
    assert used.status_code == 302
    assert "unknown question ${employed}" in client.get(used.headers["Location"]).get_data(
        as_text=True
    )
    twice = client.post(
        f"/surveys/{survey_id}/design/lists/yesno",
        data={
            "name": "yesno",
            "choice-0-name": "yes",
            "choice-0-original": "0",
            "choice-1-name": "yes",
            "choice-1-original": "1",
        },
    )
    assert twice.status_code == 422
    assert re.search(r'id="choice-1-error">[^<]*twice', twice.get_data(as_text=True))
    assert stored(app, survey_id) == before


def test_editing_a_published_survey_makes_a_new_version(app, client, regions, analyst):
    survey_id = make_survey(app, open_it=True)
    start = client.get("/s/wellbeing").get_data(as_text=True)
    page2 = client.get(answer_page(client, start, {"region": "KZ-75", "age": "30"}).location)
    answer_page(client, page2.get_data(as_text=True), {"employed": "no", "trust": "3"})
    assert count_responses(app) == 1
    overview = client.get(f"/surveys/{survey_id}/design").get_data(as_text=True)
    assert "Version 1 has been published and is kept as it is" in overview
    edited = question(
        client,
        survey_id,
        "age",
        name="age",
        type="integer",
        page="about",
        label_en="How old are you?",
        required="y",
    )
    assert edited.status_code == 302
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        first, copy = survey.versions
        assert first.load().question("age").label["en"] == "Your age"  # unchanged
        assert copy.load().question("age").label["en"] == "How old are you?"
        assert survey.current_version_id == first.id and copy.published_at is None
        response = db.session.execute(sa.text("SELECT survey_version_id FROM survey_responses"))
        assert [row[0] for row in response] == [first.id]
    assert client.post(f"/surveys/{survey_id}/design/publish").status_code == 302
    definition, versions = stored(app, survey_id)
    assert versions == [1, 2] and definition.question("age").label["en"] == "How old are you?"
    client.post(f"/surveys/{survey_id}/state", data={"action": "close"})
    question(client, survey_id, "age", name="age", type="integer", page="about", label_en="Age?")
    question(client, survey_id, "age", name="age", type="integer", page="about", label_en="Age!")
    assert stored(app, survey_id)[1] == [1, 2, 3]  # closed: one working copy, edited in place


def test_the_preview_shows_respondent_pages_and_stores_nothing(app, client, regions, analyst):
    survey_id = make_survey(app, open_it=False)
    page = client.get(f"/surveys/{survey_id}/design/preview?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Your age" in html and "never stored" in html
    # The first page offers the survey's languages, as the respondent page does.
    nav = html[html.index('class="survey-languages"') :].split("</nav>", 1)[0]
    assert f'href="/surveys/{survey_id}/design/preview?lang=kk"' in nav
    assert 'aria-current="true">English' in nav
    russian = client.get(f"/surveys/{survey_id}/design/preview?lang=ru").get_data(as_text=True)
    assert 'lang="ru" hreflang="ru"' in russian and 'aria-current="true">Русский' in russian
    data = {"csrf_token": "", "page": "0", "language": "en", "answers": "{}", "action": "next"}
    refused = client.post(f"/surveys/{survey_id}/design/preview", data={**data, "answer-age": "12"})
    assert refused.status_code == 422
    nxt = client.post(
        f"/surveys/{survey_id}/design/preview",
        data={**data, "answer-region": "KZ-75", "answer-age": "40"},
    )
    html = nxt.get_data(as_text=True)
    assert "Do you work?" in html
    answers = re.search(r'name="answers" value="([^"]*)"', html).group(1).replace("&#34;", '"')
    done = client.post(
        f"/surveys/{survey_id}/design/preview",
        data={
            **data,
            "page": "1",
            "answers": answers,
            "answer-employed": "no",
            "answer-trust": "4",
        },
    )
    assert "End of the preview" in done.get_data(as_text=True)
    assert count_responses(app) == 0


def test_the_preview_error_summary_reads_as_the_respondent_one(app, client, regions, analyst):
    """The preview's summary read "Do you work?: This question requires an answer." where
    the respondent page reads "Do you work? ..." (one partial serves both now)."""
    survey_id = make_survey(app, open_it=False)
    url = f"/surveys/{survey_id}/design/preview"
    data = {"csrf_token": "", "language": "en", "action": "next"}
    first = client.post(
        url,
        data={**data, "page": "0", "answers": "{}", "answer-region": "KZ-75", "answer-age": "40"},
    )
    answers = re.search(r'name="answers" value="([^"]*)"', first.get_data(as_text=True))
    refused = client.post(
        url, data={**data, "page": "1", "answers": answers.group(1).replace("&#34;", '"')}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    start = html.index('class="error-summary"')
    summary = html[start : html.index("</ul>", start)]
    assert "Do you work? This question requires an answer." in summary
    assert "Trust: This question requires an answer." in summary
    assert "?:" not in summary


def test_only_staff_may_design(app, client, regions, make_user, sign_in):
    survey_id = make_survey(app, open_it=False)
    urls = [f"/surveys/{survey_id}/design", "/surveys/design/new"]
    for url in urls:
        assert client.get(url).status_code == 302  # to the sign-in page
    assert question(client, survey_id, name="x").status_code == 302
    sign_in(make_user("council_member"))
    for url in urls:
        assert client.get(url).status_code == 403
    assert question(client, survey_id, name="x").status_code == 403
    assert client.post(f"/surveys/{survey_id}/design/questions/age/delete").status_code == 403
    assert client.get(f"/surveys/{survey_id}/design/preview").status_code == 403
    client.post("/sign-out")
    sign_in(make_user("admin"))
    assert client.get(f"/surveys/{survey_id}/design").status_code == 200
    assert client.get("/surveys/999/design").status_code == 404
    assert client.get(f"/surveys/{survey_id}/design/questions/nobody").status_code == 404
    _definition, versions = stored(app, survey_id)
    assert versions == [1]


def test_every_designer_form_carries_the_designer_styles(app, client, regions, analyst):
    """designer.css styles fieldsets and the languages' checkbox list only inside
    form.designer-form; without the class the new-survey and settings pages showed a bulleted
    list with each box above its language."""
    survey_id = make_survey(app, open_it=False)
    urls = [
        "/surveys/design/new",
        f"/surveys/{survey_id}/design/settings",
        f"/surveys/{survey_id}/design/questions/new",
        f"/surveys/{survey_id}/design/lists/new",
    ]
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        assert re.search(
            r'<form method="post" class="[^"]*\bdesigner-form\b', page.get_data(as_text=True)
        ), url


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_every_designer_form_needs_its_csrf_token(app, client, regions, make_user):
    from tests.conftest import TEST_PASSWORD

    user = make_user("analyst")
    sign_in_page = client.get("/sign-in").get_data(as_text=True)
    signed_in = client.post(
        "/sign-in",
        data={
            "email": user.email,
            "password": TEST_PASSWORD,
            "csrf_token": CSRF.search(sign_in_page).group(1),
        },
    )
    assert signed_in.status_code == 302
    survey_id = make_survey(app, open_it=False)
    before = stored(app, survey_id)
    posts = [
        (f"/surveys/{survey_id}/design/questions/age", {"name": "age2", "type": "integer"}),
        (f"/surveys/{survey_id}/design/questions/age/delete", {}),
        (f"/surveys/{survey_id}/design/questions/age/move", {"direction": "down"}),
        (f"/surveys/{survey_id}/design/pages/work/delete", {}),
        (f"/surveys/{survey_id}/design/lists/topics/delete", {}),
        (f"/surveys/{survey_id}/design/settings", {"form_id": "x"}),
        ("/surveys/design/new", {"form_id": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code in (400, 422), url
    assert stored(app, survey_id) == before
    form = client.get(f"/surveys/{survey_id}/design/questions/age").get_data(as_text=True)
    token = CSRF.search(form).group(1)
    moved = client.post(
        f"/surveys/{survey_id}/design/questions/age/move",
        data={"direction": "up", "csrf_token": token},
    )
    assert moved.status_code == 302
    assert [q.name for q in stored(app, survey_id)[0].page("about").questions] == ["age", "region"]


def test_region_questions_and_other_languages_of_an_upload_are_kept(app, client, regions, analyst):
    import dataclasses

    from tests.webapp.surveys.surveys_support import xlsx_bytes
    from webapp.surveys.services import authoring
    from webapp.surveys.xlsform import import_xlsform as read

    with app.app_context():
        base = read(xlsx_bytes())
        german = dataclasses.replace(
            base, languages=[*base.languages, "de"], title={**base.title, "de": "Wohlbefinden"}
        )
        survey_id = authoring.create_survey(german, slug="german").id
        db.session.commit()
    form = client.get(f"/surveys/{survey_id}/design/questions/region").get_data(as_text=True)
    assert "region (the region registry)" in form
    edited = question(
        client,
        survey_id,
        "region",
        name="region",
        type="select_one",
        page="about",
        choice_list="region",
        label_en="Where do you live?",
        required="y",
    )
    assert edited.status_code == 302
    definition, _versions = stored(app, survey_id)
    region = definition.question("region")
    assert region.region and region.choice_list == "region"
    assert region.label["en"] == "Where do you live?"
    settings = client.get(f"/surveys/{survey_id}/design/settings").get_data(as_text=True)
    assert (
        '<input checked id="languages-3" name="languages" type="checkbox" value="de">' in settings
    )
    saved = client.post(
        f"/surveys/{survey_id}/design/settings",
        data={
            "form_id": "wellbeing",
            "languages": ["kk", "en", "de"],
            "default_language": "kk",
            "title_kk": "Әл-ауқат",
            "title_en": "Wellbeing",
            "title_de": "Wohlbefinden",
        },
    )
    assert saved.status_code == 302
    definition, _versions = stored(app, survey_id)
    assert definition.languages == ["kk", "en", "de"] and definition.title["de"] == "Wohlbefinden"
    assert "ru" not in definition.question("age").label


def test_choices_are_moved_removed_and_kept_as_typed_when_refused(app, client, regions, analyst):
    survey_id = make_survey(app, open_it=False)
    url = f"/surveys/{survey_id}/design/lists/topics"
    rows = {
        "name": "topics",
        "choice-0-name": "roads",
        "choice-0-original": "0",
        "choice-0-label-en": "Roads",
        "choice-1-name": "jobs",
        "choice-1-original": "1",
        "choice-1-label-en": "Jobs",
        "choice-2-name": "parks",
        "choice-2-original": "",
        "choice-2-label-en": "Parks",
        "choice-3-name": "",
        "choice-3-original": "",
    }
    moved = client.post(url, data={**rows, "move": "2:up"})
    assert moved.status_code == 302 and moved.headers["Location"] == url
    choices = stored(app, survey_id)[0].choice_lists["topics"]
    assert [c.name for c in choices] == ["roads", "parks", "jobs"]
    removed = client.post(
        url,
        data={
            "name": "topics",
            "choice-0-name": "roads",
            "choice-0-original": "0",
            "choice-0-remove": "1",
            "choice-1-name": "parks",
            "choice-1-original": "1",
            "choice-2-name": "jobs",
            "choice-2-original": "2",
            "choice-2-label-en": "Work",
        },
    )
    assert removed.status_code == 302
    choices = stored(app, survey_id)[0].choice_lists["topics"]
    assert [(c.name, c.label.get("en")) for c in choices] == [("parks", None), ("jobs", "Work")]
    refused = client.post(
        url,
        data={
            "name": "topics",
            "choice-0-name": "parks",
            "choice-0-original": "0",
            "choice-1-name": "two words",
            "choice-1-original": "",
            "choice-1-label-en": "Typed by hand",
        },
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'value="Typed by hand"' in page
    assert re.search(r'id="choice-1-error">[^<]*must not contain spaces', page)
    assert '<a href="#choice-1-name">' in page
    assert [c.name for c in stored(app, survey_id)[0].choice_lists["topics"]] == ["parks", "jobs"]


def test_each_choice_label_field_is_named_after_its_own_row(app, client, regions, analyst):
    """A screen reader reads 'Label of choice 2 (Русский)' on the second row, not the number
    of the language column (the row loop's index, not the language loop's)."""
    survey_id = make_survey(app, open_it=False)
    page = client.get(f"/surveys/{survey_id}/design/lists/topics").get_data(as_text=True)
    labels = dict(
        re.findall(
            r'<label class="visually-hidden" for="(choice-\d+-label-\w+)">([^<]*)</label>', page
        )
    )
    assert labels, "no label for the choice labels"
    for field_id, text in labels.items():
        row = int(field_id.split("-")[1])
        assert text.startswith(f"Label of choice {row + 1} ("), (field_id, text)


def test_a_region_question_designed_from_scratch_ties_responses_to_their_region(
    app, client, regions, analyst
):
    """The designer offers the region registry as a question's list; the question is the
    region question (as a select_one on a list named region(s) is in an upload), so each
    response keeps its region and the XLSForm round trip is equal."""
    from tests.webapp.surveys.surveys_support import stored_responses
    from webapp.surveys.services import authoring

    assert new_survey(client).status_code == 302
    with app.app_context():
        survey_id = db.session.scalar(sa.select(Survey.id))
    form = client.get(f"/surveys/{survey_id}/design/questions/new").get_data(as_text=True)
    assert '<option value="region">region (the region registry)</option>' in form
    saved = question(
        client,
        survey_id,
        name="where",
        type="select_one",
        choice_list="region",
        label_en="Where do you live?",
        required="y",
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    definition, _versions = stored(app, survey_id)
    assert definition.question("where").region
    assert "region" not in definition.choice_lists
    xlsx = client.get(f"/surveys/{survey_id}/versions/1/download/xlsx")
    assert import_xlsform(xlsx.data) == definition
    with app.app_context():
        authoring.open_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    respondent = app.test_client()
    first = respondent.get("/s/town?lang=en").get_data(as_text=True)
    assert 'value="KZ-75"' in first
    thanks = answer_page(respondent, first, {"where": "KZ-75"}, language="en")
    assert thanks.status_code == 200, thanks.get_data(as_text=True)
    assert count_responses(app) == 1
    assert stored_responses(app)[0]["region_code"] == "KZ-75"


def test_a_survey_without_a_title_is_refused_beside_the_title_field(app, client, regions, analyst):
    """Untitled, a survey was stored and listed as an empty link; now the title of the
    default language says what is missing, in the analyst's language, and nothing is
    stored (nor is the title of a stored survey taken away)."""
    client.post("/language", data={"language": "ru", "next": "/"})
    refused = new_survey(client, title_kk="", title_ru=" ", title_en="", default_language="ru")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'id="title_ru-error">[^<]*название хотя бы на одном', page)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 0
    assert new_survey(client).status_code == 302
    with app.app_context():
        survey_id = db.session.scalar(sa.select(Survey.id))
    emptied = client.post(
        f"/surveys/{survey_id}/design/settings",
        data={"form_id": "town", "languages": ["kk", "ru", "en"], "default_language": "kk"},
    )
    assert emptied.status_code == 422
    assert 'id="title_kk-error"' in emptied.get_data(as_text=True)
    assert stored(app, survey_id)[0].title["en"] == "Town"


def test_a_five_point_scale_is_typed_into_a_new_list_in_one_go(app, client, regions, analyst):
    """A new choice list offers rows for a Likert scale of five answers: one save, not a
    save to get more rows and a second one."""
    survey_id = make_survey(app, open_it=False)
    url = f"/surveys/{survey_id}/design/lists/new"
    page = client.get(url).get_data(as_text=True)
    rows = re.findall(r'name="(choice-\d+)-name"', page)
    assert len(rows) >= 5, rows
    data = {"name": "agree5"}
    for number in range(5):
        data[f"choice-{number}-name"] = str(number + 1)
        data[f"choice-{number}-original"] = ""
        data[f"choice-{number}-label-en"] = f"Level {number + 1}"
    assert client.post(url, data=data).status_code == 302
    choices = stored(app, survey_id)[0].choice_lists["agree5"]
    assert [c.name for c in choices] == ["1", "2", "3", "4", "5"]


# The respondent's page draws a text question with appearance 'multiline' as a box of
# several lines (the only appearance it draws differently); imported forms kept it, but a
# question designed in the browser could not have it. The box is chosen for text questions,
# shown to respondents, exported as the XLSForm appearance column and read back; other
# appearance words of an upload (likert on a select) are kept through an edit.
def test_a_text_question_can_be_given_a_box_of_several_lines(app, client, regions, analyst):
    assert new_survey(client).status_code == 302
    with app.app_context():
        survey_id = db.session.scalar(sa.select(Survey.id))
    page = client.get(f"/surveys/{survey_id}/design/questions/new").get_data(as_text=True)
    assert 'name="appearance"' in page and '<option value="multiline"' in page
    saved = question(client, survey_id, name="story", label_en="Your story", appearance="multiline")
    assert saved.status_code == 302
    assert question(client, survey_id, name="town", label_en="Town").status_code == 302
    definition, _ = stored(app, survey_id)
    assert definition.question("story").appearance == "multiline"
    assert definition.question("town").appearance is None
    edit = client.get(f"/surveys/{survey_id}/design/questions/story").get_data(as_text=True)
    assert re.search(r'<option selected value="multiline"|<option value="multiline" selected', edit)
    xlsx = client.get(f"/surveys/{survey_id}/versions/1/download/xlsx")
    assert import_xlsform(xlsx.data) == definition
    preview = client.get(f"/surveys/{survey_id}/design/preview?lang=en").get_data(as_text=True)
    assert re.search(r'<textarea id="q-story"', preview)
    assert not re.search(r'<textarea id="q-town"', preview)
    # Back to one line; a number question offers no box and keeps none.
    assert question(client, survey_id, "story", name="story", appearance="").status_code == 302
    assert (
        question(
            client, survey_id, "town", name="town", type="integer", appearance="multiline"
        ).status_code
        == 302
    )
    definition, _ = stored(app, survey_id)
    assert definition.question("story").appearance is None
    assert definition.question("town").appearance is None


def test_an_edit_keeps_the_appearance_words_the_designer_does_not_offer(
    app, client, regions, analyst
):
    data = xlsx_bytes(
        [
            ["type", "name", "label::English (en)", "appearance"],
            ["begin group", "page_1", "One"],
            ["select_one yesno", "works", "Do you work?", "likert"],
            ["text", "story", "Story", "multiline"],
            ["end group"],
        ],
        [
            ["list_name", "name", "label::English (en)"],
            ["yesno", "yes", "Yes"],
            ["yesno", "no", "No"],
        ],
        [["form_id", "form_title::English (en)"], ["kept", "Kept"]],
    )
    survey_id = make_survey(app, open_it=False, data=data)
    edit = client.get(f"/surveys/{survey_id}/design/questions/story").get_data(as_text=True)
    assert re.search(r'<option selected value="multiline"|<option value="multiline" selected', edit)
    fields = {"name": "works", "type": "select_one", "choice_list": "yesno", "label_en": "Work?"}
    assert question(client, survey_id, "works", **fields).status_code == 302
    assert question(client, survey_id, "story", name="story", label_en="S").status_code == 302
    definition, _ = stored(app, survey_id)
    assert definition.question("works").appearance == "likert"
    assert definition.question("story").appearance is None  # the box was set to one line
