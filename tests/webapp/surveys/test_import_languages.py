"""Import problems and notes in the analyst's language (kk, ru, en); the CLI stays English."""

from __future__ import annotations

import html
import io

import pytest

from tests.webapp.surveys.surveys_support import (
    WELLBEING_CHOICES,
    WELLBEING_SETTINGS,
    WELLBEING_SURVEY,
    xlsx_bytes,
)

#: Row 12 asks for a location, row 13 reuses the name of row 4 (age), row 14 is "maybe"
#: required.
BROKEN_SURVEY = [
    *WELLBEING_SURVEY,
    ["geopoint", "where", "Қай жер?", "Где?", "Where?"],
    ["integer", "age", "Жас", "Возраст", "Age"],
    ["text", "comment", "Пікір", "Комментарий", "Comment", "maybe"],
]
#: Row 12 is a metadata field the web survey does not collect.
NOTED_SURVEY = [*WELLBEING_SURVEY, ["start", "started"]]

EXPECTED_PROBLEMS = {
    "en": (
        "'geopoint': location questions (geopoint, geotrace, geoshape) are not supported",
        "the name 'age' is used twice (first on row 4)",
        "'maybe' is not yes/no; conditional required expressions are not supported",
    ),
    "ru": (
        "'geopoint': вопросы о местоположении (geopoint, geotrace, geoshape) не поддерживаются",
        "имя 'age' использовано дважды (впервые в строке 4)",
        "'maybe' — не yes/no; условные выражения в required не поддерживаются",
    ),
    "kk": (
        "'geopoint': орналасу сұрақтарына (geopoint, geotrace, geoshape) қолдау көрсетілмейді",
        "'age' атауы екі рет қолданылған (алғаш рет 4-жолда)",
        "'maybe' мәні yes/no емес; required ішіндегі шартты өрнектерге қолдау көрсетілмейді",
    ),
}
EXPECTED_NOTES = {
    "en": "survey row 12: metadata field 'start' is not collected on the web and was ignored",
    "ru": "лист survey, строка 12: поле метаданных 'start' в веб-опросе не собирается и пропущено",
    "kk": "survey парағы, 12-жол: 'start' метадерек өрісі веб-сауалнамада жиналмайды, "
    "сондықтан ескерілмеді",
}


@pytest.fixture
def analyst(client, make_user, sign_in):
    user = make_user("analyst")
    sign_in(user)
    return user


def upload(client, data: bytes, language: str):
    return client.post(
        "/surveys/new",
        data={"file": (io.BytesIO(data), "form.xlsx"), "audience": "public", "state_body": ""},
        content_type="multipart/form-data",
        headers={"Accept-Language": language},
    )


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_upload_problems_are_in_the_analysts_language(client, regions, analyst, language):
    response = upload(
        client, xlsx_bytes(BROKEN_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS), language
    )
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    location, duplicate, flag = EXPECTED_PROBLEMS[language]
    assert f"<td>survey</td><td>12</td><td>type</td><td>{location}</td>" in page
    assert f"<td>survey</td><td>13</td><td>name</td><td>{duplicate}</td>" in page
    assert f"<td>survey</td><td>14</td><td>required</td><td>{flag}</td>" in page
    if language != "en":
        assert "are not supported" not in page and "is used twice" not in page


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_upload_notes_are_in_the_analysts_language(client, regions, analyst, language):
    response = upload(
        client, xlsx_bytes(NOTED_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS), language
    )
    assert response.status_code == 302
    detail = client.get(response.headers["Location"], headers={"Accept-Language": language})
    assert EXPECTED_NOTES[language] in html.unescape(detail.get_data(as_text=True))


