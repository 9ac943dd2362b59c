"""Fixtures for the forecasting package: real files written to a temporary folder.

The readers are tested on files built the way people build them (Excel via openpyxl, CSV
in the encodings and separators offices use), never on mocks of pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
import pytest

from forecasting.geography import RegionResolver, default_resolver
from forecasting.readers import ReadResult

DATA = Path(__file__).parent / "data"
SAMPLE_UNEMPLOYMENT = DATA / "kz_unemployment_2022.csv"


@pytest.fixture
def resolver() -> RegionResolver:
    return default_resolver()


@pytest.fixture
def sample_unemployment() -> Path:
    """The real stat.gov.kz unemployment table for 2022 (columns Region, rate, year)."""
    return SAMPLE_UNEMPLOYMENT


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``write_csv(rows, name="data.csv", delimiter=",", encoding="utf-8")``."""

    def write(
        rows: Sequence[Sequence[object]],
        name: str = "data.csv",
        delimiter: str = ",",
        encoding: str = "utf-8",
    ) -> Path:
        lines = [delimiter.join("" if cell is None else str(cell) for cell in row) for row in rows]
        path = tmp_path / name
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``write_xlsx(rows, name="data.xlsx", sheets=None)``.

    ``sheets`` maps sheet names to rows for workbooks with several sheets (then ``rows``
    is ignored).
    """

    def write(
        rows: Sequence[Sequence[object]] = (),
        name: str = "data.xlsx",
        sheets: dict[str, Sequence[Sequence[object]]] | None = None,
    ) -> Path:
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for title, sheet_rows in (sheets or {"Sheet1": rows}).items():
            worksheet = workbook.create_sheet(title)
            for row in sheet_rows:
                worksheet.append(list(row))
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


def values(result: ReadResult) -> dict[tuple[str, str], float]:
    """(region, period) -> value of a clean read; fails with the report when it is not."""
    assert result.observations is not None, result.report.to_text()
    frame = result.observations
    return {
        (region, str(period)): value
        for region, period, value in frame[["region", "period", "value"]].itertuples(index=False)
    }
