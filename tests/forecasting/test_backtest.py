"""Rolling-origin backtest: protocol, no peeking, scaling once per series, summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.backtest import plan_origins, rolling_origin_backtest
from forecasting.models import NaiveForecaster, SeasonalNaiveForecaster
from forecasting.models.base import BaseForecaster, concat_frames, forecast_rows


def make_series(values, region: str = "A", indicator: str = "x", start: str = "2020-01"):
    periods = pd.period_range(start, periods=len(values), freq="M")
    return pd.DataFrame(
        {"region": region, "indicator": indicator, "period": periods, "value": values}
    )


#: Last period each recording MeanOfHistory fit saw (clone copies parameters, so a list
#: passed as a parameter would not be shared).
SEEN: list = []


class MeanOfHistory(BaseForecaster):
    """A model that uses every value it is given: any leak shows in its forecast."""

    name = "history_mean"

    def __init__(self, record: bool = False) -> None:
        self.record = record

    def _fit(self) -> None:
        if self.record:
            SEEN.append(max(item.last for item in self.series_.values()))

    def _predict(self, horizon):
        frames = []
        for item in self.series_.values():
            mean = np.full(horizon, item.values.mean())
            bounds = {name: mean for name in ("lower_95", "lower_80", "upper_80", "upper_95")}
            frames.append(forecast_rows(item, mean, bounds, self.name))
        return concat_frames(frames), []


def test_origins_and_cutoffs() -> None:
    frame = make_series(np.arange(30.0))
    origins, warnings = plan_origins(frame, horizon=6, n_origins=3, step=2)
    assert origins["cutoff"].astype(str).tolist() == ["2021-12", "2021-10", "2021-08"]
    assert warnings == []


def test_never_peeks_into_the_future() -> None:
    rng = np.random.default_rng(3)
    clean = make_series(rng.normal(10, 1, 40))
    SEEN.clear()
    result = rolling_origin_backtest(
        clean, {"spy": MeanOfHistory(record=True)}, horizon=4, n_origins=3, step=2
    )
    cutoffs = result.origins.sort_values("origin")["cutoff"].tolist()
    assert cutoffs == SEEN  # each fit saw data up to its own cut-off, no further
    # Poison everything after the earliest cut-off: the earliest origin's forecasts must not move.
    earliest = min(cutoffs)
    poisoned = clean.copy()
    poisoned.loc[poisoned["period"] > earliest, "value"] = 1e9
    again = rolling_origin_backtest(
        poisoned, {"spy": MeanOfHistory()}, horizon=4, n_origins=3, step=2
    )
    origin = int(result.origins.loc[result.origins["cutoff"] == earliest, "origin"].iloc[0])

    def forecasts(res):
        rows = res.records[(res.records["model"] == "spy") & (res.records["origin"] == origin)]
        return rows["mean"].to_numpy()

    np.testing.assert_array_equal(forecasts(result), forecasts(again))
    assert (forecasts(result) < 100).all()


def test_mase_is_scaled_once_by_training_part_before_first_origin() -> None:
    values = [1.0, 3.0, 2.0, 6.0, 5.0, 7.0, 9.0, 8.0]
    frame = make_series(values, start="2020-01").assign(
        period=pd.period_range("2020", periods=8, freq="Y")
    )
    result = rolling_origin_backtest(
        frame, [NaiveForecaster()], horizon=2, n_origins=2, step=1, include_baselines=False
    )
    records = result.records
    # Earliest cut-off: 8 - 2 - 1 = 5th value (index 4); training part 1,3,2,6,5 -> scale
    # (2 + 1 + 4 + 1) / 4 = 2 (annual data: the naive scale).
    assert records["scale"].unique().tolist() == [2.0]
    origin0 = records[records["origin"] == 0]  # cut-off at 7: forecasts 7 for 9 and 8
    assert origin0["mean"].tolist() == [7.0, 7.0]
    assert origin0["scaled_error"].tolist() == [1.0, 0.5]
    overall = result.overall().set_index("model")
    # origin 1: cut-off at 5, forecasts 5 for 7 and 9 -> scaled errors 1 and 2
    assert overall.loc["naive", "mase"] == pytest.approx((1.0 + 0.5 + 1.0 + 2.0) / 4)
    by_horizon = result.by_horizon().set_index("step")
    assert by_horizon.loc[1, "mase"] == pytest.approx((1.0 + 1.0) / 2)
    assert by_horizon.loc[2, "mase"] == pytest.approx((0.5 + 2.0) / 2)


def test_baselines_always_evaluated_and_summaries() -> None:
    frame = pd.concat(
        [make_series(np.sin(np.arange(40)) + 5 + k, region=f"R{k}") for k in range(3)]
    )
    result = rolling_origin_backtest(frame, {"spy": MeanOfHistory()}, horizon=3, n_origins=2)
    assert set(result.overall()["model"]) == {"naive", "seasonal_naive", "spy"}
    assert set(result.by_region()["region"]) == {"R0", "R1", "R2"}
    assert result.by_horizon()["step"].max() == 3
    assert {"mase", "smape", "rmse", "coverage_80", "coverage_95", "pinball", "seconds"} <= set(
        result.overall().columns
    )
    assert "backtest" in result.summary().lower()


def test_brier_score_of_threshold_probability() -> None:
    frame = make_series(np.r_[np.full(20, 4.0), np.full(4, 6.0)] + np.tile([0.1, -0.1], 12))
    result = rolling_origin_backtest(
        frame, [NaiveForecaster()], horizon=4, n_origins=1, threshold=5.0, include_baselines=False
    )
    records = result.records
    assert (records["outcome"] == 1.0).all()
    # naive forecasts about 4 with a narrow interval: probability of >= 5 near 0
    assert records["probability"].max() < 0.01
    assert result.overall()["brier"].iloc[0] == pytest.approx(
        np.mean((records["probability"] - 1.0) ** 2)
    )


def test_short_history_falls_back_with_warnings() -> None:
    short = make_series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], indicator="short")
    tiny = make_series([1.0, 2.0], indicator="tiny")
    result = rolling_origin_backtest(
        pd.concat([short, tiny]), [SeasonalNaiveForecaster()], horizon=8
    )
    categories = {(item["indicator"], item["category"]) for item in result.warnings}
    assert ("short", "short_history") in categories
    assert ("tiny", "not_evaluated") in categories
    assert set(result.records["indicator"]) == {"short"}
    assert result.records["step"].max() == 3  # 6 periods - 3 for training


def test_constant_series_mase_is_undefined_and_reported() -> None:
    frame = make_series(np.full(20, 3.0))
    result = rolling_origin_backtest(frame, [NaiveForecaster()], horizon=2, n_origins=1)
    assert any(item["category"] == "mase_undefined" for item in result.warnings)
    assert result.overall()["mase"].isna().all()
    assert (result.overall()["smape"] == 0).all()


def test_combination_of_two_best_models_by_hand() -> None:
    from forecasting.backtest import with_combinations

    values = [1.0, 3.0, 2.0, 6.0, 5.0, 7.0, 9.0, 8.0]
    frame = make_series(values).assign(period=pd.period_range("2020", periods=8, freq="Y"))
    result = rolling_origin_backtest(
        frame, {"spy": MeanOfHistory()}, horizon=2, n_origins=1, step=1
    )
    combined = with_combinations(result)
    names = set(combined.records["model"])
    pair = next(name for name in names if "+" in name)
    members = pair.split("+")
    rows = combined.records.set_index(["model", "period"])["mean"]
    for period in combined.records["period"].unique():
        expected = np.mean([rows[(member, period)] for member in members])
        assert rows[(pair, period)] == pytest.approx(expected)
    table = combined.overall().set_index("model")
    assert table.loc[pair, "n"] == table.loc["naive", "n"]


def test_candidates_of_an_origin_share_one_split_into_series(monkeypatch) -> None:
    # Three candidates (two baselines and one more) at two origins: the training frame of
    # each origin is split into series once, not once per candidate; the records are those
    # of separate splits.
    import forecasting.models.base as base

    calls = []
    original = base.extract_series

    def counting(observations):
        calls.append(len(observations))
        return original(observations)

    observations = pd.concat(
        [
            make_series(np.arange(30.0) + offset, region=name)
            for offset, name in ((0, "A"), (5, "B"))
        ],
        ignore_index=True,
    )
    alone = rolling_origin_backtest(
        observations, {"again": NaiveForecaster()}, horizon=3, n_origins=2
    )
    monkeypatch.setattr(base, "extract_series", counting)
    shared = rolling_origin_backtest(
        observations, {"again": NaiveForecaster()}, horizon=3, n_origins=2
    )
    assert len(calls) == 2
    pd.testing.assert_frame_equal(shared.records, alone.records)
    # outside a backtest every fit splits its own frame
    NaiveForecaster().fit(observations)
    NaiveForecaster().fit(observations)
    assert len(calls) == 4
