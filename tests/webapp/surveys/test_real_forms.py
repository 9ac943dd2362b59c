"""Forms as analysts really write them in KoboToolbox or ODK, imported end to end.

The citizen-services form below is laid out like a KoboToolbox export: Kobo's bookkeeping
columns ($kuid, $autoname, $given_name, kobo--score-choices, $autovalue), language headers
spelt 'English (en)', 'Русский (ru)', 'Қазақ (kk)', metadata rows (start, end, today,
deviceid, username), calculate rows (one used in skip logic, one for an instance id that
nothing reads), groups spelt 'begin_group' and 'begin group', a nested group, numeric choice
names, empty trailing rows and headers in odd case with stray spaces. It is imported through
the command line and the analyst's upload page, answered in Kazakh, Russian and English, and
exported back; the same form saved as .xls imports to the same definition.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
import xlwt
from openpyxl import Workbook

from tests.webapp.surveys.surveys_support import (
    answer_page,
    count_responses,
    make_survey,
    stored_responses,
)
from webapp.extensions import db
from webapp.surveys.definition import definition_from_json, definition_to_json
from webapp.surveys.models import Survey, SurveyVersion
from webapp.surveys.xlsform import XLSFormError, export_xlsform, import_xlsform, read_xlsform

EN, RU, KK = "label::English (en)", "label::Русский (ru)", "label::Қазақ (kk)"
SURVEY_HEADER = [
    "type",
    "$kuid",
    " Name ",
    EN,
    RU,
    KK,
    "hint::English (en)",
    "hint::Русский (ru)",
    "hint::Қазақ (kk)",
    "guidance_hint::English (en)",
    "Required",
    "required_message::English (en)",
    "required_message::Русский (ru)",
    "required_message::Қазақ (kk)",
    "relevant",
    "constraint",
    "constraint_message::English (en)",
    "constraint_message::Russian (ru)",
    "constraint_message::Kazakh (kk)",
    "appearance",
    "calculation",
    "parameters",
    "media::image::English (en)",
    "$autoname",
    "kobo--score-choices",
]
COLUMN = {name.strip(): index for index, name in enumerate(SURVEY_HEADER)}


def row(type_: str, name: str | None, *labels: str | None, **cells: Any) -> list[Any]:
    """One survey row: type, name, labels (en, ru, kk), then cells by column name."""
    values: list[Any] = [None] * len(SURVEY_HEADER)
    values[COLUMN["type"]] = type_
    values[COLUMN["Name"]] = name
    values[COLUMN["$kuid"]] = f"k{abs(hash((type_, name))) % 10**6}"
    values[COLUMN["$autoname"]] = name
    for header, label in zip((EN, RU, KK), labels, strict=False):
        values[COLUMN[header]] = label
    for key, value in cells.items():
        values[COLUMN[key]] = value
    return values


def messages(en: str, ru: str, kk: str, kind: str) -> dict[str, str]:
    return {
        f"{kind}::English (en)": en,
        f"{kind}::{'Русский (ru)' if kind != 'constraint_message' else 'Russian (ru)'}": ru,
        f"{kind}::{'Қазақ (kk)' if kind != 'constraint_message' else 'Kazakh (kk)'}": kk,
    }


def kobo_survey_rows() -> list[list[Any]]:
    age_messages = messages(
        "Age must be 18 to 120", "Возраст от 18 до 120", "Жас 18-120", "constraint_message"
    )
    required = messages(
        "Please answer", "Ответьте, пожалуйста", "Жауап беріңіз", "required_message"
    )
    return [
        SURVEY_HEADER,
        row("start", "start"),
        row("end", "end"),
        row("today", "today"),
        row("deviceid", "deviceid"),
        row("username", "username"),
        row("calculate", "instance_id", calculation="concat('uuid:', uuid())"),
        row("begin_group", "intro", "Introduction", "Введение", "Кіріспе", appearance="field-list"),
        row(
            "note", "welcome", "Welcome! It takes 5 minutes.", "Добро пожаловать!", "Қош келдіңіз!"
        ),
        row(
            "select_one yn",
            "consent",
            "Do you agree to take part?",
            "Вы согласны участвовать?",
            "Қатысуға келісесіз бе?",
            **{"guidance_hint::English (en)": "Read the consent text aloud"},
            Required="yes",
            **required,
        ),
        row("end_group", None),
        row(
            "begin group",
            "about",
            "About you",
            "О вас",
            "Сіз туралы",
            relevant="${consent} = 'yes'",
            appearance="field-list",
        ),
        row(
            "integer",
            "age",
            "How old are you?",
            "Сколько вам лет?",
            "Жасыңыз нешеде?",
            **{
                "hint::English (en)": "In years",
                "hint::Русский (ru)": "Полных лет",
                "hint::Қазақ (kk)": "Толық жыл",
            },
            Required="TRUE",
            constraint=". >= 18 and . <= 120",
            **age_messages,
        ),
        row(
            "select_one gender",
            "gender",
            "Gender",
            "Пол",
            "Жынысы",
            Required="yes",
            appearance="horizontal",
        ),
        row(
            "date",
            "moved_in",
            "When did you move here?",
            "Когда вы переехали сюда?",
            "Мұнда қашан көштіңіз?",
            constraint=". <= ${today}",
        ),
        row("calculate", "age_group", calculation="if(${age} < 30, 'young', 'adult')"),
        row(
            "select_one yn",
            "studies",
            "Are you a student?",
            "Вы учитесь?",
            "Оқисыз ба?",
            relevant="${age_group} = 'young'",
        ),
        row("note", "age_note", "You are ${age}", "Вам ${age}", "Сізге ${age}"),
        row("end group", None),
        row(
            "begin_group",
            "services",
            "Services",
            "Услуги",
            "Қызметтер",
            relevant="${consent} = 'yes'",
        ),
        row(
            "select_multiple svc",
            "used_services",
            "Which services did you use?",
            "Какими услугами вы пользовались?",
            "Қандай қызметтерді пайдаландыңыз?",
            Required="yes",
            constraint="count-selected(.) <= 3",
            **messages("At most 3", "Не больше трёх", "Үштен көп емес", "constraint_message"),
        ),
        row(
            "begin_group",
            "ratings",
            "Ratings",
            "Оценки",
            "Бағалар",
            relevant="count-selected(${used_services}) > 0",
        ),
        row(
            "select_one likert5",
            "rate_health",
            "Health care",
            "Здравоохранение",
            "Денсаулық сақтау",
            Required="yes",
            relevant="selected(${used_services}, 'health2')",
            appearance="likert",
        ),
        row("end_group", None),
        row(
            "range",
            "satisfaction",
            "Overall satisfaction",
            "Общая удовлетворённость",
            "Жалпы қанағаттану",
            Required="yes",
            parameters="start=1 end=10 step=1",
        ),
        row(
            "text",
            "phone",
            "Phone (optional)",
            "Телефон (необязательно)",
            "Телефон (міндетті емес)",
            constraint="string-length(.) = 11 and starts-with(., '7')",
            **messages(
                "11 digits starting with 7",
                "11 цифр, начиная с 7",
                "7-ден басталатын 11 сан",
                "constraint_message",
            ),
        ),
        row("end_group", None),
        [],
        [None, None, None],
    ]


CHOICES = [
    ["list_name", "$kuid", "Name", EN, RU, KK, "$autovalue"],
    ["yn", "c1", "yes", "Yes", "Да", "Иә", "yes"],
    ["yn", "c2", "no", "No", "Нет", "Жоқ", "no"],
    ["gender", "c3", 1, "Male", "Мужской", "Ер"],
    ["gender", "c4", 2, "Female", "Женский", "Әйел"],
    ["gender", "c5", 99, "Prefer not to say", "Не скажу", "Айтпаймын"],
    ["svc", "c6", "health2", "Health", "Здоровье", "Денсаулық"],
    ["svc", "c7", "edu1", "Education", "Образование", "Білім"],
    ["svc", "c8", "tax3", "Taxes", "Налоги", "Салықтар"],
    ["svc", "c9", "other_99", "Other", "Другое", "Басқа"],
    *[["likert5", f"l{n}", n, str(n), str(n), str(n)] for n in range(1, 6)],
    ["likert5", "l98", 98, "Don't know", "Не знаю", "Білмеймін"],
    [],
]
SETTINGS = [
    ["form_title", "form_id", "version", "default_language", "style"],
    ["Citizen services", "citizen_services", "vErAwJpzZGBsx4h7", "English (en)", "pages"],
]


def kobo_xlsx(survey: list[list[Any]] | None = None) -> bytes:
    workbook = Workbook()
    sheets = {"survey": survey or kobo_survey_rows(), "choices": CHOICES, "settings": SETTINGS}
    for index, (title, rows) in enumerate(sheets.items()):
        sheet = workbook.active if index == 0 else workbook.create_sheet(title)
        sheet.title = title
        for values in rows:
            sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def kobo_xls() -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    for title, rows in (
        ("survey", kobo_survey_rows()),
        ("choices", CHOICES),
        ("settings", SETTINGS),
    ):
        sheet = book.add_sheet(title)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if value is not None:
                    sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- the importer


def test_kobo_export_imports_with_notes_on_what_is_left_out():
    result = read_xlsform(kobo_xlsx(), "citizen.xlsx")
    definition = result.definition
    assert definition.languages == ["en", "ru", "kk"] and definition.default_language == "en"
    assert [page.name for page in definition.pages] == ["intro", "about", "services"]
    names = [question.name for question in definition.questions()]
    # Metadata and calculations are not questions; nothing of Kobo's bookkeeping is kept.
    assert names == [
        "welcome",
        "consent",
        "age",
        "gender",
        "moved_in",
        "studies",
        "age_note",
        "used_services",
        "rate_health",
        "satisfaction",
        "phone",
    ]
    assert [c.name for c in definition.choice_lists["gender"]] == ["1", "2", "99"]
    assert all(not choice.filters for items in definition.choice_lists.values() for choice in items)
    age = definition.question("age")
    assert age.required and age.constraint_message["kk"] == "Жас 18-120"
    assert definition.question("consent").required_message["ru"] == "Ответьте, пожалуйста"
    # ${today} is today's date; the calculation is written into the condition that uses it.
    assert definition.question("moved_in").constraint == ". <= today()"
    # It lives in a group, so outside that group's condition it is empty, as in ODK.
    assert definition.question("studies").relevant == (
        "if((${consent} = 'yes'), (if(${age} < 30, 'young', 'adult')), '') = 'young'"
    )
    # The nested group's condition is folded into its question.
    assert definition.question("rate_health").relevant == (
        "(count-selected(${used_services}) > 0) and (selected(${used_services}, 'health2'))"
    )
    notes = "\n".join(result.notes)
    for expected in (
        "metadata field 'start' is not collected on the web and was ignored",
        "metadata field 'deviceid'",
        "${today} in expressions reads today's date",
        "calculate 'age_group' is not stored with responses; its formula is used where "
        "${age_group} appears (rows 17)",
        "calculate 'instance_id' is not used by any relevant",
        "survey row 10: guidance_hint is not shown",
        "choices sheet: column '$kuid' was ignored",
        "survey sheet: column 'kobo--score-choices' was ignored",
    ):
        assert expected in notes, (expected, notes)
    # 'You are ${age}' shows the answer on the respondent's page: nothing to note.
    assert "${age}" not in notes.replace("${age_group}", "")


def test_kobo_export_round_trips_through_xlsform_and_json():
    definition = import_xlsform(kobo_xlsx(), "citizen.xlsx")
    assert import_xlsform(export_xlsform(definition)) == definition
    assert definition_from_json(definition_to_json(definition)) == definition


def test_the_same_form_saved_as_xls_imports_to_the_same_definition():
    assert import_xlsform(kobo_xls(), "citizen.xls") == import_xlsform(kobo_xlsx(), "citizen.xlsx")


def test_an_expression_the_server_cannot_run_is_refused_naming_row_and_function():
    survey = kobo_survey_rows()
    phone = next(i for i, values in enumerate(survey) if values and values[2] == "phone")
    # A pattern beyond one prefix and one character class (an e-mail address) is refused.
    survey[phone][COLUMN["constraint"]] = "regex(., '^[a-z0-9.]+@[a-z]+\\.[a-z]+$')"
    with pytest.raises(XLSFormError) as caught:
        import_xlsform(kobo_xlsx(survey))
    [problem] = caught.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("survey", phone + 1, "constraint")
    assert "unsupported function regex()" in problem.message


def test_a_calculation_that_is_used_must_be_one_the_server_can_run():
    survey = kobo_survey_rows()
    calc = next(i for i, values in enumerate(survey) if values and values[2] == "age_group")
    survey[calc][COLUMN["calculation"]] = "jr:choice-name(${gender}, '${gender}')"
    with pytest.raises(XLSFormError) as caught:
        import_xlsform(kobo_xlsx(survey))
    # Reported once, on the calculation's own row, naming the function.
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (calc + 1, "calculation")
    assert "unsupported function jr:choice-name()" in problem.message


# --------------------------------------------------------------------------- command line


def stored_counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(Survey)),
            db.session.scalar(sa.select(sa.func.count()).select_from(SurveyVersion)),
        )


def test_cli_imports_the_kobo_form_and_prints_its_notes(app, runner, regions, tmp_path):
    path = tmp_path / "citizen.xlsx"
    path.write_bytes(kobo_xlsx())
    result = runner.invoke(args=["surveys", "import", str(path), "--slug", "citizen"])
    assert result.exit_code == 0, result.output
    assert "survey id=" in result.output and "version=1" in result.output
    assert "note: survey row 2: metadata field 'start'" in result.output
    assert "note: survey row 16: calculate 'age_group' is not stored" in result.output
    assert stored_counts(app) == (1, 1)


def test_cli_refuses_an_unrunnable_expression_and_stores_nothing(app, runner, regions, tmp_path):
    survey = kobo_survey_rows()
    survey[12][COLUMN["constraint"]] = "decimal-date-time(.) > 0"
    path = tmp_path / "citizen.xlsx"
    path.write_bytes(kobo_xlsx(survey))
    result = runner.invoke(args=["surveys", "import", str(path), "--publish"])
    assert result.exit_code == 1
    assert "sheet=survey row=13 column=constraint: unsupported function decimal-date-time()" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert stored_counts(app) == (0, 0)


# --------------------------------------------------------------------------- upload page


@pytest.fixture
def analyst(client, make_user, sign_in):
    user = make_user("analyst")
    sign_in(user)
    return user


def upload(client, data: bytes, filename: str):
    return client.post(
        "/surveys/new",
        data={"file": (io.BytesIO(data), filename), "audience": "public", "state_body": ""},
        content_type="multipart/form-data",
    )


def test_upload_page_imports_the_kobo_form_and_shows_the_notes(app, client, regions, analyst):
    response = upload(client, kobo_xlsx(), "citizen.xlsx")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Citizen services" in page
    assert "note(s)" in page
    assert "metadata field &#39;start&#39; is not collected on the web" in page
    assert "every note is listed under the version on this page" in page
    assert stored_counts(app) == (1, 1)


def test_upload_notes_heading_follows_the_interface_language(app, client, regions, analyst):
    client.post("/language", data={"language": "ru", "next": "/surveys/"})
    response = upload(client, kobo_xlsx(), "citizen.xlsx")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Что веб-опрос опускает или делает иначе, чем в файле" in page
    assert "все замечания перечислены у версии на этой странице" in page


def test_upload_page_refuses_an_unrunnable_expression(app, client, regions, analyst):
    survey = kobo_survey_rows()
    survey[12][COLUMN["constraint"]] = "decimal-date-time(.) > 10000"
    response = upload(client, kobo_xlsx(survey), "citizen.xlsx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<td>survey</td><td>13</td><td>constraint</td>" in page
    assert "unsupported function decimal-date-time()" in page
    assert "Traceback" not in page
    assert stored_counts(app) == (0, 0)


# --------------------------------------------------------------------------- respondents


ERROR_TEXT = re.compile(r'id="q-[a-z_]+-error"[^>]*>(.*?)</', re.S)


@pytest.mark.parametrize(
    ("language", "age_message", "count_message", "labels"),
    [
        ("en", "Age must be 18 to 120", "At most 3", ("How old are you?", "Health care")),
        ("ru", "Возраст от 18 до 120", "Не больше трёх", ("Сколько вам лет?", "Здравоохранение")),
        ("kk", "Жас 18-120", "Үштен көп емес", ("Жасыңыз нешеде?", "Денсаулық сақтау")),
    ],
)
def test_respondents_answer_the_kobo_form_in_each_language(
    app, client, regions, language, age_message, count_message, labels
):
    make_survey(app, data=kobo_xlsx(), slug="citizen")
    first = client.get(f"/s/citizen?lang={language}")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert f'lang="{language}"' in html

    response = answer_page(client, html, {"consent": "yes"}, language=language)
    assert response.status_code == 303
    about = client.get(response.headers["Location"]).get_data(as_text=True)
    assert labels[0] in about
    # A too young respondent and a date in the future are refused with the form's messages.
    from webapp.database import utcnow
    from webapp.times import platform_today

    with app.app_context():  # the respondent's today() is the platform's (Almaty) date
        tomorrow = (platform_today(utcnow()) + dt.timedelta(days=1)).isoformat()
    refused = answer_page(
        client, about, {"age": "15", "gender": "99", "moved_in": tomorrow}, language=language
    )
    assert refused.status_code == 422
    assert age_message in refused.get_data(as_text=True)
    assert count_responses(app) == 0
    # 25 makes age_group 'young', so the student question (a calculation) applies.
    accepted = answer_page(
        client,
        refused.get_data(as_text=True),
        {"age": "25", "gender": "99", "moved_in": "2020-05-01", "studies": "no"},
        language=language,
    )
    assert accepted.status_code == 303
    services = client.get(accepted.headers["Location"]).get_data(as_text=True)
    assert labels[1] in services

    too_many = answer_page(
        client,
        services,
        {
            "used_services": ["health2", "edu1", "tax3", "other_99"],
            "rate_health": "98",
            "satisfaction": "11",
            "phone": "12345",
        },
        language=language,
    )
    assert too_many.status_code == 422
    refused_page = too_many.get_data(as_text=True)
    assert count_message in refused_page
    assert 'aria-invalid="true"' in refused_page
    thanks = answer_page(
        client,
        refused_page,
        {
            "used_services": ["health2", "tax3"],
            "rate_health": "98",
            "satisfaction": "7",
            "phone": "77011234567",
        },
        language=language,
    )
    assert thanks.status_code == 200
    [stored] = stored_responses(app)
    assert stored["language"] == language
    assert stored["answers"] == {
        "consent": "yes",
        "age": 25,
        "gender": "99",
        "moved_in": "2020-05-01",
        "studies": "no",
        "used_services": ["health2", "tax3"],
        "rate_health": "98",
        "satisfaction": 7,
        "phone": "77011234567",
    }


def test_a_calculation_hides_what_it_should(app, client, regions):
    make_survey(app, data=kobo_xlsx(), slug="citizen")
    html = client.get("/s/citizen?lang=en").get_data(as_text=True)
    about_url = answer_page(client, html, {"consent": "yes"}, language="en").headers["Location"]
    about = client.get(about_url).get_data(as_text=True)
    # 45 makes age_group 'adult': the student question is hidden and its answer dropped.
    response = answer_page(
        client, about, {"age": "45", "gender": "1", "studies": "yes"}, language="en"
    )
    assert response.status_code == 303
    services = client.get(response.headers["Location"]).get_data(as_text=True)
    answer_page(client, services, {"used_services": ["tax3"], "satisfaction": "3"}, language="en")
    [stored] = stored_responses(app)
    assert stored["answers"] == {
        "consent": "yes",
        "age": 45,
        "gender": "1",
        "used_services": ["tax3"],
        "satisfaction": 3,
    }
