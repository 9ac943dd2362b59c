"""The export writers on their own: columns, formula neutralisation, CSV and XLSX read back."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

from openpyxl import load_workbook

from webapp.surveys.definition import Choice, Page, Question, SurveyDefinition
from webapp.surveys.results import export
from webapp.surveys.results.export import (
    codebook_csv,
    csv_chunks,
    export_columns,
    neutralise,
    write_xlsx,
)


def definition(extra_option: bool = False) -> SurveyDefinition:
    options = [Choice("tv", {"en": "TV", "ru": "ТВ"}), Choice("web", {"en": "Web"})]
    if extra_option:
        options.append(Choice("radio", {"en": "Radio"}))
    questions = [
        Question("intro", "note", {"en": "Hello"}),
        Question("age", "integer", {"en": "Age"}),
        Question("sources", "select_multiple", {"en": "Sources"}, choice_list="sources"),
        Question("trust", "select_one", {"en": "Trust", "kk": "Сенім"}, choice_list="yn"),
        Question("comment", "text", {"en": "Comment"}),
    ]
    return SurveyDefinition(
        form_id="export",
        title={"en": "Export"},
        languages=["en"],
        default_language="en",
        pages=[Page("p", {}, None, questions)],
        choice_lists={
            "sources": options,
            "yn": [Choice("yes", {"en": "Yes"}), Choice("no", {"en": "No"})],
        },
    )


ROWS = [
    (
        1,
        datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
        "kk",
        "KZ-75",
        1,
        {"age": 34, "sources": ["tv", "web"], "trust": "yes", "comment": '=HYPERLINK("x")'},
    ),
    (
        2,
        datetime(2026, 1, 6, 23, 30, tzinfo=UTC),
        "ru",
        None,
        2,
        {"age": -1, "comment": "+7 701 000", "sources": "radio"},
    ),
    (3, datetime(2026, 2, 1, tzinfo=UTC), "en", "KZ-11", 2, {"comment": "@SUM(A1)\tok"}),
]


def test_neutralise_prefixes_formula_text_only():
    for text in ("=1+1", "+7", "-2", "@x", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("plain") == "plain"
    assert neutralise(-5) == -5


def test_columns_follow_the_current_version_and_keep_older_options():
    columns = [c.name for c in export_columns([definition(), definition(extra_option=True)])]
    assert columns == [
        "response_id",
        "submitted_at",
        "language",
        "region_code",
        "survey_version",
        "age",
        "sources",
        "sources/tv",
        "sources/web",
        "sources/radio",
        "trust",
        "comment",
    ]


def test_csv_reads_back_with_every_row_and_inert_formulas():
    definitions = [definition(), definition(extra_option=True)]
    text = "".join(csv_chunks(export_columns(definitions), iter(ROWS)))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [row["response_id"] for row in rows] == ["1", "2", "3"]
    first, second, third = rows
    assert first["submitted_at"] == "2026-01-05T10:00:00Z"
    assert (
        first["sources"] == "tv web"
        and first["sources/tv"] == "1"
        and first["sources/radio"] == "0"
    )
    assert first["comment"] == '\'=HYPERLINK("x")'
    assert second["age"] == "-1"  # a number, not text: left as it is
    assert second["comment"] == "'+7 701 000"
    assert second["region_code"] == "" and second["sources/radio"] == "1"
    assert third["sources"] == "" and third["sources/tv"] == ""  # not answered: empty, not 0
    assert third["comment"] == "'@SUM(A1)\tok"


def test_xlsx_has_responses_and_codebook_sheets(tmp_path):
    definitions = [definition(), definition(extra_option=True)]
    path = tmp_path / "export.xlsx"
    assert write_xlsx(path, definitions, iter(ROWS)) == 3
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["responses", "codebook"]
    rows = list(workbook["responses"].iter_rows(values_only=True))
    assert rows[0][:5] == (
        "response_id",
        "submitted_at",
        "language",
        "region_code",
        "survey_version",
    )
    assert len(rows) == 4
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["age"] == 34 and first["sources/web"] == 1
    assert first["comment"] == '\'=HYPERLINK("x")'  # text, never a formula
    codebook = list(workbook["codebook"].iter_rows(values_only=True))
    assert codebook[0][:4] == ("column", "question", "type", "code")
    assert codebook[[r[0] for r in codebook].index("trust") + 1][:4] == (
        "trust",
        "trust",
        "code",
        "yes",
    )
    assert any(row[0] == "sources/radio" and row[2] == "0/1" for row in codebook)
    workbook.close()


def test_codebook_csv_lists_labels_in_three_languages():
    text = codebook_csv([definition()])
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["column", "question", "type", "code", "label_kk", "label_ru", "label_en"]
    trust = next(row for row in rows if row[0] == "trust" and row[2] == "select_one")
    assert trust[4] == "Сенім" and trust[6] == "Trust"
    tv = next(row for row in rows if row[0] == "sources/tv")
    assert tv[5] == "ТВ"


def test_codebook_describes_the_metadata_columns_in_each_language():
    """The label_kk and label_ru columns of the metadata rows were English text."""
    text = codebook_csv([definition()])
    rows = {row[0]: row for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))}
    for name in ("response_id", "submitted_at", "language", "region_code", "survey_version"):
        kazakh, russian, english = rows[name][4:7]
        assert len({kazakh, russian, english}) == 3, name
    assert rows["response_id"][4:7] == [
        "Жауап нөмірі (осы орнатуда бірегей)",
        "Номер ответа (уникален в этой установке)",
        "Response number (unique in this installation)",
    ]
    assert "ISO 8601, UTC" in rows["submitted_at"][5]


def test_xlsx_text_stays_text_never_a_formula_number_or_link(tmp_path):
    """XlsxWriter would turn some text into formulas, numbers or links if asked to guess."""
    texts = {
        "=1+1": "'=1+1",
        "+7 701 123": "'+7 701 123",
        "@SUM(A1)": "'@SUM(A1)",
        "-2": "'-2",
        "http://x": "http://x",
        "mailto:a@b.kz": "mailto:a@b.kz",
        "007": "007",
        "1e5": "1e5",
        "TRUE": "TRUE",
        "{=SUM(A1)}": "{=SUM(A1)}",
        "#N/A": "#N/A",
        "line one\r\nline two\rthree": "line one\nline two\nthree",
    }
    rows = [
        (number, datetime(2026, 1, 5, tzinfo=UTC), "en", "KZ-75", 1, {"comment": text, "age": 7})
        for number, text in enumerate(texts, start=1)
    ]
    rows.append((99, datetime(2026, 1, 5, tzinfo=UTC), "en", None, 1, {"age": float("nan")}))
    path = tmp_path / "export.xlsx"
    assert write_xlsx(path, [definition()], iter(rows)) == len(texts) + 1
    workbook = load_workbook(path, read_only=True)
    sheet = list(workbook["responses"].iter_rows())
    header = [cell.value for cell in sheet[0]]
    comment, age = header.index("comment"), header.index("age")
    for number, (text, line) in enumerate(zip(texts, sheet[1:], strict=False), start=1):
        assert (line[comment].value, line[comment].data_type) == (texts[text], "s"), text
        assert (line[0].value, line[age].value, line[age].data_type) == (number, 7, "n")
    assert sheet[-1][age].value is None  # NaN: an empty cell, as openpyxl wrote it
    workbook.close()
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), name  # no formula anywhere


def test_xlsx_stops_at_the_worksheet_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 3)  # Excel's is 1,048,576, header included
    path = tmp_path / "export.xlsx"
    assert write_xlsx(path, [definition()], iter(ROWS)) == 2
    workbook = load_workbook(path, read_only=True)
    responses = list(workbook["responses"].iter_rows(values_only=True))
    assert [row[0] for row in responses] == ["response_id", 1, 2]
    assert len(list(workbook["codebook"].iter_rows())) > 3  # the codebook is not cut
    workbook.close()
