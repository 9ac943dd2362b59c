"""``python -m forecasting score``: the table, the JSON file and the user errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from forecasting.cli import main

REGIONS = ("KZ-75", "KZ-71", "KZ-61")


@pytest.fixture
def panel_file(write_csv: Callable) -> Path:
    """Three regions; monthly registered unemployment, annual poverty, quarterly trust."""
    rows = [["region", "period", "indicator", "value"]]
    for position, region in enumerate(REGIONS):
        for month, change in (("2026-01", 0.0), ("2026-02", 0.2), ("2026-03", 0.4)):
            rows.append([region, month, "registered_unemployment", 4.0 + position + change])
        for year, change in (("2024", 0.0), ("2025", -0.5)):
            rows.append([region, year, "poverty_share", 4.0 + 2 * position + change])
        for quarter, level in (("2025Q4", 60.0), ("2026Q1", 55.0)):
            rows.append([region, quarter, "survey_trust_local_government", level - 5 * position])
    return write_csv(rows, name="panel.csv")


def test_scores_the_latest_month_and_writes_the_breakdown(
    panel_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scores.json"
    code = main(["score", "--data", str(panel_file), "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Almaty city" in printed and "Turkistan Region" in printed
    payload = json.loads(out.read_text(encoding="utf-8"))
    scores = {record["region"]: record for record in payload["scores"]}
    assert set(scores) == set(REGIONS)
    for record in scores.values():
        assert record["period"] == "2026-03"
        assert sum(item["contribution"] for item in record["indicators"]) == pytest.approx(
            record["score"], abs=1e-9
        )
        assert sum(item["contribution"] for item in record["domains"]) == pytest.approx(
            record["score"], abs=1e-9
        )
        # Nominal weights: 0.2 per domain; economic hardship has 6 indicators (1/30 each),
        # trust in the state 2 (0.1 each). Present and fresh: 1/30 + 1/30 + 0.1 = 1/6,
        # which is 10/6 on the 0-10 reliability scale.
        assert record["reliability"] == pytest.approx(10 / 6)
    # Turkistan has the highest unemployment, poverty and distrust: the top score.
    assert max(scores, key=lambda region: scores[region]["score"]) == "KZ-61"
    poverty = next(i for i in scores["KZ-61"]["indicators"] if i["code"] == "poverty_share")
    assert poverty["observed_period"] == "2025" and poverty["age_months"] == 3
    assert payload["method"]["index_aggregation"] == "geometric"
    assert payload["input"]["data"] == str(panel_file)
    assert any("no observations" in warning for warning in payload["warnings"])


def test_a_given_period_and_every_period(panel_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "scores.json"
    assert (
        main(["score", "--data", str(panel_file), "--period", "2026-02", "--json", str(out)]) == 0
    )
    periods = {record["period"] for record in json.loads(out.read_text())["scores"]}
    assert periods == {"2026-02"}
    assert main(["score", "--data", str(panel_file), "--all-periods", "--json", str(out)]) == 0
    periods = {record["period"] for record in json.loads(out.read_text())["scores"]}
    assert len(periods) == 16  # 2024-12 (first period that ends with data) .. 2026-03


def test_uncertainty_goes_to_the_table_and_the_json(panel_file: Path, tmp_path: Path, capsys):
    out = tmp_path / "scores.json"
    code = main(["score", "--data", str(panel_file), "--uncertainty", "30", "--json", str(out)])
    assert code == 0
    assert "5%-95% rank" in capsys.readouterr().out
    uncertainty = json.loads(out.read_text())["uncertainty"]
    assert uncertainty["draws"] == 30 and len(uncertainty["regions"]) == 3


def test_missing_file_and_broken_data_are_user_errors(
    panel_file: Path, write_csv: Callable, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", "--data", "nowhere.csv"]) == 2
    assert "no such file" in capsys.readouterr().err
    broken = write_csv(
        [["region", "period", "indicator", "value"], ["KZ-75", "2026-01", "unemployment_rate", "x"]]
    )
    assert main(["score", "--data", str(broken)]) == 2
    assert "cannot be scored" in capsys.readouterr().err
    assert main(["score", "--data", str(panel_file), "--reference-start", "someday"]) == 2
    assert "reference_start" in capsys.readouterr().err


def test_a_catalogue_with_an_unknown_column_value_is_a_user_error(
    panel_file: Path, write_csv: Callable, capsys: pytest.CaptureFixture[str]
) -> None:
    catalogue = write_csv(
        [
            [
                "code",
                "name_kk",
                "name_ru",
                "name_en",
                "unit",
                "direction",
                "domain",
                "weight",
                "frequency",
                "source",
            ],
            ["unemployment_rate", "", "", "Unemployment", "%", "up", "economy", "1", "M", "x"],
        ],
        name="catalogue.csv",
    )
    assert main(["score", "--data", str(panel_file), "--catalogue", str(catalogue)]) == 2
    assert "direction" in capsys.readouterr().err
