"""Constructs met in published XLSForms (pyxform's example forms, the ODK docs, Kobo tools
of humanitarian surveys), each on an .xlsx built here."""

from __future__ import annotations

import pytest

from tests.webapp.surveys.test_xlsform import problems_of, xlsx
from webapp.surveys.answers import validate_answers
from webapp.surveys.expressions import parse
from webapp.surveys.xlsform import export_xlsform, import_xlsform, read_xlsform


def _errors(definition, answers):
    return validate_answers(definition, None, answers)[1]


# pyxform's tests/example_xls/group.md: 'phone number' is a question (digits only), not the
# phone's own number; it was dropped as metadata, so the question vanished from the form.
def test_phone_number_type_is_a_digits_only_text_question():
    result = read_xlsform(
        xlsx(
            [
                ["type", "name", "label:English (en)", "constraint"],
                ["text", "family_name", "What's your family name?", None],
                ["begin group", "father", "Father", None],
                ["phone number", "phone_number", "What's your father's phone number?", None],
                ["phone number", "mobile", "Mobile", "string-length(.) = 11"],
                ["integer", "age", "How old is your father?", None],
                ["end group", None, None, None],
            ]
        )
    )
    definition = result.definition
    assert [q.name for q in definition.questions()] == [
        "family_name",
        "phone_number",
        "mobile",
        "age",
    ]
    phone = definition.question("phone_number")
    assert phone.type == "text"
    assert not any("phone number" in note for note in result.notes)
    assert "phone_number" in _errors(definition, {"phone_number": "+7 701 123"})
    assert "phone_number" not in _errors(definition, {"phone_number": "77011234567"})
    # The author's own check still applies, beside the digits-only one.
    assert "mobile" in _errors(definition, {"mobile": "123"})
    assert "mobile" in _errors(definition, {"mobile": "8701-123-456"})
    assert "mobile" not in _errors(definition, {"mobile": "87011234567"})
    assert import_xlsform(export_xlsform(definition)) == definition


@pytest.mark.parametrize(
    ("type_text", "top"),
    [("number of days in last month", 31), ("number of days in last year", 365)],
)
def test_pyxform_number_of_days_types_are_bounded_integers(type_text, top):
    definition = import_xlsform(xlsx([["type", "name", "label"], [type_text, "days", "Days"]]))
    assert definition.question("days").type == "integer"
    assert "days" not in _errors(definition, {"days": str(top)})
    assert "days" in _errors(definition, {"days": str(top + 1)})
    assert "days" in _errors(definition, {"days": "-1"})


def test_translate_function():
    assert parse("translate('a-b-c', '-', '')").evaluate({}) == "abc"
    assert parse("translate('abc', 'abc', 'AB')").evaluate({}) == "AB"
    assert parse("translate(., 'aa', 'xy')").evaluate({}, current="banana") == "bxnxnx"


# A WFP/NRC cash-assistance Kobo tool (MPCA evaluation) has 'label::English' and
# 'label: Arabic': 'Arabic' was "cannot tell which language", so the form was refused.
def test_languages_named_in_full_as_kobo_forms_write_them():
    definition = import_xlsform(
        xlsx(
            [
                ["type", "name", "label::English", "label: Arabic", "label::Français"],
                [
                    "select_one yes_no",
                    "consent",
                    "Do you agree?",
                    "هل توافق؟",
                    "Êtes-vous d'accord ?",
                ],
            ],
            [
                ["list_name", "name", "label::English", "label: Arabic", "label::Français"],
                ["yes_no", "yes", "Yes", "نعم", "Oui"],
                ["yes_no", "no", "No", "لا", "Non"],
            ],
            [["default_language"], ["English"]],
        )
    )
    assert definition.languages == ["en", "ar", "fr"]
    assert definition.question("consent").label == {
        "en": "Do you agree?",
        "ar": "هل توافق؟",
        "fr": "Êtes-vous d'accord ?",
    }
    assert definition.choice_lists["yes_no"][1].label["ar"] == "لا"
    assert import_xlsform(export_xlsform(definition)) == definition


@pytest.mark.parametrize(
    ("spelling", "code"),
    [("Spanish", "es"), ("Español", "es"), ("Арабский", "ar"), ("Pashto", "ps"), ("Dari", "fa-AF")],
)
def test_language_names_from_cldr(spelling, code):
    from webapp.surveys.xlsform import language_code

    assert language_code(spelling, "en") == code


def test_reading_language_names_leaves_no_locale_loaded():
    """Some 600 locales asked for their own names stayed in Babel's caches: about 150 MB in
    every web worker after the first form whose language header is a name."""
    from babel import localedata

    from webapp.surveys.xlsform import _language_names

    caches = [getattr(localedata, name, None) for name in ("_cache", "_dict_cache")]
    caches = [cache for cache in caches if isinstance(cache, dict)]
    if not caches:
        pytest.skip("this Babel keeps its locale cache elsewhere")
    _language_names.cache_clear()
    before = [set(cache) for cache in caches]
    assert _language_names()["français"] == "fr"
    for cache, loaded in zip(caches, before, strict=True):
        assert len(set(cache) - loaded) <= 3  # en, ru, kk at most


# The same MPCA tool totals household members as sum(${a}) + sum(${b}): sum() was an
# unsupported function, so the whole form was refused.
def test_sum_of_answers_counts_an_empty_answer_as_zero():
    definition = import_xlsform(
        xlsx(
            [
                ["type", "name", "label", "constraint", "calculation"],
                ["integer", "women", "Women 18-29", None, None],
                ["integer", "men", "Men 18-29", None, None],
                ["calculate", "tot_adults", None, None, "sum(${women})+sum(${men})"],
                ["integer", "employed", "How many adults work?", ".=0 or.<=${tot_adults}", None],
            ]
        )
    )
    assert "employed" not in _errors(definition, {"women": "2", "employed": "2"})
    assert "employed" in _errors(definition, {"women": "2", "employed": "3"})
    assert "employed" not in _errors(definition, {"employed": "0"})
    assert parse("sum('')").evaluate({}) == 0
    assert parse("sum('2.5')").evaluate({}) == 2.5


