"""The command line on public panels shipped with statsmodels, written as tidy CSVs.

A new analyst's first files: the World Bank fertility panel (countries, Kazakhstan among
them), Grunfeld's firms, a series in units of 1e-9, a share with a negative value.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.datasets import fertility, grunfeld, macrodata

from forecasting.cli import main

FAST = ["--models", "naive,pooled_ets", "--origins", "2"]
COUNTRIES = ["Kazakhstan", "Kyrgyz Republic", "Uzbekistan", "Mongolia", "Turkey"]


def fertility_csv(path: Path) -> Path:
    """Five countries' fertility rates 1990-2011 (World Bank), Kazakhstan among them."""
    frame = fertility.load_pandas().data.set_index("Country Name")
    years = [str(year) for year in range(1990, 2012)]
    rows = [
        (country, year, "fertility_rate", frame.loc[country, year])
        for country in COUNTRIES
        for year in years
    ]
    pd.DataFrame(rows, columns=["region", "period", "indicator", "value"]).to_csv(path, index=False)
    return path


def grunfeld_frame() -> pd.DataFrame:
    data = grunfeld.load_pandas().data
    return pd.DataFrame(
        {
            "region": data["firm"],
            "period": data["year"].astype(int),
            "indicator": "invest",
            "value": data["invest"],
        }
    )


@pytest.mark.parametrize("command", ["backtest", "forecast"])
def test_a_country_panel_naming_kazakhstan_is_read_with_keep_region_labels(
    tmp_path: Path, capsys, command: str
) -> None:
    """'Kazakhstan' is the national total of the region list, so the file mixes a region
    label with 4 others and is refused; the message offered --keep-region-labels, which
    backtest and forecast did not have."""
    data = fertility_csv(tmp_path / "fertility.csv")
    out = ["--json", str(tmp_path / "b.json")]
    if command == "forecast":
        out = ["--out", str(tmp_path / "f.csv")]
    base = [command, "--data", str(data), "--horizon", "3", *FAST, *out]

    assert main(base) == 2
    assert "--keep-region-labels" in capsys.readouterr().err

    assert main([*base, "--keep-region-labels"]) == 0
    if command == "forecast":
        frame = pd.read_csv(tmp_path / "f.csv")
        assert sorted(frame["region"].unique()) == sorted(COUNTRIES)
        assert len(frame) == len(COUNTRIES) * 3
    else:
        payload = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
        assert payload["data"]["series"] == len(COUNTRIES)
        assert payload["chosen"]["per_indicator"]["fertility_rate"]


def test_a_duplicated_row_of_a_firm_panel_is_named_without_unknown_regions(
    tmp_path: Path, capsys
) -> None:
    """Firms are no regions: the file's one problem is the repeated row, not eleven
    'unknown region' errors from a second reading as regions."""
    frame = grunfeld_frame()
    data = tmp_path / "grunfeld.csv"
    pd.concat([frame, frame.iloc[[0]]]).to_csv(data, index=False)
    code = main(["backtest", "--data", str(data), "--horizon", "3", *FAST])
    assert code == 2
    err = capsys.readouterr().err
    assert "a second value for region General Motors, period 1935" in err
    assert "unknown region" not in err


def test_a_series_in_units_of_1e_9_is_not_written_as_zero(tmp_path: Path) -> None:
    """Six decimal places turned every forecast and the RMSE of such a series into 0.0."""
    frame = grunfeld_frame().assign(indicator="tiny")
    frame["value"] = frame["value"] * 1e-9
    data = tmp_path / "tiny.csv"
    frame.to_csv(data, index=False)
    out, report = tmp_path / "forecast.csv", tmp_path / "backtest.json"
    assert main(["forecast", "--data", str(data), "--horizon", "2", *FAST, "--out", str(out)]) == 0
    forecasts = pd.read_csv(out)
    last = frame.sort_values("period").groupby("region")["value"].last()
    for row in forecasts.itertuples():
        assert row.lower_95 <= row.lower_80 <= row.mean <= row.upper_80 <= row.upper_95
        assert row.upper_95 > row.lower_95
    first = forecasts.groupby("region")["mean"].first()
    # Near the data's level (naive or smoothing of a series of this size), never 0.
    assert (first / last.loc[first.index]).between(0.2, 5).all()

    assert main(["backtest", "--data", str(data), "--horizon", "2", *FAST,
                 "--json", str(report)]) == 0  # fmt: skip
    payload = json.loads(report.read_text(encoding="utf-8"))
    for model in payload["models"]:
        assert 1e-10 < model["rmse"] < 1e-6


