"""The command line and the models on public series the package was not tuned on.

An analyst's files built from statsmodels' datasets (Mauna Loa CO2, averaged to months as
the data contract asks of weekly figures; the Nile's annual flow) and small frames with
the odd cases real panels have.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.datasets import co2, elnino, grunfeld, nile

from forecasting.cli import main
from forecasting.models import PooledExponentialSmoothingForecaster
from forecasting.models.baselines import NaiveForecaster, SeasonalNaiveForecaster
from forecasting.models.combination import CombinationForecaster
from forecasting.pipeline import train
from forecasting.readers import read_observations

ORDER = ["lower_95", "lower_80", "mean", "upper_80", "upper_95"]


def co2_monthly() -> pd.DataFrame:
    """Weekly Mauna Loa CO2 averaged to months (the contract refuses weekly dates), 1990 on:
    a steady rise with a yearly cycle."""
    weekly = co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean().dropna()
    monthly = monthly[monthly.index >= "1990-01-01"]
    return pd.DataFrame(
        {
            "region": "MaunaLoa",
            "period": monthly.index.to_period("M"),
            "indicator": "co2_ppm",
            "value": monthly.to_numpy(dtype=float),
        }
    )


def disordered(frame: pd.DataFrame) -> pd.DataFrame:
    values = frame.loc[:, ORDER].to_numpy(dtype=float)
    return frame[(np.diff(values, axis=1) < 0).any(axis=1)]


def test_pooled_smoothing_intervals_hold_their_own_forecast() -> None:
    """Without a trend, pooled smoothing lags a rising series, so every in-sample error is
    positive and the error quantiles put the 80% interval above the forecast (mean 372.4,
    lower_80 372.5): an interval that leaves out its own point forecast, which the
    probability of a class (read from the five points in order) cannot use either."""
    model = PooledExponentialSmoothingForecaster().fit(co2_monthly())
    frame = model.predict(12).to_frame()

    assert disordered(frame).empty


def test_forecast_of_a_rising_series_writes_ordered_intervals(tmp_path: Path) -> None:
    data = tmp_path / "co2.csv"
    frame = co2_monthly()
    frame.assign(period=frame["period"].astype(str)).to_csv(data, index=False)
    out = tmp_path / "forecast.csv"

    options = ["--horizon", "12", "--models", "pooled_ets", "--origins", "2"]
    code = main(["forecast", "--data", str(data), *options, "--out", str(out)])

    assert code == 0
    written = pd.read_csv(out)
    assert len(written) == 12
    assert disordered(written).empty, disordered(written).to_string()


@pytest.mark.parametrize("period", ["1871", 1871])
def test_a_model_given_periods_that_are_no_periods_says_what_it_got(period) -> None:
    """The models take the contract's frame (pandas Periods); a frame read with plain
    pandas has years as text or numbers. The error said "non-period values: ['None']"."""
    frame = pd.DataFrame(
        {"region": "nile", "period": [period], "indicator": "flow", "value": [1120.0]}
    )

    with pytest.raises(ValueError) as error:
        PooledExponentialSmoothingForecaster().fit(frame)

    message = str(error.value)
    assert "'1871'" in message or "1871" in message
    assert "None" not in message
    assert "validate_observations" in message


def nile_panel_with_a_constant_series() -> pd.DataFrame:
    """The Nile's flow cut into three 30-year 'stations' on one calendar, and a fourth
    station whose gauge reported the same figure every year."""
    flow = nile.load_pandas().data["volume"].to_numpy(dtype=float)
    years = pd.period_range("1991", periods=30, freq="Y")
    rows = [
        (f"station_{number}", year, "flow", value)
        for number in range(3)
        for year, value in zip(years, flow[30 * number : 30 * number + 30], strict=True)
    ]
    rows += [("station_flat", year, "flow", 900.0) for year in years]
    return pd.DataFrame(rows, columns=["region", "period", "indicator", "value"])


@pytest.mark.parametrize("model", [NaiveForecaster, SeasonalNaiveForecaster])
def test_a_constant_series_does_not_get_a_zero_width_interval_silently(model) -> None:
    """A series that never moved has residuals that are all zero: the baselines gave it an
    interval of zero width (certainty) and no warning, where the smoothing models borrow
    the indicator's spread and say so. It borrows the other series' spread too."""
    result = model().fit(nile_panel_with_a_constant_series()).predict(4)
    frame = result.to_frame()
    flat = frame[frame["region"] == "station_flat"]

    assert (flat["mean"] == 900.0).all()
    assert (flat["upper_95"] - flat["lower_95"] > 100).all()
    notes = [w for w in result.warnings if w["region"] == "station_flat"]
    assert [w["category"] for w in notes] == ["pooled_interval"]
    assert "constant" in notes[0]["message"]


def test_a_lone_constant_series_says_its_interval_has_zero_width() -> None:
    frame = nile_panel_with_a_constant_series()
    flat = frame[frame["region"] == "station_flat"]

    result = NaiveForecaster().fit(flat).predict(3)

    assert (result.to_frame()["upper_95"] == 900.0).all()
    assert [w["category"] for w in result.warnings] == ["zero_width_interval"]
    assert "constant" in result.warnings[0]["message"]


def grunfeld_with_a_firm_that_stopped_reporting(path: Path) -> Path:
    """Grunfeld's investment panel (11 firms, 1935-1954) where one firm's figures stop
    in 1944, ten years before the others'."""
    data = grunfeld.load_pandas().data
    frame = pd.DataFrame(
        {
            "firm": data["firm"],
            "year": data["year"].astype(int),
            "indicator": "invest",
            "value": data["invest"],
        }
    )
    frame = frame[~((frame["firm"] == "Chrysler") & (frame["year"] > 1944))]
    frame.to_csv(path, index=False)
    return path