# pyxform's tests/example_xls/specify_other.md and Kobo's 'select_one list or_other': refused
# before; now read as pyxform reads it, with the added texts in the form's languages.
def test_or_other_adds_an_other_choice_and_a_follow_up_question(app):
    data = xlsx(
        [
            ["type", "name", "label::Kazakh (kk)", "label::Russian (ru)", "required"],
            ["begin group", "work", "Жұмыс", "Работа", None],
            ["select one from yn or specify other", "employed", "Жұмыс?", "Работаете?", "yes"],
            ["select_multiple yn or_other", "also", "Тағы?", "Ещё?", None],
            ["end group", None, None, None, None],
        ],
        [
            ["list_name", "name", "label::Kazakh (kk)", "label::Russian (ru)"],
            ["yn", "yes", "Иә", "Да"],
            ["yn", "no", "Жоқ", "Нет"],
        ],
    )
    with app.app_context():
        result = read_xlsform(data)
    definition = result.definition
    assert [q.name for q in definition.questions()] == [
        "employed",
        "employed_other",
        "also",
        "also_other",
    ]
    assert [c.name for c in definition.choice_lists["yn"]] == ["yes", "no", "other"]
    assert definition.choice_lists["yn"][2].label == {"kk": "Басқа", "ru": "Другое"}
    other = definition.question("employed_other")
    assert other.type == "text" and other.label == {
        "kk": "Басқасын көрсетіңіз.",
        "ru": "Укажите другое.",
    }
    assert any("'or_other' adds the choice 'other'" in note for note in result.notes)
    clean, errors = validate_answers(
        definition, None, {"employed": "other", "employed_other": "Фриланс", "also": ["no"]}
    )
    assert errors == {} and clean["employed_other"] == "Фриланс"
    clean, errors = validate_answers(definition, None, {"employed": "yes", "employed_other": "x"})
    assert "employed_other" not in clean  # hidden unless 'other' is chosen
    assert import_xlsform(export_xlsform(definition)) == definition


def test_or_other_keeps_an_existing_other_choice_and_refuses_a_choice_filter():
    definition = import_xlsform(
        xlsx(
            [["type", "name", "label"], ["select_one yn or_other", "q", "Q"]],
            [
                ["list_name", "name", "label"],
                ["yn", "yes", "Yes"],
                ["yn", "other", "Something else"],
            ],
        )
    )
    assert [c.label for c in definition.choice_lists["yn"]] == [
        {"en": "Yes"},
        {"en": "Something else"},
    ]
    assert definition.question("q_other").label == {"en": "Specify other."}
    from webapp.surveys.xlsform import XLSFormError

    with pytest.raises(XLSFormError) as caught:
        import_xlsform(
            xlsx(
                [
                    ["type", "name", "label", "choice_filter"],
                    ["text", "a", "A", None],
                    ["select_one yn or_other", "q", "Q", "name != ${a}"],
                ],
                [["list_name", "name", "label"], ["yn", "yes", "Yes"]],
            )
        )
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (3, "choice_filter")
    assert "'or_other'" in problem.message


# The ODK docs' tip calculator and the MPCA tool's "Total number of household members:
# ${hh_size}" show calculations in a note: the label read '${tip_18}' as written, and the
# importer said the calculation was unused and that answers are not inserted into labels.
TIP_FORM = [
    ["type", "name", "label", "calculation"],
    ["decimal", "bill_amount", "Bill amount:", None],
    ["calculate", "tip_18", None, "round((${bill_amount} * 0.18),2)"],
    ["calculate", "tip_18_total", None, "${bill_amount} + ${tip_18}"],
    [
        "note",
        "tip_18_note",
        "Bill: $${bill_amount}; Tip: $${tip_18}; Total: $${tip_18_total}",
        None,
    ],
    ["integer", "a", "a =", None],
    ["integer", "b", "b =", None],
    ["calculate", "a_plus_b", None, "if(${a} != '' and ${b} != '', ${a} + ${b}, '')"],
    ["calculate", "total", None, "sum(${a}) + sum(${b})"],
    ["note", "display_sum", "a + b = ${a_plus_b} (${total}); ${bill_amount} div 0 = ${inf}", None],
    ["calculate", "inf", None, "${bill_amount} div 0"],
]


def test_calculations_shown_in_labels_are_kept_and_worked_out():
    result = read_xlsform(xlsx(TIP_FORM))
    definition = result.definition
    assert definition.calculations == {
        "tip_18": "round((${bill_amount} * 0.18),2)",
        "tip_18_total": "${bill_amount} + (round((${bill_amount} * 0.18),2))",
        "a_plus_b": "if(${a} != '' and ${b} != '', ${a} + ${b}, '')",
        "total": "sum(${a}) + sum(${b})",
        "inf": "${bill_amount} div 0",
    }
    assert not any("not used" in note or "not inserted" in note for note in result.notes)
    assert definition.calculated_text("tip_18_total", {"bill_amount": 55.88}) == "65.94"
    assert definition.calculated_text("a_plus_b", {"a": 2}) == ""
    assert definition.calculated_text("total", {"a": 2}) == "2"
    assert definition.calculated_text("inf", {"bill_amount": 1}) == ""
    assert definition.calculated_text("bill_amount", {"bill_amount": 1}) is None
    assert import_xlsform(export_xlsform(definition)) == definition
    from webapp.surveys.definition import definition_from_json, definition_to_json

    assert definition_from_json(definition_to_json(definition)) == definition


def test_bad_calculations_in_a_stored_definition_are_refused():
    from webapp.surveys.definition import DefinitionError, SurveyDefinition

    data = import_xlsform(xlsx(TIP_FORM)).to_dict()
    data["calculations"] = {"a": "1", "x y": "2", "late": "${nobody} + 1", "dot": ". + 1"}
    with pytest.raises(DefinitionError) as caught:
        SurveyDefinition.from_dict(data)
    text = "\n".join(caught.value.problems)
    assert "the calculation 'a' has the name of a question or page" in text
    assert "calculation name 'x y' is not a valid name" in text
    assert "refers to unknown question ${nobody}" in text
    assert "uses '.'" in text


