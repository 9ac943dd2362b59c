"""A runaway statistics file is refused while it is read, with a message saying what to do."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from forecasting.readers import read_observations, tables


def rows(count: int) -> list[list[object]]:
    return [["region", "period", "indicator", "value"]] + [
        ["KZ-75", f"{2000 + number // 12}-{number % 12 + 1:02d}", "registered_unemployment", 4.0]
        for number in range(count)
    ]


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(tables, "MAX_ROWS", 100)
    return 100


def test_a_csv_longer_than_the_limit_is_refused(tmp_path: Path, small_limit: int) -> None:
    """300,000 rows took 30 s and 275 MB in the reader before any check (security trial)."""
    path = tmp_path / "long.csv"
    path.write_text("\n".join(",".join(map(str, row)) for row in rows(150)) + "\n")
    result = read_observations(path)
    assert not result.ok and result.observations is None
    [error] = result.report.errors
    assert error.code == "file.too_many_rows"
    assert "more than 100 rows" in error.message and "split it" in error.message


def test_an_xlsx_longer_than_the_limit_is_refused(tmp_path: Path, small_limit: int) -> None:
    book = openpyxl.Workbook()
    for row in rows(150):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    result = read_observations(io.BytesIO(buffer.getvalue()), filename="long.xlsx")
    assert [issue.code for issue in result.report.errors] == ["file.too_many_rows"]
    assert "sheet 'Sheet' has more than 100 rows" in result.report.errors[0].message


def test_a_file_within_the_limit_reads(tmp_path: Path, small_limit: int) -> None:
    path = tmp_path / "short.csv"
    path.write_text("\n".join(",".join(map(str, row)) for row in rows(99)) + "\n")
    result = read_observations(path)
    assert result.ok, result.report.to_text()
    assert len(result.observations) == 99
