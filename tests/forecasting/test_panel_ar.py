"""Regional panel model: common path, region levels and AR(1) swings by maximum likelihood."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from forecasting.models import PanelAutoregressiveForecaster, PanelMeanForecaster
from forecasting.models.panel_ar import fit_deviations, predict_deviation, random_walk_variance


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


def simulate(rng, regions: int, length: int, phi: float = 0.8, common: np.ndarray | None = None):
    """Region level (sd 2) + AR(1) swing (sd 1) + noise (sd 0.5) + a shared path."""
    common = np.zeros(length) if common is None else common
    result = np.empty((regions, length))
    for row in range(regions):
        swing = np.empty(length)
        swing[0] = rng.normal(0, 1)
        for t in range(1, length):
            swing[t] = phi * swing[t - 1] + rng.normal(0, np.sqrt(1 - phi**2))
        result[row] = rng.normal(0, 2) + swing + rng.normal(0, 0.5, length) + common
    return result


def means(model, horizon: int) -> dict[str, np.ndarray]:
    frame = model.predict(horizon).to_frame()
    return {region: rows["mean"].to_numpy() for region, rows in frame.groupby("region")}


def test_likelihood_recovers_persistence_and_variances() -> None:
    values = simulate(np.random.default_rng(0), regions=60, length=40)
    model = fit_deviations(values)
    assert model["phi"] == pytest.approx(0.8, abs=0.09)  # a grid value next to 0.8
    assert model["level"] == pytest.approx(4.0, rel=0.35)
    assert model["ar"] == pytest.approx(1.0, rel=0.35)
    assert model["noise"] == pytest.approx(0.25, rel=0.5)


def test_conditional_mean_by_hand() -> None:
    # AR state only: the forecast is phi ** h times the last deviation from the mean
    only_swing = {"mean": 1.0, "phi": 0.5, "level": 0.0, "ar": 2.0, "noise": 0.0}
    mean, variance = predict_deviation(only_swing, np.array([3.0, 0.0, 5.0]), 2, np.arange(1, 4))
    np.testing.assert_allclose(mean, 1.0 + 4.0 * 0.5 ** np.arange(1, 4))
    np.testing.assert_allclose(variance, 2.0 * (1 - 0.25 ** np.arange(1, 4)))
    # level plus noise: the region mean shrunk by tau2 / (tau2 + n2 / T), the same every step
    level_noise = {"mean": 0.0, "phi": 0.0, "level": 1.0, "ar": 0.0, "noise": 4.0}
    mean, variance = predict_deviation(
        level_noise, np.array([1.0, 2.0, 3.0, 6.0]), 3, np.arange(1, 3)
    )
    np.testing.assert_allclose(mean, [3.0 / (1 + 4.0 / 4)] * 2)
    np.testing.assert_allclose(variance, [4.0 + 1.0 * (4.0 / 4) / (1 + 4.0 / 4)] * 2)


def test_regions_observed_alike_share_one_solve() -> None:
    # The weights depend on which periods are observed, not on the values: two regions
    # observed on the same periods share the cached solve, a region with a gap gets its own,
    # and every answer equals the uncached one.
    parameters = {"mean": 0.5, "phi": 0.7, "level": 1.0, "ar": 2.0, "noise": 0.5}
    regions = [
        np.array([1.0, 2.0, 0.5, 3.0]),
        np.array([-1.0, 0.0, 2.5, 1.0]),
        np.array([1.0, np.nan, 0.5, 3.0]),
    ]
    cache: dict = {}
    steps = np.arange(1, 4)
    for deviations in regions:
        cached = predict_deviation(parameters, deviations, 3, steps, cache)
        alone = predict_deviation(parameters, deviations, 3, steps)
        np.testing.assert_allclose(cached[0], alone[0])
        np.testing.assert_allclose(cached[1], alone[1])
    assert len(cache) == 2
    assert not np.allclose(
        predict_deviation(parameters, regions[0], 3, steps, cache)[0],
        predict_deviation(parameters, regions[1], 3, steps, cache)[0],
    )


def test_random_walk_variance_by_hand() -> None:
    # one-step changes 1, 2, -1: mean square 2; two-step changes 3, 1: 5; the three-step
    # change 2 (4) is held at 5; then 5 * h / 3
    np.testing.assert_allclose(random_walk_variance(np.array([0.0, 1.0, 3.0, 2.0]), 5),
                               [2.0, 5.0, 5.0, 20 / 3, 25 / 3])  # fmt: skip


def test_recovers_a_common_factor_and_forecasts_from_its_last_value() -> None:
    rng = np.random.default_rng(1)
    factor = np.cumsum(rng.normal(0, 3, 30))  # a national movement much larger than the rest
    values = simulate(rng, regions=40, length=30, common=factor)
    model = PanelAutoregressiveForecaster().fit(
        panel({f"R{k}": list(v) for k, v in enumerate(values)})
    )
    path = model.paths_["x/Q"]
    # the path is the factor up to a constant, within the regions' averaged noise
    error = (path - path[0]) - (factor - factor[0])
    assert np.sqrt(np.mean(error**2)) < 0.5
    forecast = means(model, 4)
    # every region's forecast carries the factor's last value, not the regions' mean
    assert np.mean([value[0] for value in forecast.values()]) == pytest.approx(
        np.mean(values[:, -1]), abs=1.0
    )


def test_beats_naive_and_intervals_cover_near_nominal_rates() -> None:
    rng = np.random.default_rng(2)
    values = simulate(rng, regions=200, length=24, common=np.cumsum(rng.normal(0, 0.3, 24)))
    model = PanelAutoregressiveForecaster().fit(
        panel({f"R{k}": list(v[:20]) for k, v in enumerate(values)})
    )
    frame = model.predict(4).to_frame().sort_values(["region", "period"])
    order = sorted(range(len(values)), key=lambda k: f"R{k}")
    actual = values[order][:, 20:].ravel()
    error = np.mean(np.abs(frame["mean"].to_numpy() - actual))
    naive = np.mean(np.abs(np.repeat(values[order][:, 19], 4) - actual))
    assert error < 0.9 * naive  # the noise and part of the swing are not carried forward
    inside_80 = (actual >= frame["lower_80"]) & (actual <= frame["upper_80"])
    inside_95 = (actual >= frame["lower_95"]) & (actual <= frame["upper_95"])
    assert 0.72 <= inside_80.mean() <= 0.88
    assert 0.90 <= inside_95.mean() <= 0.99


def test_monthly_season_of_the_path_follows_the_calendar() -> None:
    rng = np.random.default_rng(3)
    months = 36
    season = 3 * np.cos(2 * np.pi * np.arange(months + 12) / 12)
    regions = {f"R{k}": list(k + season[:months] + rng.normal(0, 0.2, months)) for k in range(6)}
    model = PanelAutoregressiveForecaster().fit(panel(regions, start="2020-01", freq="M"))
    np.testing.assert_allclose(means(model, 12)["R2"], 2 + season[months:], atol=0.6)
    flat = PanelAutoregressiveForecaster(seasonal=False).fit(panel(regions, "2020-01", "M"))
    assert np.ptp(means(flat, 12)["R2"]) == 0  # without the profile: a flat forecast


def test_missing_values_short_and_annual_series_and_opaque_keys() -> None:
    rng = np.random.default_rng(4)
    regions = {f"region/{k} (old)": list(10 * k + rng.normal(0, 1, 8)) for k in range(4)}
    regions["region/0 (old)"][:3] = [np.nan] * 3  # enters the panel late
    regions["region/1 (old)"][-2:] = [np.nan] * 2  # stops early
    regions["region/2 (old)"][4] = np.nan  # an interior gap (interpolated)
    model = PanelAutoregressiveForecaster().fit(panel(regions, start="2015", freq="Y"))
    result = model.predict(3)
    frame = result.to_frame()
    assert frame.groupby("region").size().eq(3).all()
    assert np.isfinite(frame[["mean", "lower_95", "upper_95"]].to_numpy()).all()
    stopped = frame[frame["region"] == "region/1 (old)"]["period"].astype(str).tolist()
    assert stopped == ["2021", "2022", "2023"]  # from its own last period
    assert {item["category"] for item in result.warnings} == {"interpolated"}


def test_single_period_and_single_region_fall_back_and_say_so() -> None:
    one_period = panel({"A": [5.0], "B": [7.0]})
    result = PanelAutoregressiveForecaster().fit(one_period).predict(2)
    frame = result.to_frame()
    assert frame[frame["region"] == "A"]["mean"].tolist() == [5.0, 5.0]
    assert (frame["upper_95"] > frame["mean"]).all()  # spread of the two regions
    assert {item["category"] for item in result.warnings} == {"fallback"}
    lone = PanelAutoregressiveForecaster(seasonal=False).fit(panel({"A": [1.0, 4.0, 2.0, 3.0]}))
    result = lone.predict(2)
    np.testing.assert_allclose(result.to_frame()["mean"], [3.0, 3.0])
    assert [item["category"] for item in result.warnings] == ["single_series"]


def test_clone_pickle_and_bad_parameters() -> None:
    rng = np.random.default_rng(5)
    data = panel({f"R{k}": list(k + np.cumsum(rng.normal(0, 1, 12))) for k in range(4)})
    model = PanelAutoregressiveForecaster().fit(data)
    frame = model.predict(4).to_frame()
    assert set(frame["model"]) == {"panel_ar"}
    width = (frame["upper_95"] - frame["lower_95"]).to_numpy().reshape(4, 4)
    assert np.all(np.diff(width, axis=1) > 0)  # wider with every step
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(restored.predict(4).to_frame(), frame)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(ValueError, match="season_length"):
        PanelAutoregressiveForecaster(season_length=0).fit(data)


def proportional_panel(seed: int, months: int = 48, extra: int = 12) -> tuple[dict, dict]:
    """Regions whose levels differ eightfold, with a seasonal swing in proportion to the
    level (+-35%) and small proportional noise: (training values, the next ``extra``)."""
    rng = np.random.default_rng(seed)
    season = np.exp(0.3 * np.cos(2 * np.pi * np.arange(months + extra) / 12))
    history, future = {}, {}
    for level in (1.0, 2.0, 4.0, 8.0):
        values = level * season * np.exp(rng.normal(0, 0.02, months + extra))
        history[f"R{int(level)}"] = list(values[:months])
        future[f"R{int(level)}"] = values[months:]
    return history, future


@pytest.mark.parametrize("make", [PanelAutoregressiveForecaster, PanelMeanForecaster])
def test_log_positive_gives_each_region_a_season_in_proportion_to_its_level(make) -> None:
    history, future = proportional_panel(5)
    frame = panel(history, start="2020-01", freq="M")
    logged = make(log_positive=True).fit(frame)
    plain = make().fit(frame)
    for region in ("R1", "R8"):  # the extremes, where one swing in units fits worst
        error_logged = np.mean(np.abs(means(logged, 12)[region] / future[region] - 1))
        error_plain = np.mean(np.abs(means(plain, 12)[region] / future[region] - 1))
        assert error_logged < 0.05
        assert error_logged < error_plain / 3
    result = logged.predict(12).to_frame()
    bounds = result[["lower_95", "lower_80", "mean", "upper_80", "upper_95"]].to_numpy()
    assert (bounds > 0).all() and (np.diff(bounds, axis=1) >= 0).all()


@pytest.mark.parametrize("make", [PanelAutoregressiveForecaster, PanelMeanForecaster])
def test_log_positive_leaves_an_indicator_with_a_zero_or_negative_value_as_it_is(make) -> None:
    history, _ = proportional_panel(6)
    history["R1"][10] = 0.0
    frame = panel(history, start="2020-01", freq="M")
    logged = make(log_positive=True).fit(frame).predict(6).to_frame()
    plain = make().fit(frame).predict(6).to_frame()
    pd.testing.assert_frame_equal(logged, plain)


def test_long_histories_estimate_on_the_latest_periods_and_forecast_from_all(monkeypatch) -> None:
    # 600 months of 3 regions: the variances and persistence come from the latest
    # MAX_FIT_PERIODS (a likelihood over 600 x 600 matrices per persistence took seconds),
    # while the forecast still conditions on the whole history.
    import forecasting.models.panel_ar as panel_ar

    values = simulate(np.random.default_rng(5), regions=3, length=600)
    seen = []
    original = panel_ar.fit_deviations
    monkeypatch.setattr(
        panel_ar,
        "fit_deviations",
        lambda deviations: seen.append(deviations.shape) or original(deviations),
    )
    data = panel({f"R{row}": list(values[row]) for row in range(3)}, start="1970-01", freq="M")
    model = PanelAutoregressiveForecaster(seasonal=False).fit(data)
    assert seen == [(3, panel_ar.MAX_FIT_PERIODS)]
    state = model.states_[("R0", "x")]
    assert len(state["deviations"]) == 600
    forecast = model.predict(3).to_frame()
    assert len(forecast) == 9 and forecast["mean"].notna().all()