def test_respondent_sees_calculations_in_a_note(app, client):
    from tests.webapp.surveys.surveys_support import answer_page, make_survey

    survey = [
        TIP_FORM[0],
        ["begin group", "bill", "Bill", None],
        TIP_FORM[1],
        ["end group", None, None, None],
        ["begin group", "summary", "Summary", None],
        *TIP_FORM[2:],
        ["end group", None, None, None],
    ]
    make_survey(app, data=xlsx(survey), slug="tips")
    page = client.get("/s/tips?lang=en").get_data(as_text=True)
    response = answer_page(client, page, {"bill_amount": "55.88"}, language="en")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bill: $55.88; Tip: $10.06; Total: $65.94" in page
    assert "${" not in page


# pyxform's case_insensitivity.md: the external_choices, entities and osm sheets were the
# only problems shown; the survey rows using them (select_one_external, 'osm c1') came to
# light only after those sheets were deleted, and 'osm c1' was an "unsupported question type".
def test_sheet_and_row_problems_are_reported_together():
    data = xlsx(
        [
            ["TYPE", "NAME", "LABEL::EN", "CHOICE_FILTER"],
            ["select_one c1", "q1", "Are you good?", None],
            ["select_one_external c1", "q2", "Where are you?", "YES_NO=${q1}"],
            ["osm c1", "q3", "Where exactly?", None],
        ],
        [["LIST_NAME", "NAME", "LABEL::EN"], ["c1", "n1-c", "l1-c"], ["c1", "n2-c", "l2-c"]],
        [["FORM_TITLE", "FORM_ID", "DEFAULT_LANGUAGE"], ["Yes or no", "YesNo", "EN"]],
        extra_sheets={
            "EXTERNAL_CHOICES": [
                ["LIST_NAME", "NAME", "LABEL", "YES_NO"],
                ["c1", "n1-e", "l1-e", "yes"],
            ],
            "ENTITIES": [["DATASET", "LABEL"], ["e1", "l1"]],
            "OSM": [["LIST_NAME", "NAME", "LABEL"], ["c1", "n1-o", "l1-o"]],
        },
    )
    from webapp.surveys.xlsform import XLSFormError

    with pytest.raises(XLSFormError) as caught:
        import_xlsform(data)
    found = {(p.sheet, p.row): p.message for p in caught.value.problems}
    assert set(found) == {
        ("external_choices", None),
        ("entities", None),
        ("osm", None),
        ("survey", 3),
        ("survey", 4),
    }
    assert "select_one_external is not supported" in found["survey", 3]
    assert found["survey", 4].startswith("'osm c1': location questions")


# pyxform's widgets.csv (an old form) writes relevant as selected(/widgets/branch, 'n'):
# the message was "unexpected character '/'".
@pytest.mark.parametrize(
    ("text", "path", "name"),
    [
        ("selected(/widgets/branch, 'n')", "'/widgets/branch'", "branch"),
        ("../age > 3", "'../age'", "age"),
    ],
)
def test_xpath_paths_are_refused_naming_the_reference_to_write(text, path, name):
    from webapp.surveys.xlsform import XLSFormError

    with pytest.raises(XLSFormError) as caught:
        import_xlsform(
            xlsx(
                [
                    ["type", "name", "label", "relevant"],
                    ["integer", "age", "Age", None],
                    ["text", "q", "Q", text],
                ]
            )
        )
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (3, "relevant")
    assert problem.message == (
        f"XPath paths such as {path} are not supported; refer to the question as ${{{name}}}"
    )


# A calculation only shown in a label must not block the form when it cannot be worked out
# (decimal-date-time() is not supported): the label shows it as written and a note says why.
def test_a_label_only_calculation_that_cannot_be_worked_out_is_noted_not_refused():
    result = read_xlsform(
        xlsx(
            [
                ["type", "name", "label", "calculation", "relevant"],
                ["date", "dob", "Date of birth", None, None],
                ["calculate", "age_years", None, "int((today() - ${dob}) div 365.25)", None],
                ["calculate", "birth_year", None, "decimal-date-time(${dob})", None],
                ["note", "age_note", "You are ${age_years} (born ${birth_year})", None, None],
                ["integer", "children", "Children?", None, "${age_years} >= 16"],
            ]
        )
    )
    definition = result.definition
    assert set(definition.calculations) == {"age_years"}
    assert definition.question("children").relevant == (
        "(int((today() - ${dob}) div 365.25)) >= 16"
    )
    [note] = [n for n in result.notes if "${birth_year} in the label" in n]
    assert note.startswith(
        "survey row 5: ${birth_year} in the label is shown as written: row 4 unsupported "
        "function decimal-date-time()"
    )
    # Used in a condition, the same calculation still refuses the form on its own row.
    from webapp.surveys.xlsform import XLSFormError

    with pytest.raises(XLSFormError) as caught:
        import_xlsform(
            xlsx(
                [
                    ["type", "name", "label", "calculation", "relevant"],
                    ["date", "dob", "Date of birth", None, None],
                    ["calculate", "birth_year", None, "decimal-date-time(${dob})", None],
                    ["note", "n", "Born ${birth_year}", None, None],
                    ["integer", "q", "Q", None, "${birth_year} > 2000"],
                ]
            )
        )
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (3, "calculation")
    assert "decimal-date-time()" in problem.message


# regex() is the usual phone/ID check of real forms (xlsform.org, Kobo tools); the patterns
# that are a fixed prefix and one character class are checked without a regular expression.
@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        ("^[0-9]{10}$", ["0123456789"], ["012345678", "01234567890", "01234x6789"]),
        ("^\\d{10}$", ["0123456789"], ["012345678"]),
        ("^7\\d{10}$", ["77011234567"], ["87011234567", "7701123456", "7701123456a"]),
        ("^\\+7[0-9]{10}$", ["+77011234567"], ["77011234567", "+7701123456"]),
        ("^[A-Za-z ]{2,5}$", ["Ab c", "xy"], ["x", "abcdef", "ab1"]),
        ("^[0-9]+$", ["1", "123"], ["1a", "-1"]),
    ],
)
def test_simple_regex_patterns_are_checked_without_a_regular_expression(pattern, good, bad):
    result = read_xlsform(
        xlsx(
            [["type", "name", "label", "constraint"], ["text", "q", "Q", f"regex(., '{pattern}')"]]
        )
    )
    definition = result.definition
    assert "regex(" not in definition.question("q").constraint
    assert any("is checked as" in note and "regex(" in note for note in result.notes)
    for value in good:
        assert "q" not in _errors(definition, {"q": value}), value
    for value in bad:
        assert "q" in _errors(definition, {"q": value}), value


