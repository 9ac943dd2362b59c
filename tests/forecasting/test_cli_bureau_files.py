"""Command line on a file as the statistics bureau publishes it: what validate accepts, the
model commands read the same way (same reader options)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from forecasting.cli import main

FAST = ["--models", "naive,seasonal_naive", "--origins", "1"]
LABELS = {
    "Акмолинская": "KZ-11",
    "г.Астана": "KZ-71",
    "Шымкент г.а.": "KZ-79",
    "Туркестанская": "KZ-61",
}


@pytest.fixture
def taldau_xlsx(tmp_path: Path) -> Path:
    """Annual unemployment, 2018-2023: title, "2019 г." headers, national total, footnote."""
    rng = np.random.default_rng(3)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Уровень безработицы, %"])
    sheet.append([])
    sheet.append([None, *[f"{year} г." for year in range(2018, 2024)]])
    for label in ["РЕСПУБЛИКА КАЗАХСТАН", *LABELS]:
        sheet.append([label, *[f"{value:.1f}".replace(".", ",") for value in 5 + rng.random(6)]])
    sheet.append(["* данные предварительные"])
    path = tmp_path / "taldau.xlsx"
    workbook.save(path)
    return path


def test_validate_then_forecast_the_same_file(taldau_xlsx: Path, tmp_path: Path, capsys) -> None:
    assert main(["validate", str(taldau_xlsx), "--indicator", "unemployment_rate"]) == 0
    out = tmp_path / "forecast.csv"
    code = main(["forecast", "--data", str(taldau_xlsx), "--indicator", "unemployment_rate",
                 "--horizon", "2", *FAST, "--out", str(out)])  # fmt: skip
    assert code == 0
    frame = pd.read_csv(out)
    assert set(frame["region"]) == set(LABELS.values())
    assert set(frame["period"]) == {2024, 2025}
    assert set(frame["indicator"]) == {"unemployment_rate"}
    err = capsys.readouterr().err
    assert "note: 6 national-total value(s) kept apart, not forecast" in err
    assert "skipped: the row holds only the text '* данные предварительные'" in err


def test_backtest_and_score_take_the_reader_options(
    taldau_xlsx: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "backtest.json"
    code = main(["backtest", "--data", str(taldau_xlsx), "--indicator", "unemployment_rate",
                 "--horizon", "1", *FAST, "--json", str(out)])  # fmt: skip
    assert code == 0
    assert json.loads(out.read_text())["data"]["series"] == len(LABELS)
    scores = tmp_path / "scores.json"
    code = main(["score", "--data", str(taldau_xlsx), "--indicator", "unemployment_rate",
                 "--json", str(scores)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "KZ-79" in scores.read_text()


def test_forecast_without_the_indicator_says_how_to_give_it(
    taldau_xlsx: Path, tmp_path: Path, capsys
) -> None:
    code = main(["forecast", "--data", str(taldau_xlsx), "--horizon", "2", *FAST,
                 "--out", str(tmp_path / "out.csv")])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "give the indicator (--indicator CODE)" in err
    assert not (tmp_path / "out.csv").exists()


def test_region_names_in_a_tidy_file_are_resolved_mixed_labels_refused(
    tmp_path: Path, capsys
) -> None:
    periods = [str(period) for period in pd.period_range("2019Q1", periods=8, freq="Q")]
    rows = [
        (label, period, "x", 5.0 + number)
        for label in ("Акмолинская область", "Ақмола облысы", "Astana")
        for number, period in enumerate(periods)
    ]
    regions = tmp_path / "regions.csv"
    pd.DataFrame(rows[8:], columns=["region", "period", "indicator", "value"]).to_csv(
        regions, index=False
    )
    out = tmp_path / "out.csv"
    code = main(["forecast", "--data", str(regions), "--horizon", "1", *FAST, "--out", str(out)])
    assert code == 0
    assert set(pd.read_csv(out)["region"]) == {"KZ-11", "KZ-71"}

    mixed = tmp_path / "mixed.csv"
    rows[:8] = [("Atlantis", *row[1:]) for row in rows[:8]]
    pd.DataFrame(rows, columns=["region", "period", "indicator", "value"]).to_csv(
        mixed, index=False
    )
    assert main(["backtest", "--data", str(mixed), "--horizon", "1", *FAST]) == 2
    assert "unknown region 'Atlantis'" in capsys.readouterr().err
