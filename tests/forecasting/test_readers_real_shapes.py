"""Readers on real public panels and on bureau workbooks built the way they are published.

The panels are R datasets (``plm``'s Produc: US states x years, one column per indicator);
the workbooks are shaped like the statistics bureau's: a contents sheet before the tables,
one table per sheet.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from forecasting.readers import read_observations


def bureau_workbook(path: Path) -> Path:
    """A contents sheet of one text column, then two tables, as stat.gov.kz bulletins are."""
    workbook = openpyxl.Workbook()
    contents = workbook.active
    contents.title = "Содержание"
    for line in (
        "Содержание",
        "1.1 Уровень безработицы по регионам",
        "1.2 Численность занятого населения по регионам",
        "Методологические пояснения",
    ):
        contents.append([line])
    for title, unit, numbers in (
        ("1.1", "в процентах", ("4,8", "4,9")),
        ("1.2", "тыс. человек", ("1 010,5", "975,2")),
    ):
        sheet = workbook.create_sheet(title)
        sheet.append([f"{title}. По регионам Республики Казахстан"])
        sheet.merge_cells("A1:C1")
        sheet.append([None, None, unit])
        sheet.append(["Наименование", "2021", "2022 г."])
        sheet.append(["Акмолинская область", numbers[0], numbers[1]])
        sheet.append(["г. Нур-Султан", numbers[1], "-"])
        sheet.append(["Источник: Бюро национальной статистики"])
    workbook.save(path)
    return path


def test_a_contents_sheet_is_not_the_first_sheet_with_data(tmp_path: Path) -> None:
    path = bureau_workbook(tmp_path / "bulletin.xlsx")
    first = read_observations(path, indicator="unemployment_rate")
    assert first.report.ok, first.report.to_text()
    assert sorted(first.observations["value"].tolist()) == [4.8, 4.9, 4.9]
    second = read_observations(path, indicator="employed", sheet="1.2")
    assert sorted(second.observations["value"].tolist()) == [975.2, 975.2, 1010.5]
    # Asked for by name, the contents sheet is read, and the message names what was found.
    contents = read_observations(path, indicator="unemployment_rate", sheet="Содержание")
    assert not contents.report.ok


#: The first rows of plm's Produc (US states, 1970-1986): a state column, a column per indicator.
PRODUC = [
    ["state", "year", "pcap", "hwy", "emp", "unemp"],
    ["ALABAMA", 1970, 15032.67, 7325.8, 1010.5, 4.7],
    ["ALABAMA", 1971, 15501.94, 7525.94, 1021.9, 5.2],
    ["ARIZONA", 1970, 10148.42, 4556.81, 547.4, 4.4],
    ["ARIZONA", 1971, 10560.54, 4701.97, 581.4, 4.7],
]

#: plm's EmplUK: firms observed over years, a sector code, a column per indicator.
EMPLUK = [
    ["firm", "year", "sector", "emp", "wage"],
    [1, 1977, 7, 5.0409999, 13.1516],
    [1, 1978, 7, 5.5999999, 12.3018],
    [2, 1977, 7, 71.319, 14.7909],
    [2, 1978, 7, 70.642998, 14.1036],
]


def test_a_state_or_province_column_is_the_region_column(write_csv: Callable) -> None:
    result = read_observations(write_csv(PRODUC), resolve_regions=False)
    assert result.report.ok, result.report.to_text()
    assert result.report.layout == "wide-indicator"
    frame = result.observations
    assert sorted(frame["indicator"].unique()) == ["emp", "hwy", "pcap", "unemp"]
    arizona = frame[(frame["region"] == "ARIZONA") & (frame["indicator"] == "unemp")]
    assert arizona["value"].tolist() == [4.4, 4.7]
    # With regions resolved, US states are unknown regions, named as such.
    resolved = read_observations(write_csv(PRODUC))
    assert any("ALABAMA" in str(issue) for issue in resolved.report.errors)
    for header in ("Province", "District", "Район", "Аудан"):
        table = [[header, "year", "value"], ["Alpha", 2020, 1], ["Beta", 2020, 2]]
        read = read_observations(write_csv(table), resolve_regions=False, indicator="x")
        assert read.report.ok, (header, read.report.to_text())


def test_a_panel_of_firms_is_not_a_column_per_series(write_csv: Callable) -> None:
    """Years repeat down the table: its columns are not one series each (which would make
    every second row a duplicate), one of them is the key, and the analyst names it."""
    path = write_csv(EMPLUK)
    unclear = read_observations(path, resolve_regions=False, indicator="x")
    assert [issue.code for issue in unclear.report.errors] == ["layout.unclear"]
    named = read_observations(path, resolve_regions=False, region_column="firm")
    assert named.report.ok, named.report.to_text()
    emp = named.observations[named.observations["indicator"] == "emp"]
    assert emp[["region", "value"]].values.tolist()[-1] == ["2", 70.642998]
    # One row per year is a column per series, as before.
    wide = write_csv([["year", "Group A", "Group B"], [2020, 1, 2], [2021, 3, 4]], name="w.csv")
    by_series = read_observations(wide, resolve_regions=False, indicator="x")
    assert by_series.report.layout == "wide-region"
    assert len(by_series.observations) == 4


def test_one_column_per_indicator_says_which_key_column_is_missing(write_csv: Callable) -> None:
    result = read_observations(write_csv(EMPLUK), resolve_regions=False, layout="wide-indicator")
    (error,) = result.report.errors
    assert error.params["missing"] == ["region"]
    assert "no region column" in error.message
    assert "--region-column" in error.message


def test_footnote_marks_and_row_numbers_around_region_names(write_csv: Callable) -> None:
    """Bureau tables put footnote marks after a region ("Абайская область¹", "Г.НУР-СУЛТАН 2)")
    and some number their rows ("1. Акмолинская область"): neither is part of the name."""
    rows = [
        ["Регион", "2022", "2023¹⁾"],
        ["РЕСПУБЛИКА КАЗАХСТАН¹", "4,9", "4,7¹⁾"],
        ["1. Акмолинская область", "4,8", "4,6"],
        ["2) Абайская область¹", "5,0", "4,9"],
        ["3. Г.НУР-СУЛТАН 2)", "4,6", "4,5"],
        ["4. г. Шымкент*", "5,1", "5,0"],
        ["5. Жетісу облысы¹⁾", "5,1", "5,0"],
    ]
    result = read_observations(write_csv(rows, delimiter=";"), indicator="unemployment_rate")
    assert result.report.ok, result.report.to_text()
    assert sorted(result.observations["region"].unique()) == [
        "KZ-10",
        "KZ-11",
        "KZ-33",
        "KZ-71",
        "KZ-79",
    ]
    assert result.national_totals["value"].tolist() == [4.9, 4.7]
    # A number that is not a row number nor a footnote still leaves the label unknown.
    unknown = read_observations(
        write_csv([["Регион", "2022"], ["17 г.Алматы", "5,0"]], name="u.csv", delimiter=";"),
        indicator="unemployment_rate",
    )
    assert unknown.report.errors[0].code.startswith("region.unknown")


def test_the_total_of_a_breakdown_under_each_year(tmp_path: Path) -> None:
    """ "2022" merged over "всего", "мужчины", "женщины": the total is the year's value, the
    breakdown is named as not read; a year over quarters and their "Итого" keeps the quarters."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Уровень безработицы по полу, в процентах"])
    sheet.append(["Регион", "2021", None, None, "2022", None, None])
    sheet.merge_cells("B2:D2")
    sheet.merge_cells("E2:G2")
    sheet.append([None, "всего", "мужчины", "женщины", "Всего", "мужчины", "женщины"])
    sheet.append(["Акмолинская область", "4,8", "4,6", "5,0", "4,7", "4,5", "4,9"])
    sheet.append(["г. Алматы", "5,1", "4,9", "5,3", "5,0", "4,8", "5,2"])
    path = tmp_path / "by_sex.xlsx"
    workbook.save(path)
    result = read_observations(path, indicator="unemployment_rate")
    assert result.report.ok, result.report.to_text()
    frame = result.observations
    assert frame[["region", "period", "value"]].astype(str).values.tolist() == [
        ["KZ-11", "2021", "4.8"],
        ["KZ-11", "2022", "4.7"],
        ["KZ-75", "2021", "5.1"],
        ["KZ-75", "2022", "5.0"],
    ]
    (warning,) = result.report.warnings
    assert "'2021: мужчины'" in warning.message and "'2022: женщины'" in warning.message

    quarters = tmp_path / "quarters.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Регион", "2023", None, None, None])
    sheet.merge_cells("B1:E1")
    sheet.append([None, "I кв.", "II кв.", "III кв.", "Итого"])
    sheet.append(["Акмолинская область", 1, 2, 3, 6])
    workbook.save(quarters)
    by_quarter = read_observations(quarters, indicator="x")
    assert by_quarter.report.ok, by_quarter.report.to_text()
    assert by_quarter.observations["value"].tolist() == [1.0, 2.0, 3.0]
    assert "'2023: Итого'" in by_quarter.report.warnings[0].message