@pytest.mark.parametrize("pattern", ["^[a-z]+@[a-z]+$", "[0-9]{3}", "^+7[0-9]$", "^[^0-9]+$"])
def test_other_regex_patterns_are_still_refused_by_name(pattern):
    from webapp.surveys.xlsform import XLSFormError

    with pytest.raises(XLSFormError) as caught:
        import_xlsform(
            xlsx(
                [
                    ["type", "name", "label", "constraint"],
                    ["text", "q", "Q", f"regex(., '{pattern}')"],
                ]
            )
        )
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (2, "constraint")
    assert "unsupported function regex()" in problem.message


# Kobo forms show a choice's label with calculate x = jr:choice-name(${q}, '${q}') and
# "${x}" in a note; jr:choice-name() is refused in conditions, but here it reads as ${q},
# which the respondent's page already shows as the choice label in their language.
def test_choice_name_calculation_in_a_label_shows_the_choice_label(app, client):
    from tests.webapp.surveys.surveys_support import make_survey

    data = xlsx(
        [
            ["type", "name", "label::Kazakh (kk)", "label::Russian (ru)", "calculation"],
            ["begin group", "p1", "Бірінші", "Первая", None],
            ["select_one city", "city", "Қала?", "Город?", None],
            ["end group", None, None, None, None],
            ["calculate", "city_label", None, None, "jr:choice-name(${city}, '${city}')"],
            ["begin group", "p2", "Екінші", "Вторая", None],
            ["note", "n", "Сіз ${city_label} таңдадыңыз", "Вы выбрали ${city_label}", None],
            ["end group", None, None, None, None],
        ],
        [
            ["list_name", "name", "label::Kazakh (kk)", "label::Russian (ru)"],
            ["city", "ast", "Астана", "Астана"],
            ["city", "ala", "Алматы қаласы", "город Алматы"],
        ],
    )
    definition = import_xlsform(data)
    assert definition.question("n").label == {
        "kk": "Сіз ${city} таңдадыңыз",
        "ru": "Вы выбрали ${city}",
    }
    assert definition.calculations == {}
    make_survey(app, data=data, slug="cities")
    from tests.webapp.surveys.surveys_support import answer_page

    page = client.get("/s/cities?lang=ru").get_data(as_text=True)
    response = answer_page(client, page, {"city": "ala"}, language="ru")
    assert response.status_code == 303
    assert "Вы выбрали город Алматы" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


# Health and household forms show a birth year or a visit date with format-date().
def test_format_date_as_odk_collect_writes_it():
    assert parse("format-date(${d}, '%Y')").evaluate({"d": "1990-03-07"}) == "1990"
    assert parse("format-date(${d}, '%d/%m/%y %e.%n %b %a')").evaluate({"d": "1990-03-07"}) == (
        "07/03/90 7.3 Mar Wed"
    )
    assert parse("format-date(${d}, '%Y')").evaluate({"d": ""}) == ""
    assert parse("format-date(today(), '100%')").evaluate({}) == "100%"
    definition = import_xlsform(
        xlsx(
            [
                ["type", "name", "label", "calculation"],
                ["date", "dob", "Date of birth", None],
                ["calculate", "birth_year", None, "format-date(${dob}, '%Y')"],
                ["note", "n", "Born in ${birth_year}", None],
            ]
        )
    )
    assert definition.calculated_text("birth_year", {"dob": "1990-03-07"}) == "1990"


def test_exported_headers_name_other_languages_too():
    from io import BytesIO

    from openpyxl import load_workbook

    definition = import_xlsform(
        xlsx(
            [
                ["type", "name", "label::English", "label: Arabic", "label::Dari"],
                ["text", "q", "Q", "س", "پ"],
            ],
            settings=[["default_language"], ["English"]],
        )
    )
    exported = export_xlsform(definition)
    header = [cell.value for cell in load_workbook(BytesIO(exported))["survey"][1]]
    assert {"label::English (en)", "label::Arabic (ar)", "label::Dari (fa-AF)"} <= set(header)
    assert import_xlsform(exported) == definition


