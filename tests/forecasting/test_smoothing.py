"""Pooled exponential smoothing: the recursion by hand, pooling, season, common part."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from forecasting.models import PooledExponentialSmoothingForecaster
from forecasting.models.smoothing import (
    _common_part,
    _grid,
    _scaled_errors,
    _scaled_errors_by_row,
    _smooth,
)


def panel(values_by_region: dict[str, list[float]], start: str = "2020-01", indicator="x"):
    rows = []
    for region, values in values_by_region.items():
        periods = pd.period_range(start, periods=len(values), freq=start and "M")
        rows += [
            (region, period, indicator, value)
            for period, value in zip(periods, values, strict=True)
        ]
    return pd.DataFrame(rows, columns=["region", "period", "indicator", "value"])


def one_triple(alpha: float, beta: float = 0.0, phi: float = 1.0, rho: float = 1.0):
    return {name: np.array([value]) for name, value in zip(
        ("alpha", "beta", "phi", "rho"), (alpha, beta, phi, rho), strict=True)}  # fmt: skip


def test_level_starts_as_running_mean_then_smooths_by_hand() -> None:
    values = np.array([[2.0, 4.0, 6.0, 10.0, np.nan]])
    level, slope = _smooth(values, one_triple(alpha=0.3))
    # gains max(0.3, 1/2), max(0.3, 1/3), max(0.3, 1/4): running mean for three values,
    # then 0.3: 4 + 0.3 * (10 - 4) = 5.8; carried after the end.
    np.testing.assert_allclose(level[0, 0], [2.0, 3.0, 4.0, 5.8, 5.8])
    assert np.all(slope == 0)


def test_damped_trend_recursion_by_hand() -> None:
    values = np.array([[1.0, 3.0, 4.0]])
    level, slope = _smooth(values, one_triple(alpha=1.0, beta=1.0, phi=0.5))
    # alpha = beta = 1: level = value, slope = 0.5 * slope + error; error at t=1 is 2,
    # at t=2: 4 - (3 + 0.5 * 2) = 0, slope 0.5 * 2 + 0 = 1.
    np.testing.assert_allclose(level[0, 0], [1.0, 3.0, 4.0])
    np.testing.assert_allclose(slope[0, 0], [0.0, 2.0, 1.0])


def test_common_path_is_cumulative_mean_change() -> None:
    values = np.array([[0.0, 1.0, 3.0], [10.0, 13.0, np.nan], [np.nan, 5.0, 6.0]])
    shared = _common_part(values, _grid((), (0.9,)), horizon=1)
    # changes: t1 mean(1, 3) = 2; t2 mean(2, 1) = 1.5
    np.testing.assert_allclose(shared["path"], [0.0, 2.0, 3.5])


def test_noisy_level_chooses_slow_smoothing_and_beats_naive() -> None:
    rng = np.random.default_rng(1)
    regions = {f"R{k}": list(10 + k + rng.normal(0, 1, 40)) for k in range(8)}
    model = PooledExponentialSmoothingForecaster(horizon=3, seasonal=None).fit(panel(regions))
    parameters = model.parameters_["x"]
    assert parameters["alpha"] <= 0.2
    frame = model.predict(3).to_frame()
    means = frame.groupby("region")["mean"].first()
    for region in regions:  # close to the series' level, not its last value
        assert abs(means[region] - (10 + int(region[1:]))) < 1.0


def test_steep_trend_follows_a_line_per_series() -> None:
    regions = {
        "up": [float(value) for value in range(20)],
        "down": [50.0 - 2 * v for v in range(20)],
    }
    model = PooledExponentialSmoothingForecaster(
        horizon=2, pooling="series", trend="auto", trend_gains=(0.3, 1.0), dampings=(0.98,)
    ).fit(panel(regions))
    frame = model.predict(2).to_frame().set_index("region")
    assert frame.loc["up", "mean"].iloc[0] == pytest.approx(20.0, abs=0.1)
    assert frame.loc["down", "mean"].iloc[0] == pytest.approx(10.0, abs=0.1)
    assert model.name == "series_ets" and set(model.parameters_) == {"up/x", "down/x"}


def test_short_series_borrow_the_indicator_season() -> None:
    months = 48
    season = 5 * np.sin(2 * np.pi * np.arange(months) / 12)
    rng = np.random.default_rng(2)
    regions = {f"R{k}": list(20 + season + rng.normal(0, 0.3, months)) for k in range(5)}
    regions["short"] = list(20 + season[:8] + rng.normal(0, 0.3, 8))  # no cycle of its own
    model = PooledExponentialSmoothingForecaster(horizon=12).fit(panel(regions))
    assert model.parameters_["x"]["seasonal"]
    short = model.predict(12).to_frame().query("region == 'short'")
    expected = 20 + 5 * np.sin(2 * np.pi * np.arange(8, 20) / 12)
    assert np.corrcoef(short["mean"], expected)[0, 1] > 0.9


def test_single_value_and_constant_series_borrow_scale_and_say_so() -> None:
    regions = {"one": [3.0], "flat": [2.0] * 10, "A": list(np.arange(10.0) % 3), "B": [1.0, 4] * 5}
    result = PooledExponentialSmoothingForecaster(horizon=4).fit(panel(regions)).predict(6)
    frame = result.to_frame()
    assert (
        len(frame) == 4 * 6
        and np.isfinite(frame.drop(columns="period").select_dtypes(float)).all().all()
    )
    flagged = {item["region"] for item in result.warnings if item["category"] == "pooled_scale"}
    assert flagged == {"one", "flat"}
    one = frame[frame["region"] == "one"]
    assert (one["mean"] == 3.0).all() and (one["upper_95"] > one["lower_95"]).all()
    widths = one["upper_95"] - one["lower_95"]
    assert widths.iloc[-1] >= widths.iloc[0]  # steps beyond the trained horizon widen too


def test_refuses_bad_parameters_and_pickles() -> None:
    data = panel({"A": [1.0, 2, 3, 4, 5, 6], "B": [2.0, 3, 5, 4, 6, 7]})
    for bad in ({"trend": "mul"}, {"seasonal": "mul"}, {"pooling": "world"}, {"horizon": 0}):
        with pytest.raises(ValueError):
            PooledExponentialSmoothingForecaster(**bad).fit(data)
    model = PooledExponentialSmoothingForecaster(horizon=2).fit(data)
    copy = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(copy.predict(2).to_frame(), model.predict(2).to_frame())


def test_series_mode_does_not_depend_on_chunking(monkeypatch) -> None:
    from forecasting.models import smoothing

    rng = np.random.default_rng(3)
    regions = {f"R{k}": list(np.cumsum(rng.normal(0.2 * k, 1, 30))) for k in range(7)}
    model = PooledExponentialSmoothingForecaster(horizon=3, pooling="series", trend="auto")
    whole = model.fit(panel(regions)).predict(3).to_frame()
    monkeypatch.setattr(smoothing, "MAX_CELLS", 1)  # one series per chunk
    chunked = clone(model).fit(panel(regions)).predict(3).to_frame()
    pd.testing.assert_frame_equal(whole, chunked)


def test_errors_of_series_fitted_one_by_one_equal_their_own_computation() -> None:
    # Rows of different lengths (NaN before a start and after an end), each with its own
    # parameter set: the one-pass computation gives each row what it alone would give.
    rng = np.random.default_rng(3)
    values = np.cumsum(rng.normal(size=(4, 14)), axis=1)
    values[1, :3] = np.nan
    values[2, -2:] = np.nan
    values[3, :12] = np.nan  # two values: hardly any origin
    grid = _grid((0.1, 0.3), (0.8, 0.95), (0.5, 0.9))
    level, slope = _smooth(values, grid)
    choice = np.array([0, 5, len(grid["alpha"]) - 1, 3])
    rows = np.arange(4)
    chosen_level, chosen_slope = level[choice, rows], slope[choice, rows]
    parameters = {name: column[choice] for name, column in grid.items()}
    together = _scaled_errors_by_row(values, chosen_level, chosen_slope, parameters, 5)
    for row in rows:
        alone = _scaled_errors(
            values[[row]],
            chosen_level[[row]],
            chosen_slope[[row]],
            {name: float(column[row]) for name, column in parameters.items()},
            5,
        )
        np.testing.assert_allclose(together[row], alone, rtol=1e-12, equal_nan=True)
    assert np.isfinite(together[0]).sum() > 0 and np.isfinite(together[3]).sum() == 0
