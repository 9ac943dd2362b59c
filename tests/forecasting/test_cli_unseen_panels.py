"""The command line and the models on public series the package was not tuned on.

An analyst's files built from statsmodels' datasets (Mauna Loa CO2, averaged to months as
the data contract asks of weekly figures; the Nile's annual flow) and small frames with
the odd cases real panels have.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.datasets import co2, nile

from forecasting.cli import main
from forecasting.models import PooledExponentialSmoothingForecaster
from forecasting.models.baselines import NaiveForecaster, SeasonalNaiveForecaster

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