# The MPCA tool in English and Arabic imports; the Arabic texts are kept, but respondents
# answer in kk/ru/en only, which the analyst was not told (?lang=ar showed English).
def test_languages_respondents_are_not_offered_are_named_on_import(app, runner, tmp_path):
    path = tmp_path / "mpca.xlsx"
    path.write_bytes(
        xlsx(
            [["type", "name", "label::English", "label: Arabic"], ["text", "q", "Name?", "الاسم؟"]],
            settings=[["default_language"], ["English"]],
        )
    )
    result = runner.invoke(args=["surveys", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "note: the form's texts in ar are kept, but respondents answer in en only "
        "(the languages of this platform)"
    ) in result.output
    kazakh_only = tmp_path / "kk.xlsx"
    kazakh_only.write_bytes(xlsx([["type", "name", "label::kk"], ["text", "q", "Атыңыз?"]]))
    result = runner.invoke(args=["surveys", "import", str(kazakh_only)])
    assert result.exit_code == 0 and "respondents answer in" not in result.output


# pyxform's test_range.py: 'start = 1 , end = 10 , step = 2' is read by pyxform; each piece
# ('start', '=', '1', ...) was refused as 'not a range parameter' (nine problems on one row).
@pytest.mark.parametrize(
    "parameters", ["start = 1 , end = 10 , step = 2", "start=1 end = 10;step= 2", "Start =1,END=10"]
)
def test_range_parameters_may_have_spaces_around_equals(parameters):
    definition = import_xlsform(
        xlsx([["type", "name", "label", "parameters"], ["range", "level", "Scale", parameters]])
    )
    step = "2" if "2" in parameters else "1"
    assert definition.question("level").parameters == {"start": "1", "end": "10", "step": step}


# pyxform's test_choices_sheet.py: a choice label '${q1}' (a question's answer as a choice).
# The respondent's page does not insert answers into choices, so it read '${q1}' as written,
# and nothing told the analyst; a name that is no question (${q1x}) was accepted too.
@pytest.mark.parametrize("reference", ["q0", "q1x"])
def test_a_reference_in_a_choice_label_is_refused_on_its_row(reference):
    problems = problems_of(
        xlsx(
            [["type", "name", "label"], ["text", "q0", "Q0"], ["select_one c1", "q1", "Q1"]],
            [
                ["list_name", "name", "label::English (en)", "label::Russian (ru)"],
                ["c1", "n1", "Other", "Другое"],
                ["c1", "n2", f"Same as ${{{reference}}}", f"Как ${{{reference}}}"],
            ],
        )
    )
    assert [(p.sheet, p.row, p.column) for p in problems] == [("choices", 3, "label")]
    assert f"${{{reference}}} in a choice label is not supported" in problems[0].message


# pyxform's test_sheet_columns.py: a question with neither label nor hint is an error there
# ("no label or hint"); here it was stored in silence and respondents saw an answer field with
# no text. The designer keeps such drafts (its export must import again), so a note says it.
def test_a_question_without_label_or_hint_is_named_in_a_note():
    result = read_xlsform(
        xlsx(
            [
                ["type", "name", "label", "hint"],
                ["text", "a", None, "Only a hint"],
                ["integer", "b", None, None],
                ["text", "c", "C", None],
            ]
        )
    )
    assert [note for note in result.notes if "no label" in note] == [
        "survey row 3: the question 'b' has no label or hint; respondents see an answer "
        "field with no text"
    ]
    assert result.definition.question("a").hint == {"en": "Only a hint"}


# pyxform's test_notes.py: a note shows the picked choice's label with
# instance('c1')/root/item[name = ${q1}]/label; it was shown to respondents as written.
def test_a_choice_label_lookup_in_a_label_shows_the_answer(app):
    definition = import_xlsform(
        xlsx(
            [
                ["type", "name", "label::English (en)", "label::Russian (ru)"],
                ["select_one c1", "q1", "Q1", "В1"],
                [
                    "note",
                    "n",
                    "You said instance('c1')/root/item[name = ${q1}]/label.",
                    'Вы ответили instance("c1")/root/item[name=${q1}]/label.',
                ],
            ],
            [
                ["list_name", "name", "label::English (en)", "label::Russian (ru)"],
                ["c1", "y", "Yes", "Да"],
                ["c1", "n", "No", "Нет"],
            ],
        )
    )
    assert definition.question("n").label == {
        "en": "You said ${q1}.",
        "ru": "Вы ответили ${q1}.",
    }
    from webapp.surveys.services.responding import piped_text

    with app.test_request_context():
        shown = piped_text(
            definition.text(definition.question("n").label, "ru"), definition, {"q1": "n"}, "ru", {}
        )
    assert shown == "Вы ответили Нет."


def test_other_choice_list_lookups_in_labels_are_refused_on_their_row():
    problems = problems_of(
        xlsx(
            [
                ["type", "name", "label", "hint"],
                ["select_one c1", "q1", "Q1", None],
                ["text", "t", "T", "Size: instance('c1')/root/item[contains(name, ${q1})]/label"],
                ["note", "n", "instance('c2')/root/item[name = ${q1}]/label", None],
            ],
            [["list_name", "name", "label"], ["c1", "y", "Yes"], ["c2", "y", "Yes"]],
        )
    )
    assert [(p.sheet, p.row, p.column) for p in problems] == [
        ("survey", 3, "hint"),
        ("survey", 4, "label"),
    ]
    assert problems[0].message.startswith("instance('c1')...: lookups in choice lists")


# pyxform's test_sheet_columns.py has 'Form_ID: My Form'; a choice list named 1 is an Excel
# number cell. Both were refused with no sheet, row or column ("sheet=- row=-"), so the
# analyst had to guess where the bad name was.
def test_bad_form_id_and_list_name_are_refused_on_their_cells():
    survey = [["type", "name", "label"], ["select_one 1", "q", "Q"], ["select_one ok", "r", "R"]]
    choices = [["list_name", "name", "label"], [1, "a", "A"], [1, "b", "B"], ["ok", "a", "A"]]
    problems = problems_of(xlsx(survey, choices))
    assert [(p.sheet, p.row, p.column) for p in problems] == [("choices", 2, "list_name")]
    assert problems[0].message.startswith("the name '1' must start with a letter")
    choices[1][0] = choices[2][0] = "one"
    survey[1][0] = "select_one one"
    problems = problems_of(xlsx(survey, choices, [["Form_ID", "Form_Title"], ["My Form", "Hi"]]))
    assert [(p.sheet, p.row, p.column) for p in problems] == [("settings", 2, "form_id")]
    assert problems[0].message.startswith("form_id 'My Form' must start with a letter")


# A form whose columns are all in other languages (label::Portuguese (pt-BR),
# label::Spanish (es-419)) and no default_language: English was added to its languages with
# no text at all, so it passed the platform's kk/ru/en check and respondents read Portuguese
# under 'English' - while the same form with default_language: Portuguese was refused.
def test_a_form_with_no_text_in_the_fallback_language_takes_its_own(app, runner, tmp_path):
    foreign = [
        ["type", "name", "label::Portuguese (pt-BR)", "label::Spanish (es-419)"],
        ["text", "q", "Nome", "Nombre"],
    ]
    definition = import_xlsform(xlsx(foreign))
    assert (definition.languages, definition.default_language) == (["pt-BR", "es-419"], "pt-BR")
    assert definition.title == {"pt-BR": "survey"}
    path = tmp_path / "foreign.xlsx"
    path.write_bytes(xlsx(foreign))
    result = runner.invoke(args=["surveys", "import", str(path)])
    assert result.exit_code == 1
    assert "the form has no Kazakh (kk), Russian (ru) or English (en) text" in result.output
    # A platform language among them is the default; no English without text is added.
    mixed = import_xlsform(
        xlsx([["type", "name", "label: Arabic", "label::Russian (ru)"], ["text", "q", "؟", "Имя"]])
    )
    assert (mixed.languages, mixed.default_language) == (["ar", "ru"], "ru")
    # Plain columns are still in English, and a default_language still decides.
    plain = import_xlsform(
        xlsx([["type", "name", "label", "label::ru"], ["text", "q", "Name", "Имя"]])
    )
    assert (plain.languages, plain.default_language) == (["ru", "en"], "en")
    given = import_xlsform(
        xlsx(
            [["type", "name", "label::Arabic (ar)", "label::ru"], ["text", "q", "؟", "Имя"]],
            settings=[["default_language"], ["ar"]],
        )
    )
    assert (given.languages, given.default_language) == (["ar", "ru"], "ar")


# pyxform's test_randomize_itemsets.py: 'randomize=true, seed=42' on a select. The note said
# only "parameters were ignored", not which ones nor that the choices keep the sheet's order
# (order effects matter to the analyst); settings that say where and how answers go
# (submission_url, public_key) were kept in silence.
def test_ignored_select_parameters_and_delivery_settings_are_named():
    result = read_xlsform(
        xlsx(
            [
                ["type", "name", "label", "parameters"],
                ["select_one c", "a", "A", "randomize=true, seed=42"],
                ["select_one c", "b", "B", "step=10"],
            ],
            [["list_name", "name", "label"], ["c", "x", "X"], ["c", "y", "Y"]],
            [["submission_url", "public_key"], ["https://example.org/submit", "MIIBIjANBgkq"]],
        )
    )
    assert result.notes == [
        "settings: public_key was ignored; responses are not encrypted with this key",
        "settings: submission_url was ignored; responses are sent to this platform only",
        "survey row 2: parameters 'randomize=true, seed=42' were ignored; choices are not "
        "shuffled but shown in the order of the choices sheet",
        "survey row 3: parameters 'step=10' were ignored",
    ]


# Kobo's form builder writes coloured text as <span style="color:red">...</span>, and ODK
# Collect renders markdown (**bold**, *italic*, # heading, [text](url)). The web pages show
# texts as plain text, so respondents read the tags and asterisks as written, in silence.
def test_html_tags_and_markdown_in_texts_are_removed_with_a_note():
    result = read_xlsform(
        xlsx(
            [
                ["type", "name", "label::English (en)", "label::Russian (ru)", "hint"],
                [
                    "note",
                    "intro",
                    '<span style="color:red">**Important**</span>: read <b>this</b>',
                    "# Важно\nПрочтите *это*",
                    None,
                ],
                ["integer", "n", "Price is 5 * 3?", "Цена 5 * 3?", "See [rules](https://x.org/r)"],
                ["select_one c", "c", "Pick", "Выберите", None],
            ],
            [["list_name", "name", "label"], ["c", "a", "<i>A</i>"], ["c", "b", "B_2"]],
        )
    )
    definition = result.definition
    assert definition.question("intro").label == {
        "en": "Important: read this",
        "ru": "Важно\nПрочтите это",
    }
    # Arithmetic and underscores in names are no formatting.
    assert definition.question("n").label == {"en": "Price is 5 * 3?", "ru": "Цена 5 * 3?"}
    assert definition.question("n").hint == {"en": "See rules (https://x.org/r)"}
    assert [choice.label for choice in definition.choice_lists["c"]] == [{"en": "A"}, {"en": "B_2"}]
    assert [note for note in result.notes if "formatting" in note] == [
        f"{sheet} row {row}: formatting in {column} (HTML tags such as <span>, markdown such "
        "as **bold**) was removed; respondents see plain text"
        for sheet, row, column in [
            ("choices", 2, "label"),
            ("survey", 2, "label"),
            ("survey", 3, "hint"),
        ]
    ]


# pyxform leaves out rows marked in its (deprecated, still met) 'disabled' column; here the
# column was "ignored", so a question its author had switched off was asked after all.
def test_disabled_rows_are_left_out():
    result = read_xlsform(
        xlsx(
            [
                ["type", "name", "label", "disabled"],
                ["text", "a", "A", None],
                ["text", "b", "B", "yes"],
                ["integer", "c", "C", "TRUE"],
                ["text", "d", "D", "no"],
            ]
        )
    )
    assert [q.name for q in result.definition.questions()] == ["a", "d"]
    assert result.notes == [
        f"survey row {row}: the row is disabled (column 'disabled') and was left out of the form"
        for row in (3, 4)
    ]


# pyxform's bind:: and body:: columns (bind::jr:preload, body::accuracyThreshold, from its
# test forms and ODK's docs) were dropped without a word, unlike every other unknown column.
def test_unread_bind_and_body_columns_are_noted():
    result = read_xlsform(
        xlsx(
            [
                [
                    "type",
                    "name",
                    "label",
                    "bind::jr:preload",
                    "body::accuracyThreshold",
                    "required",
                    "constraint_message",
                    "appearance",
                ],
                ["text", "a", "A", "property", "5", "yes", "Bad", "multiline"],
            ]
        )
    )
    assert result.notes == [
        "survey sheet: column 'bind::jr:preload' was ignored",
        "survey sheet: column 'body::accuracyThreshold' was ignored",
    ]
    question = result.definition.question("a")
    assert (question.required, question.appearance) == (True, "multiline")


# pyxform's test_choices_sheet.py writes choice_filter 'true()' (a dynamic list that keeps
# every choice); it was refused as "does not use any choice column".
@pytest.mark.parametrize("choice_filter", ["true()", "1 = 1", " true() "])
def test_a_choice_filter_that_keeps_every_choice_is_left_out(choice_filter):
    result = read_xlsform(
        xlsx(
            [["type", "name", "label", "choice_filter"], ["select_one c", "a", "A", choice_filter]],
            [["list_name", "name", "label"], ["c", "1", "One"], ["c", "2", "Two"]],
        )
    )
    assert result.definition.question("a").choice_filter is None
    assert result.notes == [
        f"survey row 2: choice_filter {choice_filter.strip()!r} keeps every choice and was left out"
    ]


@pytest.mark.parametrize("choice_filter", ["false()", "today() > date('2020-01-01')"])
def test_other_choice_filters_without_a_choice_column_are_still_refused(choice_filter):
    problems = problems_of(
        xlsx(
            [["type", "name", "label", "choice_filter"], ["select_one c", "a", "A", choice_filter]],
            [["list_name", "name", "label"], ["c", "1", "One"]],
        )
    )
    assert [(p.sheet, p.row) for p in problems] == [("survey", 2)]
    assert "does not use any choice column" in problems[0].message


# 'select one from LIST' is XLSForm, 'select multiple from LIST' is not (pyxform refuses it
# too), but authors write it by analogy; the refusal listed the supported types without
# saying how to write this one.
@pytest.mark.parametrize("type_text", ["select multiple from fruits", "Select Multiple fruits"])
def test_select_multiple_spelled_out_is_refused_with_the_spelling_to_use(type_text):
    problems = problems_of(
        xlsx(
            [
                ["type", "name", "label"],
                ["select one from fruits", "a", "A"],
                [type_text, "b", "B"],
            ],
            [["list_name", "name", "label"], ["fruits", "apple", "Apple"]],
        )
    )
    assert [(p.sheet, p.row, p.column, p.message) for p in problems] == [
        (
            "survey",
            3,
            "type",
            f"unsupported question type '{type_text}'; write 'select_multiple fruits' or "
            "'select all that apply from fruits'",
        )
    ]


# Spreadsheet habits met in Kobo forms: 'AND' in capitals and '==' for equality. Both are
# refused as before (XPath has neither), but the message now says what to write instead of
# only "unexpected 'AND'" / "unexpected '='".
@pytest.mark.parametrize(
    ("relevant", "hint"),
    [
        ("${a} > 1 AND ${a} < 5", "unexpected 'AND'; write the operator in lower case: 'and'"),
        ("${a} = 1 Or ${a} = 2", "unexpected 'Or'; write the operator in lower case: 'or'"),
        ("${a} == 1", "'==' is not an operator; compare with a single '='"),
        ("${a} = = 1", "'==' is not an operator; compare with a single '='"),
    ],
)
def test_capital_operators_and_double_equals_are_refused_saying_what_to_write(relevant, hint):
    problems = problems_of(
        xlsx(
            [
                ["type", "name", "label", "relevant"],
                ["integer", "a", "A", None],
                ["text", "b", "B", relevant],
            ]
        )
    )
    assert [(p.sheet, p.row, p.column) for p in problems] == [("survey", 3, "relevant")]
    assert problems[0].message.startswith(hint)


# pyxform 4 reads tick_interval, placeholder and tick_labelset on a range (how ODK Collect
# draws the slider); each was refused here as "not a range parameter".
def test_range_display_parameters_are_ignored_with_a_note():
    result = read_xlsform(
        xlsx(
            [
                ["type", "name", "label", "parameters"],
                ["range", "r", "Rate", "start=0 end=10 step=1 tick_interval=2 placeholder=5"],
            ]
        )
    )
    assert result.definition.question("r").parameters == {"start": "0", "end": "10", "step": "1"}
    assert result.notes == [
        f"survey row 2: range parameter '{item}' was ignored; it only changes how the phone "
        "app draws the slider"
        for item in ("tick_interval=2", "placeholder=5")
    ]
    # A misspelt parameter is still refused.
    assert (
        "'increment=2' is not a range parameter"
        in problems_of(
            xlsx([["type", "name", "label", "parameters"], ["range", "r", "R", "increment=2"]])
        )[0].message
    )


# A question whose relevant reads its own answer (directly, or through a calculation) is
# hidden until answered and cannot be answered while hidden; ODK Validate calls it a cycle,
# pyxform converts it, and here it was stored: respondents never saw the question.
def test_a_question_shown_only_by_its_own_answer_is_refused():
    problems = problems_of(
        xlsx(
            [
                ["type", "name", "label", "relevant", "calculation"],
                ["integer", "a", "A", "${a} > 1", None],
                ["calculate", "twice", None, None, "${b} * 2"],
                ["integer", "b", "B", "${twice} > 4", None],
                ["integer", "c", "C", "${a} > 1", None],
            ]
        )
    )
    assert [(p.sheet, p.row, p.column, p.message) for p in problems] == [
        (
            "survey",
            row,
            "relevant",
            f"the question is shown only when its own answer ${{{name}}} says so, so it can "
            "never be shown",
        )
        for row, name in ((2, "a"), (4, "b"))
    ]


# CorrelAid/xlsform2lstsv's validation_relevance_survey writes 'select_one' alone in the type
# column and the list in a 'list_name' column (pyxform: "Unknown question type 'select_one'").
# The refusal read "unsupported question type 'select_one'; supported: ..., select_one, ...",
# contradicting itself; it now says the list name belongs in the type column.
@pytest.mark.parametrize(
    ("type_text", "list_column", "expected"),
    [
        ("select_one", "yes_no", "write 'select_one yes_no'"),
        ("select_multiple", "yes_no", "write 'select_multiple yes_no'"),
        ("select one", None, "write 'select one LIST'"),
        ("Select_One", None, "write 'Select_One LIST'"),
    ],
)
def test_a_select_without_its_list_in_the_type_says_where_the_list_goes(
    type_text, list_column, expected
):
    problems = problems_of(
        xlsx(
            [
                ["type", "name", "label", "list_name"],
                [type_text, "consent", "Do you consent?", list_column],
                ["text", "why", "Why?", None],
            ],
            [["list_name", "name", "label"], ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]],
        )
    )
    assert [(p.sheet, p.row, p.column) for p in problems] == [("survey", 2, "type")]
    message = problems[0].message
    assert "supported:" not in message
    assert f"'{type_text}' needs the name of its choice list after it" in message
    assert expected in message


