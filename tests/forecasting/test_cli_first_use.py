"""The command line as a new analyst meets it: public panels in the shapes people keep them.

Each test here failed before its fix: a stack trace, a hint naming an option that did not
exist, a choice printed by ``backtest`` that ``forecast`` did not make, a file one command
accepted and the next refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.cli import main
from forecasting.readers import read_observations

FAST = ["--models", "naive,seasonal_naive,pooled_ets"]


def _write(path: Path, rows: list[tuple], columns: list[str]) -> Path:
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    return path


@pytest.fixture
def country_panel(tmp_path: Path) -> Path:
    """A quarterly panel keyed by country codes (not regions), as macro data comes."""
    rng = np.random.default_rng(11)
    periods = pd.period_range("2010Q1", periods=24, freq="Q")
    rows = []
    for key in ("US", "CA"):
        for indicator, level in (("unemp", 6.0), ("infl", 2.0)):
            values = level + np.cumsum(rng.normal(0, 0.3, len(periods)))
            rows += [
                (key, str(p), indicator, round(v, 3)) for p, v in zip(periods, values, strict=True)
            ]
    return _write(tmp_path / "macro.csv", rows, ["region", "period", "indicator", "value"])


def test_train_on_a_single_period_falls_back_instead_of_crashing(tmp_path: Path, capsys) -> None:
    path = _write(
        tmp_path / "single.csv",
        [("KZ-11", "2023", "unemployment_rate", 4.5), ("KZ-75", "2023", "unemployment_rate", 5.1)],
        ["region", "period", "indicator", "value"],
    )
    registry = tmp_path / "registry"
    summary = tmp_path / "train.json"
    code = main(["train", "--data", str(path), "--horizon", "2", "--registry", str(registry),
                 *FAST, "--json", str(summary)])  # fmt: skip
    assert code == 0
    run_id = json.loads(summary.read_text())["run_id"]
    from forecasting.registry import DirectoryRegistry

    backtest = DirectoryRegistry(registry).load_backtest(run_id)
    assert backtest.empty and {"target", "model", "step", "mase"} <= set(backtest.columns)
    assert "too short to backtest" in capsys.readouterr().out


def test_train_keeps_opaque_keys_as_backtest_does(country_panel: Path, tmp_path: Path) -> None:
    code = main(["train", "--data", str(country_panel), "--horizon", "2", "--origins", "1",
                 "--registry", str(tmp_path / "registry"), *FAST])  # fmt: skip
    assert code == 0


def test_validate_points_opaque_keys_to_keep_region_labels(country_panel: Path, capsys) -> None:
    assert main(["validate", str(country_panel)]) == 1
    assert "--keep-region-labels" in capsys.readouterr().out
    assert main(["validate", str(country_panel), "--keep-region-labels"]) == 0
    assert "OK" in capsys.readouterr().out


def test_indicator_column_option_exists_where_the_message_names_it(tmp_path: Path, capsys) -> None:
    """World Bank files hold an indicator name and an indicator code column.

    A name and a code column of one thing are no longer "two columns for one role": the
    keys are the names, the indicators the codes (``_name_or_code``); the options still
    choose the other ones.
    """
    header = ["Country Name", "Country Code", "Indicator Name", "Indicator Code", "2019", "2020"]
    rows = [
        ("Aruba", "ABW", "Fertility rate", "SP.DYN.TFRT.IN", 1.9, 1.8),
        ("Chad", "TCD", "Fertility rate", "SP.DYN.TFRT.IN", 6.3, 6.2),
    ]
    path = _write(tmp_path / "wb.csv", rows, header)
    assert main(["validate", str(path), "--keep-region-labels"]) == 0
    assert "column(s) not read: 'Country Code', 'Indicator Name'" in capsys.readouterr().out
    result = read_observations(path, resolve_regions=False)
    assert set(result.observations["region"]) == {"Aruba", "Chad"}
    assert set(result.observations["indicator"]) == {"SP.DYN.TFRT.IN"}
    # Two region columns that are no name/code pair still ask which one.
    path = _write(tmp_path / "two.csv", [("Aruba", "Oranjestad", 1.9, 1.8)],
                  ["Country", "City", "2019", "2020"])  # fmt: skip
    assert main(["validate", str(path), "--keep-region-labels"]) == 1
    assert "--region-column" in capsys.readouterr().out
    path = tmp_path / "wb.csv"
    code = main(["validate", str(path), "--keep-region-labels", "--region-column", "Country Code",
                 "--indicator-column", "Indicator Code"])  # fmt: skip
    assert code == 0
    result = read_observations(path, resolve_regions=False, region_column="Country Code",
                               indicator_column="Indicator Code")  # fmt: skip
    assert set(result.observations["indicator"]) == {"SP.DYN.TFRT.IN"}
    assert set(result.observations["region"]) == {"ABW", "TCD"}


def test_wide_indicator_layout_reads_a_column_headed_value(tmp_path: Path) -> None:
    """Grunfeld's firm panel: invest, value, capital per firm and year."""
    rows = [(317.6, 3078.5, 2.8, "GM", 1935), (391.8, 4661.7, 52.6, "GM", 1936),
            (40.3, 417.5, 10.5, "Chrysler", 1935), (72.8, 837.8, 10.2, "Chrysler", 1936)]  # fmt: skip
    path = _write(tmp_path / "grunfeld.csv", rows, ["invest", "value", "capital", "firm", "year"])
    result = read_observations(path, layout="wide-indicator", region_column="firm",
                               resolve_regions=False)  # fmt: skip
    assert result.ok, result.report.to_text()
    assert set(result.observations["indicator"]) == {"invest", "value", "capital"}