def test_population_on_the_first_of_january(write_csv: Callable) -> None:
    """Stocks are published "на 1 января 2023 г." (Kazakh "2023 жылғы 1 қаңтардағы"): dates
    written with a month name, all on one day of the year, so the series is annual."""
    rows = [
        ["Численность населения, человек", "", ""],
        ["Регион", "на 1 января 2022 г.", "на 1 января 2023 г."],
        ["Акмолинская область", "736 000", "735 500"],
        ["г. Алматы", "2 000 900", "2 100 000"],
    ]
    result = read_observations(write_csv(rows, delimiter=";"), indicator="population")
    assert result.report.ok, result.report.to_text()
    assert result.observations[["region", "period", "value"]].astype(str).values.tolist() == [
        ["KZ-11", "2022", "736000.0"],
        ["KZ-11", "2023", "735500.0"],
        ["KZ-75", "2022", "2000900.0"],
        ["KZ-75", "2023", "2100000.0"],
    ]
    kazakh = [
        ["Өңір", "2022 жылғы 1 қаңтардағы", "2023 жылғы 1 қаңтардағы"],
        ["Ақмола облысы", "736 000", "735 500"],
    ]
    read = read_observations(write_csv(kazakh, name="kk.csv", delimiter=";"), indicator="p")
    assert read.report.ok, read.report.to_text()
    assert read.observations["period"].astype(str).tolist() == ["2022", "2023"]
    english = [["Region", "January 1, 2022", "1 January 2023"], ["Akmola", 736000, 735500]]
    read = read_observations(write_csv(english, name="en.csv", delimiter=";"), indicator="p")
    assert read.observations["period"].astype(str).tolist() == ["2022", "2023"]


