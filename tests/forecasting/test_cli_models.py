"""Command line: backtest, forecast, train and card on small files (fast models only)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.cli import main
from forecasting.models import FORECAST_COLUMNS

FAST = ["--models", "naive,seasonal_naive,ses"]


@pytest.fixture
def opaque_csv(tmp_path: Path) -> Path:
    """Series keyed by shop names (not regions), indicators no catalogue knows."""
    rng = np.random.default_rng(5)
    periods = pd.period_range("2019Q1", periods=16, freq="Q")
    rows = []
    for key in ("shop-north", "shop-south", "warehouse 7"):
        for indicator, level in (("sales_units", 100.0), ("returns", 5.0)):
            values = level + np.cumsum(rng.normal(0, 1, 16)) + 3 * np.tile([1, 0, -1, 0], 4)
            rows += [
                (key, str(p), indicator, round(v, 3)) for p, v in zip(periods, values, strict=True)
            ]
    path = tmp_path / "opaque.csv"
    pd.DataFrame(rows, columns=["region", "period", "indicator", "value"]).to_csv(path, index=False)
    return path


def test_backtest_json_on_opaque_keys(opaque_csv: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "bt.json"
    code = main(["backtest", "--data", str(opaque_csv), "--horizon", "3", "--origins", "2",
                 *FAST, "--json", str(out)])  # fmt: skip
    assert code == 0
    payload = json.loads(out.read_text())
    names = {model["name"] for model in payload["models"]}
    assert names == {"naive", "seasonal_naive", "ses"}
    for model in payload["models"]:
        assert {"mase", "smape", "coverage_80", "coverage_95", "seconds"} <= set(model)
        assert model["mase"] is not None and model["mase"] > 0
    assert set(payload["chosen"]["per_indicator"]) == {"sales_units", "returns"}
    assert payload["chosen"]["overall"] in names
    assert payload["data"]["series"] == 6
    assert "Chosen per indicator" in capsys.readouterr().out


def test_forecast_csv_on_opaque_keys(opaque_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "forecast.csv"
    code = main(["forecast", "--data", str(opaque_csv), "--horizon", "4", "--origins", "1",
                 *FAST, "--out", str(out)])  # fmt: skip
    assert code == 0
    frame = pd.read_csv(out)
    assert tuple(frame.columns) == FORECAST_COLUMNS
    assert len(frame) == 6 * 4
    assert set(frame["region"]) == {"shop-north", "shop-south", "warehouse 7"}
    assert set(frame["period"]) == {"2023Q1", "2023Q2", "2023Q3", "2023Q4"}
    assert frame[["mean", "lower_95", "upper_95"]].notna().all().all()


def test_forecast_csv_keeps_large_values_exact(tmp_path: Path) -> None:
    """Populations in the millions: no scientific notation, no rounding to 6 digits."""
    periods = pd.period_range("2015", periods=10, freq="Y")
    rows = [
        (key, str(period), "population", base + 12_345.678 * step)
        for key, base in (("north", 1_234_567.891), ("south", 2_750_003.25))
        for step, period in enumerate(periods)
    ]
    data = tmp_path / "population.csv"
    pd.DataFrame(rows, columns=["region", "period", "indicator", "value"]).to_csv(data, index=False)
    out = tmp_path / "forecast.csv"
    code = main(["forecast", "--data", str(data), "--horizon", "2", "--origins", "1",
                 "--models", "naive", "--out", str(out)])  # fmt: skip
    assert code == 0
    assert "e+" not in out.read_text()
    frame = pd.read_csv(out)
    last = {"north": 1_234_567.891 + 12_345.678 * 9, "south": 2_750_003.25 + 12_345.678 * 9}
    for row in frame.itertuples():
        # naive carries the last value forward: it must come back to the cent
        assert row.mean == pytest.approx(last[row.region], abs=1e-6)


def test_train_then_card(tmp_path: Path, capsys, monkeypatch) -> None:
    from forecasting.demo import generate_panel

    observations, _ = generate_panel(seed=3, regions=["KZ-10", "KZ-11", "KZ-47"], months=30)
    data = tmp_path / "panel.csv"
    observations.assign(period=observations["period"].astype(str)).to_csv(data, index=False)
    registry = tmp_path / "registry"
    monkeypatch.setenv("FORECASTING_REGISTRY", str(registry))
    summary = tmp_path / "train.json"
    code = main(["train", "--data", str(data), "--horizon", "2", "--origins", "1", *FAST,
                 "--promote", "--json", str(summary)])  # fmt: skip
    assert code == 0
    result = json.loads(summary.read_text())
    run_id = result["run_id"]
    assert result["active"] is True
    assert run_id in capsys.readouterr().out
    assert main(["card", run_id, "--format", "json"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["data_hash"] == result["data_hash"]
    assert main(["card", "active"]) == 0
    assert capsys.readouterr().out.startswith("# ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("region,period,indicator,value\n", "no data rows"),
        ("region,period,indicator,value\nA,2020-13,x,1\n", "cannot be used"),
    ],
)
def test_bad_files_give_clear_messages(tmp_path: Path, capsys, content, message) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    code = main(["backtest", "--data", str(path), *FAST])
    assert code == 2
    assert message in capsys.readouterr().err


def test_single_period_and_constant_series_fall_back(tmp_path: Path, capsys) -> None:
    rows = ["region,period,indicator,value", "A,2024,x,1.5", "B,2024,x,2.5"]
    rows += [f"A,{year},flat,3" for year in range(2010, 2024)]
    path = tmp_path / "short.csv"
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "f.csv"
    assert main(["forecast", "--data", str(path), "--horizon", "2", *FAST, "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert len(frame) == 3 * 2 and frame["mean"].notna().all()
    err = capsys.readouterr().err
    assert "too short to backtest" in err or "not_selected" in err or "warning" in err
    # 14 annual values hold an 11-step test: 20 steps are refused, saying so; 11 run.
    assert main(["backtest", "--data", str(path), "--horizon", "20", *FAST]) == 2
    assert "flat (14 periods), holds a test of at most 11 step(s)" in capsys.readouterr().err
    assert main(["backtest", "--data", str(path), "--horizon", "11", *FAST]) == 0


def test_unknown_model_and_missing_registry_run(tmp_path: Path, capsys, opaque_csv) -> None:
    assert main(["backtest", "--data", str(opaque_csv), "--models", "prophet"]) == 2
    assert "unknown model" in capsys.readouterr().err
    assert main(["card", "20990101T000000Z-00000000", "--registry", str(tmp_path)]) == 2
    assert "no run" in capsys.readouterr().err


def test_forecast_bounds_stay_within_what_the_unit_allows(tmp_path: Path) -> None:
    # A share in % of the packaged catalogue near zero with noisy history: its interval
    # reached below 0 %; a growth rate (% y/y) may go negative and is left alone.
    rng = np.random.default_rng(11)
    periods = pd.period_range("2018-01", periods=36, freq="M")
    rows = []
    for region in ("KZ-11", "KZ-15", "KZ-19"):
        shares = np.abs(0.6 + rng.normal(0, 0.5, 36))
        growth = rng.normal(0.2, 1.5, 36)
        rows += [
            (region, str(p), "youth_neet_share", round(v, 3))
            for p, v in zip(periods, shares, strict=True)
        ]
        rows += [
            (region, str(p), "real_wage_growth", round(v, 3))
            for p, v in zip(periods, growth, strict=True)
        ]
    data = tmp_path / "shares.csv"
    pd.DataFrame(rows, columns=["region", "period", "indicator", "value"]).to_csv(data, index=False)
    out = tmp_path / "forecast.csv"
    code = main(["forecast", "--data", str(data), "--horizon", "6", "--origins", "2",
                 "--models", "naive,ses", "--out", str(out)])  # fmt: skip
    assert code == 0
    frame = pd.read_csv(out)
    shares = frame[frame["indicator"] == "youth_neet_share"]
    assert (shares[["mean", "lower_95", "lower_80", "upper_80", "upper_95"]] >= 0).all().all()
    assert (shares["lower_95"] == 0).any()  # it did reach below: now held at the bound
    assert (frame.loc[frame["indicator"] == "real_wage_growth", "lower_95"] < 0).all()
    ordered = frame[["lower_95", "lower_80", "mean", "upper_80", "upper_95"]].to_numpy()
    assert (np.diff(ordered, axis=1) >= 0).all()
