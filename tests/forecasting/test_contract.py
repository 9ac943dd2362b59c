"""The data contract: observations frames and the indicator catalogue."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from forecasting.contract import (
    CATALOGUE_COLUMNS,
    OBSERVATION_COLUMNS,
    OPTIONAL_OBSERVATION_COLUMNS,
    ContractError,
    empty_observations,
    read_catalogue,
    valid_range,
    validate_catalogue,
    validate_observations,
    within_valid_ranges,
)


def observations(**columns: list[object]) -> pd.DataFrame:
    base = {
        "region": ["KZ-11", "KZ-10", "KZ-11"],
        "period": ["2021", 2020, "31.12.2019"],
        "indicator": ["unemployment_rate"] * 3,
        "value": ["4.8", 5, 4.1],
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_validate_normalises_types_and_sorts_by_time() -> None:
    frame = validate_observations(observations(n=[120, 80, None]))
    assert list(frame.columns) == ["region", "period", "indicator", "value", "n"]
    assert frame["period"].dtype == pd.PeriodDtype("Y")
    assert frame["value"].dtype == float
    assert frame[["region", "period", "value"]].values.tolist() == [
        ["KZ-10", pd.Period("2020", "Y"), 5.0],
        ["KZ-11", pd.Period("2019", "Y"), 4.1],
        ["KZ-11", pd.Period("2021", "Y"), 4.8],
    ]


def test_each_indicator_keeps_its_own_frequency() -> None:
    frame = validate_observations(
        pd.DataFrame(
            {
                "region": ["KZ-11"] * 3,
                "period": ["2021", "2021-Q2", "2021-Q1"],
                "indicator": ["a", "b", "b"],
                "value": [1, 2, 3],
            }
        )
    )
    assert frame["period"].dtype == object
    assert frame["period"].tolist() == [
        pd.Period("2021", "Y"),
        pd.Period("2021Q1", "Q"),
        pd.Period("2021Q2", "Q"),
    ]


def test_frequencies_given_convert_dates_and_refuse_other_periods() -> None:
    frame = validate_observations(observations(), frequencies={"unemployment_rate": "Y"})
    assert frame["period"].tolist()[0] == pd.Period("2020", "Y")
    with pytest.raises(ContractError, match="annual, but a monthly period"):
        validate_observations(observations(), frequencies={"unemployment_rate": "M"})


def test_every_problem_is_listed() -> None:
    frame = pd.DataFrame(
        {
            "region": ["KZ-11", "", "KZ-10", "KZ-10"],
            "period": ["2021", "2021", "someday", "2021"],
            "indicator": ["u", "u", "u", "u"],
            "value": ["many", 1.0, 2.0, float("inf")],
        }
    )
    with pytest.raises(ContractError) as caught:
        validate_observations(frame)
    assert caught.value.problems == [
        "row 1: region is empty",
        "row 2: period 'someday' is not a period: write a year (2021), a quarter (2021-Q3), "
        "a month (2021-07) or a date (31.12.2021)",
        "row 0: value 'many' is not a number",
        "row 3: value is infinite",
    ]


def test_duplicated_keys() -> None:
    frame = observations(region=["KZ-11", "KZ-11", "KZ-10"], period=["2021", 2021, 2020])
    with pytest.raises(ContractError) as caught:
        validate_observations(frame)
    assert caught.value.problems == [
        "rows 0, 1: more than one value for region KZ-11, period 2021, indicator unemployment_rate"
    ]


def test_mixed_frequency_within_an_indicator() -> None:
    with pytest.raises(ContractError, match="indicator unemployment_rate: periods mix"):
        validate_observations(observations(period=["2021", "2021-Q1", "2020"]))


def test_missing_columns_say_what_was_found() -> None:
    with pytest.raises(ContractError) as caught:
        validate_observations(pd.DataFrame({"Region": ["KZ-11"], "year": [2021]}))
    assert caught.value.problems == [
        "missing column(s) region, period, indicator, value; found: Region, year"
    ]


def test_intervals_and_counts_are_checked() -> None:
    frame = observations(lower=[4, 4, 5], upper=[5, 6, 4], n=[10, -1, 5])
    with pytest.raises(ContractError) as caught:
        validate_observations(frame)
    assert caught.value.problems == [
        "row 1: n is negative",
        "row 2: lower 5.0 is above upper 4.0",
        "row 2: value is below lower",
        "row 2: value is above upper",
    ]


def test_empty_observations_pass_the_contract() -> None:
    empty = empty_observations()
    assert tuple(empty.columns) == OBSERVATION_COLUMNS
    assert validate_observations(empty).empty
    assert set(OPTIONAL_OBSERVATION_COLUMNS) == {"source", "n", "lower", "upper"}


# --- Catalogue ----------------------------------------------------------------------------


def catalogue(**overrides: object) -> pd.DataFrame:
    row = {
        "code": "unemployment_rate",
        "name_kk": "Жұмыссыздық деңгейі",
        "name_ru": "Уровень безработицы",
        "name_en": "Unemployment rate",
        "unit": "%",
        "direction": "1",
        "domain": "economic_hardship",
        "weight": "1",
        "frequency": "Q",
        "source": "stat.gov.kz",
    }
    second = dict(row, code="trust_local", direction="-1", weight="0,5", frequency="annual")
    row.update(overrides)
    return pd.DataFrame([row, second])


def test_valid_catalogue_is_normalised() -> None:
    frame = validate_catalogue(catalogue(), known_domains=["economic_hardship"])
    assert tuple(frame.columns) == CATALOGUE_COLUMNS
    assert frame["direction"].tolist() == [1, -1]
    assert frame["weight"].tolist() == [1.0, 0.5]
    assert frame["frequency"].tolist() == ["Q", "Y"]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"direction": "up"}, "row 2, column direction: 'up' must be 1"),
        ({"direction": "0"}, "row 2, column direction: '0' must be 1"),
        ({"weight": "-1"}, "row 2, column weight: '-1' must be a number above 0"),
        ({"weight": "heavy"}, "row 2, column weight: 'heavy' is not a number"),
        ({"code": "trust_local"}, "row 3, column code: 'trust_local' is already used on row 2"),
        ({"code": "bad code"}, "row 2, column code: 'bad code' must be letters"),
        ({"frequency": "W"}, "row 2, column frequency: 'W' must be one of Y (annual)"),
        ({"domain": "weather"}, "row 2, column domain: 'weather' is not a known domain"),
        (
            {"name_kk": "", "name_ru": "", "name_en": ""},
            "row 2, column name_en: the indicator has no name",
        ),
    ],
)
def test_catalogue_problems_name_row_and_column(overrides: dict, problem: str) -> None:
    with pytest.raises(ContractError) as caught:
        validate_catalogue(catalogue(**overrides), known_domains={"economic_hardship"})
    assert any(message.startswith(problem) for message in caught.value.problems), (
        caught.value.problems
    )


def test_read_catalogue_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.csv"
    catalogue().to_csv(path, index=False)
    assert read_catalogue(path)["code"].tolist() == ["unemployment_rate", "trust_local"]
    (tmp_path / "short.csv").write_text("code,unit\nx,%\n", encoding="utf-8")
    with pytest.raises(ContractError, match="missing column"):
        read_catalogue(tmp_path / "short.csv")
    with pytest.raises(ContractError, match="cannot read"):
        read_catalogue(tmp_path / "absent.csv")


def test_packaged_catalogue_meets_the_contract() -> None:
    path = Path(__file__).parents[2] / "forecasting" / "data" / "indicators.csv"
    frame = read_catalogue(path)
    assert frame["code"].is_unique
    assert set(frame["direction"]) <= {1, -1}


def test_forecasts_are_kept_within_the_values_their_unit_allows() -> None:
    forecasts = pd.DataFrame(
        {
            "region": ["A", "A", "B", "C"],
            "indicator": ["share", "share", "growth", "opaque"],
            "mean": [0.4, 99.0, -2.0, -5.0],
            "lower_95": [-1.5, 97.0, -6.0, -9.0],
            "lower_80": [-0.4, 98.0, -4.0, -7.0],
            "upper_80": [1.2, 100.5, 0.0, -3.0],
            "upper_95": [2.3, 101.0, 2.0, -1.0],
        }
    )
    units = {"share": "%", "growth": "% y/y", "rate": "per 10,000 residents"}
    clipped = within_valid_ranges(forecasts, units)
    assert clipped.loc[0, ["lower_95", "lower_80", "mean"]].tolist() == [0.0, 0.0, 0.4]
    assert clipped.loc[1, ["upper_80", "upper_95"]].tolist() == [100.0, 100.0]
    # a growth rate and an indicator of no known unit keep their negative values
    pd.testing.assert_frame_equal(clipped.loc[2:], forecasts.loc[2:])
    assert forecasts.loc[0, "lower_95"] == -1.5  # the input is not changed


@pytest.mark.parametrize(
    ("unit", "bounds"),
    [
        ("%", (0.0, 100.0)),
        ("Процент", (0.0, 100.0)),
        ("пайыз", (0.0, 100.0)),
        ("proportion", (0.0, 1.0)),
        ("Fraction", (0.0, 1.0)),
        ("per 10,000 residents", (0.0, math.inf)),
        ("на 10 000  человек", (0.0, math.inf)),
        ("% y/y", None),
        ("index", None),
    ],
)
def test_valid_range_reads_the_units_analysts_write(unit: str, bounds) -> None:
    """A catalogue in proportions (0-1) or in Russian ('процент', 'на 10 000 человек') set no
    bound: forecasts of a share of 0.02 got negative lower bounds and the score kept a
    proportion of 1.3."""
    assert valid_range(unit) == bounds


def test_forecasts_of_a_proportion_stay_between_zero_and_one() -> None:
    forecasts = pd.DataFrame(
        {
            "region": ["A"],
            "indicator": ["neet"],
            "mean": [0.02],
            "lower_95": [-0.032],
            "lower_80": [-0.01],
            "upper_80": [0.05],
            "upper_95": [0.07],
        }
    )
    clipped = within_valid_ranges(forecasts, {"neet": "proportion"})
    assert clipped.loc[0, ["lower_95", "lower_80", "mean"]].tolist() == [0.0, 0.0, 0.02]