def test_period_codes_of_international_and_bureau_exports(write_csv: Callable) -> None:
    """Eurostat, IMF and World Bank write months "2023M01"; bureau exports write quarters
    "2023-I" ... "2023-IV"."""
    months = [["Region", "Period", "Value"], ["Akmola", "2023M01", 4.1], ["Akmola", "2023M02", 4.2]]
    read = read_observations(write_csv(months), indicator="x")
    assert read.report.ok, read.report.to_text()
    assert read.observations["period"].astype(str).tolist() == ["2023-01", "2023-02"]
    quarters = [["Регион", "Период", "Значение"]] + [
        ["Акмолинская", f"2023-{roman}", "4,1"] for roman in ("I", "II", "III", "IV")
    ]
    read = read_observations(write_csv(quarters, name="q.csv", delimiter=";"), indicator="x")
    assert read.report.ok, read.report.to_text()
    assert read.observations["period"].astype(str).tolist() == [
        "2023Q1",
        "2023Q2",
        "2023Q3",
        "2023Q4",
    ]


def test_a_series_saved_by_pandas_with_its_dates_as_the_index(tmp_path: Path) -> None:
    """``series.to_csv()`` writes ",unemployment" over "2020-01-01,4.1": the first row is the
    header (its first cell empty), not a title above a header of dates."""
    path = tmp_path / "series.csv"
    path.write_text(",unemployment\n2020-01-01,4.1\n2020-02-01,4.2\n2020-03-01,4.3\n")
    result = read_observations(path, indicator="unemployment_rate", value_column="unemployment")
    assert result.report.ok, result.report.to_text()
    assert result.national_totals["period"].astype(str).tolist() == [
        "2020-01",
        "2020-02",
        "2020-03",
    ]
    assert result.national_totals["value"].tolist() == [4.1, 4.2, 4.3]
    # A unit row above the header stays a unit row (its text is over years, not values).
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([None, None, "в процентах"])
    sheet.append(["Регион", 2021, 2022])
    sheet.append(["Акмолинская область", 4.8, 4.9])
    workbook.save(tmp_path / "unit.xlsx")
    unit = read_observations(tmp_path / "unit.xlsx", indicator="x")
    assert unit.report.ok, unit.report.to_text()
    assert unit.observations["value"].tolist() == [4.8, 4.9]


