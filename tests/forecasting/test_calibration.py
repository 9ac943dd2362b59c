"""Interval calibration from backtest errors: widening where due, shrinkage, order, opt-out."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from forecasting.card import build_model_card
from forecasting.models import AutoForecaster, NaiveForecaster, probability_at_least
from forecasting.models.calibration import (
    apply_interval_factors,
    conformal_quantile,
    interval_factors,
)

BOUNDS = ["lower_95", "lower_80", "mean", "upper_80", "upper_95"]


class OverconfidentForecaster(NaiveForecaster):
    """The naive forecast with intervals a third as wide as its errors call for."""

    name = "overconfident"

    def _predict(self, horizon):
        frame, warnings = super()._predict(horizon)
        for column in ("lower_95", "lower_80", "upper_80", "upper_95"):
            frame[column] = frame["mean"] + (frame[column] - frame["mean"]) / 3
        return frame, warnings


def random_walks(regions: int = 100, months: int = 72, seed: int = 0) -> pd.DataFrame:
    """Independent Gaussian random walks (unit steps): the naive forecast is the right one."""
    rng = np.random.default_rng(seed)
    periods = pd.period_range("2018-01", periods=months, freq="M")
    values = np.cumsum(rng.normal(0.0, 1.0, (regions, months)), axis=1) + 50
    return pd.DataFrame(
        {
            "region": np.repeat([f"R{number:02d}" for number in range(regions)], months),
            "period": np.tile(periods, regions),
            "indicator": "walk",
            "value": values.ravel(),
        }
    )


def coverage(forecast: pd.DataFrame, actual: pd.DataFrame) -> tuple[float, float]:
    merged = forecast.merge(actual, on=["region", "indicator", "period"])
    value = merged["value"]
    inside_80 = (value >= merged["lower_80"]) & (value <= merged["upper_80"])
    inside_95 = (value >= merged["lower_95"]) & (value <= merged["upper_95"])
    return float(inside_80.mean()), float(inside_95.mean())


def fit(calibrate: bool, training: pd.DataFrame) -> AutoForecaster:
    return AutoForecaster(
        # Named "naive" so that it stands in for the naive baseline (whose equal MASE would
        # otherwise win the tie) and is chosen.
        candidates={"naive": OverconfidentForecaster()},
        horizon=4,
        n_origins=8,
        step=4,
        combine=False,
        calibrate_intervals=calibrate,
    ).fit(training)


@pytest.fixture(scope="module")
def held_out():
    """Known noise: over three seeds, the last four months held out of each panel.

    Plentiful evidence (100 independent regions, 8 origins): the shrinkage towards 1, meant
    for a few origins whose regions share their shocks, barely holds the factors back.
    """
    panels = [random_walks(seed=seed) for seed in range(3)]
    cut = pd.Period("2023-08", freq="M")
    return [(panel[panel["period"] <= cut], panel[panel["period"] > cut]) for panel in panels]


def test_calibration_widens_overconfident_intervals_to_nominal_coverage(held_out) -> None:
    before, after = [], []
    for training, actual in held_out:
        for calibrate, results in ((False, before), (True, after)):
            model = fit(calibrate, training)
            assert model.chosen_models_ == {"walk": "naive"}
            results.append(coverage(model.predict(4).to_frame(), actual))
    before_80, before_95 = np.mean(before, axis=0)
    after_80, after_95 = np.mean(after, axis=0)
    # A third of the normal half-width covers about 24% and 45% of unit-variance errors.
    assert before_80 < 0.45 and before_95 < 0.65
    assert 0.7 <= after_80 <= 0.9
    assert 0.88 <= after_95 <= 0.99
    factors = fit(True, held_out[0][0]).interval_factors_
    assert (factors["factor_80"] > 1.8).all() and (factors["factor_95"] > 1.8).all()
    assert (factors["coverage_80"] < 0.5).all()


def test_disabled_calibration_keeps_factors_one_and_intervals_as_fitted(held_out) -> None:
    training, _ = held_out[0]
    model = fit(False, training)
    assert not model.interval_factors_.empty
    assert (model.interval_factors_[["factor_80", "factor_95"]] == 1.0).all().all()
    own = OverconfidentForecaster().fit(training).predict(4).to_frame()
    frame = model.predict(4).to_frame()
    pd.testing.assert_frame_equal(
        frame[BOUNDS].reset_index(drop=True), own[BOUNDS].reset_index(drop=True)
    )
    assert model.get_params()["calibrate_intervals"] is False
    assert AutoForecaster().get_params()["calibrate_intervals"] is True


def test_calibrated_bounds_keep_their_order_and_probabilities_follow(held_out) -> None:
    training, _ = held_out[1]
    calibrated = fit(True, training).predict(6).to_frame()  # beyond the backtest's 4 steps
    values = calibrated[BOUNDS].to_numpy()
    assert (np.diff(values, axis=1) >= -1e-12).all()
    raw = fit(False, training).predict(6).to_frame()
    assert (calibrated["upper_95"] - calibrated["mean"] > raw["upper_95"] - raw["mean"]).all()
    # P(value >= the model's own upper 95% bound) is 2.5% by its own intervals; read from the
    # calibrated ones it is what the backtest errors say, well above.
    for row in range(0, len(raw), 37):
        threshold = float(raw["upper_95"].iloc[row])
        own = probability_at_least(raw.iloc[[row]], threshold)[0]
        assert own == pytest.approx(0.025, abs=1e-9)
        assert probability_at_least(calibrated.iloc[[row]], threshold)[0] > 0.1


def test_apply_widens_the_95_interval_at_least_as_much_as_the_80_one() -> None:
    frame = pd.DataFrame(
        {
            "region": ["A", "A"],
            "indicator": ["x", "x"],
            "period": pd.period_range("2024-01", periods=2, freq="M"),
            "mean": [10.0, 10.0],
            "lower_80": [9.0, 8.0],
            "upper_80": [11.0, 12.5],
            "lower_95": [8.5, 7.0],
            "upper_95": [11.5, 13.0],
            "model": ["m", "m"],
        }
    )
    factors = pd.DataFrame(
        {"indicator": ["x"], "step": [1], "factor_80": [3.0], "factor_95": [1.0]}
    )
    result = apply_interval_factors(frame, factors)
    assert result["upper_80"].tolist() == [13.0, 17.5]  # step 2 takes step 1's factor
    assert result["lower_80"].tolist() == [7.0, 4.0]
    # The 95% half-widths (1.5 and 3) take the larger factor: they stay outside the 80%.
    assert result["upper_95"].tolist() == [14.5, 19.0]
    assert result["lower_95"].tolist() == [5.5, 1.0]
    assert (np.diff(result[BOUNDS].to_numpy(), axis=1) > 0).all()
    unknown = apply_interval_factors(frame.assign(indicator="y"), factors)
    pd.testing.assert_frame_equal(unknown, frame.assign(indicator="y"))


def backtest_records(points: int, origins: int, score: float) -> pd.DataFrame:
    """Records of model "m" whose every error is ``score`` times its 80% and 95% half-widths."""
    rows = []
    for origin in range(origins):
        for number in range(points):
            rows.append(
                {
                    "model": "m",
                    "origin": origin,
                    "region": f"R{number}",
                    "indicator": "x",
                    "period": pd.Period("2024-01", freq="M") - origin,
                    "cutoff": pd.Period("2023-12", freq="M") - origin,
                    "step": 1,
                    "actual": 10.0 + score * (1 if number % 2 else -1),
                    "mean": 10.0,
                    "lower_80": 9.0,
                    "upper_80": 11.0,
                    "lower_95": 9.0,
                    "upper_95": 11.0,
                    "covered_80": float(score <= 1),
                    "covered_95": float(score <= 1),
                }
            )
    return pd.DataFrame(rows)


def test_few_backtest_points_shrink_the_factor_towards_one() -> None:
    many = interval_factors(backtest_records(200, 3, 2.0), {"x": "m"})
    few = interval_factors(backtest_records(12, 1, 2.0), {"x": "m"})
    too_few = interval_factors(backtest_records(4, 1, 2.0), {"x": "m"})
    assert 1.0 < few["factor_80"].iloc[0] < many["factor_80"].iloc[0] <= 2.0
    assert many["factor_80"].iloc[0] > 1.5
    assert too_few["factor_80"].iloc[0] == 1.0 and too_few["points"].iloc[0] == 4
    unshrunk = interval_factors(
        backtest_records(12, 1, 2.0), {"x": "m"}, prior_points=0, prior_origins=0
    )
    assert unshrunk["factor_80"].iloc[0] == pytest.approx(2.0)


def test_a_95_factor_is_never_below_the_80_factor() -> None:
    # Twelve points, one origin: both conformal quantiles fall on the largest error, 3 times
    # the 80% half-width (1) and 2.5 times the 95% one (1.2). Taken as they are, the two
    # factors would put both calibrated bounds at 10 + 3.
    records = backtest_records(12, 1, 3.0).assign(lower_95=8.8, upper_95=11.2)
    factors = interval_factors(records, {"x": "m"}, prior_points=0, prior_origins=0)
    assert factors["factor_80"].iloc[0] == pytest.approx(3.0)
    assert factors["factor_95"].iloc[0] == pytest.approx(3.0)
    forecast = records.iloc[[0]].drop(columns=["actual", "covered_80", "covered_95"])
    result = apply_interval_factors(forecast, factors)
    assert result["upper_80"].iloc[0] == pytest.approx(13.0)
    assert result["upper_95"].iloc[0] == pytest.approx(13.6)
    assert result["lower_95"].iloc[0] == pytest.approx(6.4)


def test_factors_are_not_below_one_nor_computed_for_other_models() -> None:
    calm = interval_factors(backtest_records(200, 3, 0.2), {"x": "m"})
    assert (calm[["factor_80", "factor_95"]] == 1.0).all().all()
    assert interval_factors(backtest_records(200, 3, 2.0), {"x": "other"}).empty


def test_origins_trained_on_little_history_are_left_out() -> None:
    records = backtest_records(30, 3, 2.0)
    # History 2023-10 .. 2024-01: origins 0, 1, 2 trained on 3, 2 and 1 of its 4 months.
    start = pd.Period("2023-10", freq="M")
    kept = interval_factors(records, {"x": "m"}, {"x": start})
    assert kept["points"].iloc[0] == 60
    assert interval_factors(records, {"x": "m"}, {"x": start}, min_training_share=0.9).empty


def test_conformal_quantile_is_the_finite_sample_rank() -> None:
    scores = np.arange(1.0, 10.0)  # nine scores
    assert conformal_quantile(scores, 0.8) == 8.0  # ceil(10 * 0.8) = 8th
    assert conformal_quantile(scores, 0.95) == 9.0  # rank 10 > 9: the largest
    weighted = conformal_quantile(scores, 0.5, np.r_[np.full(8, 0.01), 1.0])
    assert weighted == 9.0  # the one heavy point dominates


def test_model_card_records_the_factors(held_out) -> None:
    training, _ = held_out[2]
    model = fit(True, training)
    card = build_model_card(
        training,
        model.backtest_,
        model.chosen_models_,
        {"horizon": 4},
        [],
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        interval_factors=model.interval_factors_,
    )
    rows = card.to_dict()["interval_calibration"]
    assert [row["step"] for row in rows] == [1, 2, 3, 4]
    assert rows[0]["factor_95"] == pytest.approx(model.interval_factors_["factor_95"].iloc[0])
    markdown = card.to_markdown()
    assert "## Interval calibration" in markdown
    table = markdown.split("## Interval calibration")[1].split("##")[0]
    assert table.count("| walk | naive |") == 2  # first and last step
    without = build_model_card(training, model.backtest_, model.chosen_models_, {}, [])
    assert without.to_dict()["interval_calibration"] == []
    assert "Interval calibration" not in without.to_markdown()
