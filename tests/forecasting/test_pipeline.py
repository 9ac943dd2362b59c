"""Training pipeline end to end on a small demo panel (fast models, short horizon)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecasting.contract import ContractError
from forecasting.demo import generate_panel
from forecasting.models import GlobalGradientBoostingForecaster, SeasonalNaiveForecaster
from forecasting.pipeline import SCORE_TARGET, TrainingError, train
from forecasting.registry import CARD_JSON, DirectoryRegistry

REGIONS = ["KZ-10", "KZ-47", "KZ-75"]


@pytest.fixture(scope="module")
def panel():
    observations, catalogue = generate_panel(seed=7, regions=REGIONS, months=30)
    return observations, catalogue


@pytest.fixture(scope="module")
def run(panel):
    observations, catalogue = panel
    calls = []
    result = train(
        observations,
        catalogue,
        horizon=3,
        n_origins=1,
        candidates={
            "seasonal_naive": SeasonalNaiveForecaster(),
            "gbm": GlobalGradientBoostingForecaster(horizon=3, max_iter=10, min_samples_leaf=5),
        },
        progress=lambda fraction, message: calls.append((fraction, message)),
    )
    result.progress_calls = calls
    return result


def test_forecasts_every_indicator_and_region(run, panel) -> None:
    observations, _ = panel
    frame = run.forecasts
    expected = observations[["region", "indicator"]].drop_duplicates()
    assert len(frame) == len(expected) * 3
    assert frame["step"].between(1, 3).all()
    assert np.isfinite(frame[["mean", "lower_95", "upper_95"]].to_numpy()).all()
    assert set(run.chosen_models) == set(observations["indicator"])


def test_score_forecasts_with_probability_of_high(run) -> None:
    frame = run.score_forecasts
    assert set(frame["region"]) == set(REGIONS)
    assert (frame["indicator"] == SCORE_TARGET).all()
    assert frame["probability_high"].between(0, 1).all()
    assert frame[["mean", "lower_95", "upper_95"]].stack().between(0, 10).all()
    assert not run.scores.empty and {"score", "risk_class"} <= set(run.scores.columns)
    assert "brier" in run.score_backtest.overall().columns


def test_card_and_artifacts(run) -> None:
    card = run.card.to_dict()
    assert card["data_hash"] == run.data_hash and len(run.data_hash) == 64
    assert {"pandas", "numpy", "scikit-learn", "statsmodels", "python"} <= set(card["versions"])
    assert card["chosen_models"] == run.chosen_models
    assert "seasonal_naive" in {row["model"] for row in card["metrics"]["overall"]}
    markdown = run.card.to_markdown()
    assert "## Backtest by horizon" in markdown and run.data_hash in markdown
    artifacts = run.artifacts()
    assert json.loads(artifacts[CARD_JSON])["data_hash"] == run.data_hash
    metrics = run.metrics_table()
    assert {"all", SCORE_TARGET} <= set(metrics["target"])
    assert "Chosen models" in run.summary()
    # the interval calibration of the chosen models is on the card, one row per step
    # (indicators whose backtest is too short to calibrate have none)
    calibration = card["interval_calibration"]
    calibrated = {row["indicator"] for row in calibration}
    assert calibrated and calibrated <= set(run.chosen_models)
    assert sorted((row["indicator"], row["step"]) for row in calibration) == sorted(
        (indicator, step) for indicator in calibrated for step in (1, 2, 3)
    )
    assert all(row["model"] == run.chosen_models[row["indicator"]] for row in calibration)
    assert all(row["factor_95"] >= 1.0 for row in calibration)
    assert run.progress_calls[-1][0] == 1.0
    fractions = [fraction for fraction, _ in run.progress_calls]
    assert fractions == sorted(fractions)


def test_deterministic_and_storable(run, panel, tmp_path) -> None:
    observations, catalogue = panel
    again = train(
        observations.sample(frac=1.0, random_state=1),  # row order must not matter
        catalogue,
        horizon=3,
        n_origins=1,
        candidates={
            "seasonal_naive": SeasonalNaiveForecaster(),
            "gbm": GlobalGradientBoostingForecaster(horizon=3, max_iter=10, min_samples_leaf=5),
        },
    )
    assert again.data_hash == run.data_hash
    pd.testing.assert_frame_equal(again.forecasts, run.forecasts)
    pd.testing.assert_frame_equal(again.score_forecasts, run.score_forecasts)
    registry = DirectoryRegistry(tmp_path)
    record = registry.store_training_run(run)
    registry.promote(record.id)
    loaded = registry.load_forecasts()
    assert len(loaded) == len(run.forecasts)
    assert registry.get(record.id).data_hash == run.data_hash


def test_bad_input_is_refused_clearly() -> None:
    with pytest.raises(TrainingError, match="no observations"):
        train(pd.DataFrame(columns=["region", "period", "indicator", "value"]))
    broken = pd.DataFrame(
        {"region": ["A"], "period": ["not a period"], "indicator": ["x"], "value": [1.0]}
    )
    with pytest.raises(ContractError, match="row 0"):
        train(broken)


def test_default_candidates_for_indicators_and_for_the_score(panel) -> None:
    observations, catalogue = panel
    result = train(observations, catalogue, horizon=2, n_origins=1)

    def single_models(backtest) -> set[str]:
        return {name for name in backtest.overall()["model"] if "+" not in name}

    expected = {"naive", "seasonal_naive", "pooled_ets", "series_ets", "panel_mean", "panel_ar"}
    assert single_models(result.backtest) == expected
    assert single_models(result.score_backtest) == expected | {"linear"}
    assert result.parameters["score_candidates"] == sorted(expected | {"linear"})
