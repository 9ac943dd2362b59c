"""Forms as people outside the project write them, rebuilt as .xlsx: a Kazakh/Russian citizen
survey written in Excel by a ministry analyst (Cyrillic headers, choice names and, at first,
question names), an ODK household form with a multi-paragraph consent note, and answers
typed as people in Kazakhstan write numbers ('150 000', '1 500,5')."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from tests.webapp.surveys.surveys_support import answer_page, stored_responses
from webapp.extensions import db
from webapp.surveys.models import Survey, SurveyVersion


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The analyst's own spellings: languages named in their own tongue, the default language
# written in Kazakh, Cyrillic choice names used in a condition.
MINISTRY_HEADER = [
    "type",
    "name",
    "label::Қазақша",
    "label::Русский",
    "hint::Қазақша",
    "hint::Русский",
    "required",
    "relevant",
    "constraint",
    "constraint_message::Қазақша",
    "constraint_message::Русский",
]


def ministry_survey(block1: str = "blok1", block2: str = "blok2", list_name: str = "baga"):
    return [
        MINISTRY_HEADER,
        ["today", "today"],
        ["begin group", block1, "Жалпы мәліметтер", "Общие сведения"],
        ["select_one zhynysy", "gender", "Жынысыңыз", "Ваш пол", None, None, "yes"],
        [
            "integer",
            "age",
            "Жасыңыз",
            "Ваш возраст",
            "Толық жыл",
            "Полных лет",
            "yes",
            None,
            ". >= 16 and . <= 99",
            "16 мен 99 аралығы",
            "От 16 до 99",
        ],
        ["end group", block1],
        ["begin group", block2, "Мемлекеттік қызметтер", "Госуслуги"],
        [
            "select_one ia_zhok",
            "used",
            "Қызмет алдыңыз ба?",
            "Получали ли услугу?",
            None,
            None,
            "yes",
        ],
        [
            "select_multiple kanal",
            "channels",
            "Қай арна арқылы?",
            "Через какой канал?",
            None,
            None,
            "yes",
            "${used} = 'иә'",
        ],
        [
            f"select_one {list_name}",
            "score",
            "Бағалаңыз",
            "Оцените",
            None,
            None,
            None,
            "${used} = 'иә'",
        ],
        ["end group", block2],
    ]


def ministry_choices(list_name: str = "baga"):
    return [
        ["list_name", "name", "label::Қазақша", "label::Русский"],
        ["zhynysy", "ер", "Ер", "Мужской"],
        ["zhynysy", "әйел", "Әйел", "Женский"],
        ["ia_zhok", "иә", "Иә", "Да"],
        ["ia_zhok", "жоқ", "Жоқ", "Нет"],
        ["kanal", "егов", "eGov.kz", "eGov.kz"],
        ["kanal", "цон", "ХҚКО", "ЦОН"],
        *[[list_name, n, str(n), str(n)] for n in range(1, 6)],
    ]


MINISTRY_SETTINGS = [
    ["form_title", "form_id", "default_language", "version"],
    ["Азаматтар сауалнамасы", "citizens_kz", "Қазақша", 2024031501],
]


def stored_counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(Survey)),
            db.session.scalar(sa.select(sa.func.count()).select_from(SurveyVersion)),
        )


def test_cyrillic_names_are_refused_saying_names_are_written_in_latin_letters(
    app, runner, client, make_user, sign_in, tmp_path
):
    """pyxform takes 'блок1' as a name (it is an XML name); the platform keeps names to
    Latin letters, and must not tell an analyst that 'б' is not a letter."""
    data = _xlsx(
        {
            "survey": ministry_survey(block1="блок1", list_name="баға"),
            "choices": ministry_choices(list_name="баға"),
            "settings": [["form_id", "default_language"], ["сауалнама", "Қазақша"]],
        }
    )
    path = tmp_path / "Сауалнама.xlsx"
    path.write_bytes(data)
    result = runner.invoke(args=["surveys", "import", str(path), "--publish"])
    assert result.exit_code == 1
    output = result.output
    assert "must start with a letter" not in output
    assert (
        "sheet=survey row=3 column=name: the name 'блок1' has letters outside A-Z: write names "
        "in Latin letters, digits, '_', '-' and '.' (labels may use any alphabet)" in output
    )
    assert "sheet=choices row=8 column=list_name: the name 'баға' has letters outside A-Z" in (
        output
    )
    assert "sheet=settings row=2 column=form_id: form_id 'сауалнама' has letters outside A-Z" in (
        output
    )
    assert stored_counts(app) == (0, 0)

    sign_in(make_user("analyst"))
    response = client.post(
        "/surveys/new",
        data={"file": (io.BytesIO(data), "Сауалнама.xlsx"), "audience": "public", "state_body": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<td>survey</td><td>3</td><td>name</td>" in page
    assert "has letters outside A-Z" in page
    assert stored_counts(app) == (0, 0)


def test_the_still_valid_name_rule_is_kept_for_other_bad_names():
    from webapp.surveys.xlsform import XLSFormError, read_xlsform

    survey = ministry_survey(block1="1st_block")
    with pytest.raises(XLSFormError) as refused:
        read_xlsform(_xlsx({"survey": survey, "choices": ministry_choices()}), "form.xlsx")
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (3, "name")
    assert "'1st_block' must start with a letter" in problem.message


def test_a_today_field_with_a_cyrillic_name_is_not_said_to_be_usable_in_expressions():
    """'today' named 'сегодня' is ignored like any metadata; the note must not promise that
    ${сегодня} works in expressions (such a reference does not parse)."""
    from webapp.surveys.xlsform import read_xlsform

    survey = ministry_survey()
    survey[1] = ["today", "сегодня"]
    result = read_xlsform(_xlsx({"survey": survey, "choices": ministry_choices()}), "form.xlsx")
    [note] = [note for note in result.notes if "'today'" in note]
    assert (
        note == "survey row 2: metadata field 'today' is not collected on the web and was ignored"
    )


@pytest.mark.parametrize(
    ("language", "used", "age_message"), [("kk", "иә", "16 мен 99 аралығы"), ("ru", "жоқ", None)]
)
def test_the_ministry_form_with_latin_names_is_answered_and_exported(
    app, runner, client, make_user, sign_in, tmp_path, regions, language, used, age_message
):
    path = tmp_path / "Сауалнама 2024.xlsx"
    path.write_bytes(
        _xlsx(
            {
                "survey": ministry_survey(),
                "choices": ministry_choices(),
                "settings": MINISTRY_SETTINGS,
            }
        )
    )
    result = runner.invoke(args=["surveys", "import", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    assert "slug=citizens-kz" in result.output and "state=open" in result.output

    page = client.get(f"/s/citizens-kz?lang={language}").get_data(as_text=True)
    assert "Азаматтар сауалнамасы" in page
    assert ("Жасыңыз" if language == "kk" else "Ваш возраст") in page
    refused = answer_page(client, page, {"gender": "әйел", "age": "12"}, language=language)
    assert refused.status_code == 422
    assert (age_message or "От 16 до 99") in refused.get_data(as_text=True)
    moved_on = answer_page(
        client, refused.get_data(as_text=True), {"gender": "әйел", "age": "44"}, language=language
    )
    assert moved_on.status_code == 303
    services = client.get(moved_on.headers["Location"]).get_data(as_text=True)
    # Answers for the conditional questions are dropped when 'жоқ' hides them.
    done = answer_page(
        client,
        services,
        {"used": used, "channels": ["егов", "цон"], "score": "2"},
        language=language,
    )
    assert done.status_code == 200
    [stored] = stored_responses(app)
    expected = {"gender": "әйел", "age": 44, "used": used}
    if used == "иә":
        expected |= {"channels": ["егов", "цон"], "score": "2"}
    assert stored["answers"] == expected
    assert stored["language"] == language

    sign_in(make_user("analyst"))
    with app.app_context():
        survey_id = db.session.scalar(sa.select(Survey.id))
    results = client.get(f"/results/{survey_id}")
    assert results.status_code == 200
    assert "Жынысыңыз" in results.get_data(as_text=True)
    csv = client.get(f"/results/{survey_id}/export.csv").get_data(as_text=True)
    header, row = csv.lstrip("\ufeff").splitlines()[:2]
    assert header.endswith("gender,age,used,channels,channels/егов,channels/цон,score")
    if used == "иә":
        assert row.endswith(",әйел,44,иә,егов цон,1,1,2")
    else:
        assert row.endswith(",әйел,44,жоқ,,,,")
    workbook = load_workbook(io.BytesIO(client.get(f"/results/{survey_id}/export.xlsx").data))
    rows = list(workbook["responses"].iter_rows(values_only=True))
    assert "channels/цон" in rows[0] and "score" in rows[0]
    assert "әйел" in rows[1]


# An ODK household form as Collect users write it: English and Russian ('label::Русский
# (ru)'), phone metadata, a field-list group, a consent note of several paragraphs, a
# calculation shown in a note, amounts of money.
HOUSEHOLD_SURVEY = [
    [
        "type",
        "name",
        "label::English (en)",
        "label::Русский (ru)",
        "hint::English (en)",
        "hint::Русский (ru)",
        "guidance_hint::English (en)",
        "required",
        "relevant",
        "constraint",
        "constraint_message::English (en)",
        "constraint_message::Русский (ru)",
        "appearance",
        "calculation",
    ],
    ["start", "start"],
    ["end", "end"],
    ["today", "today"],
    ["deviceid", "deviceid"],
    [],
    [
        "note",
        "consent",
        "Hello.\nThis survey takes 10 minutes.\n\nYour answers are anonymous.",
        "Здравствуйте.\nОпрос займёт 10 минут.\n\nВаши ответы анонимны.",
    ],
    ["begin group", "hh", "Household", "Домохозяйство", *[None] * 8, "field-list"],
    [
        "integer",
        "adults ",
        "Adults",
        "Взрослые",
        "Aged 18 or more",
        "18 лет и старше",
        "Count the respondent too",
        "yes",
        None,
        ". > 0 and . < 30",
        "Between 1 and 29",
        "От 1 до 29",
    ],
    [
        "integer",
        "income",
        "Monthly income, tenge",
        "Доход в месяц, тенге",
        None,
        None,
        None,
        None,
        None,
        ". >= 0",
    ],
    ["decimal", "land", "Land, hectares", "Земля, га"],
    ["calculate", "per_adult", *[None] * 11, "round(${income} div ${adults}, 0)"],
    ["end group", "hh"],
    [
        "note",
        "summary",
        "Income per adult: ${per_adult}",
        "Доход на взрослого: ${per_adult}",
        "Check with the respondent.\nCorrect it on the previous page if needed.",
        "Уточните у респондента.\nИсправьте на предыдущей странице, если нужно.",
    ],
]


def household_page(app, client, language: str) -> str:
    """The household page of the form, once the consent page is passed."""
    from tests.webapp.surveys.surveys_support import make_survey

    make_survey(app, data=household_xlsx(), slug="household")
    page = client.get(f"/s/household?lang={language}").get_data(as_text=True)
    response = answer_page(client, page, {}, language=language)
    assert response.status_code == 303
    return client.get(response.headers["Location"]).get_data(as_text=True)


def household_xlsx() -> bytes:
    return _xlsx(
        {
            "survey": HOUSEHOLD_SURVEY,
            "choices": [["list_name", "name", "label::English (en)"]],
            "settings": [
                ["form_title", "form_id", "version", "default_language", "style"],
                ["Household survey", "hh_2024", "2024031501", "English (en)", "pages"],
            ],
        }
    )


@pytest.mark.parametrize(
    ("language", "income", "land", "stored_income", "stored_land"),
    [
        ("ru", "150 000", "1 500,5", 150000, 1500.5),
        ("ru", "1\u00a0200\u00a0000", "2,25", 1200000, 2.25),
        ("en", "150000", "12.5", 150000, 12.5),
    ],
)
def test_amounts_grouped_by_thousands_are_read_as_numbers(
    app, client, language, income, land, stored_income, stored_land
):
    """'150 000' is how a Kazakh or Russian respondent writes an amount of money; it was
    refused with 'Enter a whole number.'"""
    page = household_page(app, client, language)
    response = answer_page(
        client, page, {"adults": "2", "income": income, "land": land}, language=language
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    summary = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{stored_income // 2}" in summary  # the calculation read the number
    done = answer_page(client, summary, {}, language=language)
    assert done.status_code == 200
    [stored] = stored_responses(app)
    assert stored["answers"] == {"adults": 2, "income": stored_income, "land": stored_land}


@pytest.mark.parametrize("income", ["15 00", "1 0000", "150 000 тг", "1,500"])
def test_other_spacing_is_still_no_whole_number(app, client, income):
    page = household_page(app, client, "ru")
    response = answer_page(client, page, {"adults": "2", "income": income}, language="ru")
    assert response.status_code == 422
    assert "Введите целое число." in response.get_data(as_text=True)


def test_labels_left_untranslated_are_named_on_import(app, runner, client, tmp_path):
    """The analyst forgot the Russian label of the age question and of one choice: Russian
    respondents read those in Kazakh. pyxform says nothing (ODK Collect shows '-'); the
    import names the rows so that the author can fill them in."""
    survey = ministry_survey()
    survey[4][3] = None  # age: label::Русский left empty
    choices = ministry_choices()
    choices[6][3] = ""  # kanal/цон: label::Русский left empty
    path = tmp_path / "citizens.xlsx"
    path.write_bytes(_xlsx({"survey": survey, "choices": choices, "settings": MINISTRY_SETTINGS}))
    result = runner.invoke(args=["surveys", "import", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    assert (
        "note: survey rows 5: no label in ru; respondents answering in ru read these in "
        "another of the form's languages" in result.output
    )
    assert "note: choices rows 7: no label in ru;" in result.output
    assert "no label in kk" not in result.output

    page = client.get("/s/citizens-kz?lang=ru").get_data(as_text=True)
    assert "Ваш пол" in page and "Жасыңыз" in page  # the Kazakh label, the default language


def test_a_sheet_name_with_a_space_after_it_is_refused_not_skipped(app, runner, tmp_path):
    """'settings ' was skipped without a word: the form_id, the title and the default
    language (Kazakh, so the plain label column is Kazakh) were lost, and the form was
    imported as 'citizens' with English labels holding Kazakh text."""
    survey = [
        ["type", "name", "label", "label::Русский"],
        ["integer", "age", "Жасыңыз", "Ваш возраст"],
    ]
    workbook = Workbook()
    workbook.active.title = "survey"
    for row in survey:
        workbook["survey"].append(row)
    settings = workbook.create_sheet("settings ")
    settings.append(["form_id", "form_title", "default_language"])
    settings.append(["citizens_kz", "Азаматтар сауалнамасы", "Қазақша"])
    path = tmp_path / "citizens.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["surveys", "import", str(path)])
    assert result.exit_code == 1
    assert (
        "the sheet 'settings ' has a space before or after its name, so it is not read as the "
        "'settings' sheet; rename it 'settings'" in result.output
    )
    assert stored_counts(app) == (0, 0)

    workbook["settings "].title = "settings"
    workbook.save(path)
    result = runner.invoke(args=["surveys", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "slug=citizens-kz" in result.output


def test_a_workbook_of_one_sheet_is_read_whatever_its_name():
    from webapp.surveys.xlsform import read_xlsform

    data = _xlsx({"survey ": [["type", "name", "label"], ["text", "why", "Why?"]]})
    assert read_xlsform(data, "form.xlsx").definition.question("why").type == "text"


def test_a_filtered_check_box_list_says_to_choose_only_from_the_options_shown(app, client):
    """A select_multiple filtered by an answer on the same page (pyxform's cascading
    districts): picking a district of another region was answered "Choose one of the
    options shown.", which on check boxes reads as "pick a single one"."""
    from tests.webapp.surveys.surveys_support import make_survey

    survey = [
        ["type", "name", "label::English (en)", "label::Русский (ru)", "choice_filter"],
        ["select_one oblast", "oblast", "Region", "Область"],
        ["select_multiple district", "districts", "Districts", "Районы", "reg = ${oblast}"],
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::Русский (ru)", "reg", "comment"],
        ["oblast", "almaty", "Almaty", "Алматы"],
        ["oblast", "astana", "Astana", "Астана"],
        ["district", "medeu", "Medeu", "Медеу", "almaty", "mountains"],
        ["district", "bostandyk", "Bostandyk", "Бостандык", "almaty"],
        ["district", "yesil", "Yesil", "Есиль", "astana"],
    ]
    make_survey(app, data=_xlsx({"survey": survey, "choices": choices}), slug="districts")
    for language, message, wrong in (
        ("ru", "Выбирайте только из предложенных вариантов.", "Выберите один из"),
        ("en", "Choose only from the options shown.", "Choose one of"),
    ):
        page = client.get(f"/s/districts?lang={language}").get_data(as_text=True)
        refused = answer_page(
            client,
            page,
            {"oblast": "almaty", "districts": ["medeu", "yesil"]},
            language=language,
        )
        assert refused.status_code == 422
        html = refused.get_data(as_text=True)
        assert message in html and wrong not in html
        assert "Есиль" not in html and "Yesil" not in html  # the narrowed list
        done = answer_page(
            client, html, {"oblast": "almaty", "districts": ["medeu"]}, language=language
        )
        assert done.status_code == 200
    assert [row["answers"]["districts"] for row in stored_responses(app)] == [
        ["medeu"],
        ["medeu"],
    ]