def test_cli_prints_problems_and_notes_in_english(app, runner, regions, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(xlsx_bytes(BROKEN_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS))
    result = runner.invoke(args=["surveys", "import", str(broken)])
    assert result.exit_code == 1
    location, duplicate, flag = EXPECTED_PROBLEMS["en"]
    assert f"sheet=survey row=12 column=type: {location}" in result.output
    assert f"sheet=survey row=13 column=name: {duplicate}" in result.output
    assert f"sheet=survey row=14 column=required: {flag}" in result.output
    noted = tmp_path / "noted.xlsx"
    noted.write_bytes(xlsx_bytes(NOTED_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS))
    result = runner.invoke(args=["surveys", "import", str(noted)])
    assert result.exit_code == 0, result.output
    assert f"  note: {EXPECTED_NOTES['en']}" in result.output


#: Row 12 calls a function refused by name (relevant) and ends too early (constraint).
BAD_EXPRESSIONS_SURVEY = [
    *WELLBEING_SURVEY,
    ["integer", "children", "Балалар", "Дети", "Children", "no", "regex(${age}, '^1')", ". >="],
]
EXPECTED_EXPRESSION_PROBLEMS = {
    "en": (
        "unsupported function regex(); regular expressions can take exponential time",
        "the expression ends too early (at character 5) in '. >='",
    ),
    "ru": (
        "функция regex() не поддерживается; регулярные выражения на вредоносных данных",
        "выражение обрывается слишком рано (символ 5) в '. >='",
    ),
    "kk": (
        "regex() функциясына қолдау көрсетілмейді; тұрақты өрнектер зиянды деректерде",
        "өрнек тым ерте аяқталады (5-таңба), өрнек: '. >='",
    ),
}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_expression_problems_are_in_the_analysts_language(client, regions, analyst, language):
    data = xlsx_bytes(BAD_EXPRESSIONS_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS)
    response = upload(client, data, language)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    refused_function, too_early = EXPECTED_EXPRESSION_PROBLEMS[language]
    assert f"<td>survey</td><td>12</td><td>relevant</td><td>{refused_function}" in page
    assert f"<td>survey</td><td>12</td><td>constraint</td><td>{too_early}</td>" in page


def test_cli_prints_expression_problems_in_english(app, runner, regions, tmp_path):
    broken = tmp_path / "expressions.xlsx"
    broken.write_bytes(xlsx_bytes(BAD_EXPRESSIONS_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS))
    result = runner.invoke(args=["surveys", "import", str(broken)])
    assert result.exit_code == 1
    refused_function, too_early = EXPECTED_EXPRESSION_PROBLEMS["en"]
    assert f"sheet=survey row=12 column=relevant: {refused_function}" in result.output
    assert f"sheet=survey row=12 column=constraint: {too_early}" in result.output


#: Problems only the definition's own checks find: row 12 is a required note, row 13 has a
#: default that is none of its choices, row 14 an acknowledge with a default. Their texts are
#: translated, their rows still found, and a default's problem names the 'default' column.
DEFINITION_PROBLEMS_SURVEY = [
    [*WELLBEING_SURVEY[0], "default"],
    *WELLBEING_SURVEY[1:],
    ["note", "info", "Ақпарат", "Инфо", "Info", "yes"],
    ["select_one yesno", "works", "Жұмыс", "Работа", "Work", None, None, None, "maybe"],
    ["acknowledge", "agree", "Келісем", "Согласен", "I agree", None, None, None, "OK"],
]
EXPECTED_DEFINITION_PROBLEMS = {
    "en": (
        "question 'info' is a note and cannot be required or constrained",
        "question 'works' default ['maybe'] is not among its choices",
        "question 'agree': a question of type acknowledge cannot have a default",
    ),
    "ru": (
        "вопрос 'info': это note, он не может быть обязательным или иметь ограничение",
        "вопрос 'works': значение по умолчанию ['maybe'] не входит в его варианты",
        "вопрос 'agree': у вопроса типа acknowledge не может быть значения по умолчанию",
    ),
    "kk": (
        "'info' сұрағы: бұл note, оны міндетті ету немесе шектеу мүмкін емес",
        "'works' сұрағы: ['maybe'] әдепкі мәні оның нұсқалары арасында жоқ",
        "'agree' сұрағы: acknowledge түріндегі сұрақтың әдепкі мәні болмайды",
    ),
}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_definition_problems_are_translated_and_keep_their_rows(client, regions, analyst, language):
    data = xlsx_bytes(DEFINITION_PROBLEMS_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS)
    response = upload(client, data, language)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    note, default, acknowledge = EXPECTED_DEFINITION_PROBLEMS[language]
    assert f"<td>survey</td><td>12</td><td>–</td><td>{note}</td>" in page
    assert f"<td>survey</td><td>13</td><td>default</td><td>{default}</td>" in page
    assert f"<td>survey</td><td>14</td><td>default</td><td>{acknowledge}</td>" in page


def test_cli_prints_definition_problems_in_english_with_their_rows(app, runner, regions, tmp_path):
    broken = tmp_path / "definition.xlsx"
    broken.write_bytes(
        xlsx_bytes(DEFINITION_PROBLEMS_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS)
    )
    result = runner.invoke(args=["surveys", "import", str(broken)])
    assert result.exit_code == 1
    note, default, acknowledge = EXPECTED_DEFINITION_PROBLEMS["en"]
    assert f"sheet=survey row=12 column=-: {note}" in result.output
    assert f"sheet=survey row=13 column=default: {default}" in result.output
    assert f"sheet=survey row=14 column=default: {acknowledge}" in result.output


def test_json_definition_problems_are_in_the_analysts_language(client, regions, analyst):
    import json

    definition = {
        "form_id": "broken",
        "title": {"ru": "Опрос"},
        "languages": ["ru"],
        "default_language": "ru",
        "pages": [{"name": "p1", "label": {"ru": "Стр."}, "questions": []}],
        "choice_lists": {},
    }
    response = client.post(
        "/surveys/new",
        data={
            "file": (io.BytesIO(json.dumps(definition).encode()), "form.json"),
            "audience": "public",
            "state_body": "",
        },
        content_type="multipart/form-data",
        headers={"Accept-Language": "ru"},
    )
    assert response.status_code == 422
    assert "на странице 'p1' нет вопросов" in html.unescape(response.get_data(as_text=True))


#: A hand-edited JSON definition: no form_id, a question whose type is a number, whose label
#: is plain text instead of texts by language, and which has a field no question has.
BROKEN_STRUCTURE = {
    "title": {"ru": "Опрос"},
    "languages": ["ru"],
    "default_language": "ru",
    "pages": [
        {
            "name": "p1",
            "label": {"ru": "Стр."},
            "questions": [{"name": "age", "type": 5, "label": "Возраст", "colour": "red"}],
        }
    ],
    "choice_lists": {},
}
EXPECTED_STRUCTURE_PROBLEMS = {
    "en": (
        "form_id must be text",
        "question 'age' type must be text",
        "question 'age' label must map language codes to text",
        "question 'age': unknown field 'colour'",
    ),
    "ru": (
        "form_id: должен быть текст",
        "вопрос 'age', столбец type: должен быть текст",
        "вопрос 'age', столбец label: должен сопоставлять кодам языков тексты",
        "вопрос 'age': неизвестное поле 'colour'",
    ),
    "kk": (
        "form_id: мәтін болуы керек",
        "'age' сұрағы, type бағаны: мәтін болуы керек",
        "'age' сұрағы, label бағаны: тіл кодтарына мәтін сәйкестендіруі керек",
        "'age' сұрағы: белгісіз 'colour' өрісі",
    ),
}


def upload_json(client, definition, language: str):
    import json

    return client.post(
        "/surveys/new",
        data={
            "file": (io.BytesIO(json.dumps(definition).encode()), "form.json"),
            "audience": "public",
            "state_body": "",
        },
        content_type="multipart/form-data",
        headers={"Accept-Language": language},
    )


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_json_structure_problems_are_in_the_analysts_language(client, regions, analyst, language):
    response = upload_json(client, BROKEN_STRUCTURE, language)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    for problem in EXPECTED_STRUCTURE_PROBLEMS[language]:
        assert problem in page, problem
    if language != "en":
        assert "must be text" not in page and "unknown field" not in page


def test_cli_prints_json_structure_problems_in_english(app, runner, regions, tmp_path):
    import json

    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(BROKEN_STRUCTURE), encoding="utf-8")
    result = runner.invoke(args=["surveys", "import", str(broken)])
    assert result.exit_code == 1
    for problem in EXPECTED_STRUCTURE_PROBLEMS["en"]:
        assert problem in result.output, problem


