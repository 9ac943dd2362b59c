"""Two-way panel forecaster: common path, region offsets, shrinkage, season."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from forecasting.models import PanelMeanForecaster
from forecasting.models.panel import common_path


def panel(values_by_region: dict[str, list[float]], start: str = "2020Q1", freq: str = "Q"):
    rows = []
    for region, values in values_by_region.items():
        periods = pd.period_range(start, periods=len(values), freq=freq)
        rows += [
            (region, period, "x", value)
            for period, value in zip(periods, values, strict=True)
            if np.isfinite(value)
        ]
    return pd.DataFrame(rows, columns=["region", "period", "indicator", "value"])


def means(model: PanelMeanForecaster, horizon: int) -> dict[str, np.ndarray]:
    frame = model.predict(horizon).to_frame()
    return {region: rows["mean"].to_numpy() for region, rows in frame.groupby("region")}


def test_common_path_ignores_regions_entering_the_panel() -> None:
    values = np.array([[0.0, 1.0, 3.0], [10.0, 13.0, np.nan], [np.nan, 50.0, 51.0]])
    # changes: t1 mean(1, 3) = 2 (the third region enters at 50 and does not count);
    # t2 mean(2, 1) = 1.5
    np.testing.assert_allclose(common_path(values), [0.0, 2.0, 3.5])


def test_offset_plus_last_common_value_by_hand() -> None:
    # path 0, 1, 3; offsets from it: A 10, B 20 (exact, so no scatter and no shrinkage)
    data = panel({"A": [10.0, 11.0, 13.0], "B": [20.0, 21.0, 23.0]})
    model = PanelMeanForecaster(seasonal=False).fit(data)
    forecast = means(model, 2)
    np.testing.assert_allclose(forecast["A"], [13.0, 13.0])
    np.testing.assert_allclose(forecast["B"], [23.0, 23.0])
    # season_mean with a season of 2: path mean over the last two periods is 2
    model = PanelMeanForecaster(common="season_mean", seasonal=False, season_length=2)
    np.testing.assert_allclose(means(model.fit(data), 1)["A"], [12.0])


def test_shrinkage_pulls_noise_to_the_mean_and_keeps_real_differences() -> None:
    rng = np.random.default_rng(0)
    noise_only = {f"R{k}": list(50 + rng.normal(0, 2, 12)) for k in range(10)}
    model = PanelMeanForecaster(common="season_mean", seasonal=False).fit(panel(noise_only))
    weights = model.weights_["x/Q"]
    assert weights.max() < 0.5  # offsets are mostly noise: pulled towards the common mean
    spread_shrunk = np.ptp([value[0] for value in means(model, 1).values()])
    unshrunk = PanelMeanForecaster(common="season_mean", seasonal=False, shrink=False)
    spread_raw = np.ptp([value[0] for value in means(unshrunk.fit(panel(noise_only)), 1).values()])
    assert spread_shrunk < 0.5 * spread_raw
    distinct = {f"R{k}": list(10 * k + rng.normal(0, 1, 12)) for k in range(10)}
    model = PanelMeanForecaster(seasonal=False).fit(panel(distinct))
    assert model.weights_["x/Q"].min() > 0.95  # real differences survive


def test_shrinking_beats_raw_offsets_on_noisy_regions() -> None:
    rng = np.random.default_rng(3)
    levels = rng.normal(50, 0.5, 20)
    history = {f"R{k}": list(levels[k] + rng.normal(0, 3, 6)) for k in range(20)}
    future = {f"R{k}": levels[k] + rng.normal(0, 3, 4) for k in range(20)}
    errors = {}
    for shrink in (True, False):
        model = PanelMeanForecaster(common="season_mean", shrink=shrink, seasonal=False)
        forecast = means(model.fit(panel(history)), 4)
        errors[shrink] = np.mean([np.abs(future[r] - forecast[r]).mean() for r in future])
    assert errors[True] < errors[False]


def test_common_season_follows_the_calendar() -> None:
    months = 36
    season = 5 * np.sin(2 * np.pi * np.arange(months + 12) / 12)
    rng = np.random.default_rng(1)
    regions = {f"R{k}": list(k + season[:months] + rng.normal(0, 0.2, months)) for k in range(5)}
    data = panel(regions, start="2020-01", freq="M")
    forecast = means(PanelMeanForecaster(common="season_mean").fit(data), 12)["R2"]
    np.testing.assert_allclose(forecast, 2 + season[months:], atol=0.6)
    flat_model = PanelMeanForecaster(common="season_mean", seasonal=False, persistence=False)
    flat = means(flat_model.fit(data), 12)["R2"]
    assert np.ptp(flat) == 0


def test_intervals_widen_clone_pickle_and_bad_parameters() -> None:
    rng = np.random.default_rng(2)
    data = panel({f"R{k}": list(k + np.cumsum(rng.normal(0, 1, 16))) for k in range(4)})
    model = PanelMeanForecaster().fit(data)
    frame = model.predict(4).to_frame()
    rows = frame[frame["region"] == "R0"]
    width = (rows["upper_95"] - rows["lower_95"]).to_numpy()
    assert np.all(np.diff(width) > 0)
    assert (rows["lower_80"] >= rows["lower_95"]).all() and (
        rows["upper_80"] <= rows["upper_95"]
    ).all()
    assert set(frame["model"]) == {"panel_last"}
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(restored.predict(4).to_frame(), frame)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(ValueError, match="common"):
        PanelMeanForecaster(common="median").fit(data)
    with pytest.raises(ValueError, match="season_length"):
        PanelMeanForecaster(season_length=0).fit(data)


def test_persistence_carries_the_share_of_a_deviation_that_lasts() -> None:
    rng = np.random.default_rng(4)
    phi, length = 0.7, 40
    regions = {}
    for k in range(12):
        own = np.zeros(length)
        for t in range(1, length):
            own[t] = phi * own[t - 1] + rng.normal(0, 1)
        regions[f"R{k}"] = list(10 * k + own)
    data = panel(regions)
    model = PanelMeanForecaster(seasonal=False).fit(data)
    betas = model.persistence_["x/Q"]
    np.testing.assert_allclose(betas[:3], phi ** np.arange(1, 4), atol=0.12)
    still = PanelMeanForecaster(seasonal=False, persistence=False).fit(data)
    frame, plain = means(model, 3), means(still, 3)
    region = "R5"
    last = regions[region][-1]
    # the forecast moves from the offset towards the last value, less with each step
    gaps = np.abs(frame[region] - last)
    assert np.all(gaps <= np.abs(plain[region] - last) + 1e-9) and np.all(np.diff(gaps) >= 0)