def test_the_upload_page_shows_what_matters_before_the_phone_metadata(
    app, client, make_user, sign_in
):
    """A KoboToolbox form carries eight phone metadata rows by habit. Their notes came
    first and filled the eight notes the upload page shows, so the one that changes the
    form (or_other adds a question) was left to 'flask surveys import', which an analyst on
    the web cannot run."""
    metadata = ["start", "end", "today", "deviceid", "username", "simserial"]
    metadata += ["subscriberid", "phonenumber"]
    survey = [
        ["type", "name", "label::English (en)", "label::Русский (ru)"],
        *[[kind, kind] for kind in metadata],
        ["select_one services or_other", "service", "Which service?", "Какая услуга?"],
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::Русский (ru)"],
        ["services", "egov", "eGov", "eGov"],
        ["services", "con", "Service centre", "ЦОН"],
    ]
    sign_in(make_user("analyst"))
    response = client.post(
        "/surveys/new",
        data={
            "file": (io.BytesIO(_xlsx({"survey": survey, "choices": choices})), "kobo.xlsx"),
            "audience": "public",
            "state_body": "",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "(9 note(s))" in page
    assert "survey row 10: &#39;or_other&#39; adds the choice &#39;other&#39;" in page
    assert "metadata field &#39;start&#39; is not collected on the web" in page
    # The ninth is not flashed; it is listed with the others under the version.
    flashed, kept = page.split("Import notes (9)")
    assert "metadata field &#39;phonenumber&#39;" not in flashed
    assert "metadata field &#39;phonenumber&#39;" in kept


def test_a_misspelt_column_is_noted_before_metadata_and_kobo_bookkeeping():
    from webapp.surveys.xlsform import read_xlsform

    survey = [
        ["type", "name", "label", "relevnt", "$kuid", "$autoname"],
        ["start", "start", None, None, "k1", "start"],
        ["integer", "age", "Age", "${start} != ''", "k2", "age"],
    ]
    notes = read_xlsform(_xlsx({"survey": survey}), "kobo.xlsx").notes
    assert notes == [
        "survey sheet: column 'relevnt' was ignored",
        "survey row 2: metadata field 'start' is not collected on the web and was ignored",
        "survey sheet: column '$kuid' was ignored",
        "survey sheet: column '$autoname' was ignored",
    ]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Write 1500 or 1.5: in 1,500 the comma could mark thousands or decimals."),
        (
            "ru",
            "Напишите 1500 или 1.5: в записи 1,500 запятая может отделять и тысячи, "
            "и дробную часть.",
        ),
    ],
)
def test_a_comma_before_three_digits_is_asked_about_not_guessed(app, client, language, message):
    """'1,500 hectares' was stored as 1.5: a comma is the decimal mark in Kazakh and Russian,
    but an English respondent means fifteen hundred. The respondent is asked which."""
    page = household_page(app, client, language)
    response = answer_page(
        client, page, {"adults": "2", "income": "0", "land": "1,500"}, language=language
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    response = answer_page(
        client,
        response.get_data(as_text=True),
        {"adults": "2", "income": "0", "land": "1500"},
        language=language,
    )
    assert response.status_code == 303


@pytest.mark.parametrize(("typed", "stored"), [("1,5", 1.5), ("0,125", 0.125), ("12,25", 12.25)])
def test_other_decimal_commas_are_still_decimals(typed, stored):
    from webapp.surveys.answers import coerce_answer
    from webapp.surveys.definition import Question

    land = Question(name="land", type="decimal", label={"en": "Land"})
    assert coerce_answer(land, typed) == (stored, None)
