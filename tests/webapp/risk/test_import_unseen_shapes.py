"""The analyst's web import (``stage_upload`` then ``confirm_upload``, as the view calls them)
on the files of ``tests/forecasting/test_readers_unseen_shapes.py``: a Kazakh quarterly table
with Roman numerals typed as і, a press-release table with a column of totals since January,
indicators stacked under headings, a footnote row; each message in the page's language."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.webapp.risk.conftest import stage, stored
from webapp.extensions import db
from webapp.risk.imports import ImportRefused, confirm_upload
from webapp.risk.reader_messages import issue_message


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_1251(rows: list[list[str]]) -> bytes:
    return "\r\n".join(";".join(row) for row in rows).encode("cp1251") + b"\r\n"


def worded(app, issue: dict, locale: str) -> str:
    with app.test_request_context(headers={"Accept-Language": locale}):
        return issue_message(issue)


def test_a_kazakh_quarterly_workbook_with_roman_numerals_typed_as_i(app_context, regions, analyst):
    """ "2023 жылғы І тоқсан" (і, U+0456): it was refused as a table of unknown layout."""
    content = workbook(
        [
            ["Жастар арасындағы жұмыссыздық деңгейі, %"],
            ["Өңір", "2023 жылғы І тоқсан", "2023 жылғы ІІ тоқсан", "2023 жылдың ІІІ тоқсаны"],
            ["Қазақстан Республикасы", 3.6, 3.5, 3.4],
            ["Абай облысы", 3.1, 3.0, 2.9],
            ["Ұлытау облысы", 2.8, "х", 2.6],
        ]
    )
    upload = stage(analyst, content, "jastar.xlsx", indicator="youth_unemployment_rate")
    assert upload.report["ok"], upload.report["errors"]
    assert upload.report["national_totals"] == 3
    confirm_upload(upload.id, analyst)
    db.session.commit()
    assert stored() == {
        ("KZ-10", "2023Q1"): 3.1,
        ("KZ-10", "2023Q2"): 3.0,
        ("KZ-10", "2023Q3"): 2.9,
        ("KZ-62", "2023Q1"): 2.8,
        ("KZ-62", "2023Q3"): 2.6,
    }


@pytest.mark.parametrize(
    ("locale", "words"),
    [("ru", "итоги с начала года"), ("kk", "жыл басынан бергі жиынтық")],
)
def test_a_column_of_totals_since_january_beside_the_years(
    app, app_context, regions, analyst, locale, words
):
    """The years are imported; the cumulative column is named for what it is."""
    content = csv_1251(
        [
            ["Регион", "2022", "2023", "январь-сентябрь 2024"],
            ["Республика Казахстан", "4,9", "4,7", "4,6"],
            ["Акмолинская область", "4,8", "4,7", "4,6"],
        ]
    )
    upload = stage(analyst, content, "press.csv", indicator="unemployment_rate")
    assert upload.report["ok"], upload.report["errors"]
    (warning,) = upload.report["warnings"]
    assert warning["code"] == "columns.cumulative_not_read"
    message = worded(app, warning, locale)
    assert words in message
    assert "'январь-сентябрь 2024'" in message
    confirm_upload(upload.id, analyst)
    db.session.commit()
    assert stored() == {("KZ-11", "2022"): 4.8, ("KZ-11", "2023"): 4.7}


@pytest.mark.parametrize(
    ("locale", "words"), [("ru", "одна под другой"), ("kk", "бірінің астында")]
)
def test_indicators_stacked_under_headings_stop_the_import(
    app, app_context, regions, analyst, locale, words
):
    content = workbook(
        [
            ["Регион", 2022, 2023],
            ["Уровень безработицы, %"],
            ["Акмолинская область", 4.8, 4.7],
            ["Уровень бедности, %"],
            ["Акмолинская область", 5.8, 5.7],
        ]
    )
    upload = stage(analyst, content, "bulletin.xlsx", indicator="unemployment_rate")
    assert not upload.report["ok"]
    (error,) = upload.report["errors"]
    assert error["code"] == "table.stacked_under_headings"
    assert error["row"] == 4
    message = worded(app, error, locale)
    assert words in message
    assert "'Уровень бедности, %'" in message
    assert " (row" not in message  # no English left in the page's language
    with pytest.raises(ImportRefused):
        confirm_upload(upload.id, analyst)
    db.session.rollback()
    assert stored() == {}


@pytest.mark.parametrize(("locale", "words"), [("ru", "Пропущено"), ("kk", "Өткізілді")])
def test_a_skipped_footnote_row_is_named_in_the_pages_language(
    app, app_context, regions, analyst, locale, words
):
    """The message has a variable named "text", which the translation function took for its
    own argument: a TypeError, so every skipped note row was named in English."""
    content = workbook(
        [
            ["Регион", "2022", "2023"],
            ["Акмолинская область", 4.8, 4.7],
            ["¹ Предварительные данные"],
        ]
    )
    upload = stage(analyst, content, "notes.xlsx", indicator="unemployment_rate")
    assert upload.report["ok"], upload.report["errors"]
    assert upload.report["indicators"]["unemployment_rate"]["values"] == 2
    (warning,) = upload.report["warnings"]
    assert warning["code"] == "row.note_skipped"
    message = worded(app, warning, locale)
    assert message.startswith(words), message
    assert "¹ Предварительные данные" in message


@pytest.mark.parametrize(("locale", "words"), [("ru", "таблиц рядом"), ("kk", "қатар тұрған")])
def test_indicators_side_by_side_are_named_in_the_pages_language(
    app, app_context, regions, analyst, locale, words
):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Регион", "Уровень безработицы, %", None, "Уровень бедности, %", None])
    sheet.append([None, 2022, 2023, 2022, 2023])
    sheet.append(["Акмолинская область", 4.8, 4.7, 5.8, 5.7])
    for cells in ("A1:A2", "B1:C1", "D1:E1"):
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    upload = stage(analyst, buffer.getvalue(), "side.xlsx", indicator="unemployment_rate")
    assert not upload.report["ok"]
    (error,) = upload.report["errors"]
    assert error["code"] == "layout.side_by_side_tables"
    message = worded(app, error, locale)
    assert words in message
    assert "'Уровень бедности, %'" in message
    assert stored() == {}


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_two_columns_of_one_period_are_listed_without_an_english_and(
    app, app_context, regions, analyst, locale
):
    """The reader joins the columns with "and" for the command line; the kk and ru pages
    showed "Столбцы '2023' and '2023¹' ..."."""
    content = csv_1251(
        [["Регион", "2022", "2023", "2023*"], ["Акмолинская область", "4,8", "4,7", "4,6"]]
    )
    upload = stage(analyst, content, "revised.csv", indicator="unemployment_rate")
    (error,) = upload.report["errors"]
    assert error["code"] == "layout.same_period_columns"
    message = worded(app, error, locale)
    assert "'2023', '2023*'" in message
    assert " and " not in message


@pytest.mark.parametrize(("locale", "words"), [("ru", "разбит на"), ("kk", "бойынша бөлінген")])
def test_years_merged_over_indicators_are_named_in_the_pages_language(
    app, app_context, regions, analyst, locale, words
):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Регион", 2022, None, 2023, None])
    sheet.append([None, "Безработица", "Бедность", "Безработица", "Бедность"])
    sheet.append(["Акмолинская область", 4.8, 5.8, 4.7, 5.7])
    for cells in ("A1:A2", "B1:C1", "D1:E1"):
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    upload = stage(analyst, buffer.getvalue(), "by_year.xlsx", indicator="unemployment_rate")
    (error,) = upload.report["errors"]
    assert error["code"] == "layout.periods_broken_down"
    message = worded(app, error, locale)
    assert words in message
    assert "'Безработица', 'Бедность'" in message
