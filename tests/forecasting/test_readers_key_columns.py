"""Series keys under their own headers ("key", "series" beside "indicator") and an indicator
given by a code the catalogue does not know: read as the contract says, not refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from forecasting.cli import main
from forecasting.readers import read_observations


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def panel_rows(keys: tuple[str, ...], periods: list[str], indicator: str) -> list[str]:
    return [
        f"{key},{period},{indicator},{10 + number + 3 * position}"
        for position, key in enumerate(keys)
        for number, period in enumerate(periods)
    ]


MONTHS = [f"2020-{month:02d}" for month in range(1, 13)] + [
    f"2021-{month:02d}" for month in range(1, 13)
]


def test_series_column_beside_an_indicator_column_is_the_key(tmp_path: Path) -> None:
    """'series' and 'indicator' both looked like the indicator column; following the advice
    (--indicator-column indicator) then gave "cannot tell how the table is laid out"."""
    path = write(
        tmp_path / "panel.csv",
        "series,period,indicator,value",
        panel_rows(("S01", "S02", "S03"), MONTHS, "share_x"),
    )
    result = read_observations(path, resolve_regions=False)
    assert result.ok, result.report.to_text()
    frame = result.observations
    assert sorted(frame["region"].unique()) == ["S01", "S02", "S03"]
    assert set(frame["indicator"]) == {"share_x"} and len(frame) == 72


def test_key_column_with_periods_of_two_frequencies_names_the_real_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quarters = [f"{year}Q{quarter}" for year in (2012, 2013) for quarter in (1, 2, 3, 4)]
    years = [str(year) for year in range(2010, 2020)]
    path = write(
        tmp_path / "mixed.csv",
        "key,period,indicator,value",
        panel_rows(("K1",), quarters, "q_ind") + panel_rows(("K2",), years, "q_ind"),
    )
    code = main(["backtest", "--data", str(path), "--horizon", "2", "--json", str(tmp_path / "o")])
    error = capsys.readouterr().err
    assert code == 2
    assert "periods mix frequencies (annual, quarterly)" in error
    assert "cannot tell how the table is laid out" not in error


def test_train_keeps_an_indicator_given_by_an_unknown_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`train --indicator sunspots` was refused ("not in the catalogue") while the same code
    in an indicator column is forecast and left out of the score, as documented."""
    path = write(
        tmp_path / "sunspots.csv",
        "year,value",
        [f"{year},{(year * 7) % 23 + 5}" for year in range(1980, 2010)],
    )
    registry = tmp_path / "registry"
    code = main(
        ["train", "--data", str(path), "--indicator", "sunspots", "--registry", str(registry)]
    )
    output = capsys.readouterr()
    assert code == 0, output.err
    assert "not in the catalogue, not scored: ['sunspots']" in output.out + output.err


def test_weekly_figures_are_one_error_not_one_per_week(tmp_path: Path) -> None:
    """Two years of weekly figures gave ~100 'a second value' errors before the one that
    says why; the report now lists the first few and the explanation."""
    import datetime as dt

    start = dt.date(2020, 1, 4)
    rows = [
        f"KZ-75,{start + dt.timedelta(weeks=week)},registered_unemployment,{4 + week / 100:.2f}"
        for week in range(104)
    ]
    path = write(tmp_path / "weekly.csv", "region,period,indicator,value", rows)
    report = read_observations(path).report
    assert not report.ok
    duplicates = [issue for issue in report.errors if issue.code == "key.duplicate"]
    [summary] = [issue for issue in report.errors if issue.code == "periods.weekly_or_daily"]
    assert len(duplicates) == 5
    assert summary.message.startswith("80 value(s) fall in a period that holds an earlier date")
    assert "(the first 5 are listed)" in summary.message


def test_a_series_without_any_value_is_named(tmp_path: Path) -> None:
    """A region whose every cell is empty was only counted among the 'row(s) have no value'."""
    rows = panel_rows(("S01", "S02"), MONTHS, "share_x")
    rows += [f"S03,{period},share_x," for period in MONTHS]
    path = write(tmp_path / "panel.csv", "series,period,indicator,value", rows)
    result = read_observations(path, resolve_regions=False)
    assert result.ok
    [warning] = [issue for issue in result.report.warnings if issue.code == "series.without_values"]
    assert warning.message == (
        "1 series have no value at all in the file and are not read: 'S03' (share_x)"
    )
    assert sorted(result.observations["region"].unique()) == ["S01", "S02"]