#: The first rows of statsmodels' macrodata (US, quarterly) as ``to_csv`` writes them.
MACRODATA = [
    ["year", "quarter", "realgdp", "cpi", "unemp"],
    ["1959.0", "1.0", "2710.349", "28.98", "5.8"],
    ["1959.0", "2.0", "2778.801", "29.15", "5.1"],
    ["1959.0", "3.0", "2775.488", "29.35", "5.3"],
]


def test_a_national_table_with_a_column_per_indicator(write_csv: Callable) -> None:
    """A row per quarter (year and quarter columns, written as floats) and a column per
    indicator, no region: national series, as a long table without region column is."""
    path = write_csv(MACRODATA)
    result = read_observations(path)
    assert result.report.ok, result.report.to_text()
    assert result.report.layout == "wide-indicator"
    assert [issue.code for issue in result.report.warnings] == ["regions.none_national"]
    totals = result.national_totals
    assert sorted(totals["indicator"].unique()) == ["cpi", "realgdp", "unemp"]
    unemp = totals[totals["indicator"] == "unemp"]
    assert unemp["period"].astype(str).tolist() == ["1959Q1", "1959Q2", "1959Q3"]
    assert unemp["value"].tolist() == [5.8, 5.1, 5.3]
    # Labels kept as keys: one series of three indicators (backtest and forecast read it so).
    keys = read_observations(path, resolve_regions=False)
    assert keys.report.ok, keys.report.to_text()
    assert set(keys.observations["region"]) == {"series"}
    assert len(keys.observations) == 9
    # With the indicator given, the columns are series of that indicator, as before.
    series = read_observations(path, resolve_regions=False, indicator="x")
    assert series.report.layout == "wide-region"
    # A text column keeps the table from reading as national indicators.
    notes = ["note", "a", "b", "c"]
    with_text = [[*row, note] for row, note in zip(MACRODATA, notes, strict=True)]
    unclear = read_observations(write_csv(with_text, name="t.csv"))
    assert not unclear.report.ok


CATALOGUE = Path(__file__).resolve().parents[2] / "forecasting" / "data" / "indicators.csv"


def test_a_value_column_headed_with_the_indicators_own_name(write_csv: Callable) -> None:
    """Analysts head the one column of numbers "Безработица" rather than "Значение"."""
    rows = [["Регион", "Год", "Безработица"], ["Акмолинская", 2021, "4,1"], ["г.Алматы", 2021, "5"]]
    path = write_csv(rows, delimiter=";")
    for catalogue in (CATALOGUE, None):
        result = read_observations(path, indicator="unemployment_rate", catalogue=catalogue)
        assert result.report.ok, result.report.to_text()
        assert result.report.layout == "long"
        assert result.observations["value"].tolist() == [4.1, 5.0]
        assert set(result.observations["indicator"]) == {"unemployment_rate"}


def test_columns_of_numbers_the_catalogue_does_not_know_are_named(write_csv: Callable) -> None:
    """With the catalogue (the web import, --catalogue), Produc's indicator columns were
    'cannot tell how the table is laid out'; each is now named as an unknown indicator."""
    result = read_observations(write_csv(PRODUC), catalogue=CATALOGUE, resolve_regions=False)
    assert result.report.layout == "wide-indicator"
    unknown = [issue for issue in result.report.errors if issue.code == "indicator.unknown"]
    assert [issue.column for issue in unknown] == ["pcap", "hwy", "emp", "unemp"]


def test_the_column_of_names_is_the_key_of_a_panel_kept_as_is(write_csv: Callable) -> None:
    """statsmodels' Grunfeld: firm names in a column headed "firm", years as floats."""
    rows = [
        ["invest", "value", "capital", "firm", "year"],
        [317.6, 3078.5, 2.8, "General Motors", "1935.0"],
        [391.8, 4661.7, 52.6, "General Motors", "1936.0"],
        [40.29, 417.5, 10.5, "US Steel", "1935.0"],
        [72.76, 837.8, 10.2, "US Steel", "1936.0"],
    ]
    result = read_observations(write_csv(rows), resolve_regions=False, layout="wide-indicator")
    assert result.report.ok, result.report.to_text()
    frame = result.observations
    assert sorted(frame["region"].unique()) == ["General Motors", "US Steel"]
    assert sorted(frame["indicator"].unique()) == ["capital", "invest", "value"]
    steel = frame[(frame["region"] == "US Steel") & (frame["indicator"] == "invest")]
    assert steel["value"].tolist() == [40.29, 72.76]