#: Row 12 is a whole-number question whose default is not a number.
INVALID_DEFAULT_SURVEY = [
    [*WELLBEING_SURVEY[0], "default"],
    *WELLBEING_SURVEY[1:],
    ["integer", "size", "Көлемі", "Размер", "Size", None, None, None, "abc"],
]
EXPECTED_DEFAULT_PROBLEM = {
    "en": "question 'size' default 'abc': Enter a whole number.",
    "ru": "вопрос 'size', значение по умолчанию 'abc': Введите целое число.",
    "kk": "'size' сұрағы, әдепкі мән 'abc': Бүтін сан енгізіңіз.",
}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_an_invalid_defaults_reason_is_in_the_analysts_language(client, regions, analyst, language):
    data = xlsx_bytes(INVALID_DEFAULT_SURVEY, WELLBEING_CHOICES, WELLBEING_SETTINGS)
    response = upload(client, data, language)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    expected = EXPECTED_DEFAULT_PROBLEM[language]
    assert f"<td>survey</td><td>12</td><td>default</td><td>{expected}</td>" in page
    broken = dict(BROKEN_STRUCTURE, form_id="sized")
    broken["pages"] = [
        {
            "name": "p1",
            "label": {"ru": "Стр."},
            "questions": [
                {"name": "size", "type": "integer", "label": {"ru": "Размер"}, "default": "abc"}
            ],
        }
    ]
    response = upload_json(client, broken, language)
    assert response.status_code == 422
    assert expected in html.unescape(response.get_data(as_text=True))
