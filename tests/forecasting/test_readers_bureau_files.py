"""Readers on files shaped like the statistics bureau's (stat.gov.kz, taldau.stat.gov.kz).

Each test builds a file the way the bureau's exports and analysts' spreadsheets look: title
and unit rows above the header, years written "2019 г." or "2022ж.", regions in Russian
upper case or Kazakh, merged cells, footnote marks and footnote rows, no-data marks, numbers
stored as text with spaces as thousands separators.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from forecasting.readers import ReadResult, read_observations
from forecasting.readers.tables import parse_number
from tests.forecasting.conftest import values

#: Rows as taldau.stat.gov.kz labels them (Russian, mixed case and affixes).
TALDAU_REGIONS = [
    ("Акмолинская", "KZ-11"),
    ("Абайская", "KZ-10"),
    ("ЖЕТЫСУСКАЯ ОБЛАСТЬ", "KZ-33"),
    ("Улытауская", "KZ-62"),
    ("Туркестанская", "KZ-61"),
    ("г.Астана", "KZ-71"),
    ("г. Алматы", "KZ-75"),
    ("Шымкент г.а.", "KZ-79"),
]


def issues(result: ReadResult, severity: str = "errors") -> list[str]:
    return [str(issue) for issue in getattr(result.report, severity)]


def save(workbook: openpyxl.Workbook, path: Path) -> Path:
    workbook.save(path)
    return path


def test_taldau_export_with_title_block_footnote_marks_and_notes(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    # A title row holding two different texts (table number and unit) used to be taken
    # for the header.
    sheet.append(["Таблица 3.1", None, None, None, None, "в процентах"])
    sheet.append(["Уровень безработицы по регионам"])
    sheet.merge_cells("A2:F2")
    sheet.append([])
    sheet.append(["", "2019", "2020 г.", "2021 год", "2022ж.", "2023*"])
    sheet.append(["РЕСПУБЛИКА КАЗАХСТАН", "4,8", 4.9, "4,9", "4,9", "4,7*"])
    for number, (label, _) in enumerate(TALDAU_REGIONS):
        sheet.append([label, "-", "х", "…", f"5,{number}", f"4,{number}*"])
    sheet.append([])
    sheet.append(["* данные предварительные"])
    sheet.merge_cells(f"A{sheet.max_row}:F{sheet.max_row}")
    sheet.append(["Примечание: с 2022 года данные по новым областям"])
    path = save(workbook, tmp_path / "taldau.xlsx")

    result = read_observations(path, indicator="unemployment_rate")

    assert result.report.ok, result.report.to_text()
    assert result.report.layout == "wide-period"
    read = values(result)
    for number, (_, code) in enumerate(TALDAU_REGIONS):
        assert read[(code, "2022")] == pytest.approx(5 + number / 10)
        assert read[(code, "2023")] == pytest.approx(4 + number / 10)
    assert len(read) == 2 * len(TALDAU_REGIONS)
    assert result.national_totals["value"].tolist() == [4.8, 4.9, 4.9, 4.9, 4.7]
    warnings = issues(result, "warnings")
    assert any(
        message.startswith("row 5, column '2023*': 9 value(s) carry the footnote mark '*'")
        for message in warnings
    ), warnings
    for row, text in ((15, "* данные предварительные"), (16, "Примечание: с 2022 года")):
        assert any(
            message.startswith(f"row {row}: skipped: the row holds only the text '{text}")
            for message in warnings
        ), warnings
    assert any("no-data mark 'х'" in message for message in warnings)


def test_year_merged_over_quarters_and_over_months(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    quarters = workbook.active
    quarters.title = "кварталы"
    quarters.append(["Регион", "2022", None, None, None, "2023 год", None, None, None])
    quarters.merge_cells("B1:E1")
    quarters.merge_cells("F1:I1")
    quarters.append([None, *["I кв.", "II кв.", "III кв.", "IV кв."] * 2])
    quarters.append(["Акмолинская", *range(1, 9)])
    months = workbook.create_sheet("месяцы")
    months.append(["Численность безработных, человек"])
    months.append([None, "2023"])
    months.merge_cells("B2:D2")
    months.append([None, "январь", "февраль", "март"])
    months.append(["Ақмола облысы", "1 200", "1\u00a0300", "1 400"])
    path = save(workbook, tmp_path / "periods.xlsx")

    by_quarter = read_observations(path, indicator="x", sheet="кварталы")
    by_month = read_observations(path, indicator="x", sheet="месяцы")

    assert values(by_quarter) == {
        ("KZ-11", f"{year}Q{quarter}"): float(4 * (year - 2022) + quarter)
        for year in (2022, 2023)
        for quarter in range(1, 5)
    }
    assert values(by_month) == {
        ("KZ-11", "2023-01"): 1200.0,
        ("KZ-11", "2023-02"): 1300.0,
        ("KZ-11", "2023-03"): 1400.0,
    }


def test_a_title_row_with_two_texts_is_still_the_header_when_nothing_better_follows(
    write_csv: Callable,
) -> None:
    """The title-skipping rule only moves to a fuller row that reads as a header."""
    path = write_csv(
        [
            ["Наименование", "Показатель"],
            ["Акмолинская", "5,1"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="x")
    assert not result.report.ok
    assert result.report.errors[0].row == 1


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("–3,2", -3.2), ("— 1,5", -1.5), ("−0,4", -0.4), ("\u20131\u00a0234,5", -1234.5)],
)
def test_a_dash_before_a_number_is_a_minus_sign(cell: str, expected: float) -> None:
    assert parse_number(cell, decimal_comma=True) == pytest.approx(expected)


def test_no_data_words_and_footnote_marks_on_values(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["Регион", "2022", "2023"],
            ["Акмолинская", "н.д.", "4,4¹"],
            ["Абайская", "нет данных", "–1,5"],
            ["г.Астана", "конф.", "5,0**"],
            ["г. Алматы", "(2,5)", "x*"],
        ],
        delimiter=";",
        encoding="utf-8-sig",  # "¹" has no place in Windows-1251
    )
    result = read_observations(path, indicator="x")
    errors = issues(result)
    # Brackets are not a sign in statistics tables, and a mark on a no-data cell is no number.
    assert errors == [
        "row 5, column '2022': value: '(2,5)' is a number in brackets, which is not read as "
        "a minus sign: write -2,5 if the figure is negative, or the number without brackets",
        "row 5, column '2023': value: 'x*' is not a number",
    ]
    assert result.observations is None

    fixed = write_csv(
        [
            ["Регион", "2022", "2023"],
            ["Акмолинская", "н.д.", "4,4¹"],
            ["Абайская", "нет данных", "–1,5"],
            ["г.Астана", "конф.", "5,0**"],
        ],
        name="fixed.csv",
        delimiter=";",
        encoding="utf-8-sig",
    )
    result = read_observations(fixed, indicator="x")
    assert values(result) == {
        ("KZ-11", "2023"): 4.4,
        ("KZ-10", "2023"): -1.5,
        ("KZ-71", "2023"): 5.0,
    }
    warnings = issues(result, "warnings")
    for mark in ("н.д.", "нет данных", "конф."):
        assert any(f"no-data mark {mark!r}" in message for message in warnings), warnings
    assert any("footnote mark '¹'" in message for message in warnings)
    assert any("footnote mark '**'" in message for message in warnings)


def test_unit_row_and_headings_inside_the_table_are_skipped_by_name(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["Регион", "2022", "2023"],
            ["", "тыс. тенге", "тыс. тенге"],
            ["в том числе:", "", ""],
            ["Акмолинская", "1 250,5", "1 300"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="x")
    assert values(result) == {("KZ-11", "2022"): 1250.5, ("KZ-11", "2023"): 1300.0}
    warnings = issues(result, "warnings")
    assert any(
        message.startswith("row 2: skipped") and "'тыс. тенге'" in message for message in warnings
    )
    assert any(
        message.startswith("row 3: skipped") and "'в том числе:'" in message for message in warnings
    )


def test_a_region_without_values_is_not_a_note(write_csv: Callable) -> None:
    """A known region with empty cells is reported as empty cells, never as a note."""
    path = write_csv(
        [["Регион", "2022"], ["Акмолинская", "4,1"], ["Улытауская", ""]], delimiter=";"
    )
    result = read_observations(path, indicator="x")
    assert values(result) == {("KZ-11", "2022"): 4.1}
    warnings = issues(result, "warnings")
    assert not any("skipped: the row" in message for message in warnings)
    assert any("1 empty cell(s) read as no observation (rows 3)" in message for message in warnings)


def test_the_quarters_of_a_long_table_in_the_forms_the_bureau_uses(write_csv: Callable) -> None:
    forms = {
        "I квартал 2023": "2023Q1",
        "2023 II кв.": "2023Q2",
        "III кв. 2023 г.": "2023Q3",
        "Q4 2023": "2023Q4",
    }
    path = write_csv(
        [["Территория", "Период", "Значение"]]
        + [["Шымкент г.а.", period, "1,5"] for period in forms],
        encoding="utf-8-sig",
        delimiter=";",
    )
    result = read_observations(path, indicator="x")
    assert sorted(values(result)) == sorted(("KZ-79", period) for period in forms.values())


def test_historic_units_in_one_taldau_table(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Регион", "2017", "2018", "2019", "2022"])
    sheet.append(["ЮЖНО-КАЗАХСТАНСКАЯ ОБЛАСТЬ", "60", "х", "х", "х"])
    sheet.append(["ТУРКЕСТАНСКАЯ ОБЛАСТЬ", "х", "40", "41", "42"])
    sheet.append(["Г.ШЫМКЕНТ", "х", "30", "31", "32"])
    sheet.append(["Г.НУР-СУЛТАН", "25", "26", "27", "28"])
    sheet.append(["Улытау облысы", "х", "х", "х", "9"])
    path = save(workbook, tmp_path / "history.xlsx")
    result = read_observations(path, indicator="x")
    read = values(result)
    assert read[("KZ-YUZ", "2017")] == 60.0
    assert read[("KZ-61", "2018")] == 40.0
    assert read[("KZ-71", "2017")] == 25.0
    assert read[("KZ-62", "2022")] == 9.0
    warnings = issues(result, "warnings")
    # Shymkent and Turkistan start on 2018-06-19: 2018 is taken at the new boundaries.
    assert not any("Г.ШЫМКЕНТ" in message for message in warnings), warnings
    assert not any("Улытау" in message for message in warnings), warnings


def test_a_frame_from_pandas_keeps_its_first_row_as_the_header() -> None:
    frame = pd.DataFrame({"Регион": ["Акмолинская"], "2022": ["4,1"]})
    assert values(read_observations(frame, indicator="x")) == {("KZ-11", "2022"): 4.1}


def test_long_export_with_indicator_names_and_russian_headers(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        ["Наименование показателя", "Наименование территории", "Период", "Ед. изм.", "Значение"]
    )
    for label in ("Республика Казахстан", "Абайская область", "г.Шымкент"):
        for year in ("2022 г.", "2023 г."):
            sheet.append(["Уровень безработицы", label, year, "%", "4,9"])
    path = save(workbook, tmp_path / "long.xlsx")
    catalogue = Path(__file__).parents[2] / "forecasting" / "data" / "indicators.csv"

    result = read_observations(path, catalogue=catalogue)

    assert result.report.layout == "long"
    assert values(result) == {
        ("KZ-10", "2022"): 4.9,
        ("KZ-10", "2023"): 4.9,
        ("KZ-79", "2022"): 4.9,
        ("KZ-79", "2023"): 4.9,
    }
    assert set(result.observations["indicator"]) == {"unemployment_rate"}


def test_a_file_without_an_indicator_lists_its_columns(write_csv: Callable) -> None:
    path = write_csv(
        [["Наименование", "Год", "Значение"], ["Акмолинская", "2023", "4,1"]], delimiter=";"
    )
    result = read_observations(path)
    assert issues(result) == [
        "the table does not say which indicator it holds: add an indicator column or give the "
        "indicator (--indicator CODE); columns found: 'Наименование', 'Год', 'Значение'"
    ]


def test_columns_that_are_not_read_are_named(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Регион", "Код КАТО", "2022", "2023", "2023 в % к 2022"])
    sheet.append(["Карагандинская", "350000000", 10, 11, 110.0])
    path = save(workbook, tmp_path / "growth.xlsx")
    result = read_observations(path, indicator="x")
    assert values(result) == {("KZ-35", "2022"): 10.0, ("KZ-35", "2023"): 11.0}
    assert issues(result, "warnings") == [
        "row 1: column(s) not read: 'Код КАТО', '2023 в % к 2022' (their headers are not periods)"
    ]


def test_a_city_inside_a_region_is_refused_with_the_reason(write_csv: Callable) -> None:
    path = write_csv(
        [["Регион", "2023"], ["Карагандинская", "10"], ["в том числе:"], ["г.Караганда", "5"]],
        delimiter=";",
    )
    result = read_observations(path, indicator="x")
    assert result.observations is None
    assert issues(result)[0] == (
        "row 4, column 'Регион': unknown region 'г.Караганда' in 1 row(s); it names a city, "
        "and no city of the region list is called so (KZ-35 Karaganda Region is a region): "
        "a city inside a region is not a first-level unit, remove its rows"
    )


def test_cumulative_periods_are_refused_with_what_to_export(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["Регион", "Период", "Значение"],
            ["Акмолинская", "январь-март 2023", "5"],
            ["Акмолинская", "I-III кв. 2023", "5"],
            ["Акмолинская", "II квартал 2023", "5"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="x")
    assert result.observations is None
    errors = issues(result)
    assert [error.split(":")[0] for error in errors] == [
        "row 2, column 'Период'",
        "row 3, column 'Период'",
    ]
    for error in errors:
        assert error.endswith(
            "it is a total since the start of the year (a cumulative figure), not one period: "
            "export the figures of each month or quarter instead"
        )


def test_a_title_row_as_full_as_the_header_is_skipped(write_csv: Callable) -> None:
    path = write_csv(
        [["Таблица 1", "", "в процентах"], ["", "2022 г.", "2023 г."], ["Абайская", "4,1", "4,2"]],
        delimiter=";",
    )
    result = read_observations(path, indicator="x")
    assert values(result) == {("KZ-10", "2022"): 4.1, ("KZ-10", "2023"): 4.2}


def test_a_data_row_is_never_taken_for_the_header_below_an_unknown_one(
    write_csv: Callable,
) -> None:
    """ "Область Абай" starts with a region word, but a row holding values is no header."""
    path = write_csv(
        [["Наименование", "Данные"], ["Область Абай", "4,1"], ["Область Жетісу", "4,2"]],
        delimiter=";",
    )
    result = read_observations(path, indicator="x")
    assert result.observations is None
    assert result.report.errors[0].row == 1
    assert "found: 'Наименование', 'Данные'" in issues(result)[0]


def cp1251_csv(path: Path, lines: list[str]) -> Path:
    """As Excel saves CSV in a Russian locale: semicolons, Windows-1251, CRLF."""
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def test_months_with_two_digit_years_as_excel_shows_them(tmp_path: Path) -> None:
    """ "янв.23" (a header Excel formats "mmm.yy"), "01.23" and a column of "Jan-23" are
    months of 2023 (00-29 are 2000-2029, 30-99 1930-1999, as Excel reads them)."""
    words = cp1251_csv(
        tmp_path / "words.csv",
        ["Регион;янв.23;фев.23;мар.23", "Акмолинская область;4,1;4,2;4,3", "г. Алматы;5;5,1;5,2"],
    )
    read = read_observations(words, indicator="unemployment_rate")
    assert values(read)[("KZ-11", "2023-03")] == 4.3
    assert set(read.observations["period"].astype(str)) == {"2023-01", "2023-02", "2023-03"}
    numbers = cp1251_csv(
        tmp_path / "numbers.csv", ["Регион;11.98;12.98", "Акмолинская область;7;8"]
    )
    assert values(read_observations(numbers, indicator="unemployment_rate")) == {
        ("KZ-11", "1998-11"): 7.0,
        ("KZ-11", "1998-12"): 8.0,
    }
    long = tmp_path / "long.csv"
    long.write_text("region,period,value\nAkmola Region,Jan-23,1\nAkmola Region,Feb-23,2\n")
    assert values(read_observations(long, indicator="unemployment_rate")) == {
        ("KZ-11", "2023-01"): 1.0,
        ("KZ-11", "2023-02"): 2.0,
    }


def test_two_year_periods_are_named_not_guessed(tmp_path: Path) -> None:
    """An academic-year table (2019/2020, 2020/2021) is refused naming its columns, not
    "cannot tell how the table is laid out"; such a cell of a period column names its row."""
    wide = cp1251_csv(
        tmp_path / "school.csv",
        ["Регион;2019/2020;2020/2021", "Акмолинская область;10;11", "г. Алматы;20;21"],
    )
    read = read_observations(wide, indicator="unemployment_rate")
    (error,) = read.report.errors
    assert error.code == "layout.two_year_headers"
    assert "'2019/2020', '2020/2021' join two years" in str(error)
    assert "(2019/2020 -> 2020)" in str(error)
    long = tmp_path / "long.csv"
    long.write_text("region,period,value\nAkmola Region,2020-21,1\nAkmola Region,2021,2\n")
    (error,) = read_observations(long, indicator="unemployment_rate").report.errors
    assert (error.code, error.row, error.column) == ("period.two_years", 2, "period")
    assert "'2020-21' joins two years" in str(error)


def test_cities_and_districts_inside_a_region_are_named_per_row(tmp_path: Path) -> None:
    """A bureau table lists a region's towns and districts below it ("Алматинская область",
    then "г. Талдыкорган", "Каратальский район"): each is an error on its row saying it is
    below the first level; a misspelt city with a city word gets cities only as hints."""
    path = cp1251_csv(
        tmp_path / "almaty.csv",
        [
            "Регион;2021;2022",
            "Алматинская область;4,1;4,0",
            "г. Талдыкорган;4,3;4,2",
            "Каратальский район;3,9;3,8",
            "г. Алмата;5,0;4,9",
            "Акмолинский облысы;4,4;4,5",
        ],
    )
    read = read_observations(path, indicator="unemployment_rate")
    by_value = {issue.value: issue for issue in read.report.errors if issue.value}
    town = by_value["г. Талдыкорган"]
    assert (town.code, town.row, town.params["kind"]) == ("region.below_first_level", 3, "city")
    assert "not units of the region list, remove its rows" in str(town)
    district = by_value["Каратальский район"]
    assert (district.code, district.row, district.params["kind"]) == (
        "region.below_first_level", 4, "district"
    )  # fmt: skip
    assert by_value["г. Алмата"].params["suggestions"] == ["KZ-75"]
    assert by_value["Акмолинский облысы"].params["suggestions"] == ["KZ-11"]