# A KoboToolbox/ODK course's household baseline: no groups (one page), a district list
# filtered by the state asked just above it (choice_filter state=${state}). The district
# question came with no choices at all until the respondent had submitted the page once
# and been told "This question requires an answer". Now the whole list is offered while
# the state is unanswered, and the filter still decides which district is accepted.
def test_a_choice_filter_on_an_answer_of_the_same_page_offers_choices(app, client):
    from tests.webapp.surveys.surveys_support import answer_page, make_survey, stored_responses

    make_survey(
        app,
        slug="baseline",
        data=xlsx(
            [
                ["type", "name", "label", "required", "choice_filter"],
                ["select_one state", "state", "State", "yes", None],
                ["select_one district", "district", "District", "yes", "state=${state}"],
            ],
            [
                ["list_name", "name", "label", "state"],
                ["state", "bihar", "Bihar", None],
                ["state", "kerala", "Kerala", None],
                ["district", "gaya", "Gaya", "bihar"],
                ["district", "purnia", "Purnia", "bihar"],
                ["district", "kozhikode", "Kozhikode", "kerala"],
                ["district", "wayanad", "Wayanad", "kerala"],
            ],
        ),
    )
    page = client.get("/s/baseline?lang=en").get_data(as_text=True)
    for district in ("gaya", "purnia", "kozhikode", "wayanad"):
        assert f'name="answer-district" value="{district}"' in page
    refused = answer_page(client, page, {"state": "bihar", "district": "wayanad"}, language="en")
    assert refused.status_code == 422
    again = refused.get_data(as_text=True)
    assert 'value="gaya"' in again and 'value="wayanad"' not in again
    done = answer_page(client, again, {"state": "bihar", "district": "gaya"}, language="en")
    assert done.status_code == 200
    assert [r["answers"] for r in stored_responses(app)] == [{"state": "bihar", "district": "gaya"}]


