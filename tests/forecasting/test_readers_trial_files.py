"""Files of a new user's trial that were read wrong: an English stat.gov.kz workbook whose
total row is "The Republic of Kazakhstan", a World Bank style table naming regions by their
romanised Russian names ("Akmolinskaya oblast", "g. Almaty"), an analyst's sheet of shares
formatted as percentages in Excel, data.egov.kz's region names in two languages, and Excel
dates of each month for an annual indicator. Each file is built in code as published;
values, periods and regions read are checked.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from forecasting.readers import read_observations
from tests.forecasting.conftest import values

CATALOGUE = Path(__file__).resolve().parents[2] / "forecasting" / "data" / "indicators.csv"


def test_english_workbook_with_the_republic_total(write_xlsx) -> None:
    path = write_xlsx(
        [
            ["Unemployment rate, %"],
            [],
            ["Region", 2019.0, 2020.0],
            ["The Republic of Kazakhstan", 4.8, 4.9],
            ["Akmola region", 4.0, 4.3],
            ["Nur-Sultan city", 4.5, 4.6],
            ["Note: 2020 preliminary"],
        ]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {
        ("KZ-11", "2019"): 4.0,
        ("KZ-11", "2020"): 4.3,
        ("KZ-71", "2019"): 4.5,
        ("KZ-71", "2020"): 4.6,
    }
    totals = result.national_totals
    assert list(totals["value"]) == [4.8, 4.9]
    assert set(totals["label"]) == {"The Republic of Kazakhstan"}


def test_romanised_russian_names(write_csv) -> None:
    path = write_csv(
        [
            ["Oblast", "2016", "2017"],
            ["Akmolinskaya oblast", "4.0", "4.3"],
            ["Aktyubinskaya oblast", "4.1", "4.4"],
            ["Yuzhno-Kazakhstanskaya oblast", "5.0", ".."],
            ["Vostochno-Kazakhstanskaya oblast", "4.9", "5.2"],
            ["g. Astana", "4.7", "4.8"],
            ["g. Almaty", "5.5", "5.6"],
        ]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {
        ("KZ-11", "2016"): 4.0,
        ("KZ-11", "2017"): 4.3,
        ("KZ-15", "2016"): 4.1,
        ("KZ-15", "2017"): 4.4,
        ("KZ-YUZ", "2016"): 5.0,
        ("KZ-63", "2016"): 4.9,
        ("KZ-63", "2017"): 5.2,
        ("KZ-71", "2016"): 4.7,
        ("KZ-71", "2017"): 4.8,
        ("KZ-75", "2016"): 5.5,
        ("KZ-75", "2017"): 5.6,
    }


def _percent_workbook(path, rows, number_format: str) -> None:
    """Rows with their numbers formatted ``number_format``, as an analyst's sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, float):
                cell.number_format = number_format
    workbook.save(path)


def test_numbers_excel_shows_as_percentages_are_read_as_shown(tmp_path) -> None:
    """0.049 formatted 0.0% shows "4.9%": it is read as 4.9, as the text "4,9%" is, and a
    warning says so. Read as 0.049, a share in % was a hundred times too small, silently."""
    path = tmp_path / "shares.xlsx"
    _percent_workbook(
        path,
        [["Регион", "2021", "2022"], ["Абайская область", 0.049, 0.051], ["г. Алматы", 0.1, 0.07]],
        "0.0%",
    )
    result = read_observations(path, indicator="poverty_share")
    assert values(result) == {
        ("KZ-10", "2021"): 4.9,
        ("KZ-10", "2022"): 5.1,
        ("KZ-75", "2021"): 10.0,
        ("KZ-75", "2022"): 7.0,
    }
    (warning,) = [w for w in result.report.warnings if w.code == "values.percent_format"]
    assert warning.params["count"] == 4
    assert warning.params["rows"] == [2, 3]


def test_percent_format_in_a_long_table(tmp_path) -> None:
    path = tmp_path / "long.xlsx"
    _percent_workbook(
        path,
        [["Регион", "Год", "Значение"], ["Акмолинская область", 2022, 0.123]],
        "0.00%",
    )
    result = read_observations(path, indicator="poverty_share")
    assert values(result) == {("KZ-11", "2022"): 12.3}


def test_a_percent_sign_written_as_text_in_the_format_is_no_percentage(tmp_path) -> None:
    """``0.0" %"`` shows 4.9 as "4.9 %" without multiplying: the number is the value."""
    path = tmp_path / "literal.xlsx"
    _percent_workbook(path, [["Регион", "2022"], ["Акмолинская область", 4.9]], '0.0" %"')
    result = read_observations(path, indicator="poverty_share")
    assert values(result) == {("KZ-11", "2022"): 4.9}
    assert not [w for w in result.report.warnings if w.code == "values.percent_format"]


