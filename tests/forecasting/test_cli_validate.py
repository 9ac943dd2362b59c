"""``python -m forecasting validate``: the report on stdout and the exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from forecasting.cli import main


def test_clean_file_exits_zero(
    sample_unemployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", str(sample_unemployment), "--indicator", "unemployment_rate"])
    output = capsys.readouterr().out
    assert code == 0
    assert output == (
        "kz_unemployment_2022.csv: OK: 20 data row(s), 20 observation(s), 0 error(s), "
        "0 warning(s)\n"
    )


def test_file_with_errors_exits_one_and_lists_each_issue(
    write_csv: Callable, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(
        [
            ["Регион", "Год", "Значение"],
            ["Atlantis", "2021", "1"],
            ["Южно-Казахстанская область", "2021", "2"],
            ["Pavlodar", "2021", "many"],
        ]
    )
    code = main(["validate", str(path), "--indicator", "x"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines == [
        "error: row 2, column 'Регион': unknown region 'Atlantis' in 1 row(s)",
        "error: row 4, column 'Значение': value: 'many' is not a number",
        "error: 1 region name(s) not recognised: 'Atlantis'. Use the codes or names of the "
        "region list, or add the names as aliases to the region file",
        "warning: row 3, column 'Регион': 'Южно-Казахстанская область' for 2021 (1 value(s)): "
        "KZ-YUZ South Kazakhstan Region ceased to exist on 2018-06-18; its territory is now "
        "KZ-61, KZ-79",
        "data.csv: NOT USABLE: 3 data row(s), 0 observation(s), 3 error(s), 1 warning(s)",
    ]


def test_warnings_alone_exit_zero(write_csv: Callable, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv([["region", "year", "value"], ["Abai", "2020", "1"]])
    assert main(["validate", str(path), "--indicator", "x"]) == 0
    assert "warning: row 2, column 'region': 'Abai' for 2020" in capsys.readouterr().out


def test_json_report(write_csv: Callable, tmp_path: Path) -> None:
    path = write_csv([["region", "year", "value"], ["Atlantis", "2021", "1"]])
    out = tmp_path / "report.json"
    assert main(["validate", str(path), "--indicator", "x", "--json", str(out)]) == 1
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"] is False
    assert report["errors"][0] == {
        "row": 2,
        "column": "region",
        "message": "unknown region 'Atlantis' in 1 row(s)",
        "value": "Atlantis",
        "code": "region.unknown",
        "params": {"label": "Atlantis", "count": 1},
    }


def test_layout_and_columns_options(
    write_csv: Callable, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(
        [["Когда", "Abai Region", "Astana city"], ["2022", "1", "2"], ["2023", "3", "4"]],
        delimiter=";",
    )
    # The unnamed period column is recognised by its contents.
    assert main(["validate", str(path), "--indicator", "x"]) == 0
    assert "4 observation(s)" in capsys.readouterr().out
    assert main(["validate", str(path), "--indicator", "x", "--layout", "long"]) == 1
    assert "no region, value column" in capsys.readouterr().out
    assert (
        main(["validate", str(path), "--indicator", "x", "--wide", "--period-column", "КОГДА"]) == 0
    )
    assert main(["validate", str(path), "--indicator", "x", "--period-column", "Year"]) == 1
    assert "no column named 'Year' for the period" in capsys.readouterr().out


def test_catalogue_option(sample_unemployment: Path, tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(
        "code,name_kk,name_ru,name_en,unit,direction,domain,weight,frequency,source\n"
        "unemployment_rate,,,Unemployment rate,%,1,economy,1,Y,stat.gov.kz\n",
        encoding="utf-8",
    )
    args = ["validate", str(sample_unemployment), "--indicator", "unemployment_rate"]
    assert main([*args, "--catalogue", str(catalogue)]) == 0
    assert main([*args[:2], "--indicator", "gdp", "--catalogue", str(catalogue)]) == 1


def test_usage_errors_exit_two(
    tmp_path: Path, sample_unemployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tmp_path / "absent.csv")]) == 2
    assert "error: no such file" in capsys.readouterr().err
    broken = tmp_path / "broken.csv"
    broken.write_text("code,unit\nx,%\n", encoding="utf-8")
    assert main(["validate", str(sample_unemployment), "--catalogue", str(broken)]) == 2
    assert "missing column(s)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["validate", str(sample_unemployment), "--layout", "diagonal"])
    assert caught.value.code == 2