def test_a_value_column_among_indicator_columns_suggests_one_per_indicator(
    write_csv: Callable,
) -> None:
    """Grunfeld's "value" (the firm's market value) beside "invest" and "capital": read as a
    long table it lacks an indicator; the error says the other reading."""
    rows = [
        ["invest", "value", "capital", "firm", "year"],
        [317.6, 3078.5, 2.8, "General Motors", 1935],
        [40.29, 417.5, 10.5, "US Steel", 1935],
    ]
    result = read_observations(write_csv(rows), resolve_regions=False)
    (error,) = result.report.errors
    assert error.code == "indicator.missing"
    assert error.params["numeric_columns"] == ["invest", "capital"]
    assert "--layout wide-indicator" in error.message


@pytest.mark.parametrize(
    "header",
    [
        ["Облыс атауы", "Жылы", "Көрсеткіш мәні"],
        ["Өңір", "Есепті кезең", "Мәні"],
        ["Регион", "Отчетный период", "Значение показателя"],
        ["Name of region", "Reporting year", "Value"],
        ["Регион", "Годы", "Значение"],
    ],
)
def test_usual_headers_of_long_tables_in_three_languages(write_csv: Callable, header) -> None:
    rows = [header, ["Ақмола облысы", "2021", "4,1"], ["Алматы қаласы", "2021", "5,0"]]
    result = read_observations(write_csv(rows, delimiter=";"), indicator="x")
    assert result.report.ok, result.report.to_text()
    assert result.report.layout == "long"
    assert result.observations["value"].tolist() == [4.1, 5.0]


def test_a_unit_in_the_year_it_ended_gets_the_note(write_csv: Callable) -> None:
    """South Kazakhstan ended on 2018-06-18; the bureau publishes 2018 for Turkistan and
    Shymkent (a straddling year uses the new boundaries), so a 2018 figure for it is noted,
    as a 2022 figure for Abai is not."""
    rows = [
        ["Регион", "2017", "2018"],
        ["Южно-Казахстанская область", "4,1", "4,0"],
        ["Туркестанская область", "-", "4,2"],
    ]
    result = read_observations(write_csv(rows, delimiter=";"), indicator="x")
    assert result.report.ok
    (ended,) = [issue for issue in result.report.warnings if issue.code == "region.ended"]
    assert ended.row == 2 and "2018" in ended.message and "KZ-61, KZ-79" in ended.message


def two_tables_workbook(path: Path) -> Path:
    """Two tables on one sheet, one under the other, as bulletins print them."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (
        ["Таблица 1. Численность безработных, тыс. человек"],
        ["Регион", "2021", "2022"],
        ["Акмолинская область", "20,1", "19,5"],
        ["г. Алматы", "50,0", "48,2"],
        [],
        ["Таблица 2. Уровень безработицы, %"],
        ["Регион", "2021", "2022"],
        ["Акмолинская область", "4,8", "4,6"],
        ["г. Алматы", "5,1", "5,0"],
    ):
        sheet.append(row)
    workbook.save(path)
    return path


def test_a_second_table_on_the_sheet_is_named_not_read_as_data(tmp_path: Path) -> None:
    """It was read as data: 'unknown region Регион' and a duplicate for every value."""
    result = read_observations(two_tables_workbook(tmp_path / "two.xlsx"), indicator="x")
    assert result.report.ok, result.report.to_text()
    assert sorted(result.observations["value"].tolist()) == [19.5, 20.1, 48.2, 50.0]
    (warning,) = result.report.warnings
    assert warning.code == "table.second_table"
    assert warning.params == {"header_row": 7, "first_row": 6, "count": 4}


def test_the_report_says_which_sheet_was_read_when_others_hold_tables(tmp_path: Path) -> None:
    path = bureau_workbook(tmp_path / "bulletin.xlsx")
    result = read_observations(path, indicator="unemployment_rate")
    (note,) = [issue for issue in result.report.warnings if issue.code == "file.other_sheets"]
    assert note.params == {"sheet": "1.1", "others": "'1.2'"}
    named = read_observations(path, indicator="unemployment_rate", sheet="1.1")
    assert not [issue for issue in named.report.warnings if issue.code == "file.other_sheets"]