def test_region_names_in_two_languages_are_one_region_column(write_csv) -> None:
    """data.egov.kz publishes the name in Russian and in Kazakh (``region_ru``,
    ``region_kz``): both name the same unit on every row, so either is the region column.
    It was refused as two region columns, and the web import has no option to pick one."""
    path = write_csv(
        [
            ["id", "region_ru", "region_kz", "year", "value"],
            [1, "Республика Казахстан", "Қазақстан Республикасы", 2023, 4.7],
            [2, "Абайская область", "Абай облысы", 2023, 4.0],
            [3, "г. Шымкент", "Шымкент қаласы", 2023, 5.9],
            ["Примечание: оценка"],
        ]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {("KZ-10", "2023"): 4.0, ("KZ-79", "2023"): 5.9}
    assert list(result.national_totals["value"]) == [4.7]


def test_two_region_columns_in_a_bureau_table(write_csv) -> None:
    path = write_csv(
        [
            ["Регион", "Өңір", "2022", "2023"],
            ["Акмолинская область", "Ақмола облысы", "4,1", "4,0"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {("KZ-11", "2022"): 4.1, ("KZ-11", "2023"): 4.0}


def test_two_region_columns_that_differ_are_still_refused(write_csv) -> None:
    """A row where they name different units (a region and its capital, a mistake) leaves
    the choice to the analyst."""
    path = write_csv(
        [
            ["region_ru", "region_kz", "year", "value"],
            ["Абайская область", "Абай облысы", 2023, 4.0],
            ["г. Шымкент", "Түркістан облысы", 2023, 5.9],
        ]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert result.observations is None
    assert [issue.code for issue in result.report.errors] == ["layout.two_columns_for_role"]


def test_monthly_dates_against_an_annual_indicator_are_one_error(write_xlsx) -> None:
    """A sheet of the first of each month (Excel dates) for an indicator the catalogue
    gives as annual: one error saying the dates are monthly, not an error of "a second
    value" on every row (102 of them for this six-month table of 17 regions)."""
    rows = [["Дата", "Акмолинская обл.", "г.Алматы"]]
    rows += [[dt.datetime(2022, month, 1), 4.0 + month, 5.0 + month] for month in range(1, 7)]
    result = read_observations(write_xlsx(rows), indicator="unemployment_rate", catalogue=CATALOGUE)
    assert result.observations is None
    (error,) = result.report.errors
    assert error.code == "period.frequency_mismatch"
    assert error.params["found"] == "M"
    assert error.params["expected"] == "Y"
    assert error.params["count"] == 12


def test_dates_one_per_year_still_read_as_years(write_csv) -> None:
    path = write_csv(
        [
            ["Регион", "Дата", "Значение"],
            ["Акмолинская область", "31.12.2021", "4,1"],
            ["Акмолинская область", "31.12.2022", "4,2"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate", catalogue=CATALOGUE)
    assert values(result) == {("KZ-11", "2021"): 4.1, ("KZ-11", "2022"): 4.2}


def test_a_comma_csv_with_decimal_commas_reads_three_decimals_as_decimals(tmp_path) -> None:
    """Google Sheets in a Russian locale saves a comma-delimited CSV with "4,9" quoted. A
    "4,125" there is 4.125 like its neighbours, not 4125 (it was, silently)."""
    path = tmp_path / "gsheets.csv"
    path.write_text(
        'Регион,2021,2022\nАкмолинская область,"4,9","4,125"\nг. Алматы,"5,25","5,5"\n',
        encoding="utf-8",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {
        ("KZ-11", "2021"): 4.9,
        ("KZ-11", "2022"): 4.125,
        ("KZ-75", "2021"): 5.25,
        ("KZ-75", "2022"): 5.5,
    }


def test_a_comma_csv_of_english_numbers_keeps_thousands(tmp_path) -> None:
    path = tmp_path / "english.csv"
    path.write_text(
        'Region,Year,GRP per capita\nAkmola Region,2022,"4,125"\nAlmaty city,2022,"12,345.6"\n',
        encoding="utf-8",
    )
    result = read_observations(path, indicator="grp")
    assert values(result) == {("KZ-11", "2022"): 4125.0, ("KZ-75", "2022"): 12345.6}


def test_kazakh_letters_lost_in_a_windows_1251_csv_are_named(tmp_path) -> None:
    """Excel's "CSV (comma delimited)" in a Russian locale writes Windows-1251: "Өңір",
    "Ақмола облысы" arrive as "??ір", "А?мола облысы". The file is refused as before, and
    a warning now says why (it said only that no column holds region names)."""
    text = "Өңір;2022\r\nАқмола облысы;4,1\r\nАбай облысы;4,0\r\n"
    path = tmp_path / "kk.csv"
    path.write_bytes(text.encode("cp1251", errors="replace"))
    result = read_observations(path, indicator="unemployment_rate")
    assert result.observations is None
    (warning,) = [w for w in result.report.warnings if w.code == "file.lost_letters"]
    assert warning.params["count"] == 2
    assert "'??ір', 'А?мола облысы'" in warning.message


def test_a_question_mark_closing_a_word_is_no_lost_letter(write_csv) -> None:
    path = write_csv(
        [["Регион", "2022"], ["Акмолинская область", "4,1"], ["Данные уточняются?", ""]],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {("KZ-11", "2022"): 4.1}
    assert not [w for w in result.report.warnings if w.code == "file.lost_letters"]


def test_a_breakdown_column_reads_the_rows_of_its_total(write_csv) -> None:
    """data.egov.kz's long tables break figures down in a column ("Пол": "Всего",
    "Мужчины", "Женщины"): the total rows are the region's figure, the others are named
    in one warning. Every row was "a second value for region..." before."""
    path = write_csv(
        [
            ["Регион", "Год", "Пол", "Значение"],
            ["Абайская область", 2022, "Всего", "4,0"],
            ["Абайская область", 2022, "Мужчины", "3,7"],
            ["Абайская область", 2022, "Женщины", "4,3"],
            ["г. Алматы", 2022, "Всего", "5,8"],
            ["г. Алматы", 2022, "Мужчины", "5,5"],
            ["г. Алматы", 2022, "Женщины", "6,1"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {("KZ-10", "2022"): 4.0, ("KZ-75", "2022"): 5.8}
    (warning,) = [w for w in result.report.warnings if w.code == "column.breakdown_skipped"]
    assert warning.params["rows"] == [3, 4, 6, 7]
    assert warning.params["labels"] == "'Мужчины', 'Женщины'"
    assert not [w for w in result.report.warnings if w.code == "columns.not_read"]


def test_a_breakdown_column_without_its_total_is_still_refused(write_csv) -> None:
    path = write_csv(
        [
            ["Регион", "Год", "Пол", "Значение"],
            ["Абайская область", 2022, "Мужчины", "3,7"],
            ["Абайская область", 2022, "Женщины", "4,3"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert result.observations is None
    assert {issue.code for issue in result.report.errors} == {"key.duplicate"}


def test_a_row_numbering_the_columns_under_the_header_is_skipped(write_xlsx) -> None:
    """Official forms print "А", "1", "2" under the header; it was read as a region 'А'
    and the file refused."""
    path = write_xlsx(
        [
            ["Наименование", "2021", "2022"],
            ["А", 1, 2],
            ["Абайская область", 4.0, 4.3],
            ["г. Алматы", 5.8, 6.1],
        ]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {
        ("KZ-10", "2021"): 4.0,
        ("KZ-10", "2022"): 4.3,
        ("KZ-75", "2021"): 5.8,
        ("KZ-75", "2022"): 6.1,
    }
    (warning,) = [w for w in result.report.warnings if w.code == "row.column_numbers"]
    assert warning.row == 2


def test_a_first_row_of_other_numbers_is_data(write_csv) -> None:
    path = write_csv([["Год", "Значение"], ["2021", "1"], ["2022", "2"]], delimiter=";")
    result = read_observations(path, indicator="unemployment_rate")
    assert list(result.national_totals["value"]) == [1.0, 2.0]
    assert not [w for w in result.report.warnings if w.code == "row.column_numbers"]


def test_period_cells_with_footnote_marks(write_csv) -> None:
    path = write_csv(
        [
            ["Регион", "Период", "Значение"],
            ["Акмолинская область", "2021 год", "4,1"],
            ["Акмолинская область", "2022 год*", "4,2"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {("KZ-11", "2021"): 4.1, ("KZ-11", "2022"): 4.2}


def test_stocks_at_the_end_of_each_year(write_csv) -> None:
    path = write_csv(
        [["Регион", "на конец 2021 года", "на конец 2022 года"], ["г. Алматы", "2 161", "2 229"]],
        delimiter=";",
    )
    result = read_observations(path, indicator="population")
    assert values(result) == {("KZ-75", "2021"): 2161.0, ("KZ-75", "2022"): 2229.0}


def test_nine_months_is_refused_as_a_total_since_january(write_csv) -> None:
    path = write_csv(
        [["Регион", "Период", "Значение"], ["Акмолинская область", "9 месяцев 2022", "4,1"]],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert [issue.code for issue in result.report.errors] == ["period.cumulative"]


def test_half_year_headers_are_refused_saying_so(write_csv) -> None:
    """It was "cannot tell how the table is laid out"."""
    path = write_csv(
        [
            ["Регион", "I полугодие 2022", "II полугодие 2022"],
            ["Акмолинская область", "4,1", "4,2"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    (error,) = result.report.errors
    assert error.code == "period.half_year"
    assert "'I полугодие 2022', 'II полугодие 2022' are half-years" in error.message


def test_two_columns_of_one_period_are_one_error(write_csv) -> None:
    """ "2022" and "2022¹" side by side (revised and preliminary): it was "a second value"
    on every row, each saying the first was on the same row."""
    path = write_csv(
        [
            ["Регион", "2021", "2022", "2022¹"],
            ["Абайская область", "4,0", "4,3", "4,4"],
            ["г. Алматы", "5,8", "6,1", "6,0"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    (error,) = result.report.errors
    assert error.code == "layout.same_period_columns"
    assert error.params == {"columns": "'2022' and '2022¹'", "period": "2022"}


def test_a_table_keyed_by_kato_codes(write_csv) -> None:
    path = write_csv(
        [["kato", "year", "value"], ["110000000", 2022, 4.1], ["790000000", 2022, 5.9]]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert values(result) == {("KZ-11", "2022"): 4.1, ("KZ-79", "2022"): 5.9}