def test_forecast_says_which_series_ends_long_before_its_indicator(tmp_path: Path, capsys) -> None:
    """Each series is forecast from its own last period: Chrysler's 'forecast' for 1945-1947
    came out beside the other firms' 1955-1957, periods the panel had observed ten years
    before, with no word of it."""
    data = grunfeld_with_a_firm_that_stopped_reporting(tmp_path / "grunfeld.csv")
    out, report = tmp_path / "forecast.csv", tmp_path / "forecast.json"

    options = ["--horizon", "3", "--models", "naive,pooled_ets", "--origins", "2"]
    outputs = ["--out", str(out), "--json", str(report)]
    code = main(["forecast", "--data", str(data), *options, "--region-column", "firm", *outputs])

    assert code == 0
    written = pd.read_csv(out, dtype={"period": str})
    assert set(written.loc[written["region"] == "Chrysler", "period"]) == {"1945", "1946", "1947"}
    err = capsys.readouterr().err
    assert (
        "Chrysler/invest ends in 1944, 10 period(s) before the last period of invest (1954)" in err
    )
    notes = [
        w for w in json.loads(report.read_text())["warnings"] if w["category"] == "ended_early"
    ]
    assert [(w["region"], w["indicator"]) for w in notes] == [("Chrysler", "invest")]
    assert "Atlantic Refining" not in err


def test_train_records_the_series_that_ends_early(tmp_path: Path) -> None:
    data = grunfeld_with_a_firm_that_stopped_reporting(tmp_path / "grunfeld.csv")
    frame = pd.read_csv(data)
    observations = pd.DataFrame(
        {
            "region": frame["firm"],
            "period": [pd.Period(str(year), freq="Y") for year in frame["year"]],
            "indicator": "invest",
            "value": frame["value"],
        }
    )

    run = train(observations, horizon=3, n_origins=2, candidates={"naive": NaiveForecaster()})

    notes = [w for w in run.warnings if w["category"] == "ended_early"]
    assert [(w["region"], w["indicator"]) for w in notes] == [("Chrysler", "invest")]
    assert notes[0]["params"] == {"last": "1944", "indicator_last": "1954", "behind": 10}


