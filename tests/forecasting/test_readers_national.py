"""Plain national series ("Год, Значение"): no region column, read as national totals.

Statistics bureaus publish many national series as a column of years and a column of
values; the contract keeps national totals apart from regional values.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from forecasting.cli import main
from forecasting.readers import NATIONAL_TOTAL_KEY, SINGLE_SERIES_KEY, read_observations

NATIONAL_WARNING = (
    "the table has no region column: its values are read as national totals (one series "
    "for the whole country), kept apart from regional values"
)


@pytest.mark.parametrize(
    "header",
    [["Год", "Значение"], ["year", "value"], ["Жыл", "Мәні"], ["Period", "Уровень"]],
)
def test_a_year_and_value_table_is_a_national_series(write_csv: Callable, header) -> None:
    path = write_csv([header, ["2021", "4,9"], ["2022", "4,9"], ["2023", "4,7"]], delimiter=";")
    result = read_observations(path, indicator="unemployment_rate")
    assert result.ok, result.report.to_text()
    assert result.report.layout == "long"
    assert result.observations is not None and result.observations.empty
    totals = result.national_totals
    assert totals is not None and list(totals["region"]) == [NATIONAL_TOTAL_KEY] * 3
    assert list(totals["period"]) == [pd.Period(str(year), freq="Y") for year in (2021, 2022, 2023)]
    assert list(totals["value"]) == [4.9, 4.9, 4.7]
    assert set(totals["indicator"]) == {"unemployment_rate"}
    assert [issue.code for issue in result.report.warnings] == ["regions.none_national"]
    assert str(result.report.warnings[0]) == NATIONAL_WARNING
    assert result.report.summary().endswith(
        "OK: 3 data row(s), 0 observation(s), 3 national total(s) kept apart, 0 error(s), "
        "1 warning(s)"
    )


def test_an_indicator_column_names_the_indicator(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["Показатель", "Период", "Значение"],
            ["poverty_share", "2022", "5,2"],
            ["poverty_share", "2023", "5,0"],
            ["unemployment_rate", "2023-Q1", "4,8"],
        ],
        delimiter=";",
    )
    result = read_observations(path)
    assert result.ok, result.report.to_text()
    totals = result.national_totals
    assert totals is not None and len(totals) == 3
    assert sorted(totals["indicator"]) == ["poverty_share", "poverty_share", "unemployment_rate"]


def test_without_an_indicator_the_report_asks_for_one(write_csv: Callable) -> None:
    path = write_csv([["Год", "Значение"], ["2022", "1"], ["2023", "2"]])
    result = read_observations(path)
    assert not result.ok
    assert [issue.code for issue in result.report.errors] == ["indicator.missing"]
    assert "--indicator CODE" in str(result.report.errors[0])


def test_labels_kept_as_keys_make_one_series(write_csv: Callable) -> None:
    path = write_csv([["year", "value"], ["2022", "1.5"], ["2023", "2.5"]])
    result = read_observations(path, indicator="gdp", resolve_regions=False)
    assert result.ok, result.report.to_text()
    observations = result.observations
    assert observations is not None and list(observations["region"]) == [SINGLE_SERIES_KEY] * 2
    assert [issue.code for issue in result.report.warnings] == ["regions.none_one_series"]


def test_a_second_year_is_still_a_duplicate(write_csv: Callable) -> None:
    path = write_csv([["Год", "Значение"], ["2022", "1"], ["2022", "2"]])
    result = read_observations(path, indicator="x")
    assert not result.ok
    assert [issue.code for issue in result.report.errors] == ["key.duplicate"]
    assert "region national, period 2022" in str(result.report.errors[0])


@pytest.mark.parametrize(
    "rows",
    [
        # One series per firm: not a national series.
        [["Firm", "Year", "Value"], ["Acme", "2022", "1"], ["Zenith", "2022", "2"]],
        # A column nobody named, holding texts.
        [["", "Year", "Value"], ["a", "2022", "1"], ["b", "2022", "2"]],
    ],
)
def test_another_column_keeps_the_table_from_reading_as_national(write_csv: Callable, rows) -> None:
    result = read_observations(write_csv(rows), indicator="x")
    assert not result.ok
    assert result.report.errors[0].code == "layout.unclear"
    assert result.national_totals is None


def test_regional_tables_are_not_affected(write_csv: Callable) -> None:
    path = write_csv(
        [
            ["Регион", "Год", "Значение"],
            ["Акмолинская область", "2022", "5"],
            ["Казахстан", "2022", "4"],
        ]
    )
    result = read_observations(path, indicator="x")
    assert result.ok, result.report.to_text()
    assert list(result.observations["region"]) == ["KZ-11"]
    assert list(result.national_totals["label"]) == ["Казахстан"]
    assert not [issue for issue in result.report.warnings if issue.code == "regions.none_national"]


def test_validate_says_the_file_is_national(
    write_csv: Callable, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(
        [["Год", "Значение"], ["2022", "4,9"], ["2023", "4,7"]], name="нац.csv", delimiter=";"
    )
    assert main(["validate", str(path), "--indicator", "unemployment_rate"]) == 0
    out = capsys.readouterr().out
    assert f"warning: {NATIONAL_WARNING}" in out
    assert out.endswith(
        "нац.csv: OK: 2 data row(s), 0 observation(s), 2 national total(s) kept apart, "
        "0 error(s), 1 warning(s)\n"
    )
    assert main(["validate", str(path)]) == 1  # no indicator: said, not guessed
    assert "give the indicator (--indicator CODE)" in capsys.readouterr().out


def test_score_says_a_national_file_has_nothing_to_score(
    write_csv: Callable, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv([["year", "value"], ["2022", "4.9"], ["2023", "4.7"]], name="national.csv")
    assert main(["score", "--data", str(path), "--indicator", "unemployment_rate"]) == 2
    error = capsys.readouterr().err
    assert "holds national totals only (2 value(s), kept apart)" in error
    assert "the risk score compares regions" in error
