"""Forecast combinations: weights by hand, the weighted average of means and bounds, the
leave-one-origin-out backtest records, and the choice by backtest only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from forecasting.backtest import (
    BacktestResult,
    _with_terms,
    add_combinations,
    choose_per_indicator,
    with_weighted_combination,
)
from forecasting.demo import generate_panel
from forecasting.models import (
    AutoForecaster,
    CombinationForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    combination_weights,
)
from forecasting.models.combination import (
    combination_members,
    combination_name,
    combine_frames,
)

BOUNDS = ("lower_95", "lower_80", "upper_80", "upper_95")


def forecast(mean: list[float], model: str, offsets=(-2.0, -1.0, 1.0, 2.0)) -> pd.DataFrame:
    periods = pd.period_range("2024-01", periods=len(mean), freq="M")
    frame = pd.DataFrame({"region": "A", "indicator": "x", "period": periods, "mean": mean})
    for column, offset in zip(BOUNDS, offsets, strict=True):
        frame[column] = frame["mean"] + offset
    frame["model"] = model
    return frame


def test_equal_combination_of_two_forecasts_is_their_mean() -> None:
    first = forecast([1.0, 2.0], "a")
    second = forecast([3.0, 6.0], "b", offsets=(-4.0, -2.0, 2.0, 4.0))
    combined = combine_frames([first, second], [0.5, 0.5], "a+b", ("region", "period"))
    assert combined["mean"].tolist() == [2.0, 4.0]
    # bounds averaged too: (1 - 2 + 3 - 4) / 2 = -1 for the first lower_95
    assert combined["lower_95"].tolist() == [-1.0, 1.0]
    assert combined["upper_80"].tolist() == [3.5, 5.5]
    assert set(combined["model"]) == {"a+b"}


def test_weighted_combination_by_hand_and_only_shared_points() -> None:
    first = forecast([4.0, 8.0, 100.0], "a")
    second = forecast([0.0, 4.0], "b")
    combined = combine_frames([first, second], [0.25, 0.75], "weighted:a+b", ("period",))
    # 0.25 * 4 + 0.75 * 0 = 1; 0.25 * 8 + 0.75 * 4 = 5; the third period only a forecast
    assert combined["mean"].tolist() == [1.0, 5.0]
    assert combined["lower_95"].tolist() == [-1.0, 3.0]
    with pytest.raises(ValueError, match="sum to 1"):
        combine_frames([first, second], [0.5, 0.6], "x", ("period",))


def test_weights_from_known_errors() -> None:
    actual = np.zeros(4)
    scale = np.ones(4)
    # member a misses by 1 everywhere (MASE 1), member b by 3 (MASE 3)
    forecasts = np.column_stack([np.ones(4), np.full(4, 3.0)])
    assert combination_weights(forecasts).tolist() == [0.5, 0.5]
    # 1 / MASE: (1, 1/3) normalised -> (0.75, 0.25)
    weights = combination_weights(forecasts, actual, scale, "inverse_mase")
    assert weights == pytest.approx([0.75, 0.25])
    # errors +1 and -1 cancel at equal weights: the MASE-optimal weights are (0.5, 0.5)
    cancelling = np.column_stack([np.ones(4), -np.ones(4)])
    optimal = combination_weights(cancelling, actual, scale, "optimal")
    assert optimal == pytest.approx([0.5, 0.5], abs=1e-9)
    # a member without error takes everything
    exact = np.column_stack([np.zeros(4), np.full(4, 2.0), np.full(4, 3.0)])
    assert combination_weights(exact, actual, scale, "optimal") == pytest.approx([1, 0, 0])
    with pytest.raises(ValueError, match="weighting must be one of"):
        combination_weights(forecasts, actual, scale, "median")
    with pytest.raises(ValueError, match="needs the actual values"):
        combination_weights(forecasts, weighting="optimal")


def test_optimal_weights_are_the_minimum_over_the_simplex() -> None:
    # Noisy members with different errors and scales: no point of the simplex (a dense
    # random sample and every vertex) has a lower mean scaled absolute error than the LP's.
    rng = np.random.default_rng(7)
    actual = rng.normal(size=400)
    scale = rng.uniform(0.5, 2.0, size=400)
    noise = rng.normal(size=(400, 4)) * [0.4, 0.7, 1.2, 0.5] + rng.normal(size=(400, 1)) * 0.3
    forecasts = actual[:, None] + noise + [0.1, -0.2, 0.0, 0.3]
    weights = combination_weights(forecasts, actual, scale, "optimal")

    def loss(candidate: np.ndarray) -> np.ndarray:
        return np.mean(np.abs(actual[:, None] - forecasts @ candidate.T) / scale[:, None], axis=0)

    assert weights.sum() == pytest.approx(1.0) and np.all(weights >= 0)
    others = np.vstack([rng.dirichlet(np.ones(4), size=5000), np.eye(4)])
    assert loss(weights[None, :])[0] <= loss(others).min() + 1e-12


def test_names_and_members() -> None:
    assert combination_name(["pooled_ets", "naive"]) == "naive+pooled_ets"
    assert combination_name(["b", "a"], "optimal") == "weighted:a+b"
    assert combination_members("weighted:a+b") == ["a", "b"]
    assert combination_members("panel_ar") == ["panel_ar"]


def panel(values_a: list[float], values_b: list[float]) -> pd.DataFrame:
    periods = pd.period_range("2020-01", periods=len(values_a), freq="M")
    return pd.concat(
        [
            pd.DataFrame({"region": region, "indicator": "x", "period": periods, "value": values})
            for region, values in (("A", values_a), ("B", values_b))
        ],
        ignore_index=True,
    )


def test_combination_forecaster_follows_estimator_conventions() -> None:
    observations = panel([1.0, 2.0, 3.0, 4.0, 8.0], [5.0, 5.0, 6.0, 6.0, 7.0])
    members = {"naive": NaiveForecaster(), "seasonal_naive": SeasonalNaiveForecaster(1)}
    model = CombinationForecaster(members, weights={"naive": 3.0, "seasonal_naive": 1.0})
    with pytest.raises(NotFittedError):
        model.predict(2)
    assert model.fit(observations) is model
    assert model.weights_ == {"naive": 0.75, "seasonal_naive": 0.25}
    assert clone(model).get_params()["weights"] == {"naive": 3.0, "seasonal_naive": 1.0}
    frame = model.predict(2).to_frame()
    naive = NaiveForecaster().fit(observations).predict(2).to_frame()
    seasonal = SeasonalNaiveForecaster(1).fit(observations).predict(2).to_frame()
    for column in ("mean", *BOUNDS):
        expected = 0.75 * naive[column].to_numpy() + 0.25 * seasonal[column].to_numpy()
        assert frame[column].to_numpy() == pytest.approx(expected)
    assert set(frame["model"]) == {"weighted:naive+seasonal_naive"}
    equal = CombinationForecaster(members).fit(observations)
    assert equal.name == "naive+seasonal_naive" and equal.weights_["naive"] == 0.5
    with pytest.raises(ValueError, match="not among the members"):
        CombinationForecaster(members, weights={"ets": 1.0}).fit(observations)
    with pytest.raises(ValueError, match="non-negative"):
        CombinationForecaster(members, weights={"naive": -1.0}).fit(observations)


def hand_backtest() -> BacktestResult:
    """Two origins, two points each, actual 0: a misses by +1 everywhere; b by -1 at origin
    0 and by -3 at origin 1 (so origin 0 alone calls for weights 0.5 / 0.5, origin 1 alone
    for 0.75 / 0.25, and both together for 0.75 / 0.25: |2w - 1| + |4w - 3| is least at
    w = 0.75)."""
    rows = []
    for origin, b_error in ((0, -1.0), (1, -3.0)):
        cutoff = pd.Period("2020-06", "M") - 2 * origin
        for step in (1, 2):
            for model, error in (("a", 1.0), ("b", b_error)):
                rows.append(
                    {
                        "model": model,
                        "origin": origin,
                        "region": "A",
                        "indicator": "x",
                        "period": cutoff + step,
                        "mean": error,
                        "lower_95": error - 2,
                        "lower_80": error - 1,
                        "upper_80": error + 1,
                        "upper_95": error + 2,
                        "model_used": model,
                        "actual": 0.0,
                        "cutoff": cutoff,
                        "step": step,
                    }
                )
    records = _with_terms(pd.DataFrame(rows), {("A", "x"): 1.0})
    return BacktestResult(
        records=records, origins=pd.DataFrame(), timings=pd.DataFrame(), horizon=2
    )


def test_weighted_records_use_weights_from_the_other_origins() -> None:
    result = with_weighted_combination(hand_backtest(), "optimal")
    assert result.combination_weights["x"] == pytest.approx({"a": 0.75, "b": 0.25})
    combined = result.records[result.records["model"] == "weighted:a+b"]
    assert len(combined) == 4
    by_origin = combined.groupby("origin")["mean"].unique()
    # origin 0 with origin 1's weights: 0.75 * 1 + 0.25 * (-1) = 0.5
    assert by_origin[0] == pytest.approx([0.5])
    # origin 1 with origin 0's weights: 0.5 * 1 + 0.5 * (-3) = -1
    assert by_origin[1] == pytest.approx([-1.0])
    # bounds combined with the same weights: lower_95 = mean - 2
    assert (combined["lower_95"] - combined["mean"]).to_numpy() == pytest.approx([-2.0] * 4)
    table = result.by_indicator().set_index("model")
    # MASE (0.5 + 0.5 + 1 + 1) / 4: worse than a alone (1) would be only above 1
    assert table.loc["weighted:a+b", "mase"] == pytest.approx(0.75)
    assert choose_per_indicator(result, ["a", "b"]) == {"x": "weighted:a+b"}


def test_no_weighted_combination_from_one_origin() -> None:
    result = hand_backtest()
    one = BacktestResult(
        records=result.records[result.records["origin"] == 0],
        origins=result.origins,
        timings=result.timings,
        horizon=2,
    )
    assert with_weighted_combination(one) is one


@pytest.fixture(scope="module")
def small_auto() -> tuple[AutoForecaster, pd.DataFrame]:
    observations, _ = generate_panel(
        seed=3, regions=["KZ-10", "KZ-11", "KZ-47", "KZ-61", "KZ-75"], months=36
    )
    model = AutoForecaster(horizon=4, n_origins=3, calibrate_intervals=False)
    return model.fit(observations), observations


def test_auto_chooses_the_combination_only_by_its_backtest(small_auto) -> None:
    model, _ = small_auto
    table = model.selection_table()
    ranked = choose_per_indicator(model.backtest_, list(model.candidates_))
    assert ranked, "some indicator has a backtest"
    for indicator, chosen in ranked.items():
        assert model.chosen_models_[indicator] == chosen
        rows = table[(table["indicator"] == indicator) & table["mase"].notna()]
        rows = rows[rows["n"] == rows["n"].max()]
        assert rows.set_index("model").loc[chosen, "mase"] == pytest.approx(rows["mase"].min())
    weighted = [name for name in table["model"] if str(name).startswith("weighted:")]
    assert weighted, "the weighted combination is among the candidates"
    assert set(model.combination_weights_) == {
        indicator
        for indicator, name in model.chosen_models_.items()
        if name.startswith("weighted:")
    }
    without = AutoForecaster(horizon=4, n_origins=3, calibrate_intervals=False, weighting=None)
    assert without.get_params()["weighting"] is None


def test_auto_weights_and_forecast_of_a_weighted_choice(small_auto) -> None:
    model, observations = small_auto
    weights = model.backtest_.combination_weights
    indicator = sorted(weights)[0]
    # the weights a refit applies: the optimal ones over all origins and all single models
    records = model.backtest_.records
    singles = records[
        (records["indicator"] == indicator) & ~records["model"].str.contains("+", regex=False)
    ]
    wide = singles.pivot_table(
        index=["origin", "region", "step"], columns="model", values=["mean", "actual", "scale"]
    ).dropna()
    names = list(wide["mean"].columns)
    recomputed = combination_weights(
        wide["mean"].to_numpy(),
        wide["actual"].iloc[:, 0].to_numpy(),
        wide["scale"].iloc[:, 0].to_numpy(),
        "optimal",
    )
    expected_weights = {n: w for n, w in zip(names, recomputed, strict=True) if w > 0}
    assert weights[indicator] == pytest.approx(expected_weights)
    # predicting a weighted choice: the weighted average of the members' forecasts
    members = sorted(weights[indicator])
    part = observations[observations["indicator"] == indicator]
    fitted = {name: clone(model.candidates_[name]).fit(part) for name in members}
    forced = clone(model)
    forced.models_ = fitted
    forced.chosen_models_ = {indicator: combination_name(members, "optimal")}
    forced.combination_weights_ = {indicator: dict(weights[indicator])}
    forced.warnings_, forced.interval_factors_ = [], model.interval_factors_
    frame = forced.predict(4).to_frame()
    for column in ("mean", *BOUNDS):
        expected = sum(
            weights[indicator][name] * fitted[name].predict(4).to_frame()[column].to_numpy()
            for name in members
        )
        assert frame[column].to_numpy() == pytest.approx(expected)
    assert set(frame["model"]) == {combination_name(members, "optimal")}


def test_add_combinations_without_weighting_keeps_equal_ones_only() -> None:
    result = add_combinations(hand_backtest(), (2,), None)
    assert set(result.records["model"]) == {"a", "b", "a+b"}
    assert result.combination_weights == {}