def test_a_unit_that_ended_is_not_also_named_as_a_series_that_ends_early(tmp_path: Path) -> None:
    """South Kazakhstan's figures stop in 2017, when the unit ended: its forecasts are left
    out with an ended_unit note, so 'update or remove the series' would only repeat it."""
    rows = ["region,period,indicator,value"]
    for region, last in (("KZ-55", 2022), ("KZ-47", 2022), ("KZ-YUZ", 2017)):
        rows += [
            f"{region},{year},unemployment_rate,{4 + 0.1 * (year % 4)}"
            for year in range(2005, last + 1)
        ]
    data = tmp_path / "u.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out, report = tmp_path / "f.csv", tmp_path / "f.json"

    options = ["--horizon", "2", "--models", "naive", "--origins", "1"]
    code = main(
        ["forecast", "--data", str(data), *options, "--out", str(out), "--json", str(report)]
    )

    assert code == 0
    categories = [w["category"] for w in json.loads(report.read_text())["warnings"]]
    assert "ended_unit" in categories
    assert "ended_early" not in categories
    observations = read_observations(data).observations
    run = train(observations, horizon=2, n_origins=1, candidates=[NaiveForecaster()])
    categories = [w["category"] for w in run.warnings]
    assert "ended_unit" in categories
    assert "ended_early" not in categories


def test_a_national_series_with_a_wrong_frequency_is_not_called_national_totals(
    tmp_path: Path, capsys
) -> None:
    """statsmodels' El Nino table (a year column, one column per month) is one series, which
    forecast keeps under the key 'series'. Given the wrong --frequency, the refusal came with
    the warning of the region reading tried after it: 'read as national totals ... kept
    apart', which is not what forecast does with such a table."""
    data = tmp_path / "elnino.csv"
    elnino.load_pandas().data.to_csv(data, index=False)
    out = tmp_path / "f.csv"
    command = ["forecast", "--data", str(data), "--indicator", "sst", "--horizon", "3"]

    assert main([*command, "--frequency", "Q", "--out", str(out)]) == 2

    err = capsys.readouterr().err
    assert "are monthly but the frequency given is quarterly" in err
    assert "national totals" not in err
    assert "kept under the key 'series'" in err


def test_a_combination_names_the_member_that_fell_back_on_a_short_series() -> None:
    """A station with five months of CO2 beside Mauna Loa's record: seasonal naive cannot
    run on it (less than a season plus one) and forecasts it by naive. Alone its rows read
    'naive (fallback from seasonal_naive)'; in a combination they read
    'pooled_ets+seasonal_naive', as if both members had run."""
    long = co2_monthly()
    short = long.tail(5).assign(region="NewStation")
    model = CombinationForecaster(
        members={
            "seasonal_naive": SeasonalNaiveForecaster(),
            "pooled_ets": PooledExponentialSmoothingForecaster(),
        }
    )

    frame = model.fit(pd.concat([long, short], ignore_index=True)).predict(3).to_frame()

    labels = frame.groupby("region")["model"].unique().to_dict()
    assert list(labels["MaunaLoa"]) == ["pooled_ets+seasonal_naive"]
    assert list(labels["NewStation"]) == ["pooled_ets+naive (fallback from seasonal_naive)"]


def test_forecast_says_each_problem_once_so_the_others_show(tmp_path: Path, capsys) -> None:
    """Mauna Loa's monthly means miss five months (weeks without readings), filled by
    interpolation: every model said so at every backtest origin and in the final fit, and
    the first ten lines of warnings were that one fact, the fallback of the short station
    beside it left among '... and N more'."""
    long = co2_monthly()
    long = long.drop(index=long.index[[30, 31, 90]])
    short = long.tail(5).assign(region="NewStation")
    data = tmp_path / "co2.csv"
    frame = pd.concat([long, short], ignore_index=True)
    frame.assign(period=frame["period"].astype(str)).to_csv(data, index=False)
    options = ["--horizon", "6", "--models", "seasonal_naive", "--origins", "3"]

    assert main(["forecast", "--data", str(data), *options, "--out", str(tmp_path / "f.csv")]) == 0

    err = capsys.readouterr().err
    assert err.count("missing period(s) inside the series filled by linear interpolation") == 1
    assert re.search(r"\[naive, seasonal_naive\] MaunaLoa/co2_ppm: \d+ missing period", err)
    assert "(backtest origin(s) 0, 1, 2 and the final fit)" in err
    assert "NewStation/co2_ppm: 5 period(s) is less than one season plus one" in err
    assert "... and" not in err