def test_backtest_prints_the_choice_forecast_makes(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(0)  # a panel where a combination of two models wins
    periods = pd.period_range("2012Q1", periods=28, freq="Q")
    rows = []
    for key in ("a", "b", "c", "d"):
        values = 10 + np.cumsum(rng.normal(0, 1, len(periods))) + 2 * np.tile([1, 0, -1, 0], 7)
        rows += [(key, str(p), "sales", round(v, 3)) for p, v in zip(periods, values, strict=True)]
    path = _write(tmp_path / "sales.csv", rows, ["region", "period", "indicator", "value"])
    out = tmp_path / "bt.json"
    assert main(["backtest", "--data", str(path), "--horizon", "3", "--json", str(out)]) == 0
    printed = json.loads(out.read_text())["chosen"]["per_indicator"]["sales"]
    forecast_json = tmp_path / "f.json"
    assert main(["forecast", "--data", str(path), "--horizon", "3", "--out",
                 str(tmp_path / "f.csv"), "--json", str(forecast_json)]) == 0  # fmt: skip
    assert json.loads(forecast_json.read_text())["chosen_models"]["sales"] == printed
    assert "+" in printed


def test_backtest_of_constant_series_says_why_nothing_is_chosen(tmp_path: Path, capsys) -> None:
    rows = [(key, str(year), "flat", 5.0) for key in ("a", "b") for year in range(2005, 2024)]
    path = _write(tmp_path / "flat.csv", rows, ["region", "period", "indicator", "value"])
    out = tmp_path / "bt.json"
    assert main(["backtest", "--data", str(path), "--horizon", "3", *FAST, "--json", str(out)]) == 0
    assert "flat: none (MASE undefined" in capsys.readouterr().out
    chosen = json.loads(out.read_text())["chosen"]
    assert chosen["per_indicator"] == {}
    assert "forecast uses naive" in chosen["not_chosen"]["flat"]


def _macro_catalogue(path: Path, weight: str = "1", names: str = "name_en") -> Path:
    """A catalogue in English only, as docs/data-contract.md allows (one name suffices)."""
    path.write_text(
        f"code,{names},unit,direction,domain,weight,frequency,source\n"
        f"unemp,Unemployment rate,%,1,labour,{weight},Q,BLS\n"
        "infl,Inflation,% y/y,1,prices,1,Q,BLS\n"
    )
    return path


def test_catalogue_with_one_name_column_is_usable(tmp_path: Path) -> None:
    from forecasting.contract import read_catalogue

    catalogue = read_catalogue(_macro_catalogue(tmp_path / "cat.csv"))
    assert list(catalogue["name_kk"]) == ["", ""]
    assert list(catalogue["name_en"]) == ["Unemployment rate", "Inflation"]


def test_catalogue_without_any_name_or_with_an_empty_weight_is_named(tmp_path: Path) -> None:
    from forecasting.contract import ContractError, read_catalogue

    with pytest.raises(ContractError, match="name_kk or name_ru or name_en"):
        read_catalogue(_macro_catalogue(tmp_path / "a.csv", names="label"))
    with pytest.raises(ContractError, match=r"row 2, column weight: is empty: give a number"):
        read_catalogue(_macro_catalogue(tmp_path / "b.csv", weight=""))


def test_score_leaves_unknown_indicators_out_and_says_each_thing_once(
    country_panel: Path, tmp_path: Path, capsys
) -> None:
    """The panel holds infl and unemp; the catalogue knows only unemp: score the rest."""
    catalogue = tmp_path / "cat.csv"
    catalogue.write_text(
        "code,name_en,unit,direction,domain,weight,frequency,source\n"
        "unemp,Unemployment rate,%,1,labour,1,Q,BLS\n"
    )
    out = tmp_path / "scores.json"
    code = main(["score", "--data", str(country_panel), "--catalogue", str(catalogue),
                 "--keep-region-labels", "--json", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    payload = json.loads(out.read_text())
    assert {row["region"] for row in payload["scores"]} == {"US", "CA"}
    ignored = [text for text in payload["warnings"] if "not in the catalogue" in text]
    assert len(ignored) == 1 and "infl" in ignored[0]
    assert len(payload["warnings"]) == len(set(payload["warnings"]))


def test_validate_with_a_catalogue_warns_of_negative_shares(write_csv, capsys) -> None:
    rows = [("region", "period", "indicator", "value")]
    rows += [("KZ-11", str(year), "poverty_share", -2.5) for year in (2021, 2022)]
    rows += [("KZ-75", str(year), "poverty_share", 4.0) for year in (2021, 2022)]
    path = write_csv(rows)
    from forecasting.index import default_catalogue_path

    assert main(["validate", str(path), "--catalogue", str(default_catalogue_path())]) == 0
    out = capsys.readouterr().out
    assert "poverty_share (unit '%'): 2 value(s) outside [0, 100] (rows 2, 3)" in out


def test_an_indicator_without_any_value_is_named(write_csv) -> None:
    rows = [("region", "period", "indicator", "value")]
    rows += [("KZ-11", str(year), "unemployment_rate", 4.5) for year in (2021, 2022)]
    rows += [("KZ-11", str(year), "poverty_share", "") for year in (2021, 2022)]
    result = read_observations(write_csv(rows))
    assert result.ok
    assert any(
        "have no value at all in the file and are not read: 'poverty_share'" in issue.message
        for issue in result.report.warnings
    )


def test_runs_lists_promotes_and_rolls_back(country_panel: Path, tmp_path: Path, capsys) -> None:
    registry = str(tmp_path / "registry")
    ids = []
    for horizon in ("1", "2"):
        assert main(["train", "--data", str(country_panel), "--horizon", horizon, "--origins",
                     "1", "--registry", registry, "--promote", *FAST]) == 0  # fmt: skip
        ids.append(capsys.readouterr().out.strip().splitlines()[-1])
    out = tmp_path / "runs.json"
    assert main(["runs", "--registry", registry, "--json", str(out)]) == 0
    listing = capsys.readouterr().out
    assert f"* {ids[1]}" in listing and f"  {ids[0]}" in listing
    assert json.loads(out.read_text())["history"] == ids
    assert main(["runs", "rollback", "--registry", registry]) == 0
    assert capsys.readouterr().out.strip() == f"rolled back; active: {ids[0]}"
    assert main(["runs", "rollback", "--registry", registry]) == 2
    assert "no earlier active run" in capsys.readouterr().err
    assert main(["runs", "promote", ids[1], "--registry", registry]) == 0
    assert main(["card", "active", "--registry", registry, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["parameters"]["horizon"] == 2
    assert main(["runs", "promote", "--registry", registry]) == 2
    assert "promote needs the id" in capsys.readouterr().err


def test_card_and_runs_do_not_create_a_mistyped_registry(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "registy"
    assert main(["card", "active", "--registry", str(missing)]) == 2
    assert main(["runs", "--registry", str(missing)]) == 2
    assert "no registry at" in capsys.readouterr().err
    assert not missing.exists()


def test_weekly_dates_are_explained_even_after_many_row_errors(write_csv, capsys) -> None:
    """Weekly CO2 readings: four dates a month become one monthly period each."""
    days = pd.date_range("1958-03-29", periods=700, freq="7D")
    rows = [("region", "date", "indicator", "value")]
    rows += [("MaunaLoa", day.strftime("%Y-%m-%d"), "co2", 315.0) for day in days]
    path = write_csv(rows)
    assert main(["validate", str(path), "--keep-region-labels"]) == 1
    out = capsys.readouterr().out
    assert "('1958-04-05' and '1958-04-12' fall in the same period)" in out
    assert "the data looks weekly or daily" in out
    # Five dates are listed row by row, then the explanation (it came after 500 row errors).
    assert out.count("fall in the same period") == 5
    assert "more error(s)" not in out


def test_output_piped_into_head_stops_quietly(write_csv) -> None:
    import subprocess
    import sys

    key = "Atlantis " + "x" * 100  # 500 errors of 200 characters: more than a pipe holds
    rows = [("region", "period", "indicator", "value")]
    rows += [(key, f"{year}-{month:02d}", "x", 1.0) for year in range(1950, 2000)
             for month in range(1, 13)]  # fmt: skip
    rows += rows[1:]
    path = write_csv(rows)
    command = f"{sys.executable} -m forecasting validate {path} | head -1"
    finished = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)
    assert finished.stdout.startswith("error:")
    assert "Traceback" not in finished.stderr


def test_forecast_warns_when_the_horizon_outruns_the_history(tmp_path: Path, capsys) -> None:
    rows = [(key, str(year), "rate", 5.0 + i + (year % 3))
            for i, key in enumerate(("a", "b")) for year in range(2019, 2024)]  # fmt: skip
    path = _write(tmp_path / "short.csv", rows, ["region", "period", "indicator", "value"])
    out, summary = tmp_path / "f.csv", tmp_path / "f.json"
    code = main(["forecast", "--data", str(path), "--horizon", "12", *FAST, "--out", str(out),
                 "--json", str(summary)])  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err
    assert "horizon 12 is longer than the history of 1 indicator(s) can backtest" in err
    assert "rate (5 periods, 2 step(s) tested)" in err
    categories = [item["category"] for item in json.loads(summary.read_text())["warnings"]]
    assert "beyond_history" in categories
    frame = pd.read_csv(out)
    assert list(frame.loc[frame["region"] == "a", "period"]) == list(range(2024, 2036))
    ordered = (
        (frame["lower_95"] <= frame["lower_80"])
        & (frame["lower_80"] <= frame["mean"])
        & (frame["mean"] <= frame["upper_80"])
        & (frame["upper_80"] <= frame["upper_95"])
    )
    assert ordered.all()