# Kobo forms write likert (a horizontal scale) and minimal (a drop-down) on selects. The
# importer kept them in silence and the docs said the web renderer understood them, but the
# respondent's page draws only 'multiline' (on a text question) differently: an analyst
# expecting a drop-down got radio buttons. The words are still kept (the XLSForm export
# writes them back), now with one note saying the page shows those questions as usual.
def test_appearances_the_web_page_does_not_draw_are_kept_with_a_note():
    result = read_xlsform(
        xlsx(
            [
                ["type", "name", "label", "appearance"],
                ["select_one yn", "a", "A", "likert"],
                ["text", "b", "B", "multiline"],
                ["select_one yn", "c", "C", "minimal"],
                ["select_multiple yn", "d", "D", "Minimal"],
                ["integer", "e", "E", "multiline"],
                ["select_one five", "f", "F", "likert"],
                ["select_one many", "g", "G", "minimal"],
            ],
            [
                ["list_name", "name", "label"],
                ["yn", "yes", "Yes"],
                ["yn", "no", "No"],
                *[["five", str(n), str(n)] for n in range(1, 6)],
                *[["many", f"c{n}", f"C{n}"] for n in range(1, 14)],
            ],
        )
    )
    definition = result.definition
    assert [q.appearance for q in definition.questions()] == [
        "likert",
        "multiline",
        "minimal",
        "minimal",
        "multiline",
        "likert",
        "minimal",
    ]
    # A five-point likert is drawn as a scale, 13 choices as a drop-down: no note for them.
    notes = [note for note in result.notes if "appearance" in note]
    assert notes == [
        "survey rows 2, 4, 5, 6: appearance 'likert', 'minimal', 'multiline' is kept for the "
        "XLSForm export, but the web page does not draw these questions that way: it shows a "
        "single choice of 5 to 11 options as a scale and one of more than 12 as a drop-down "
        "list, whatever the appearance, and only 'multiline' changes a text question"
    ]
    assert import_xlsform(export_xlsform(definition)) == definition


