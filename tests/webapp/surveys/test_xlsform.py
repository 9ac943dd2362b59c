"""XLSForm import/export on real workbooks built here with openpyxl (and xlwt for .xls)."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from webapp.surveys.answers import available_choices, validate_answers
from webapp.surveys.definition import definition_from_json, definition_to_json
from webapp.surveys.demo_forms import DEMO_FORM_FILES, demo_form_path
from webapp.surveys.demo_forms.build_demo_forms import build
from webapp.surveys.xlsform import (
    XLSFormError,
    export_xlsform,
    import_xlsform,
    language_code,
    read_xlsform,
)

LABELS = ["label::Kazakh (kk)", "label::Russian (ru)", "label::English (en)"]


def xlsx(survey, choices=None, settings=None, extra_sheets=None):
    """An .xlsx workbook as bytes; each sheet is a list of rows, the first is the header."""
    workbook = Workbook()
    sheets = {"survey": survey, "choices": choices, "settings": settings, **(extra_sheets or {})}
    first = True
    for title, rows in sheets.items():
        if rows is None:
            continue
        sheet = workbook.active if first else workbook.create_sheet(title)
        sheet.title = title
        first = False
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xls(survey, choices=None, settings=None):
    """The same, as a legacy .xls workbook written by xlwt."""
    xlwt = pytest.importorskip("xlwt")
    workbook = xlwt.Workbook(encoding="utf-8")
    for title, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
        if rows is None:
            continue
        sheet = workbook.add_sheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


YES_NO = [
    ["list_name", "name", *LABELS],
    ["yn", "yes", "Иә", "Да", "Yes"],
    ["yn", "no", "Жоқ", "Нет", "No"],
]


def problems_of(data, **kwargs):
    with pytest.raises(XLSFormError) as caught:
        import_xlsform(data, **kwargs)
    return caught.value.problems


def messages(data, **kwargs):
    return "\n".join(str(problem) for problem in problems_of(data, **kwargs))


# --------------------------------------------------------------------------- features

FEATURE_SURVEY = [
    [
        "type",
        "name",
        *LABELS,
        "hint::English (en)",
        "required",
        "required_message::English (en)",
        "relevant",
        "constraint",
        "constraint_message::Russian (ru)",
        "default",
        "appearance",
        "parameters",
        "choice_filter",
    ],
    ["text", "intro_name", "Атыңыз", "Имя", "Name", "Your first name", "yes", "Say it"],
    ["begin group", "g1", "Бөлім", "Раздел", "Section", None, None, None, "${intro_name} != ''"],
    ["select_one yn", "likes", "Ұнай ма?", "Нравится?", "Like it?", None, "TRUE"],
    ["select one from yn", "old_style", "Ескі", "Старый", "Old", None, "true()"],
    [
        "select_multiple yn",
        "multi",
        "Көп",
        "Много",
        "Many",
        None,
        "1",
        None,
        None,
        None,
        None,
        "yes",
    ],
    ["begin_group", "nested", None, None, None, None, None, None, "${likes} = 'yes'"],
    [
        "integer",
        "size",
        "Саны",
        "Число",
        "Size",
        None,
        "no",
        None,
        "${old_style} = 'no'",
        ". >= 1 and . <= 20",
        "от 1 до 20",
        "3",
        "horizontal weird-thing",
    ],
    ["end_group"],
    ["decimal", "amount", "Сома", "Сумма", "Amount"],
    ["date", "when", "Күні", "Дата", "Date", None, None, None, None, ". <= today()"],
    ["end group"],
    ["note", "thanks", "Рақмет", "Спасибо", "Thanks"],
    [
        "range",
        "score",
        "Баға",
        "Оценка",
        "Score",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "start=1 end=5 step=1",
    ],
    ["acknowledge", "ok", "Келісемін", "Согласен", "I agree", None, "yes"],
]


@pytest.fixture(scope="module")
def feature_import():
    return read_xlsform(xlsx(FEATURE_SURVEY, YES_NO, [["form_id", "form_title"], ["feat", "F"]]))


def test_features_become_pages_and_questions(feature_import):
    definition = feature_import.definition
    assert definition.form_id == "feat"
    assert definition.languages == ["kk", "ru", "en"]
    assert definition.default_language == "en"
    assert definition.title == {"en": "F"}
    # Loose questions before/after the group become pages of their own, in order.
    assert [(p.name, [q.name for q in p.questions]) for p in definition.pages] == [
        ("page_1", ["intro_name"]),
        ("g1", ["likes", "old_style", "multi", "size", "amount", "when"]),
        ("page_2", ["thanks", "score", "ok"]),
    ]
    assert definition.page("g1").relevant == "${intro_name} != ''"
    assert definition.page("g1").label == {"kk": "Бөлім", "ru": "Раздел", "en": "Section"}


def test_question_columns_are_read(feature_import):
    definition = feature_import.definition
    name = definition.question("intro_name")
    assert name.type == "text"
    assert name.hint == {"en": "Your first name"}
    assert name.required and name.required_message == {"en": "Say it"}
    assert definition.question("likes").type == "select_one"
    assert definition.question("old_style").choice_list == "yn"
    assert definition.question("old_style").required  # true()
    multi = definition.question("multi")
    assert multi.type == "select_multiple" and multi.required  # "1"
    assert multi.default == "yes"
    size = definition.question("size")
    assert not size.required
    assert size.constraint == ". >= 1 and . <= 20"
    assert size.constraint_message == {"ru": "от 1 до 20"}
    assert size.default == "3"
    assert size.appearance == "horizontal"  # meaningful words only
    # The nested group's relevance is folded into the question.
    assert size.relevant == "(${likes} = 'yes') and (${old_style} = 'no')"
    assert definition.question("score").parameters == {"start": "1", "end": "5", "step": "1"}
    assert definition.question("ok").type == "acknowledge"
    assert any("weird-thing" in note for note in feature_import.notes)


def test_excel_round_trip_is_exact(feature_import):
    definition = feature_import.definition
    assert import_xlsform(export_xlsform(definition)) == definition


def test_json_round_trip_of_imported_form(feature_import):
    definition = feature_import.definition
    assert definition_from_json(definition_to_json(definition)) == definition


def test_exported_workbook_uses_language_headers(feature_import):
    workbook = load_workbook(io.BytesIO(export_xlsform(feature_import.definition)))
    assert workbook.sheetnames == ["survey", "choices", "settings"]
    header = [cell.value for cell in workbook["survey"][1]]
    assert "label::Kazakh (kk)" in header and "constraint_message::Russian (ru)" in header


def test_export_keeps_formula_like_text_as_text():
    data = xlsx([["type", "name", "label"], ["text", "q", "placeholder"]])
    definition = import_xlsform(data)
    page = definition.pages[0]
    question = page.questions[0]
    tricky = type(question)(**{**question.to_dict(), "label": {"en": "=1+1 is two"}})
    changed = type(definition)(
        **{
            **definition.__dict__,
            "pages": [type(page)(page.name, page.label, page.relevant, [tricky])],
        }
    )
    again = import_xlsform(export_xlsform(changed))
    assert again.question("q").label == {"en": "=1+1 is two"}


def test_xls_file_gives_the_same_definition():
    survey = [
        ["type", "name", "label::English (en)", "required"],
        ["select_one yn", "q", "Q", "yes"],
    ]
    choices = [
        ["list_name", "name", "label::English (en)"],
        ["yn", "yes", "Yes"],
        ["yn", "no", "No"],
    ]
    settings = [["form_id"], ["legacy"]]
    assert import_xlsform(xls(survey, choices, settings)) == import_xlsform(
        xlsx(survey, choices, settings)
    )


def test_paths_file_objects_and_filename_as_form_id(tmp_path):
    data = xlsx([["type", "name", "label"], ["text", "q", "Q"]])
    path = tmp_path / "My Form 2024.xlsx"
    path.write_bytes(data)
    assert import_xlsform(path).form_id == "My_Form_2024"
    with path.open("rb") as handle:
        assert import_xlsform(handle).form_id == "My_Form_2024"
    assert import_xlsform(data, filename="2024 poll.xlsx").form_id == "form_2024_poll"
    assert import_xlsform(data).form_id == "survey"


# --------------------------------------------------------------------------- headers, languages


def test_header_case_variants():
    survey = [
        ["TYPE", "Name", "LABEL::English (en)", "Required", "Relevant", "Constraint_Message"],
        ["integer", "a", "A", "YES"],
        ["integer", "b", "B", "No", "${a} > 1"],
    ]
    choices = [["List_Name", "NAME", "Label"], ["unused", "x", "X"]]
    definition = import_xlsform(xlsx(survey, choices))
    assert definition.question("a").required
    assert definition.question("b").relevant == "${a} > 1"


def test_type_command_case_is_ignored_but_list_name_case_kept():
    survey = [["type", "name", "label"], ["Select_One YesNo", "q", "Q"], ["INTEGER", "n", "N"]]
    choices = [["list_name", "name", "label"], ["YesNo", "yes", "Yes"]]
    definition = import_xlsform(xlsx(survey, choices))
    assert definition.question("q").choice_list == "YesNo"
    assert definition.question("n").type == "integer"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("label::Kazakh (kk)", "kk"),
        ("label::kk", "kk"),
        ("label::Kazakh", "kk"),
        ("label::Қазақша", "kk"),
        ("label:Russian", "ru"),
        ("label::Russian (ru)", "ru"),
        ("label::Русский", "ru"),
        ("label::ru", "ru"),
        ("label::English (en)", "en"),
        ("label::en", "en"),
        ("label::English", "en"),
        ("label::default", "en"),
        ("label", "en"),
    ],
)
def test_language_spellings(header, code):
    definition = import_xlsform(xlsx([["type", "name", header], ["text", "q", "Text"]]))
    assert definition.question("q").label == {code: "Text"}
    assert code in definition.languages


def test_plain_label_goes_to_settings_default_language():
    survey = [["type", "name", "label", "label::English (en)"], ["text", "q", "Мәтін", "Text"]]
    settings = [["default_language"], ["Kazakh (kk)"]]
    definition = import_xlsform(xlsx(survey, None, settings))
    assert definition.default_language == "kk"
    assert definition.question("q").label == {"kk": "Мәтін", "en": "Text"}


def test_single_and_double_colon_headers_can_be_mixed():
    survey = [
        ["type", "name", "label::Kazakh (kk)", "label:Russian", "hint:en"],
        ["text", "q", "Қ", "Р", "H"],
    ]
    question = import_xlsform(xlsx(survey)).question("q")
    assert question.label == {"kk": "Қ", "ru": "Р"}
    assert question.hint == {"en": "H"}


def test_unknown_language_and_duplicate_language_columns_are_refused():
    survey = [
        ["type", "name", "label::Elvish", "label::ru", "label::Russian (ru)"],
        ["text", "q", "x", "y", "z"],
    ]
    text = messages(xlsx(survey))
    assert "cannot tell which language 'Elvish' is" in text
    assert "same language 'ru'" in text


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("Kazakh (kk)", "kk"),
        ("kaz", "kk"),
        ("КАЗАХСКИЙ", "kk"),
        ("Français (fr)", "fr"),
        ("pt-BR", "pt-BR"),
        ("default", "ru"),
        ("Elvish", None),
    ],
)
def test_language_code_mapping(spelling, code):
    assert language_code(spelling, "ru") == code


# --------------------------------------------------------------------------- region


@pytest.mark.parametrize(
    ("row", "header_extra"),
    [
        (["select_one region", "where", "Where"], []),
        (["select_one regions", "where", "Where"], []),
        (["select_one units", "where", "Where", "yes"], ["region"]),
        (["select_one units", "where", "Where", "yes"], ["bind::ls:region"]),
    ],
)
def test_region_question_conventions(row, header_extra):
    definition = import_xlsform(xlsx([["type", "name", "label", *header_extra], row]))
    question = definition.question("where")
    assert question.region
    assert definition.choices_for(question) == []  # offered from the registry
    clean, errors = validate_answers(definition, None, {"where": "KZ-75"}, region_codes=["KZ-75"])
    assert clean == {"where": "KZ-75"} and errors == {}
    _, errors = validate_answers(definition, None, {"where": "KZ-99"}, region_codes=["KZ-75"])
    assert errors["where"].code == "not_in_choices"


def test_region_list_in_form_narrows_registry():
    choices = [
        ["list_name", "name", "label"],
        ["region", "KZ-75", "Almaty"],
        ["region", "KZ-71", "Astana"],
    ]
    definition = import_xlsform(
        xlsx([["type", "name", "label"], ["select_one region", "r", "R"]], choices)
    )
    offered = available_choices(definition, definition.question("r"), {}, region_codes=["KZ-75"])
    assert [c.name for c in offered] == ["KZ-75"]


def test_survey_bound_to_one_region_and_bad_region_settings():
    survey = [["type", "name", "label"], ["text", "q", "Q"]]
    definition = import_xlsform(xlsx(survey, None, [["form_id", "region"], ["f", "kz-75"]]))
    assert definition.bound_region == "KZ-75"
    text = messages(xlsx(survey, None, [["form_id", "region"], ["f", "Almaty"]]))
    assert "settings.region 'ALMATY' is not a region code" in text
    text = messages(xlsx([["type", "name", "label", "region"], ["integer", "q", "Q", "yes"]]))
    assert "row 2, column 'region': only a select_one question can be the region question" in text


# --------------------------------------------------------------------------- choice filters


def test_choice_filter_on_choice_column():
    survey = [
        ["type", "name", "label", "choice_filter"],
        ["select_one region", "region", "Region"],
        ["select_one districts", "district", "District", "region = ${region}"],
        ["select_one districts", "district2", "District", "${region} = region"],
    ]
    choices = [
        ["list_name", "name", "label", "region"],
        ["districts", "medeu", "Medeu", "KZ-75"],
        ["districts", "yesil", "Yesil", "KZ-71"],
    ]
    definition = import_xlsform(xlsx(survey, choices))
    assert definition.choices_for(definition.question("district"))[0].filters == {"region": "KZ-75"}
    for name in ("district", "district2"):
        offered = available_choices(definition, definition.question(name), {"region": "KZ-71"})
        assert [c.name for c in offered] == ["yesil"]
    _, errors = validate_answers(
        definition, None, {"region": "KZ-71", "district": "medeu"}, region_codes=["KZ-71"]
    )
    assert errors["district"].code == "not_in_choices"


def test_choice_filter_refusals():
    survey = [
        ["type", "name", "label", "choice_filter"],
        ["select_one yn", "a", "A"],
        ["select_one yn", "b", "B", "colour = ${a}"],
        ["select_one yn", "c", "C", "${a} = 'yes'"],
        ["select_one yn", "d", "D", "filter = ${ghost}"],
    ]
    text = messages(xlsx(survey, YES_NO))
    assert "row 3, column 'choice_filter'" in text and "['colour'], which are not columns" in text
    assert "row 4, column 'choice_filter'" in text and "does not use any choice column" in text
    assert "row 5, column 'choice_filter'" in text and "unknown question ${ghost}" in text


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("type_text", "expected"),
    [
        ("begin repeat", "repeats and loops are not supported"),
        ("begin_repeat", "repeats and loops are not supported"),
        ("begin loop over yn", "repeats and loops are not supported"),
        ("image", "media questions"),
        ("audio", "media questions"),
        ("video", "media questions"),
        ("file", "media questions"),
        ("background-audio", "media questions"),
        ("geopoint", "location questions"),
        ("geotrace", "location questions"),
        ("geoshape", "location questions"),
        ("barcode", "barcode questions are not supported"),
        ("select_one_from_file places.csv", "choices from external files"),
        ("select_multiple_from_file places.xml", "choices from external files"),
        ("select_one_external yn", "select_one_external is not supported"),
        ("rank yn", "rank questions are not supported"),
        ("hidden", "hidden fields are not supported"),
        ("xml-external", "xml-external"),
        ("csv-external", "csv-external"),
        ("time", "time and date-time"),
        ("datetime", "time and date-time"),
        ("teleport", "unsupported question type 'teleport'"),
    ],
)
def test_unsupported_types_are_refused_with_row(type_text, expected):
    survey = [["type", "name", "label"], ["text", "fine", "Fine"], [type_text, "bad", "Bad"]]
    problems = problems_of(xlsx(survey, YES_NO))
    assert any(p.row == 3 and p.column == "type" and expected in p.message for p in problems), (
        problems
    )


@pytest.mark.parametrize("meta", ["start", "end", "today", "deviceid", "username"])
def test_metadata_types_are_ignored_with_a_note(meta):
    result = read_xlsform(xlsx([["type", "name", "label"], [meta, meta], ["text", "q", "Q"]]))
    assert [q.name for q in result.definition.questions()] == ["q"]
    assert any(f"'{meta}'" in note and "ignored" in note for note in result.notes)


def test_unsupported_columns_are_refused():
    survey = [
        [
            "type",
            "name",
            "label",
            "media::image",
            "appearance",
            "trigger",
            "calculation",
            "required",
        ],
        ["text", "a", "A", "photo.jpg"],
        ["select_one yn", "b", "B", None, "search('places')"],
        ["text", "c", "C", None, None, "${a}"],
        ["text", "d", "D", None, None, None, "1 + 1"],
        ["text", "e", "E", None, None, None, None, "${a} = 'x'"],
    ]
    problems = problems_of(xlsx(survey, YES_NO))
    found = {(p.row, p.column) for p in problems}
    assert {
        (2, "media::image"),
        (3, "appearance"),
        (4, "trigger"),
        (5, "calculation"),
        (6, "required"),
    } <= found


def test_all_problems_are_reported_at_once_in_row_order():
    survey = [
        ["type", "name", "label", "relevant", "constraint", "default"],
        ["integer", "a", "A", "${nobody} > 1"],
        ["integer", "a", "A again"],
        ["select_one missing", "b", "B"],
        ["integer", "c", "C", None, "string-length(.) < regex(.)"],
        ["text", "d", "D", ". = 'x'"],
        ["text", "e", "E", "__import__('os')"],
        ["integer", "f", "F", None, None, "${a}"],
        ["text", "", "No name"],
        ["text", "bad name", "Spaces"],
    ]
    problems = problems_of(xlsx(survey))
    rows = [p.row for p in problems]
    assert rows == sorted(rows)
    text = "\n".join(str(p) for p in problems)
    assert "row 2, column 'relevant': refers to unknown question ${nobody}" in text
    assert "row 3, column 'name': the name 'a' is used twice (first on row 2)" in text
    assert "row 4, column 'type': the choice list 'missing' does not exist" in text
    assert "row 5, column 'constraint': unsupported function regex()" in text
    assert "row 6, column 'relevant': '.' may only be used in a constraint" in text
    assert "row 7, column 'relevant': unsupported function __import__()" in text
    assert "row 8, column 'default': dynamic defaults are not supported" in text
    assert "row 9, column 'name': the question has no name" in text
    assert "row 10, column 'name': the name 'bad name' must start with a letter" in text


def test_choice_sheet_problems():
    choices = [
        ["list_name", "name", "label"],
        ["yn", "yes", "Yes"],
        ["yn", "yes", "Yes again"],
        ["yn", None, "No name"],
        ["yn", "two words", "Bad"],
        ["empty_list", None, "Nothing"],
    ]
    survey = [
        ["type", "name", "label"],
        ["select_one yn", "q", "Q"],
        ["select_one empty_list", "e", "E"],
    ]
    text = messages(xlsx(survey, choices))
    assert "sheet 'choices', row 3, column 'name': the choice 'yes' appears twice" in text
    assert "sheet 'choices', row 4, column 'name': a choice in list 'yn' has no name" in text
    assert "row 5, column 'name': the choice name 'two words' contains a space" in text
    assert "the choice list 'empty_list' does not exist or has no choices" in text


def test_group_structure_problems():
    unclosed = xlsx([["type", "name", "label"], ["begin group", "g", "G"], ["text", "q", "Q"]])
    assert "row 2, column 'type': group 'g' is never closed" in messages(unclosed)
    stray = xlsx([["type", "name", "label"], ["text", "q", "Q"], ["end group"]])
    assert "row 3, column 'type': 'end group' without a matching begin" in messages(stray)
    empty = xlsx(
        [["type", "name", "label"], ["begin group", "g", "G"], ["end group"], ["text", "q", "Q"]]
    )
    assert "group 'g' contains no questions" in messages(empty)


def test_definition_level_problems_keep_their_row():
    survey = [
        ["type", "name", "label", "required", "default"],
        ["text", "a", "A"],
        ["note", "n", "Hello ${a}", "yes"],
        ["integer", "i", "I", None, "many"],
    ]
    problems = problems_of(xlsx(survey, None, [["region"], ["Almaty"]]))
    located = {(p.sheet, p.row) for p in problems}
    assert {("survey", 3), ("survey", 4), ("settings", 2)} <= located
    assert any("is a note and cannot be required" in p.message for p in problems)
    assert any("default 'many': Enter a whole number." in p.message for p in problems)


def test_label_piping_of_an_unknown_name_is_noted():
    result = read_xlsform(
        xlsx(
            [
                ["type", "name", "label"],
                ["text", "a", "A"],
                ["note", "n", "Hi ${a}, ${nobody}"],
            ]
        )
    )
    assert [note for note in result.notes if "${" in note] == [
        "survey row 3: ${nobody} in the label is not a question or calculation of the form "
        "and is shown as written"
    ]


def test_bad_range_parameters():
    survey = [
        ["type", "name", "label", "parameters"],
        ["range", "a", "A", "start=1 end=5 step=0"],
        ["range", "b", "B", "start=one"],
        ["range", "c", "C", "max-pixels=5"],
    ]
    text = messages(xlsx(survey))
    assert "row 2, column 'parameters': range step must not be 0" in text
    assert "row 3, column 'parameters': range start, end and step must be numbers" in text
    assert "row 4, column 'parameters': 'max-pixels=5' is not a range parameter" in text


# --------------------------------------------------------------------------- broken files


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty"),
        (b"type,name\ntext,q\n", "not an Excel workbook"),
        (b"%PDF-1.7 not a spreadsheet", "not an Excel workbook"),
        (b"PK\x03\x04" + b"\x00" * 40, "cannot read an .xlsx workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "cannot read an .xls workbook"),
    ],
)
def test_broken_files_give_clear_errors(data, expected):
    problems = problems_of(data)
    assert len(problems) == 1 and expected in problems[0].message


def test_zip_that_is_not_a_workbook(tmp_path):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "cannot read an .xlsx workbook" in messages(buffer.getvalue())


def test_password_protected_workbook_is_explained():
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = io.BytesIO(xlsx([["type", "name", "label"], ["text", "q", "Q"]]))
    encrypted = io.BytesIO()
    ooxml.OOXMLFile(plain).encrypt("secret", encrypted)
    assert "password-protected" in messages(encrypted.getvalue())


def test_missing_or_empty_survey_sheet():
    no_survey = xlsx([["list_name", "name"], ["yn", "yes"]], extra_sheets={"notes": [["x"]]})
    workbook = load_workbook(io.BytesIO(no_survey))
    workbook["survey"].title = "questions"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert "no 'survey' sheet" in messages(buffer.getvalue())
    assert "the survey sheet has no questions" in messages(xlsx([["type", "name", "label"]]))


def test_missing_file_path(tmp_path):
    assert "cannot open the file" in messages(tmp_path / "nope.xlsx")


def test_duplicate_column_header():
    assert "Duplicate column header" in messages(
        xlsx([["type", "name", "name"], ["text", "q", "q"]])
    )


# --------------------------------------------------------------------------- demo forms


@pytest.mark.parametrize("filename", DEMO_FORM_FILES)
def test_demo_forms_import_cleanly_in_three_languages(filename):
    result = read_xlsform(demo_form_path(filename))
    definition = result.definition
    assert result.notes == []
    assert definition.languages == ["kk", "ru", "en"]
    for question in definition.questions():
        assert set(question.label) == {"kk", "ru", "en"}, question.name
        for texts in (question.hint, question.constraint_message, question.required_message):
            assert set(texts) in (set(), {"kk", "ru", "en"}), question.name
    for choices in definition.choice_lists.values():
        for choice in choices:
            assert set(choice.label) == {"kk", "ru", "en"}
            assert choice.name.isascii()
    # The citizen survey asks the region; council feedback takes it from the member's council.
    expected_region_questions = 0 if filename == "council_feedback.xlsx" else 1
    assert len(definition.region_questions()) == expected_region_questions
    assert import_xlsform(export_xlsform(definition)) == definition


def test_committed_demo_forms_match_their_build_script(tmp_path):
    for path in build(tmp_path):
        assert import_xlsform(path) == import_xlsform(demo_form_path(path.name))


def test_citizen_survey_logic():
    definition = import_xlsform(demo_form_path("listening_state_citizen.xlsx"))
    assert [c.name for c in definition.choice_lists["trust5"]] == ["1", "2", "3", "4", "5"]
    base = {"consent": "OK", "region": "KZ-75", "household_size": "3"}
    clean, errors = validate_answers(
        definition, "about", {**base, "age_group": "30_44"}, today=dt.date(2026, 1, 1)
    )
    assert errors == {} and clean["household_size"] == 3
    _, errors = validate_answers(
        definition, "about", {**base, "age_group": "30_44", "household_size": "25"}, language="kk"
    )
    assert errors["household_size"].message == "1-ден 20-ға дейінгі санды енгізіңіз."
    _, errors = validate_answers(definition, "youth", {"age_group": "30_44"})
    assert errors == {}  # the youth page is hidden for ages 30-44
    _, errors = validate_answers(definition, "youth", {"age_group": "18_29"})
    assert errors["youth_status"].code == "required"
    _, errors = validate_answers(definition, "services", {"services_used": ["none", "egov"]})
    assert errors["services_used"].code == "constraint"
    _, errors = validate_answers(definition, "local_problems", {"main_problem": "other"})
    assert errors["main_problem_other"].code == "required"


CALC_HEADER = ["type", "name", "label", "relevant", "calculation"]


def test_calculations_are_written_into_the_conditions_that_use_them():
    survey = [
        CALC_HEADER,
        ["today", "today"],
        ["begin group", "g", "G", "${x} > 0"],
        ["integer", "x", "X"],
        ["calculate", "double", None, "${x} > 5", "${x} * 2"],
        ["calculate", "score", None, None, "${double} + 1"],
        ["end group"],
        ["text", "a", "A", "${score} > 20"],
    ]
    result = read_xlsform(xlsx(survey))
    assert result.definition.question("a").relevant == (
        "if((${x} > 0), (if((${x} > 0) and (${x} > 5), (${x} * 2), '') + 1), '') > 20"
    )
    values = {"x": 10}
    assert validate_answers(result.definition, None, {**values, "a": "ok"})[0]["a"] == "ok"
    assert "a" not in validate_answers(result.definition, None, {"x": 3, "a": "no"})[0]
    notes = "\n".join(result.notes)
    # 'double' is used through 'score', so neither is reported as unused.
    assert "calculate 'double' is not stored with responses" in notes
    assert "calculate 'score' is not stored with responses" in notes
    assert import_xlsform(export_xlsform(result.definition)) == result.definition


def test_unused_calculations_are_ignored_even_with_functions_we_cannot_run():
    survey = [
        CALC_HEADER,
        ["calculate", "instance_id", None, None, "concat('uuid:', uuid())"],
        ["calculate", "started", None, None, "once(format-date-time(now(), '%Y'))"],
        ["text", "a", "A"],
    ]
    result = read_xlsform(xlsx(survey))
    assert [q.name for q in result.definition.questions()] == ["a"]
    assert sum("is not used by any relevant" in note for note in result.notes) == 2


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [["calculate", "c", None, None, "uuid()"]],
            "row 2, column 'calculation': unsupported function uuid()",
        ),
        (
            [["calculate", "c", None, None, "${c2} + 1"], ["calculate", "c2", None, None, "${c}"]],
            "row 2, column 'calculation': the calculation 'c' depends on itself (c -> c2 -> c)",
        ),
        (
            [["calculate", "c", None, None, "${nobody} + 1"]],
            "row 2, column 'calculation': refers to unknown question ${nobody}",
        ),
        (
            [["calculate", "c", None, None, ". + 1"]],
            "row 2, column 'calculation': '.' cannot be used in a calculation",
        ),
        (
            [["calculate", "c", None, None, None]],
            "row 2, column 'calculation': the calculate row has no formula",
        ),
        (
            [["calculate", "c", None, None, "string-length('" + "x" * 1980 + "')"]],
            "row 3, column 'relevant': with ${c} written in, the expression cannot be used",
        ),
        (
            [["deviceid", "c"]],
            "row 3, column 'relevant': refers to ${c}, the 'deviceid' metadata field on row 2",
        ),
    ],
)
def test_a_calculation_that_is_used_is_checked_on_its_own_row(rows, expected):
    survey = [CALC_HEADER, *rows, ["text", "a", "A", "${c} != ''"]]
    problems = problems_of(xlsx(survey))
    # One problem, on the calculation's own row (not repeated where it is used).
    assert len(problems) == 1, problems
    assert str(problems[0]).startswith(f"sheet 'survey', {expected}")


def test_kobo_bookkeeping_columns_in_choices_are_not_kept_as_filters():
    choices = [
        ["list_name", "$kuid", "name", "label", "$autovalue"],
        ["yn", "a1", "yes", "Yes", "yes"],
        ["yn", "a2", "no", "No", "no"],
    ]
    result = read_xlsform(xlsx([["type", "name", "label"], ["select_one yn", "q", "Q"]], choices))
    assert all(not c.filters for c in result.definition.choice_lists["yn"])
    assert "choices sheet: column '$kuid' was ignored" in result.notes


def test_a_date_default_typed_into_excel_is_a_date_cell_and_still_a_date():
    survey = [
        ["type", "name", "label", "default"],
        ["date", "d", "D", dt.datetime(2024, 1, 5)],
        ["text", "t", "T", "Other (specify)"],
    ]
    definition = import_xlsform(xlsx(survey))
    assert definition.question("d").default == "2024-01-05"
    assert definition.question("t").default == "Other (specify)"
    assert import_xlsform(export_xlsform(definition)) == definition


def test_a_function_as_default_is_refused_by_name():
    survey = [["type", "name", "label", "default"], ["date", "d", "D", "today()"]]
    [problem] = problems_of(xlsx(survey))
    assert (problem.row, problem.column) == (2, "default")
    assert "dynamic defaults such as 'today()' are not supported" in problem.message


# --------------------------------------------------------------------------- leftovers of the
# 184 real workbooks: names up to case, bad defaults, duplicate choices, media columns


def test_names_that_differ_only_in_case_are_kept_apart_with_a_note():
    """pyxform allows 'Age' beside 'age' (with a warning: names are case-sensitive in
    XForms): both are questions of their own, the export reads back the same."""
    survey = [
        ["type", "name", "label"],
        ["integer", "Age", "Age of the head of household"],
        ["integer", "age", "Your age"],
        ["select_multiple ab", "Pick", "Pick"],
    ]
    choices = [["list_name", "name", "label"], ["ab", "A", "Upper A"], ["ab", "a", "Lower a"]]
    result = read_xlsform(xlsx(survey, choices))
    definition = result.definition
    assert [q.name for q in definition.questions()] == ["Age", "age", "Pick"]
    assert [c.name for c in definition.choice_lists["ab"]] == ["A", "a"]
    assert any(
        note.startswith("survey row 3: the name 'age' differs from 'Age' (row 2) only in case")
        for note in result.notes
    ), result.notes
    assert import_xlsform(export_xlsform(definition)) == definition
    answers, errors = validate_answers(definition, None, {"Age": "61", "age": "30", "Pick": ["a"]})
    assert errors == {}
    assert answers == {"Age": 61, "age": 30, "Pick": ["a"]}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["integer", "n", "N", "many"], "question 'n' default 'many': "),
        (["decimal", "x", "X", "half"], "question 'x' default 'half': "),
        (["select_one yn", "s", "S", "maybe"], "question 's' default ['maybe'] is not among"),
        (["select_multiple yn", "m", "M", "yes maybe"], "default ['maybe'] is not among"),
        (["date", "d", "D", "yesterday"], "question 'd' default 'yesterday': "),
        (
            ["acknowledge", "k", "K", "OK"],
            "question 'k': a question of type acknowledge cannot have a default",
        ),
        (["note", "i", "I", "x"], "question 'i': a question of type note cannot have a default"),
    ],
)
def test_a_bad_default_names_its_sheet_row_and_column(row, expected):
    survey = [["type", "name", "label", "default"], ["text", "fine", "Fine"], row]
    [problem] = problems_of(xlsx(survey, YES_NO))
    assert (problem.sheet, problem.row, problem.column) == ("survey", 3, "default")
    assert expected in problem.message
    assert str(problem).startswith("sheet 'survey', row 3, column 'default': ")
    assert " a acknowledge" not in problem.message


def test_allow_choice_duplicates_is_refused_with_the_reason_and_what_to_do():
    survey = [["type", "name", "label"], ["select_one city", "city", "City"]]
    choices = [
        ["list_name", "name", "label", "state"],
        ["city", "springfield", "Springfield", "il"],
        ["city", "springfield", "Springfield", "ma"],
    ]
    settings = [["form_id", "allow_choice_duplicates"], ["cities", "yes"]]
    [problem] = problems_of(xlsx(survey, choices, settings))
    assert (problem.sheet, problem.row, problem.column) == ("choices", 3, "name")
    assert "the choice 'springfield' appears twice in list 'city' (first on row 2)" in (
        problem.message
    )
    assert "allow_choice_duplicates cannot be honoured here" in problem.message
    assert "stored and counted by choice name" in problem.message
    assert "(e.g. 'springfield_2')" in problem.message
    # Without the setting the plain message stays, as pyxform's own.
    [plain] = problems_of(xlsx(survey, choices, [["form_id"], ["cities"]]))
    assert "allow_choice_duplicates" not in plain.message


@pytest.mark.parametrize(
    ("header", "sheet"),
    [
        ("media::image", "survey"),
        ("image", "survey"),
        ("audio", "survey"),
        ("video", "survey"),
        ("big-image", "survey"),
        ("media::image::English (en)", "survey"),
        ("image::ru", "survey"),
        ("media::audio", "choices"),
        ("image", "choices"),
    ],
)
def test_a_media_file_is_refused_naming_its_column_as_written(header, sheet):
    survey = [["type", "name", "label"], ["select_one yn", "q", "Q"]]
    choices = [list(row) for row in YES_NO]
    if sheet == "survey":
        survey[0].append(header)
        survey[1].append("picture.jpg")
    else:
        choices[0].append(header)
        choices[2].append("picture.jpg")
    [problem] = problems_of(xlsx(survey, choices))
    assert (problem.sheet, problem.row, problem.column) == (
        sheet,
        2 if sheet == "survey" else 3,
        header,
    )
    assert problem.message.startswith("media file 'picture.jpg': images, audio and video are not")


def test_a_plain_media_column_is_no_media_column_and_is_ignored_with_a_note():
    """pyxform reads only media::image, media::audio... (or image, audio...); a column
    headed 'media' alone is dropped by pyxform, so ODK shows nothing either."""
    survey = [["type", "name", "label", "media"], ["text", "t", "T", "map.png"], ["text", "u", "U"]]
    choices = [["list_name", "name", "label", "media"], ["yn", "yes", "Yes", "tick.png"]]
    survey.append(["select_one yn", "q", "Q"])
    result = read_xlsform(xlsx(survey, choices))
    assert [q.name for q in result.definition.questions()] == ["t", "u", "q"]
    assert (
        "survey row 2: column 'media' was ignored: without a media type (media::image, "
        "media::audio, media::video) it is not an XLSForm media column, so ODK does not show "
        "'map.png' either; this platform does not support media"
    ) in result.notes
    assert any(
        note.startswith("choices row 2: column 'media' was ignored") for note in result.notes
    )
    [problem] = problems_of(
        xlsx([["type", "name", "label", "media::photo"], ["text", "t", "T", "x.png"]])
    )
    assert problem.column == "media::photo"
    assert "'media::photo' is not an XLSForm media column" in problem.message
