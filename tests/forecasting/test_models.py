"""Forecasters: scikit-learn conventions, output shape, hand-checked baselines, fallbacks."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from forecasting.models import (
    FORECAST_COLUMNS,
    AutoForecaster,
    ExponentialSmoothingForecaster,
    GlobalGradientBoostingForecaster,
    GlobalLinearForecaster,
    NaiveForecaster,
    PanelAutoregressiveForecaster,
    PanelMeanForecaster,
    PooledExponentialSmoothingForecaster,
    SeasonalNaiveForecaster,
    probability_at_least,
)
from forecasting.models import ets as ets_module

FAST_GBM = {"max_iter": 15, "min_samples_leaf": 5}


def make_panel(regions: int = 3, months: int = 36, seed: int = 0) -> pd.DataFrame:
    """Seasonal, trending monthly series for two indicators, plus noise."""
    rng = np.random.default_rng(seed)
    periods = pd.period_range("2020-01", periods=months, freq="M")
    season = np.sin(2 * np.pi * np.arange(months) / 12)
    rows = []
    for region in range(regions):
        for indicator, level in (("rate", 10.0), ("count", 50.0)):
            values = level + region + 0.05 * np.arange(months) + 2 * season
            values += rng.normal(0, 0.3, months)
            rows += [
                (f"R{region}", period, indicator, value)
                for period, value in zip(periods, values, strict=True)
            ]
    return pd.DataFrame(rows, columns=["region", "period", "indicator", "value"])


ALL_MODELS = [
    NaiveForecaster(),
    SeasonalNaiveForecaster(),
    ExponentialSmoothingForecaster(),
    GlobalGradientBoostingForecaster(horizon=4, **FAST_GBM),
    GlobalLinearForecaster(horizon=4),
    PooledExponentialSmoothingForecaster(horizon=4),
    PooledExponentialSmoothingForecaster(horizon=4, pooling="series"),
    PanelMeanForecaster(),
    PanelMeanForecaster(common="season_mean"),
    PanelAutoregressiveForecaster(),
]


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda model: model.name)
def test_estimator_conventions(model) -> None:
    params = model.get_params()
    assert set(vars(model)) == set(params)  # __init__ stores its parameters and nothing else
    copy = clone(model)
    assert copy.get_params() == params and copy is not model
    with pytest.raises(NotFittedError):
        copy.predict(4)
    assert copy.fit(make_panel()) is copy
    assert {name for name in vars(copy) if name.endswith("_")} - set(params)


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda model: model.name)
def test_forecast_frame(model) -> None:
    result = clone(model).fit(make_panel()).predict(4)
    frame = result.to_frame()
    assert tuple(frame.columns) == FORECAST_COLUMNS
    assert len(frame) == 6 * 4
    assert frame.groupby(["region", "indicator"]).size().eq(4).all()
    assert set(frame["period"].astype(str)) == {"2023-01", "2023-02", "2023-03", "2023-04"}
    values = frame[["lower_95", "lower_80", "upper_80", "upper_95"]].to_numpy()
    assert np.isfinite(values).all() and np.isfinite(frame["mean"]).all()
    assert (np.diff(values, axis=1) >= -1e-9).all()
    assert "series" in result.summary()


def test_set_params_changes_behaviour() -> None:
    model = SeasonalNaiveForecaster().set_params(season_length=3)
    assert model.season_length == 3
    with pytest.raises(ValueError, match="interval"):
        NaiveForecaster(interval="bogus").fit(make_panel())


def test_naive_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "region": "A",
            "indicator": "x",
            "period": pd.period_range("2020", periods=4, freq="Y"),
            "value": [1.0, 3.0, 2.0, 6.0],
        }
    )
    result = NaiveForecaster().fit(frame).predict(4).to_frame()
    assert result["mean"].tolist() == [6.0, 6.0, 6.0, 6.0]
    sigma = np.sqrt((2**2 + 1**2 + 4**2) / 3)  # residuals 2, -1, 4
    width = result["upper_95"] - result["mean"]
    expected = stats.norm.ppf(0.975) * sigma * np.sqrt([1, 2, 3, 4])
    np.testing.assert_allclose(width, expected)


def test_seasonal_naive_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "region": "A",
            "indicator": "x",
            "period": pd.period_range("2020Q1", periods=8, freq="Q"),
            "value": [1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    result = SeasonalNaiveForecaster().fit(frame).predict(6).to_frame()
    assert result["mean"].tolist() == [2.0, 3.0, 4.0, 5.0, 2.0, 3.0]
    width = (result["upper_80"] - result["lower_80"]).to_numpy()
    # the second cycle is sqrt(2) times as wide as the first (residuals all equal 1)
    np.testing.assert_allclose(width[4] / width[0], np.sqrt(2))


def test_short_series_falls_back_and_says_so() -> None:
    frame = pd.DataFrame(
        {
            "region": ["A", "A", "B"],
            "indicator": "x",
            "period": [
                pd.Period("2020-01", "M"),
                pd.Period("2020-02", "M"),
                pd.Period("2020-01", "M"),
            ],
            "value": [1.0, 2.0, 5.0],
        }
    )
    result = SeasonalNaiveForecaster().fit(frame).predict(2)
    assert set(result.to_frame()["model"]) == {"naive (fallback from seasonal_naive)"}
    assert {item["category"] for item in result.warnings} >= {"fallback", "zero_width_interval"}


def test_interior_gap_is_interpolated_and_reported() -> None:
    frame = make_panel(regions=1)
    frame = frame.drop(index=frame.index[5])
    result = NaiveForecaster().fit(frame).predict(2)
    assert any(item["category"] == "interpolated" for item in result.warnings)


def test_ets_failure_falls_back_to_naive(monkeypatch) -> None:
    class BrokenETS:
        def __init__(self, *args, **kwargs):
            raise np.linalg.LinAlgError("singular matrix")

    monkeypatch.setattr(ets_module, "ETSModel", BrokenETS)
    result = ExponentialSmoothingForecaster().fit(make_panel(regions=1)).predict(3)
    frame = result.to_frame()
    assert set(frame["model"]) == {"naive (fallback from ets)"}
    assert len(frame) == 6
    messages = [item["message"] for item in result.warnings if item["category"] == "fallback"]
    assert len(messages) == 2 and all("LinAlgError" in message for message in messages)


def test_ets_library_warnings_are_reported_not_printed(monkeypatch) -> None:
    original = ets_module.ETSModel

    class NoisyETS(original):
        def fit(self, *args, **kwargs):
            for _ in range(5):
                warnings.warn("Optimization failed to converge", ConvergenceWarning, stacklevel=1)
            return super().fit(*args, **kwargs)

    monkeypatch.setattr(ets_module, "ETSModel", NoisyETS)
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        result = ExponentialSmoothingForecaster().fit(make_panel(regions=1)).predict(2)
    assert not [item for item in escaped if issubclass(item.category, ConvergenceWarning)]
    reported = [item for item in result.warnings if item["category"] == "ConvergenceWarning"]
    assert len(reported) == 2  # one entry per series, repeats counted
    assert all("(x5)" in item["message"] for item in reported)
    assert set(result.to_frame()["model"]) == {"ets"}


def test_gbm_is_deterministic_and_refuses_longer_horizons() -> None:
    panel = make_panel()
    first = GlobalGradientBoostingForecaster(horizon=3, **FAST_GBM).fit(panel).predict(3)
    second = GlobalGradientBoostingForecaster(horizon=3, **FAST_GBM).fit(panel).predict(3)
    pd.testing.assert_frame_equal(first.to_frame(), second.to_frame())
    model = GlobalGradientBoostingForecaster(horizon=3, **FAST_GBM).fit(panel)
    with pytest.raises(ValueError, match="horizon=5"):
        model.predict(5)


def test_gbm_pooling_by_indicator_and_too_little_data() -> None:
    panel = make_panel(regions=2, months=14)
    model = GlobalGradientBoostingForecaster(horizon=2, pooling="indicator", **FAST_GBM)
    frame = model.fit(panel).predict(2).to_frame()
    assert set(model.models_) == {"rate", "count"}
    assert frame["model"].eq("gbm").all()
    tiny = panel[panel["period"] <= pd.Period("2020-03", "M")]
    result = GlobalGradientBoostingForecaster(horizon=2, **FAST_GBM).fit(tiny).predict(2)
    assert set(result.to_frame()["model"]) == {"naive (fallback from gbm)"}
    assert any(item["category"] == "fallback" for item in result.warnings)


def test_probability_matches_normal_distribution() -> None:
    mean, sigma = 4.0, 1.5
    frame = pd.DataFrame(
        {
            "mean": [mean],
            "lower_95": [mean - stats.norm.ppf(0.975) * sigma],
            "lower_80": [mean - stats.norm.ppf(0.9) * sigma],
            "upper_80": [mean + stats.norm.ppf(0.9) * sigma],
            "upper_95": [mean + stats.norm.ppf(0.975) * sigma],
        }
    )
    for threshold in (1.0, 3.5, 4.0, 5.0, 9.0):
        expected = stats.norm.sf(threshold, mean, sigma)
        assert probability_at_least(frame, threshold)[0] == pytest.approx(expected, abs=1e-9)
    point = frame.assign(lower_95=mean, lower_80=mean, upper_80=mean, upper_95=mean)
    assert probability_at_least(point, 5.0)[0] == 0.0


def test_auto_forecaster_chooses_per_indicator() -> None:
    panel = make_panel(regions=3, months=40)
    model = AutoForecaster(
        candidates={"gbm": GlobalGradientBoostingForecaster(horizon=3, **FAST_GBM)},
        horizon=3,
        n_origins=2,
    ).fit(panel)
    assert set(model.chosen_models_) == {"rate", "count"}
    # strongly seasonal series: the naive forecast must not win
    assert "naive" not in model.chosen_models_.values()
    assert {"naive", "seasonal_naive", "gbm"} <= set(model.backtest_.overall()["model"])
    frame = model.predict().to_frame()
    assert len(frame) == 6 * 3
    table = model.selection_table()
    assert table["chosen"].sum() == 2


def test_gbm_copes_with_short_annual_series_beside_monthly() -> None:
    monthly = make_panel(regions=3, months=30)
    annual = pd.DataFrame(
        {
            "region": [f"R{k}" for k in range(3) for _ in range(4)],
            "indicator": "poverty",
            "period": [pd.Period(str(year), "Y") for _ in range(3) for year in range(2020, 2024)],
            "value": np.arange(12, dtype=float),
        }
    )
    frame = pd.concat([monthly, annual], ignore_index=True)
    result = GlobalGradientBoostingForecaster(horizon=2, **FAST_GBM).fit(frame).predict(2)
    forecasts = result.to_frame()
    assert len(forecasts) == (6 + 3) * 2
    assert np.isfinite(forecasts["mean"]).all()


def test_series_extraction_reads_period_dtype_fills_gaps_and_refuses_mixed_frequencies() -> None:
    from forecasting.models.base import extract_series

    frame = pd.DataFrame(
        {
            "region": ["A", "A", "A", "B"],
            "indicator": "x",
            "period": pd.PeriodIndex(["2020-01", "2020-02", "2020-05", "2021-03"], freq="M"),
            "value": [1.0, 2.0, 5.0, 7.0],
        }
    )
    series = extract_series(frame)
    assert list(series) == [("A", "x"), ("B", "x")]
    assert str(series[("A", "x")].start) == "2020-01" and series[("A", "x")].filled == 2
    np.testing.assert_allclose(series[("A", "x")].values, [1, 2, 3, 4, 5])
    mixed = frame.assign(period=[*frame["period"][:3], pd.Period("2021Q1", "Q")]).astype(
        {"period": object}
    )
    mixed.loc[1, "period"] = pd.Period("2020Q1", "Q")
    with pytest.raises(ValueError, match="A/x mixes period frequencies"):
        extract_series(mixed)