# Kobo's formpack fixture select_one_from_previous_answers: 'select_one ${Q2}' offers the
# answers given to ${Q2} in a repeat (pyxform's choices from previous answers). It was
# refused as "the choice list '${Q2}' does not exist or has no choices in the 'choices'
# sheet", which sent the author looking for a list; now the construct is named.
def test_choices_from_previous_answers_are_refused_by_name():
    problems = problems_of(
        xlsx(
            [
                ["type", "name", "label"],
                ["text", "Q2", "Name?"],
                ["select_one ${Q2}", "Q4", "Select the head of the household."],
                ["select_multiple ${Q2}", "Q6", "Who else?"],
            ]
        )
    )
    assert [(p.sheet, p.row, p.column, p.message) for p in problems] == [
        (
            "survey",
            row,
            "type",
            f"'{type_text}': choices taken from the answers to ${{Q2}} are not supported; "
            "list the choices in the 'choices' sheet",
        )
        for row, type_text in ((3, "select_one ${Q2}"), (4, "select_multiple ${Q2}"))
    ]


# CorrelAid/xlsform2lstsv's settings_survey writes "What is your _favorite_ color?": ODK
# Collect renders _text_ as emphasis as it does *text*, and the respondent's page showed the
# underscores as written. Names with underscores (snake_case, _private, a_b_c) are left alone.
def test_markdown_emphasis_with_underscores_is_removed_with_a_note():
    result = read_xlsform(
        xlsx(
            [
                ["type", "name", "label", "hint"],
                ["select_one c", "fav", "What is your _favorite_ color?", "Use snake_case"],
                ["text", "n", "Name like _private_var or a_b_c", "_Not_ a_b"],
            ],
            [["list_name", "name", "label"], ["c", "red", "Red"]],
        )
    )
    definition = result.definition
    assert definition.question("fav").label == {"en": "What is your favorite color?"}
    assert definition.question("fav").hint == {"en": "Use snake_case"}
    assert definition.question("n").label == {"en": "Name like _private_var or a_b_c"}
    assert definition.question("n").hint == {"en": "Not a_b"}
    assert [note.split(":")[0] for note in result.notes if "formatting" in note] == [
        "survey row 2",
        "survey row 3",
    ]
