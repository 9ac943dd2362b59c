"""The command line on files shaped like the statistics bureau's, with the units' history."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from forecasting.cli import main

FAST = ["--models", "naive,ses"]
YEARS = list(range(2010, 2023))


def taldau_csv(path: Path) -> Path:
    """Semicolons, Windows-1251, comma decimals, "-" where a unit did not exist: South
    Kazakhstan until 2017, Turkistan region and Shymkent city from 2018, as published."""
    rows = {
        "Южно-Казахстанская область": [
            5.5 - 0.1 * i if y < 2018 else None for i, y in enumerate(YEARS)
        ],
        "Туркестанская область": [
            5.0 + 0.1 * i if y >= 2018 else None for i, y in enumerate(YEARS)
        ],
        "г. Шымкент": [6.0 - 0.1 * i if y >= 2018 else None for i, y in enumerate(YEARS)],
        "Павлодарская область": [4.0 + 0.05 * i for i, _ in enumerate(YEARS)],
    }
    lines = ["Уровень безработицы, %" + ";" * len(YEARS), "Регион;" + ";".join(map(str, YEARS))]
    for label, numbers in rows.items():
        cells = ["-" if value is None else f"{value:.1f}".replace(".", ",") for value in numbers]
        lines.append(label + ";" + ";".join(cells))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def test_a_unit_that_ended_is_not_forecast(tmp_path: Path, capsys) -> None:
    data = taldau_csv(tmp_path / "unemployment.csv")
    out, report = tmp_path / "forecast.csv", tmp_path / "forecast.json"
    code = main(["forecast", "--data", str(data), "--indicator", "unemployment_rate",
                 "--horizon", "2", "--origins", "1", *FAST, "--out", str(out),
                 "--json", str(report)])  # fmt: skip
    assert code == 0
    frame = pd.read_csv(out, dtype={"period": str})
    assert sorted(frame["region"].unique()) == ["KZ-55", "KZ-61", "KZ-79"]
    assert set(frame["period"]) == {"2023", "2024"}
    err = capsys.readouterr().err
    assert "KZ-YUZ South Kazakhstan Region ended on 2018-06-18" in err
    assert "KZ-61, KZ-79" in err
    warnings = json.loads(report.read_text(encoding="utf-8"))["warnings"]
    (ended,) = [item for item in warnings if item["category"] == "ended_unit"]
    assert ended["region"] == "KZ-YUZ"


def test_backtest_and_forecast_a_national_table_of_indicators(tmp_path: Path, capsys) -> None:
    """statsmodels' macrodata shape: year and quarter columns (floats), a column per indicator."""
    rows = ["year,quarter,realgdp,unemp"]
    for index in range(24):
        year, quarter = 1959 + index // 4, index % 4 + 1
        rows.append(
            f"{year}.0,{quarter}.0,{2700 + 25 * index + 5 * (quarter == 4)},{5.5 + 0.1 * (index % 5)}"
        )
    data = tmp_path / "macrodata.csv"
    data.write_text("\n".join(rows) + "\n")
    out = tmp_path / "forecast.csv"
    code = main(["forecast", "--data", str(data), "--horizon", "2", "--origins", "1", *FAST,
                 "--out", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    frame = pd.read_csv(out)
    assert sorted(frame["indicator"].unique()) == ["realgdp", "unemp"]
    assert set(frame["region"]) == {"series"}
    assert sorted(frame["period"].unique()) == ["1965Q1", "1965Q2"]


def excel_catalogue(path: Path) -> Path:
    """The catalogue as Excel saves CSV in a Russian locale: semicolons, Windows-1251,
    a decimal comma in the weight (no Kazakh names: Windows-1251 has no ә, қ, ұ...)."""
    lines = [
        "code;name_ru;name_en;unit;direction;domain;weight;frequency;source",
        "unemployment_rate;Уровень безработицы;Unemployment rate;%;1;economic_hardship;1,0;Y;БНС",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def test_score_with_a_catalogue_saved_by_excel(tmp_path: Path, capsys) -> None:
    data = taldau_csv(tmp_path / "unemployment.csv")
    catalogue = excel_catalogue(tmp_path / "catalogue.csv")
    report = tmp_path / "scores.json"
    code = main(["score", "--data", str(data), "--indicator", "unemployment_rate",
                 "--catalogue", str(catalogue), "--json", str(report)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    payload = json.loads(report.read_text(encoding="utf-8"))
    text = json.dumps(payload, ensure_ascii=False)
    # South Kazakhstan ended in 2018: it is not scored for 2022 (its last values were
    # carried forward before), and the warnings say why.
    assert sorted({row["region"] for row in payload["scores"]}) == ["KZ-55", "KZ-61", "KZ-79"]
    assert "KZ-YUZ South Kazakhstan Region ended on 2018-06-18" in text


def test_score_all_periods_leaves_an_ended_unit_out_after_its_end(tmp_path: Path, capsys) -> None:
    """South Kazakhstan is scored up to 2017, not from 2018 (the year it ended in) to 2022
    on its stale 2017 value beside Turkistan and Shymkent, the same territory twice."""
    data = taldau_csv(tmp_path / "unemployment.csv")
    catalogue = excel_catalogue(tmp_path / "catalogue.csv")
    report = tmp_path / "scores.json"
    code = main(["score", "--data", str(data), "--indicator", "unemployment_rate",
                 "--catalogue", str(catalogue), "--all-periods", "--json", str(report)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    payload = json.loads(report.read_text(encoding="utf-8"))
    south = sorted(row["period"] for row in payload["scores"] if row["region"] == "KZ-YUZ")
    assert south == [str(year) for year in range(2010, 2018)]
    for year in ("2018", "2022"):
        assert {row["region"] for row in payload["scores"] if row["period"] == year} == {
            "KZ-55", "KZ-61", "KZ-79"
        }  # fmt: skip
    text = "\n".join(payload["warnings"])
    assert "KZ-YUZ South Kazakhstan Region ended on 2018-06-18" in text
    assert "5 scored period(s) from 2018 on are left out" in text


def test_train_leaves_an_ended_unit_out_of_later_scores_and_forecasts(tmp_path: Path) -> None:
    """The pipeline (CLI train, web training) follows forecast's and score's rule."""
    from forecasting.models import NaiveForecaster
    from forecasting.pipeline import train
    from forecasting.readers import read_observations

    read = read_observations(taldau_csv(tmp_path / "u.csv"), indicator="unemployment_rate")
    observations = read.observations
    assert "KZ-YUZ" in set(observations["region"])
    run = train(observations, horizon=2, n_origins=1, candidates=[NaiveForecaster()])
    south = run.scores[run.scores["region"] == "KZ-YUZ"]
    assert south["period"].astype(str).max() == "2017"
    assert "KZ-YUZ" not in set(run.forecasts["region"])
    assert "KZ-YUZ" not in set(run.score_forecasts["region"])
    ended = [item for item in run.warnings if item["category"] == "ended_unit"]
    assert {item["region"] for item in ended} == {"KZ-YUZ"}
    assert any("forecast period(s) from 2018 on" in item["message"] for item in ended)


def annual_panel(path: Path, years: range) -> Path:
    rows = ["region,period,indicator,value"]
    for number, region in enumerate(("KZ-55", "KZ-47", "KZ-71")):
        rows += [
            f"{region},{year},unemployment_rate,{4 + number + 0.1 * (year % 4)}" for year in years
        ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_horizon_the_history_cannot_test(tmp_path: Path, capsys) -> None:
    """17 annual values hold a 14-step test after 3 training periods: backtest refuses 30
    steps naming the limit (it reported 14 steps as the 30-step accuracy); forecast and train
    accept 30 with the same beyond_history warning."""
    data = annual_panel(tmp_path / "annual.csv", range(2006, 2023))
    code = main(["backtest", "--data", str(data), "--horizon", "30", *FAST])
    err = capsys.readouterr().err
    assert code == 2
    assert "--horizon 30 cannot be backtested on this history" in err
    assert "unemployment_rate (17 periods), holds a test of at most 14 step(s)" in err
    assert "give --horizon 14 or less" in err
    assert main(["backtest", "--data", str(data), "--horizon", "14", *FAST]) == 0
    capsys.readouterr()

    out, report = tmp_path / "f.csv", tmp_path / "f.json"
    code = main(["forecast", "--data", str(data), "--horizon", "30", *FAST, "--out", str(out),
                 "--json", str(report)])  # fmt: skip
    assert code == 0
    note = "unemployment_rate (17 periods, 14 step(s) tested); the later steps rest on no backtest"
    assert note in capsys.readouterr().err
    assert len(pd.read_csv(out)) == 3 * 30

    from forecasting.models import NaiveForecaster
    from forecasting.pipeline import train
    from forecasting.readers import read_observations

    observations = read_observations(data).observations
    run = train(observations, horizon=30, n_origins=1, candidates=[NaiveForecaster()])
    beyond = [item["message"] for item in run.warnings if item["category"] == "beyond_history"]
    assert len(beyond) == 1 and note in beyond[0]
