"""Tables of one row per year (and region) with a column per month or quarter, and old years.

Statistics bureaus and public datasets (statsmodels' El Niño table: YEAR, JAN ... DEC)
publish monthly series this way; the reader turns them into monthly or quarterly periods.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from forecasting.cli import main
from forecasting.periods import PeriodError, month_or_quarter_name, parse_period
from forecasting.readers import NATIONAL_TOTAL_KEY, SINGLE_SERIES_KEY, read_observations
from forecasting.readers.tables import header_period

ENGLISH = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
RUSSIAN = [
    *("январь", "февраль", "март", "апрель", "май", "июнь"),
    *("июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"),
]
KAZAKH = [
    *("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым"),
    *("шілде", "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан"),
]


def elnino_frame() -> pd.DataFrame:
    """The shape of statsmodels.datasets.elnino: float years, twelve month columns."""
    rows = [
        [1950.0 + year] + [20.0 + year + month / 10 for month in range(12)] for year in range(3)
    ]
    return pd.DataFrame(rows, columns=["YEAR", *ENGLISH])


def test_a_national_month_table_becomes_national_monthly_totals() -> None:
    result = read_observations(elnino_frame(), indicator="sst")
    assert result.ok, result.report.to_text()
    assert result.report.layout == "wide-month"
    assert result.observations is not None and result.observations.empty
    totals = result.national_totals
    assert totals is not None and len(totals) == 36
    assert set(totals["region"]) == {NATIONAL_TOTAL_KEY}
    first = totals.sort_values("period").iloc[0]
    assert first["period"] == pd.Period("1950-01", freq="M") and first["value"] == 20.0
    assert totals.sort_values("period").iloc[-1]["period"] == pd.Period("1952-12", freq="M")
    assert [str(issue) for issue in result.report.warnings] == [
        "the table has no region column: its values are read as national totals (one "
        "series for the whole country), kept apart from regional values"
    ]


def test_a_national_month_table_is_one_series_when_labels_are_keys() -> None:
    result = read_observations(elnino_frame(), indicator="sst", resolve_regions=False)
    assert result.ok, result.report.to_text()
    observations = result.observations
    assert observations is not None and len(observations) == 36
    assert set(observations["region"]) == {SINGLE_SERIES_KEY}
    assert set(observations["indicator"]) == {"sst"}


def test_without_an_indicator_the_table_says_what_is_missing() -> None:
    result = read_observations(elnino_frame())
    assert not result.ok
    assert "does not say which indicator" in str(result.report.errors[0])


def test_regions_russian_months_an_annual_total_and_errors_by_row_and_month(
    write_csv: Callable,
) -> None:
    path = write_csv(
        [
            ["Регион", "Год", *RUSSIAN, "Итого"],
            ["Акмолинская область", "2022", *range(1, 13), "78"],
            ["Акмолинская область", "2023", "1", "2", "x3", *range(4, 13), "78"],
            ["г. Алматы", "202x", *range(1, 13), "78"],
            ["Атлантида", "2023", *range(1, 13), "78"],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="unemployment")
    errors = [str(issue) for issue in result.report.errors]
    assert errors[0] == "row 3, column 'март': value: 'x3' is not a number"
    assert errors[1] == "row 4, column 'Год': '202x' is not a year"
    assert errors[2].startswith("row 5, column 'Регион': unknown region 'Атлантида'")
    assert [str(issue) for issue in result.report.warnings] == [
        "row 1: column(s) 'Итого' hold a figure for the whole year beside the months or "
        "quarters: not read (the months or quarters are)"
    ]


def test_kazakh_months_with_an_indicator_column_and_a_second_year_column(
    write_xlsx: Callable,
) -> None:
    path = write_xlsx(
        [
            ["Облыс", "Көрсеткіш", "Жыл", *KAZAKH, "Жыл"],
            ["Ақмола облысы", "wages", 2023, *range(100, 112), 1266],
            ["Алматы", "wages", 2023, *range(200, 212), 2466],
            ["Алматы", "wages", 2024, *range(300, 306), *[None] * 6, None],
        ]
    )
    result = read_observations(path)
    assert result.ok, result.report.to_text()
    frame = result.observations
    assert frame is not None and len(frame) == 30
    almaty = frame[frame["region"] == "KZ-75"].set_index("period")["value"]
    assert almaty[pd.Period("2023-07", freq="M")] == 206
    assert almaty.index.max() == pd.Period("2024-06", freq="M")
    warnings = [str(issue) for issue in result.report.warnings]
    assert "row 1: column(s) 'Жыл' hold a figure for the whole year" in warnings[0]
    assert warnings[1] == "row 4: 6 empty cell(s) read as no observation (rows 4)"


@pytest.mark.parametrize(
    "headers",
    [
        ["Q1", "Q2", "Q3", "Q4"],
        ["I квартал", "II квартал", "III квартал", "IV квартал"],
        ["I кв.", "II кв.", "III кв.", "IV кв."],
        ["І тоқсан", "ІІ тоқсан", "ІІІ тоқсан", "ІV тоқсан"],
    ],
)
def test_quarter_columns(write_csv: Callable, headers: list[str]) -> None:
    path = write_csv(
        [["Region", "Year", *headers], ["Akmola", "2021", "1", "2", "3", "4"]], delimiter=";"
    )
    result = read_observations(path, indicator="crime")
    assert result.ok, result.report.to_text()
    frame = result.observations
    assert frame is not None
    assert list(frame["period"]) == list(pd.period_range("2021Q1", "2021Q4", freq="Q"))
    assert list(frame["value"]) == [1.0, 2.0, 3.0, 4.0]


def test_abbreviated_russian_months_and_the_layout_named_on_the_command_line(
    write_csv: Callable,
) -> None:
    path = write_csv(
        [["Регион", "Год", "янв.", "фев.", "мар."], ["СКО", "2020", "1,5", "2,5", "3,5"]],
        delimiter=";",
    )
    result = read_observations(path, indicator="x", layout="wide-month")
    assert result.ok, result.report.to_text()
    assert list(result.observations["period"].astype(str)) == ["2020-01", "2020-02", "2020-03"]


def test_a_header_mixing_months_and_quarters_is_refused(write_csv: Callable) -> None:
    path = write_csv([["Year", "Jan", "Feb", "Mar", "Q1"], ["2021", "1", "2", "3", "6"]])
    result = read_observations(path, indicator="x")
    assert "mixes month and quarter columns" in str(result.report.errors[0])


def test_month_columns_without_a_year_column_say_so(write_csv: Callable) -> None:
    path = write_csv([["Region", "Jan", "Feb", "Mar"], ["Akmola", "1", "2", "3"]])
    result = read_observations(path, indicator="x")
    assert "no column holds the years" in str(result.report.errors[0])
    assert "--period-column" in str(result.report.errors[0])


def test_a_monthly_file_against_a_yearly_frequency_names_the_mismatch(write_csv: Callable) -> None:
    path = write_csv([["Year", *ENGLISH[:3]], ["2021", "1", "2", "3"]])
    result = read_observations(path, indicator="x", frequency="Y", resolve_regions=False)
    assert not result.ok
    assert "are monthly but the frequency given is annual" in str(result.report.errors[0])


def test_validate_reads_the_elnino_shape(
    write_csv: Callable, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = elnino_frame()
    path = write_csv([list(frame.columns), *frame.values.tolist()], name="elnino.csv")
    assert main(["validate", str(path), "--indicator", "sst"]) == 0
    assert capsys.readouterr().out.endswith(
        "elnino.csv: OK: 3 data row(s), 0 observation(s), 36 national total(s) kept apart, "
        "0 error(s), 1 warning(s)\n"
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("JAN", ("M", 1)),
        ("Sept.", ("M", 9)),
        ("янв.", ("M", 1)),
        ("желтоқсан", ("M", 12)),
        ("Q3", ("Q", 3)),
        ("III кв.", ("Q", 3)),
        ("3-й квартал", ("Q", 3)),
        ("ІІ тоқсан", ("Q", 2)),
        ("Month", None),
        ("Год", None),
        ("январь 2023", None),
    ],
)
def test_month_and_quarter_headers(header: str, expected: tuple[str, int] | None) -> None:
    assert month_or_quarter_name(header) == expected


# --- Years before 1800 ------------------------------------------------------------------


def test_years_since_1000_are_periods() -> None:
    assert parse_period("1700") == pd.Period("1700", freq="Y")
    assert parse_period(1700.0) == pd.Period("1700", freq="Y")
    assert parse_period("1000-07") == pd.Period("1000-07", freq="M")
    with pytest.raises(PeriodError, match="years from 1000 to 2200 are read"):
        parse_period("0999")
    with pytest.raises(PeriodError, match="years from 1000 to 2200 are read"):
        parse_period(2500)


def test_a_sunspot_series_from_1700_is_read() -> None:
    frame = pd.DataFrame({"YEAR": [1700.0, 1701.0, 1702.0], "SUNACTIVITY": [5.0, 11.0, 16.0]})
    result = read_observations(frame, indicator="sunspots", resolve_regions=False)
    assert result.ok, result.report.to_text()
    assert list(result.observations["period"].astype(str)) == ["1700", "1701", "1702"]


def test_values_in_the_old_year_range_do_not_make_a_header(write_csv: Callable) -> None:
    # A title row with two texts, then data rows: 1500 and 1600 are values, not years.
    assert header_period("1500") is None
    assert header_period("1900") == pd.Period("1900", freq="Y")
    path = write_csv(
        [
            ["Население", "", "чел."],
            ["Регион", "2021", "2022"],
            ["Акмолинская область", "1500", "1600"],
        ]
    )
    result = read_observations(path, indicator="population")
    assert result.ok, result.report.to_text()
    assert list(result.observations["value"]) == [1500.0, 1600.0]


# --- Kazakh abbreviated months --------------------------------------------------------

KAZAKH_ABBREVIATED = [
    *("қаң.", "ақп.", "нау.", "сәу.", "мам.", "мау."),
    *("шіл.", "там.", "қыр.", "қаз.", "қар.", "жел."),
]


def test_a_kazakh_csv_with_a_column_per_abbreviated_month(write_csv: Callable) -> None:
    """A bureau table as a Kazakh desk saves it: UTF-8 CSV, ';', decimal commas, "қаң. 2023"."""
    headers = [f"{word} 2023" for word in KAZAKH_ABBREVIATED]
    path = write_csv(
        [
            ["Облыс", "Көрсеткіш", *headers],
            ["Ақмола облысы", "wages", *[f"{100 + month},5" for month in range(12)]],
            ["Алматы", "wages", *[f"{200 + month},5" for month in range(12)]],
            ["Қазақстан Республикасы", "wages", *[f"{900 + month},5" for month in range(12)]],
        ],
        delimiter=";",
    )
    result = read_observations(path)
    assert result.ok, result.report.to_text()
    assert result.report.layout == "wide-period"
    frame = result.observations
    assert frame is not None and len(frame) == 24
    almaty = frame[frame["region"] == "KZ-75"].set_index("period")["value"]
    assert list(almaty.index) == list(pd.period_range("2023-01", "2023-12", freq="M"))
    assert almaty[pd.Period("2023-10", freq="M")] == 209.5  # қаз. is October, not қараша
    assert almaty[pd.Period("2023-11", freq="M")] == 210.5
    assert not any("not read" in str(issue) for issue in result.report.warnings)


def test_kazakh_abbreviated_month_headers_with_a_year_column(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["Облыс", "Жыл", *KAZAKH_ABBREVIATED],
            ["Алматы", "2023", *[str(month) for month in range(1, 13)]],
        ],
        delimiter=";",
    )
    result = read_observations(path, indicator="wages")
    assert result.ok, result.report.to_text()
    assert result.report.layout == "wide-month"
    frame = result.observations
    assert frame is not None
    assert list(frame["period"].astype(str)) == [f"2023-{month:02d}" for month in range(1, 13)]
    assert list(frame["value"]) == [float(month) for month in range(1, 13)]


@pytest.mark.parametrize(
    ("header", "expected"), [("қаң. 2023", None), ("2023 ж. қаң.", None), ("қаз.", ("M", 10))]
)
def test_kazakh_abbreviated_month_names_alone(
    header: str, expected: tuple[str, int] | None
) -> None:
    assert month_or_quarter_name(header) == expected


def test_months_with_the_year_only_in_the_title_say_how_to_give_it(write_csv: Callable) -> None:
    """A bureau table titled '2024 жылғы ...' has bare month headers; the message sent the
    analyst to --period-column, which names a column that does not exist there."""
    path = write_csv(
        [["Регион", "январь", "февраль", "март"], ["Акмолинская область", "1.5", "1.6", "1.7"]]
    )
    message = str(read_observations(path, indicator="x").report.errors[0])
    assert "if the year is only in the title" in message
    assert "'январь 2024'" in message
    with_years = write_csv(
        [
            ["Регион", "январь 2024", "февраль 2024", "март 2024"],
            ["Акмолинская область", "1.5", "1.6", "1.7"],
        ]
    )
    result = read_observations(with_years, indicator="x")
    assert not result.report.errors
    assert [str(period) for period in result.observations["period"]] == [
        "2024-01",
        "2024-02",
        "2024-03",
    ]
