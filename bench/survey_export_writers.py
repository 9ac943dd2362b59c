"""XLSX writers side by side on the export's own rows, without a database: rows/s, peak memory
and file size of each, every one in a fresh child process.

Run: ``.venv/bin/python bench/survey_export_writers.py [--rows 100000]``. The rows are the
export cells of synthetic responses to the demo citizen survey (35 columns, as
``survey_bench_data`` makes them), repeated. Writers measured:

* ``stream``: the export's writer (``export._write_xlsx_cells``: row XML compressed in a
  thread as it is made, the archive written by the export, XlsxWriter writing the other
  parts);
* ``xlsxwriter``: XlsxWriter in constant-memory mode, each cell through ``write_string`` or
  ``write_number`` (the export's writer before);
* ``openpyxl``: openpyxl's write-only mode, a row per ``append`` (the writer before that);
* ``rustpy``: rustpy-xlsxwriter (Rust, streams a generator of dicts in constant memory),
  measured only where it is installed (``pip install rustpy-xlsxwriter``: the project does
  not depend on it). It writes integers as floats (34 reads back as 34.0) and takes the
  types of a column from its first row, so it would need more than a swap.

With 100,000 rows, 29 November 2026 (load average 2 on 2 cores, two runs each): stream
212,000-219,000 rows/s (5.3 MB file), against 163,000-166,000 for the writer before it
compressed in a thread (the sheet's XML to a temporary file, compressed after).
Earlier (load average about 1 on 2 cores): stream 74,000 rows/s (5 MB file),
XlsxWriter 2,800 (13 MB), openpyxl 1,600 (14 MB), rustpy-xlsxwriter 0.8.0 28,000 (14 MB);
peak memory within 3 MB of the process's before writing for all four.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WRITERS = ("stream", "xlsxwriter", "openpyxl", "rustpy")


def sample_rows(count: int = 5_000) -> tuple[list[Any], list[list[Any]]]:
    """The export's definitions and the cells of ``count`` synthetic responses."""
    import numpy as np
    from survey_bench_data import _rows

    from webapp.surveys.demo_forms import demo_form_path
    from webapp.surveys.results.export import _plan, export_columns, export_row
    from webapp.surveys.services.authoring import read_definition

    definitions = [read_definition(demo_form_path("listening_state_citizen.xlsx"))]
    columns = export_columns(definitions)
    plan = _plan(columns)
    regions = ["KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-35"]
    now = datetime(2026, 11, 1, tzinfo=UTC)
    raw = _rows(1, 1, np.random.default_rng(1), count, regions, now, 0)
    rows = [
        export_row(
            columns,
            (n, r["submitted_at"], r["language"], r["region_code"], 1, r["answers"]),
            plan,
        )
        for n, r in enumerate(raw, start=1)
    ]
    return definitions, rows


def write(
    writer: str, path: Path, count: int, definitions: list[Any], rows: list[list[Any]]
) -> int:
    from webapp.surveys.results.export import (
        XLSX_OPTIONS,
        _write_xlsx_cells,
        _xlsx_row,
        export_columns,
    )

    header = [column.name for column in export_columns(definitions)]
    cells = itertools.islice(itertools.cycle(rows), count)
    if writer == "stream":
        return _write_xlsx_cells(path, definitions, cells)
    if writer == "xlsxwriter":
        import xlsxwriter

        with (
            tempfile.TemporaryDirectory() as folder,
            xlsxwriter.Workbook(
                str(path), {**XLSX_OPTIONS, "constant_memory": True, "tmpdir": folder}
            ) as workbook,
        ):
            sheet = workbook.add_worksheet("responses")
            _xlsx_row(sheet, 0, header)
            for number, line in enumerate(cells, start=1):
                _xlsx_row(sheet, number, line)
        return count
    if writer == "openpyxl":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("responses")
        sheet.append(header)
        for line in cells:
            sheet.append(line)
        book.save(path)
        return count
    from rustpy_xlsxwriter import FastExcel

    records = (
        dict(zip(header, [v if v != "" else None for v in line], strict=True)) for line in cells
    )
    FastExcel(str(path), autofit=False).sheet("responses", records).save()
    return count


def measure(writer: str, count: int) -> None:
    definitions, rows = sample_rows()
    if writer == "rustpy":
        import rustpy_xlsxwriter  # noqa: F401  (imported before the clock starts)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        started = time.perf_counter()
        written = write(writer, path, count, definitions, rows)
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{writer:>10}: {written:,} rows in {seconds:.1f} s = {written / seconds:,.0f} rows/s; "
        f"{size / 1e6:.1f} MB; peak memory {peak:.0f} MB (before {before:.0f} MB)"
    )


def main() -> None:
    from survey_bench_data import machine_note

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--writer", choices=WRITERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        measure(args.writer, args.rows)
        return
    print(f"{args.rows:,} rows of 35 cells; {machine_note()}")
    for writer in WRITERS:
        if writer == "rustpy" and importlib.util.find_spec("rustpy_xlsxwriter") is None:
            print(f"{writer:>10}: not installed (pip install rustpy-xlsxwriter)")
            continue
        command = [sys.executable, __file__, "--writer", writer, "--rows", str(args.rows)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
