"""Periods as people write them, read as pandas Periods and compared as periods."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from forecasting.periods import (
    PeriodError,
    frequency_of,
    infer_frequency,
    is_cumulative,
    normalise_frequency,
    parse_period,
)

YEAR_2021 = pd.Period("2021", freq="Y")
Q3_2021 = pd.Period("2021Q3", freq="Q")
JULY_2021 = pd.Period("2021-07", freq="M")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021", YEAR_2021),
        ("2021.0", YEAR_2021),
        (2021, YEAR_2021),
        (2021.0, YEAR_2021),
        (" 2021 ", YEAR_2021),
        ("2021 год", YEAR_2021),
        ("2021 г.", YEAR_2021),
        ("за 2021 год", YEAR_2021),
        ("2021 жыл", YEAR_2021),
        ("2021 ж.", YEAR_2021),
        ("2021-Q3", Q3_2021),
        ("2021Q3", Q3_2021),
        ("2021 q3", Q3_2021),
        ("Q3 2021", Q3_2021),
        ("q3-2021", Q3_2021),
        ("3 квартал 2021", Q3_2021),
        ("3-й квартал 2021 г.", Q3_2021),
        ("III квартал 2021", Q3_2021),
        ("III кв. 2021", Q3_2021),
        ("2021 жылғы 3 тоқсан", Q3_2021),
        ("2021-07", JULY_2021),
        ("2021-7", JULY_2021),
        ("2021/07", JULY_2021),
        ("2021.07", JULY_2021),
        ("07.2021", JULY_2021),
        ("7/2021", JULY_2021),
        ("июль 2021", JULY_2021),
        ("Июль 2021 г.", JULY_2021),
        ("шілде 2021", JULY_2021),
        ("July 2021", JULY_2021),
        ("jul 2021", JULY_2021),
        (pd.Period("2021-07", freq="M"), JULY_2021),
        (pd.Period("2021", freq="Y"), YEAR_2021),
    ],
)
def test_written_periods(value: object, expected: pd.Period) -> None:
    assert parse_period(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "31.12.2021",
        "2021-12-31",
        "2021-12-31 00:00:00",
        dt.date(2021, 12, 31),
        dt.datetime(2021, 12, 31, 15, 30),
        pd.Timestamp("2021-12-31"),
    ],
)
def test_dates_take_the_frequency_asked_for(value: object) -> None:
    assert parse_period(value) == pd.Period("2021-12-31", freq="D")
    assert parse_period(value, "Y") == YEAR_2021
    assert parse_period(value, "Q") == pd.Period("2021Q4", freq="Q")
    assert parse_period(value, "M") == pd.Period("2021-12", freq="M")


def test_a_written_period_of_another_frequency_is_an_error() -> None:
    with pytest.raises(PeriodError, match="'2021' is annual, but a monthly period was expected"):
        parse_period("2021", "M")
    with pytest.raises(
        PeriodError, match="'2021-07' is monthly, but an annual period was expected"
    ):
        parse_period("2021-07", "Y")
    assert parse_period("2021", "A") == YEAR_2021


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "is not a period"),
        ("", "empty"),
        (None, "empty"),
        (float("nan"), "empty"),
        (pd.NaT, "empty"),
        (True, "is not a period"),
        ("2021.5", "is not a period"),
        (2021.5, "fraction"),
        ("13.2021", "13 is not a month"),
        ("31.02.2021", "not a valid date"),
        ("2021-Q5", "is not a period"),
        ("0021", "not a plausible year"),
        (12, "not a plausible year"),
    ],
)
def test_bad_periods_raise_a_clear_error(value: object, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(value)


def test_periods_compare_as_periods_not_strings() -> None:
    months = [parse_period(text) for text in ["2021-10", "2021-9", "09.2020"]]
    assert sorted(months) == [
        pd.Period("2020-09", freq="M"),
        pd.Period("2021-09", freq="M"),
        pd.Period("2021-10", freq="M"),
    ]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2020", "2021"], "Y"),
        (["2020-Q1", "2020Q2"], "Q"),
        (["2020-01", "02.2020"], "M"),
        (["31.12.2020", "31.12.2021"], "Y"),
        (["31.12.2020", "31.12.2020", "31.12.2021", "31.12.2021"], "Y"),  # several regions
        (["31.03.2020", "31.03.2020", "30.06.2020"], "Q"),
        (["01.07.2020", "01.07.2021"], "Y"),
        (["31.03.2020", "30.06.2020"], "Q"),
        (["15.03.2020", "15.04.2020"], "M"),
        (["2020-01", "15.02.2020"], "M"),
        ([pd.Period("2020", freq="Y")], "Y"),
    ],
)
def test_infer_frequency(values: list[object], expected: str) -> None:
    assert infer_frequency(values) == expected


def test_infer_frequency_refuses_a_mix() -> None:
    with pytest.raises(PeriodError, match=r"mix frequencies \(annual, quarterly\)"):
        infer_frequency(["2020", "2021-Q1"])
    with pytest.raises(PeriodError, match="no periods"):
        infer_frequency([])


def test_frequency_spellings() -> None:
    assert [normalise_frequency(code) for code in ["Y", "a", "Y-DEC", "QE", "ms"]] == list("YYYQM")
    assert frequency_of(Q3_2021) == "Q"
    with pytest.raises(PeriodError, match="unknown frequency 'W'"):
        normalise_frequency("W")


@given(st.integers(1900, 2100), st.integers(1, 12))
def test_month_spellings_agree(year: int, month: int) -> None:
    expected = pd.Period(year=year, month=month, freq="M")
    spellings = [f"{year}-{month:02d}", f"{year}-{month}", f"{month:02d}.{year}", f"{month}/{year}"]
    assert {parse_period(text) for text in spellings} == {expected}
    quarter = (month - 1) // 3 + 1
    assert parse_period(f"{year}-Q{quarter}") == expected.asfreq("Q")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan-23", "2023-01"),
        ("янв.23", "2023-01"),
        ("Jan'23", "2023-01"),
        ("01.23", "2023-01"),
        ("12/29", "2029-12"),
        ("дек.30", "1930-12"),
        ("2011/12", "2011-12"),  # a two-digit month: December 2011, not the season 2011/12
        ("2020-12", "2020-12"),
    ],
)
def test_two_digit_years_read_as_excel_reads_them(text: str, expected: str) -> None:
    assert str(parse_period(text)) == expected


@pytest.mark.parametrize(
    "text", ["2020/2021", "2020/21", "2020-2021", "2020 – 2021", "FY2020/21", "2023/24 оқу жылы"]
)
def test_two_joined_years_are_refused_saying_so(text: str) -> None:
    with pytest.raises(PeriodError, match="joins two years") as caught:
        parse_period(text)
    assert caught.value.code == "period.two_years"


def test_a_day_before_a_month_word_is_not_a_two_digit_year() -> None:
    with pytest.raises(PeriodError):
        parse_period("23-Jan")  # Excel's "d-mmm": the 23rd of January, year unknown


#: CLDR's abbreviated Kazakh months (``babel.dates.get_month_names("abbreviated",
#: locale="kk")``), January to December.
KAZAKH_ABBREVIATIONS = [
    *("қаң.", "ақп.", "нау.", "сәу.", "мам.", "мау."),
    *("шіл.", "там.", "қыр.", "қаз.", "қар.", "жел."),
]


@pytest.mark.parametrize("month", range(1, 13))
def test_kazakh_abbreviated_months_in_every_usual_spelling(month: int) -> None:
    word = KAZAKH_ABBREVIATIONS[month - 1]
    expected = pd.Period(year=2023, month=month, freq="M")
    spellings = [
        f"{word} 2023",
        f"{word.capitalize()} 2023",
        f"2023 ж. {word}",
        f"2023 жылғы {word}",
        f"{word}23",
        f"{word}-23",
    ]
    assert {text: parse_period(text) for text in spellings} == dict.fromkeys(spellings, expected)


def test_kazakh_abbreviations_agree_with_cldr() -> None:
    babel_dates = pytest.importorskip("babel.dates")
    names = babel_dates.get_month_names("abbreviated", locale="kk")
    assert [names[month] for month in range(1, 13)] == KAZAKH_ABBREVIATIONS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022*", pd.Period("2022", "Y")),
        ("2022 год*", pd.Period("2022", "Y")),
        ("2023¹", pd.Period("2023", "Y")),
        ("III кв. 2023*", pd.Period("2023Q3", "Q")),
        ("на конец 2022 года", pd.Period("2022-12-31", "D")),
        ("на конец 2022 г.", pd.Period("2022-12-31", "D")),
        ("end of 2022", pd.Period("2022-12-31", "D")),
        ("2022 жылдың соңына", pd.Period("2022-12-31", "D")),
    ],
)
def test_period_cells_as_bureau_tables_write_them(text: str, expected: pd.Period) -> None:
    """A footnote mark after a period cell (preliminary figures) and a stock "at the end
    of the year" were "not a period"; a column of year ends is annual."""
    assert parse_period(text) == expected


def test_a_column_of_year_ends_is_annual() -> None:
    assert infer_frequency(["на конец 2021 года", "на конец 2022 года"]) == "Y"


@pytest.mark.parametrize("text", ["9 месяцев 2022", "за 6 месяцев 2023", "9 айда 2022"])
def test_months_since_january_are_cumulative(text: str) -> None:
    """ "9 месяцев 2022" is January to September, as "январь-сентябрь 2022" is."""
    assert is_cumulative(text)


@pytest.mark.parametrize("text", ["12 месяцев 2022", "2022", "сентябрь 2022"])
def test_other_periods_are_not_cumulative(text: str) -> None:
    assert not is_cumulative(text)


@pytest.mark.parametrize(
    "text", ["I полугодие 2022", "2022 H1", "H2 2022", "2022 жылғы 1-ші жартыжылдық"]
)
def test_half_years_are_refused_saying_so(text: str) -> None:
    """A half-year is no period of the contract: the error says so and what to export,
    not "is not a period: write a year..."."""
    with pytest.raises(PeriodError, match="half-year") as raised:
        parse_period(text)
    assert raised.value.code == "period.half_year"