@pytest.mark.parametrize("command", ["backtest", "forecast"])
def test_a_negative_share_is_said_by_backtest_and_forecast(
    tmp_path: Path, capsys, command: str
) -> None:
    """The packaged catalogue gives unemployment_rate in %: score and train leave a value of
    -1 out and say so, backtest and forecast used it without a word."""
    data = tmp_path / "akmola.csv"
    fertility_rates = fertility.load_pandas().data.set_index("Country Name")
    rows = [
        ("Akmola", year, "unemployment_rate", float(fertility_rates.loc["Kazakhstan", str(year)]))
        for year in range(1995, 2012)
    ]
    rows[5] = ("Akmola", 2000, "unemployment_rate", -1.0)
    pd.DataFrame(rows, columns=["region", "period", "indicator", "value"]).to_csv(data, index=False)
    out = ["--out", str(tmp_path / "f.csv")] if command == "forecast" else []
    assert main([command, "--data", str(data), "--horizon", "2", *FAST, *out]) == 0
    err = capsys.readouterr().err
    assert "unemployment_rate (unit '%' in the packaged catalogue): 1 value(s) outside" in err
    assert "KZ-11 2000: -1" in err


def test_score_says_what_a_short_or_empty_catalogue_holds(tmp_path: Path, capsys) -> None:
    """A catalogue of code and English name only was said to have name_kk and name_ru too
    (the blank columns the check adds); an empty one got pandas' 'No columns to parse'."""
    data = fertility_csv(tmp_path / "fertility.csv")
    short = tmp_path / "short.csv"
    short.write_text("code,name_en\nfertility_rate,Fertility rate\n", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    base = ["score", "--data", str(data), "--keep-region-labels", "--catalogue"]

    assert main([*base, str(short)]) == 2
    err = capsys.readouterr().err
    assert "missing column(s) unit, direction, domain, weight, frequency, source" in err
    assert "found: code, name_en\n" in err + "\n"

    assert main([*base, str(empty)]) == 2
    err = capsys.readouterr().err
    assert f"cannot read {empty}: the file is empty" in err
    assert "No columns" not in err


def test_score_of_a_period_long_after_the_data_says_its_inputs_are_stale(
    tmp_path: Path, capsys
) -> None:
    """Fertility figures end in 2011; scoring 2030 carries them forward 19 years. The table
    showed classes and 'rel. 5.0' only."""
    data = fertility_csv(tmp_path / "fertility.csv")
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(
        "code,name_en,unit,direction,domain,weight,frequency,source\n"
        "fertility_rate,Fertility rate,births per woman,1,social_tension,1,Y,World Bank\n",
        encoding="utf-8",
    )
    base = ["score", "--data", str(data), "--keep-region-labels", "--catalogue", str(catalogue)]
    assert main([*base, "--period", "2030"]) == 0
    out = capsys.readouterr().out
    assert "note: 2030: 5 of 5 input(s) are stale" in out
    assert "every input is stale" in out

    assert main(base) == 0  # the latest period, 2011: nothing stale, no note
    assert "stale (older" not in capsys.readouterr().out


def test_validate_lists_a_bad_period_beside_mixed_frequencies(tmp_path: Path, capsys) -> None:
    """Macrodata's unemployment by quarter with one year, a month 13 and an empty period:
    the mix was the only error, so the bad cells came out one fix later."""
    data = macrodata.load_pandas().data.head(8)
    rows = [
        ("US", f"{int(row.year)}-Q{int(row.quarter)}", "unemp", row.unemp)
        for row in data.itertuples()
    ]
    rows[2] = ("US", "1959", "unemp", rows[2][3])
    rows[4] = ("US", "1960-13", "unemp", rows[4][3])
    rows[5] = ("US", "", "unemp", rows[5][3])
    path = tmp_path / "macro.csv"
    pd.DataFrame(rows, columns=["region", "period", "indicator", "value"]).to_csv(path, index=False)
    assert main(["validate", str(path), "--keep-region-labels"]) == 1
    out = capsys.readouterr().out
    assert "periods mix frequencies (annual, quarterly)" in out
    assert "row 6, column 'period': period: '1960-13': 13 is not a month" in out
    assert "row 7, column 'period': the period is empty" in out


def test_an_interval_that_misses_its_value_is_named_on_its_file_row(tmp_path: Path, capsys) -> None:
    """Grunfeld's investment with a +-10 % interval column: a reversed interval on file row 5
    was reported as 'row 3' (its place in the frame), and not at all beside another error."""
    frame = grunfeld_frame().head(20).assign(n=100.0)
    frame["lower"], frame["upper"] = frame["value"] * 0.9, frame["value"] * 1.1
    frame.loc[3, "lower"] = frame.loc[3, "value"] * 2  # file row 5: lower above upper
    frame.loc[6, "upper"] = frame.loc[6, "value"] * 0.95  # file row 8: value above upper
    frame.loc[9, "n"] = -5.0  # file row 11
    path = tmp_path / "grunfeld.csv"
    frame.to_csv(path, index=False)
    assert main(["validate", str(path), "--keep-region-labels"]) == 1
    out = capsys.readouterr().out
    assert "row 5, column 'lower': lower " in out
    assert "is above upper" in out
    assert "row 8, column 'value': value " in out
    assert "lies outside its interval" in out
    assert "row 11, column 'n': n (number of responses) is negative" in out
    assert "row 3:" not in out


def test_train_and_card_on_constant_series_say_mase_is_undefined(tmp_path: Path, capsys) -> None:
    """Every firm's value constant: the card's JSON held NaN (no JSON) and its text and the
    training summary 'MASE nan'."""
    frame = grunfeld_frame().assign(value=5.0)
    data = tmp_path / "flat.csv"
    frame.to_csv(data, index=False)
    registry = tmp_path / "registry"
    code = main(["train", "--data", str(data), "--registry", str(registry), "--horizon", "2",
                 *FAST, "--promote"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "nan" not in out.lower()
    assert "Backtest MASE, chosen models: undefined" in out

    assert main(["card", "active", "--registry", str(registry), "--format", "json"]) == 0
    text = capsys.readouterr().out
    card = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the card"))
    assert card["chosen_summary"]["mase_chosen"] is None
    assert main(["card", "active", "--registry", str(registry)]) == 0
    markdown = capsys.readouterr().out
    assert "Backtest MASE of the chosen models: undefined" in markdown
    assert " nan" not in markdown


def test_train_checks_the_file_against_its_catalogue_as_score_does(tmp_path: Path, capsys) -> None:
    """Macrodata's quarterly unemployment with a catalogue that calls it annual: score
    refused the file, train stored a run that scored it."""
    data = macrodata.load_pandas().data.head(24)
    rows = [
        ("US", f"{int(row.year)}-Q{int(row.quarter)}", "unemp", row.unemp)
        for row in data.itertuples()
    ]
    path = tmp_path / "macro.csv"
    pd.DataFrame(rows, columns=["region", "period", "indicator", "value"]).to_csv(path, index=False)
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(
        "code,name_en,unit,direction,domain,weight,frequency,source\n"
        "unemp,Unemployment,%,1,economic_hardship,1,Y,BLS\n",
        encoding="utf-8",
    )
    registry = tmp_path / "registry"
    code = main(["train", "--data", str(path), "--catalogue", str(catalogue),
                 "--registry", str(registry), "--horizon", "2", *FAST])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "24 period(s) of unemp are quarterly but the catalogue gives annual" in err
    assert not (registry / "runs").exists() or not any((registry / "runs").iterdir())


def test_forecast_to_a_missing_folder_stops_before_fitting(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """A forecast fitted every model before saying 'cannot write': a mistyped folder now
    stops at once."""
    import forecasting.cli.forecast as command

    class NoFit:
        def __init__(self, **_: object) -> None:
            raise AssertionError("models were fitted before the output folder was checked")

    monkeypatch.setattr(command, "AutoForecaster", NoFit)
    data = fertility_csv(tmp_path / "fertility.csv")
    out = tmp_path / "no-such-folder" / "forecast.csv"
    code = main(["forecast", "--data", str(data), "--keep-region-labels", "--horizon", "2",
                 *FAST, "--out", str(out)])  # fmt: skip
    assert code == 2
    assert f"cannot write {out}: no such directory {out.parent}" in capsys.readouterr().err
