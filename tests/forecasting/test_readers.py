"""Readers on real files: CSV in the encodings offices use, XLSX/XLS, and broken uploads."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msoffcrypto.format.ooxml import OOXMLFile

from forecasting.contract import validate_observations
from forecasting.readers import NATIONAL_TOTAL_KEY, ReadResult, read_observations
from forecasting.readers.tables import NotANumber, parse_number

CURRENT_CODES = {
    "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
    "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79",
}  # fmt: skip


def catalogue_frame() -> pd.DataFrame:
    rows = [
        ("unemployment_rate", "Уровень безработицы", "Unemployment rate", "%", 1, "Y"),
        ("poverty_share", "Доля бедных", "Poverty share", "%", 1, "Y"),
        ("crime_rate", "Преступность", "Crime rate", "per 10,000", 1, "Q"),
    ]
    return pd.DataFrame(
        [
            {
                "code": code,
                "name_kk": "",
                "name_ru": name_ru,
                "name_en": name_en,
                "unit": unit,
                "direction": direction,
                "domain": "economy",
                "weight": 1,
                "frequency": frequency,
                "source": "stat.gov.kz",
            }
            for code, name_ru, name_en, unit, direction, frequency in rows
        ]
    )


def messages(result: ReadResult, severity: str = "errors") -> list[str]:
    return [str(issue) for issue in getattr(result.report, severity)]


# --- Clean files --------------------------------------------------------------------------


def test_the_real_stat_gov_sample_reads_cleanly(sample_unemployment: Path) -> None:
    result = read_observations(sample_unemployment, indicator="unemployment_rate")
    assert result.report.ok, result.report.to_text()
    assert result.report.warnings == []
    assert result.national_totals.empty
    assert "label" in result.national_totals.columns
    frame = result.observations
    assert len(frame) == 20
    assert set(frame["region"]) == CURRENT_CODES
    assert set(frame["period"]) == {pd.Period("2022", "Y")}
    assert frame.loc[frame["region"] == "KZ-61", "value"].item() == 5.2
    assert set(frame["source"]) == {"kz_unemployment_2022.csv"}
    assert result.report.layout == "long"
    pd.testing.assert_frame_equal(validate_observations(frame), frame)


def test_the_sample_without_an_indicator_says_how_to_give_one(sample_unemployment: Path) -> None:
    result = read_observations(sample_unemployment)
    assert result.observations is None
    assert messages(result) == [
        "the table does not say which indicator it holds: add an indicator column or give "
        "the indicator (--indicator CODE); columns found: 'Region', 'rate', 'year'"
    ]


def test_cp1251_semicolons_decimal_comma_and_russian_upper_case(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["РЕГИОН", "ГОД", "ЗНАЧЕНИЕ"],
            ["РЕСПУБЛИКА КАЗАХСТАН", "2021", "4,9"],
            ["КЫЗЫЛОРДИНСКАЯ ОБЛАСТЬ", "2021", "4,8"],
            ["Г.АЛМАТЫ", "2021", "5,1"],
            ["Г.НУР-СУЛТАН", "2021", "1 004,5"],
        ],
        delimiter=";",
        encoding="cp1251",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert result.report.ok, result.report.to_text()
    assert result.observations[["region", "value"]].values.tolist() == [
        ["KZ-43", 4.8],
        ["KZ-71", 1004.5],
        ["KZ-75", 5.1],
    ]
    totals = result.national_totals
    assert totals[["region", "label", "value"]].values.tolist() == [
        [NATIONAL_TOTAL_KEY, "РЕСПУБЛИКА КАЗАХСТАН", 4.9]
    ]
    assert result.report.national_totals == 1


def test_utf8_bom_tabs_and_kazakh_headers(write_csv: Callable) -> None:
    path = write_csv(
        [["Аймақ", "Кезең", "Көрсеткіш", "Мәні"], ["Абай облысы", "2023-Q1", "crime_rate", "12"]],
        delimiter="\t",
        encoding="utf-8-sig",
    )
    result = read_observations(path)
    assert result.report.ok, result.report.to_text()
    assert result.observations.iloc[0].tolist()[:4] == [
        "KZ-10",
        pd.Period("2023Q1", "Q"),
        "crime_rate",
        12.0,
    ]


def test_excel_unicode_text_is_utf16_with_tabs(write_csv: Callable) -> None:
    path = write_csv(
        [["Регион", "Год", "Значение"], ["Ақтөбе облысы", "2022", "4,8"]],
        delimiter="\t",
        encoding="utf-16",
    )
    result = read_observations(path, indicator="x")
    assert result.report.ok, result.report.to_text()
    assert result.observations[["region", "value"]].values.tolist() == [["KZ-15", 4.8]]


@pytest.mark.parametrize(
    ("cell", "decimal_comma", "expected"),
    [
        ("4,8", True, 4.8),
        ("4,8", False, 4.8),
        ("1 234,5", True, 1234.5),
        ("1\u00a0234,5", True, 1234.5),
        ("1.234,5", True, 1234.5),
        ("12,345.6", True, 12345.6),
        ("1,234", False, 1234.0),
        ("1,234", True, 1.234),
        ("5%", True, 5.0),
        ("-0,5", True, -0.5),
        ("\u22120.5", False, -0.5),
        (7, True, 7.0),
        (2.5, False, 2.5),
    ],
)
def test_numbers_as_offices_write_them(cell: object, decimal_comma: bool, expected: float) -> None:
    assert parse_number(cell, decimal_comma=decimal_comma) == expected


@pytest.mark.parametrize("cell", ["many", "4,8,9", "1.2.3", "", True, float("inf"), "nan"])
def test_cells_that_are_not_numbers(cell: object) -> None:
    with pytest.raises(NotANumber):
        parse_number(cell, decimal_comma=True)


def test_stat_gov_shape_regions_down_years_across(write_xlsx: Callable) -> None:
    path = write_xlsx(
        [
            ["Уровень безработицы по регионам, %"],
            [],
            [None, 2019, 2020, "2021 год"],
            ["Республика Казахстан", 4.8, 4.9, 4.9],
            ["Восточно-Казахстанская область", 4.6, 4.8, 4.7],
            ["Южно-Казахстанская область", 5.0, None, "-"],
            ["Туркестанская область", None, 4.9, 4.9],
            ["Примечание: данные за 2021 год предварительные"],
        ]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert result.report.ok, result.report.to_text()
    assert result.report.layout == "wide-period"
    frame = result.observations
    assert frame[["region", "period", "value"]].values.tolist() == [
        ["KZ-61", pd.Period("2020", "Y"), 4.9],
        ["KZ-61", pd.Period("2021", "Y"), 4.9],
        ["KZ-63", pd.Period("2019", "Y"), 4.6],
        ["KZ-63", pd.Period("2020", "Y"), 4.8],
        ["KZ-63", pd.Period("2021", "Y"), 4.7],
        ["KZ-YUZ", pd.Period("2019", "Y"), 5.0],
    ]
    assert len(result.national_totals) == 3
    warnings = messages(result, "warnings")
    assert any(
        message.startswith("row 6, column 'column A': 'Южно-Казахстанская область' for 2019")
        and "ceased to exist on 2018-06-18; its territory is now KZ-61, KZ-79" in message
        for message in warnings
    ), warnings
    assert any(
        "'Восточно-Казахстанская область' for 2019 to 2021 (3 value(s))" in message
        and "also covered today's KZ-10 Abai Region" in message
        for message in warnings
    ), warnings
    assert any("no-data mark '-'" in message for message in warnings)
    assert any("empty cell(s) read as no observation" in message for message in warnings)


def test_one_column_per_region(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["period", "Abai Region", "Astana city", "Kazakhstan"],
            ["2023-01", "5.1", "4.2", "4.8"],
            ["2023-02", "5.0", "4.1", "4.7"],
        ]
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert result.report.ok, result.report.to_text()
    assert result.report.layout == "wide-region"
    assert result.observations[["region", "period", "value"]].values.tolist() == [
        ["KZ-10", pd.Period("2023-01", "M"), 5.1],
        ["KZ-10", pd.Period("2023-02", "M"), 5.0],
        ["KZ-71", pd.Period("2023-01", "M"), 4.2],
        ["KZ-71", pd.Period("2023-02", "M"), 4.1],
    ]
    assert result.national_totals["value"].tolist() == [4.8, 4.7]


def test_one_column_per_indicator_with_catalogue_names(write_xlsx: Callable) -> None:
    path = write_xlsx(
        [
            ["Region", "Year", "unemployment_rate", "Доля бедных"],
            ["Pavlodar Region", 2022, 4.8, 5.5],
            ["Kostanay Region", 2022, 4.9, 4.1],
        ]
    )
    result = read_observations(path, catalogue=catalogue_frame())
    assert result.report.ok, result.report.to_text()
    assert result.report.layout == "wide-indicator"
    assert result.observations[["indicator", "region", "value"]].values.tolist() == [
        ["poverty_share", "KZ-39", 4.1],
        ["poverty_share", "KZ-55", 5.5],
        ["unemployment_rate", "KZ-39", 4.9],
        ["unemployment_rate", "KZ-55", 4.8],
    ]


def test_explicit_columns_and_optional_survey_columns(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["Territory name", "Reporting year", "Level", "n", "lower", "upper", "source"],
            ["Atyrau", "2022", "31.5", "400", "27", "36", "Survey 2022"],
            ["Aktobe", "2022", "28", "", "", "", "Survey 2022"],
        ]
    )
    result = read_observations(
        path,
        indicator="survey_trust",
        region_column="territory name",
        period_column="Reporting year",
        value_column="LEVEL",
    )
    assert result.report.ok, result.report.to_text()
    frame = result.observations
    assert list(frame.columns) == [
        "region", "period", "indicator", "value", "source", "n", "lower", "upper"
    ]  # fmt: skip
    assert frame.iloc[1][["region", "value", "n", "lower", "upper", "source"]].tolist() == [
        "KZ-23",
        31.5,
        400.0,
        27.0,
        36.0,
        "Survey 2022",
    ]
    assert frame.iloc[0][["n", "lower"]].isna().all()


@pytest.mark.parametrize(
    ("part_header", "parts", "expected"),
    [
        ("Month", ["7", "июль"], ["2021-07", "2022-07"]),
        ("Квартал", ["III", "3 квартал"], ["2021Q3", "2022Q3"]),
        ("quarter", ["Q3", "3"], ["2021Q3", "2022Q3"]),
    ],
)
def test_year_and_month_or_quarter_columns_make_one_period(
    write_csv: Callable, part_header: str, parts: list[str], expected: list[str]
) -> None:
    path = write_csv(
        [
            ["Region", "Year", part_header, "Value"],
            ["Abai", "2021", parts[0], "1"],
            ["Abai", "2022", parts[1], "2"],
        ]
    )
    result = read_observations(path, indicator="x", resolve_regions=False)
    assert result.report.ok, result.report.to_text()
    assert [str(period) for period in result.observations["period"]] == expected


def test_file_objects_need_only_a_filename(write_xlsx: Callable) -> None:
    path = write_xlsx([["Регион", "Год", "Значение"], ["Алматы облысы", 2022, 4.7]])
    upload = io.BytesIO(path.read_bytes())
    result = read_observations(upload, filename="upload.xlsx", indicator="unemployment_rate")
    assert result.report.ok, result.report.to_text()
    assert result.report.source == "upload.xlsx"
    assert result.observations["region"].tolist() == ["KZ-19"]


def test_old_excel_format(tmp_path: Path) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Данные")
    for row, values in enumerate([["Region", "Date", "Value"], ["Shymkent", "31.12.2021", 5.5]]):
        for column, value in enumerate(values):
            sheet.write(row, column, value)
    path = tmp_path / "old.xls"
    book.save(str(path))
    result = read_observations(path, indicator="unemployment_rate", frequency="Y")
    assert result.report.ok, result.report.to_text()
    assert result.observations[["region", "period"]].values.tolist() == [
        ["KZ-79", pd.Period("2021", "Y")]
    ]


def test_first_sheet_with_data_or_the_one_asked_for(write_xlsx: Callable) -> None:
    path = write_xlsx(
        sheets={
            "Notes": [["Source: stat.gov.kz"]],
            "2021": [["Region", "Year", "Value"], ["Pavlodar", 2021, 1]],
            "2022": [["Region", "Year", "Value"], ["Pavlodar", 2022, 2]],
        }
    )
    first = read_observations(path, indicator="x")
    assert first.observations["value"].tolist() == [1.0]
    by_name = read_observations(path, indicator="x", sheet="2022")
    assert by_name.observations["value"].tolist() == [2.0]
    by_number = read_observations(path, indicator="x", sheet="3")
    assert by_number.observations["value"].tolist() == [2.0]
    by_position = read_observations(path, indicator="x", sheet=2)  # 0-based, as in pandas
    assert by_position.observations["value"].tolist() == [2.0]
    assert messages(read_observations(path, indicator="x", sheet=3)) == [
        "the workbook has 3 sheet(s), no sheet number 4: Notes, 2021, 2022"
    ]
    missing = read_observations(path, indicator="x", sheet="2023")
    assert messages(missing) == ["no sheet '2023'; the workbook has: Notes, 2021, 2022"]


def test_opaque_series_keys_without_the_region_list(write_csv: Callable) -> None:
    path = write_csv([["region", "year", "value"], ["Group A", "2021", "1"], ["Group B", 2021, 2]])
    result = read_observations(path, indicator="x", resolve_regions=False)
    assert result.report.ok, result.report.to_text()
    assert result.observations["region"].tolist() == ["Group A", "Group B"]


def test_national_totals_only(write_csv: Callable) -> None:
    path = write_csv([["region", "year", "value"], ["Республика Казахстан", "2021", "4.9"]])
    result = read_observations(path, indicator="x")
    assert result.observations.empty
    assert result.national_totals["value"].tolist() == [4.9]
    assert messages(result, "warnings") == ["the file holds national totals only, no region"]


def test_a_dataframe_is_read_like_a_file() -> None:
    frame = pd.DataFrame({"Region": ["Ulytau"], "Year": [2023], "Rate": ["4,3"]})
    result = read_observations(frame, indicator="unemployment_rate")
    assert result.report.ok, result.report.to_text()
    assert result.observations[["region", "value"]].values.tolist() == [["KZ-62", 4.3]]


def test_dates_take_the_catalogue_frequency(write_csv: Callable) -> None:
    path = write_csv(
        [["region", "date", "indicator", "value"], ["Abai", "31.03.2023", "crime_rate", "7"]]
    )
    result = read_observations(path, catalogue=catalogue_frame())
    assert result.report.ok, result.report.to_text()
    assert result.observations["period"].tolist() == [pd.Period("2023Q1", "Q")]


# --- Files with errors: a report and no data --------------------------------------------------


def test_unknown_regions_are_listed_with_rows_and_suggestions(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["region", "year", "value"],
            ["Kzylorda Regon", "2021", "1"],
            ["Atlantis", "2021", "2"],
            ["Atlantis", "2022", "2"],
            ["Pavlodar", "2021", "3"],
        ]
    )
    result = read_observations(path, indicator="x")
    assert result.observations is None
    assert result.national_totals is None
    assert messages(result) == [
        "row 2, column 'region': unknown region 'Kzylorda Regon' in 1 row(s); "
        "did you mean KZ-43 Kyzylorda Region?",
        "row 3, column 'region': unknown region 'Atlantis' in 2 row(s)",
        "2 region name(s) not recognised: 'Kzylorda Regon', 'Atlantis'. Use the codes or names "
        "of the region list, or add the names as aliases to the region file",
    ]
    issue = result.report.errors[1]
    assert (issue.row, issue.column, issue.value) == (3, "region", "Atlantis")


def test_bad_periods_values_and_duplicates_name_the_cell(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["region", "year", "value"],
            ["Almaty", "2021", "5"],
            ["г. Алматы", "2021", "5.1"],
            ["Astana", "next year", "4"],
            ["Shymkent", "2021", "n/a ok"],
            ["Atyrau", "", "3"],
        ]
    )
    result = read_observations(path, indicator="x")
    assert result.observations is None
    assert messages(result) == [
        "row 3, column 'value': a second value for region KZ-75, period 2021, indicator x "
        "(first on row 2) ('Almaty' and 'г. Алматы' are the same region)",
        "row 4, column 'year': period: 'next year' is not a period: write a year (2021), "
        "a quarter (2021-Q3), a month (2021-07) or a date (31.12.2021)",
        "row 5, column 'value': value: 'n/a ok' is not a number",
        "row 6, column 'year': the period is empty",
    ]


def test_unit_column_must_agree_with_the_catalogue(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["region", "year", "indicator", "unit", "value"],
            ["Pavlodar", "2021", "unemployment_rate", "percent", "4"],
            ["Kostanay", "2021", "unemployment_rate", "persons", "4000"],
            ["Atyrau", "2021", "unemployment_rate", "persons", "3000"],
        ]
    )
    result = read_observations(path, catalogue=catalogue_frame())
    assert result.observations is None
    assert messages(result) == [
        "row 3, column 'unit': unit 'persons' disagrees with the catalogue, which gives '%' "
        "for unemployment_rate"
    ]


def test_an_indicator_given_for_a_table_that_names_its_own(write_csv: Callable) -> None:
    path = write_csv([["region", "year", "indicator", "value"], ["Abai", "2023", "gdp", "1"]])
    result = read_observations(path, indicator="poverty_share")
    assert result.observations["indicator"].tolist() == ["gdp"]
    assert messages(result, "warnings") == [
        "the table names its indicators itself; the indicator 'poverty_share' given is not used"
    ]


def test_indicators_outside_the_catalogue(write_csv: Callable) -> None:
    path = write_csv([["region", "year", "indicator", "value"], ["Abai", "2023", "gdp", "1"]])
    result = read_observations(path, catalogue=catalogue_frame())
    assert messages(result) == [
        "row 2, column 'indicator': unknown indicator 'gdp': not a code or name in the catalogue"
    ]
    asked = read_observations(path, catalogue=catalogue_frame(), indicator="gdp")
    assert messages(asked) == ["indicator 'gdp' is not in the catalogue"]


def test_missing_columns_say_what_was_found(write_csv: Callable) -> None:
    path = write_csv([["Region", "Comment"], ["Abai", "fine"]])
    result = read_observations(path, indicator="x", layout="long")
    assert messages(result) == [
        "row 1: no period, value column (found: 'Region', 'Comment'); "
        "name it with --period-column. name it with --value-column."
    ]
    auto = read_observations(path, indicator="x")
    assert "cannot tell how the table is laid out" in messages(auto)[0]
    named = read_observations(path, indicator="x", value_column="Amount")
    assert messages(named) == [
        "row 1: no column named 'Amount' for the value; found: 'Region', 'Comment'"
    ]


def test_a_header_without_rows(write_csv: Callable) -> None:
    result = read_observations(write_csv([["region", "year", "value"]]), indicator="x")
    assert messages(result) == ["row 1: the file has a header but no data rows"]


def test_mixed_frequencies_in_one_indicator(write_csv: Callable) -> None:
    path = write_csv(
        [["region", "period", "value"], ["Abai", "2023", "1"], ["Abai", "2023-Q1", "2"]]
    )
    result = read_observations(path, indicator="x")
    assert messages(result) == [
        "column 'period': indicator x: periods mix frequencies (annual, quarterly); "
        "give --frequency or split the file"
    ]


# --- Broken files: a report error, never an exception -----------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert messages(read_observations(path)) == ["the file is empty"]
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"\r\n ;;\r\n")
    assert messages(read_observations(blank)) == ["the file is empty"]


def test_truncated_workbook(write_xlsx: Callable, tmp_path: Path) -> None:
    data = write_xlsx([["Region", "Year", "Value"], ["Abai", 2023, 1]]).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    result = read_observations(path, indicator="x")
    assert result.observations is None
    assert messages(result) == ["the Excel file is damaged or truncated"]


def test_not_a_spreadsheet(tmp_path: Path) -> None:
    pdf = tmp_path / "report.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert messages(read_observations(pdf)) == [
        "the file is named like an Excel workbook but is not one (damaged, truncated or "
        "another format renamed)"
    ]
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    assert messages(read_observations(binary)) == [
        "the file is neither a spreadsheet (XLSX, XLS) nor readable text (CSV in UTF-8 or "
        "Windows-1251)"
    ]
    archive = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("readme.txt", "not a workbook")
    assert messages(read_observations(archive)) == [
        "the file is a ZIP archive but not an Excel workbook: save it as .xlsx or .csv"
    ]


def test_password_protected_workbook(write_xlsx: Callable, tmp_path: Path) -> None:
    plain = write_xlsx([["Region", "Year", "Value"], ["Abai", 2023, 1]])
    encrypted = tmp_path / "secret.xlsx"
    with plain.open("rb") as source, encrypted.open("wb") as target:
        office = OOXMLFile(source)
        office.encrypt("s3cret", target)
    result = read_observations(encrypted, indicator="x")
    assert messages(result) == [
        "the workbook is password-protected: save a copy without a password"
    ]


def test_ten_thousand_columns_in_a_workbook(write_xlsx: Callable) -> None:
    path = write_xlsx([[f"c{index}" for index in range(10_000)], list(range(10_000))])
    assert messages(read_observations(path, indicator="x")) == [
        "sheet 'Sheet1' has data in more than 1000 columns; a table of statistics has far "
        "fewer: is this the right file?"
    ]


def test_ten_thousand_columns(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    header = ",".join(f"c{index}" for index in range(10_000))
    path.write_text(header + "\n" + ",".join(["1"] * 10_000) + "\n", encoding="utf-8")
    result = read_observations(path, indicator="x")
    assert messages(result) == ["the file has more than 1000 columns: is this the right file?"]


def test_formulas_without_saved_results(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Region", "Year", "Value"])
    sheet.append(["Abai", 2023, "=2+2"])
    sheet.append(["Astana", 2023, 4])
    path = tmp_path / "formulas.xlsx"
    workbook.save(path)
    result = read_observations(path, indicator="x")
    assert result.observations is None
    assert messages(result) == [
        "row 2, column 'Value': the cell holds a formula whose result was never saved; open "
        "the file in a spreadsheet program and save it, or paste values"
    ]


def test_missing_path_is_a_report_error(tmp_path: Path) -> None:
    assert messages(read_observations(tmp_path / "absent.csv")) == [
        f"no such file: {tmp_path / 'absent.csv'}"
    ]


_CELLS = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["2021", "2021-Q1", "31.12.2021", "Abai", "Итого", "4,5", "-", "region"]),
    st.sampled_from(["year", "value", "indicator", "unit", "n", '"', ";", ",", "\t"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(st.lists(_CELLS, max_size=5), max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
    layout=st.sampled_from(["auto", "long", "wide-region", "wide-indicator", "wide-period"]),
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]),
)
def test_any_content_gives_a_report_never_an_exception(
    rows: list[list[str]], delimiter: str, layout: str, prefix: bytes
) -> None:
    content = prefix + "\n".join(delimiter.join(row) for row in rows).encode("utf-8")
    result = read_observations(io.BytesIO(content), filename="upload.csv", layout=layout)
    assert (result.observations is None) == (not result.report.ok)
    assert result.report.summary()


# --- The report -------------------------------------------------------------------------------


def test_report_forms(write_csv: Callable) -> None:
    path = write_csv(
        [["region", "year", "value"], ["Atlantis", "2021", "1"], ["Abai", "2021", "2"]]
    )
    report = read_observations(path, indicator="x").report
    assert not report.ok
    frame = report.to_frame()
    assert list(frame.columns) == ["severity", "row", "column", "message", "value"]
    assert frame.iloc[0][["severity", "row", "column", "value"]].tolist() == [
        "error",
        2,
        "region",
        "Atlantis",
    ]
    data = report.to_dict()
    assert data["ok"] is False
    assert data["errors"][0]["row"] == 2
    assert report.summary() == (
        "data.csv: NOT USABLE: 2 data row(s), 0 observation(s), 2 error(s), 1 warning(s)"
    )
    assert report.to_text().splitlines()[-1] == report.summary()


def test_forecasting_loads_no_flask() -> None:
    code = (
        "import sys, forecasting, forecasting.geography, forecasting.contract, "
        "forecasting.periods, forecasting.readers, forecasting.cli.validate\n"
        "from forecasting.geography import default_resolver\n"
        "default_resolver()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'webapp')))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    ).stdout
    assert output.strip() == "[]"


# --- Merged cells and two-row headers, as statistics offices publish them ----------------------


def test_merged_title_group_header_and_region_cells(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [
        ["Основные показатели по регионам", None, None, None],
        ["Регион", "Показатель", "Годы", None],
        [None, None, 2021, 2022],
        ["Абайская область", "unemployment_rate", 4.9, 5.0],
        [None, "poverty_share", 6.1, 6.0],
        ["г. Шымкент", "unemployment_rate", 5.1, 5.0],
    ]:
        sheet.append(row)
    for cells in ("A1:D1", "A2:A3", "B2:B3", "C2:D2", "A4:A5"):
        sheet.merge_cells(cells)
    path = tmp_path / "merged.xlsx"
    workbook.save(path)
    result = read_observations(path)
    assert result.report.ok, result.report.to_text()
    assert result.report.layout == "wide-period"
    assert result.observations[["indicator", "region", "period", "value"]].values.tolist() == [
        ["poverty_share", "KZ-10", pd.Period("2021", "Y"), 6.1],
        ["poverty_share", "KZ-10", pd.Period("2022", "Y"), 6.0],
        ["unemployment_rate", "KZ-10", pd.Period("2021", "Y"), 4.9],
        ["unemployment_rate", "KZ-10", pd.Period("2022", "Y"), 5.0],
        ["unemployment_rate", "KZ-79", pd.Period("2021", "Y"), 5.1],
        ["unemployment_rate", "KZ-79", pd.Period("2022", "Y"), 5.0],
    ]
    # Rows are numbered as the spreadsheet shows them: the data starts on row 4.
    assert result.report.warnings[0].row == 4


def test_two_row_header_in_a_csv(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["Регион", "Годы", ""],
            ["", "2021", "2022"],
            ["Pavlodar", "4,8", "4,7"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment_rate")
    assert result.report.ok, result.report.to_text()
    assert result.observations["value"].tolist() == [4.8, 4.7]


def test_a_data_row_with_an_empty_first_cell_is_not_taken_for_a_header(
    write_csv: Callable,
) -> None:
    path = write_csv([["region", "year", "value"], ["", "2021", "4"], ["Abai", "2023", "5"]])
    result = read_observations(path, indicator="x")
    assert messages(result) == ["row 2, column 'region': the region is empty"]


def test_a_unit_outside_its_validity_with_monthly_and_annual_values(write_csv: Callable) -> None:
    """Abai before its creation, in months and in a year: periods of two frequencies in one
    warning (sorting them crashed with IncompatibleFrequency on the demo panel's CSV)."""
    path = write_csv(
        [
            ["region", "period", "indicator", "value"],
            ["KZ-10", "2022-01", "unemployment_rate", "5.1"],
            ["KZ-10", "2021", "poverty_share", "7.0"],
            ["KZ-10", "2022-03", "unemployment_rate", "5.0"],
        ]
    )
    result = read_observations(path)
    assert result.report.ok, result.report.to_text()
    assert len(result.observations) == 3
    warning = next(issue for issue in result.report.warnings if "KZ-10" in issue.message)
    assert "2021 to 2022-03" in warning.message
