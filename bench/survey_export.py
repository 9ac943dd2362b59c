"""Export throughput and memory with many stored responses.

Run: ``.venv/bin/python bench/survey_export.py [--responses 1000000] [--backend sqlite|postgresql]
[--only csv|xlsx] [--xlsx-rows N] [--xlsx-writer stream|xlsxwriter]``. Builds (once) a scratch database with synthetic responses to the demo
citizen survey (see ``survey_bench_data.py``), then measures each export in a fresh child
process, so that its peak memory (``ru_maxrss``) is the export's alone:

* CSV through the real endpoint (Flask test client, streamed body read chunk by chunk);
* XLSX through the same reader and writer the endpoint uses (``export_query.stored_rows``
  into ``export.write_stored_xlsx``), over every response (or the first ``--xlsx-rows``);
  ``--xlsx-writer xlsxwriter`` measures the writer it replaced (every cell through
  XlsxWriter's ``write_string``/``write_number`` in constant-memory mode) for comparison;
  ``--only csv|xlsx`` measures one export.

With 1,000,000 responses, 29 November 2026 (2 cores, load average 1.6-2.6 from other work;
one run each, the code before and after run one after the other; SQLite "now" re-measured a
quarter of an hour later, load average 1.8):

| export | SQLite before | SQLite now | PostgreSQL before | PostgreSQL now |
|---|---|---|---|---|
| XLSX rows/s | 60,335 | 79,045 | 64,921 | 82,865 |
| XLSX CPU s (main thread) | 16.5 (16.5) | 14.1 (11.0) | 13.5 (13.5) | 9.1 (6.8) |
| CSV rows/s | 80,304 | 76,860 | 81,702 | 83,194 |
| CSV CPU s | 11.5 | 12.7 | 9.9 | 9.6 |

XLSX files 54 MB; peak memory XLSX 152 MB (SQLite) / 161 MB (PostgreSQL), 143 / 151 MB before
the export; CSV 174 / 183 MB, all of it before the export (the app and the test client).
What changed for XLSX: the sheet is compressed in a thread of its own (zlib releases the
GIL) into a compressed temporary file and the export writes the archive itself, instead of
a gigabyte of XML to a temporary file compressed after; the row XML is made from the stored
rows directly, remembered as UTF-8, answers neutralised in the fast path. The CSV code did
not change; its figures moved within the run-to-run spread. Earlier figures (load average
about 1, yardstick not recorded): XLSX SQLite 26,355 rows/s, PostgreSQL 29,264 (peak 150 /
155 MB); CSV 34,802 / 41,171; with XlsxWriter cell by cell 2,660 / 2,713 rows/s. The new code
gave 26,180 / 25,776 rows/s for XLSX at load average 7: figures taken under such load say
little, the CPU seconds more.

Tried and left out: SQLite rows from the driver's cursor instead of SQLAlchemy's result (CSV
75,635 / 75,574 rows/s against 79,666 / 77,809, alternating); reading the database in a
producer thread (200,000 responses, SQLite, load average 1-2: 77,000-80,000 rows/s without,
70,000-86,000 with; the reader would have to leave the request's context and be stopped
safely when a download is cut short); deflate level 6 (file a quarter smaller, compression
nearly three times slower: the compressing thread would then be the slower side) and level 1
(as fast as 3, file 35% larger). The XLSX writer alone, on rows already made:
``survey_export_writers.py``.

Peak memory is the whole process's: the app alone (it imports pandas, SciPy and pyxform) is
most of it, so the figure "before the export" is printed beside it. The machine note says how
busy the machine was: figures taken while other work runs are lower by about that factor.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from webapp.surveys.results.export import StoredRow

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey_bench_data import ensure_survey, machine_note, make_app, postgres_url, sqlite_url

#: Rows streamed under tracemalloc to show that allocations stay flat.
TRACED_ROWS = 200_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_csv(url: str, survey_id: int) -> None:
    from survey_results import signed_in_client

    from webapp.surveys.results.export import CSV_ROWS_PER_CHUNK

    app = make_app(url)
    client = signed_in_client(app, "analyst")
    before = peak_mb()
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(f"/results/{survey_id}/export.csv", buffered=False)
    size = lines = 0
    for chunk in response.response:
        data = chunk if isinstance(chunk, bytes) else chunk.encode()
        size += len(data)
        lines += data.count(b"\n")
    response.close()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rows = lines - 1
    print(
        f"CSV: {rows:,} rows, {size / 1e6:,.0f} MB in {seconds:.1f} s = {rows / seconds:,.0f} rows/s; "
        f"CPU {cpu:.1f} s ({rows / cpu:,.0f} rows per CPU second); "
        f"peak memory {peak_mb():.0f} MB (before the export {before:.0f} MB)"
    )
    # Python allocations while streaming (tracemalloc slows the run, so a second pass).
    tracemalloc.start()
    response = client.get(f"/results/{survey_id}/export.csv", buffered=False)
    for index, _chunk in enumerate(response.response):
        if index * CSV_ROWS_PER_CHUNK >= TRACED_ROWS:
            break
    response.close()
    _current, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"CSV: peak Python allocations over the first {TRACED_ROWS:,} rows {traced / 1e6:.1f} MB")


def xlsxwriter_cells(path: Path, definitions: list, rows: Iterator[StoredRow]) -> int:
    """The writer the export used before (kept here to measure against): every cell through
    XlsxWriter's ``write_string``/``write_number`` in constant-memory mode, codebook beside."""
    import xlsxwriter

    from webapp.surveys.results.export import (
        XLSX_MAX_ROWS,
        XLSX_OPTIONS,
        _plan,
        _xlsx_row,
        codebook_rows,
        export_columns,
        export_row,
        neutralise,
        parsed_rows,
    )

    columns = export_columns(definitions)
    plan = _plan(columns)
    count = 0
    with (
        tempfile.TemporaryDirectory() as folder,
        xlsxwriter.Workbook(
            str(path), {**XLSX_OPTIONS, "constant_memory": True, "tmpdir": folder}
        ) as workbook,
    ):
        sheet = workbook.add_worksheet("responses")
        _xlsx_row(sheet, 0, [column.name for column in columns])
        for row in itertools.islice(parsed_rows(rows), XLSX_MAX_ROWS - 1):
            count += 1
            _xlsx_row(sheet, count, export_row(columns, row, plan))
        codebook = workbook.add_worksheet("codebook")
        for number, line in enumerate(codebook_rows(definitions)):
            _xlsx_row(codebook, number, [neutralise(cell) for cell in line])
    return count


def measure_xlsx(url: str, survey_id: int, limit: int | None, writer: str) -> None:
    from webapp.extensions import db
    from webapp.surveys.models import Survey, SurveyResponse
    from webapp.surveys.results import services
    from webapp.surveys.results.export import write_stored_xlsx
    from webapp.surveys.results.export_query import stored_rows

    write = write_stored_xlsx if writer == "stream" else xlsxwriter_cells
    app = make_app(url)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        definitions = services.survey_definitions(survey)
        last_id = db.session.scalar(
            sa.select(sa.func.max(SurveyResponse.id)).where(SurveyResponse.survey_id == survey_id)
        )
        before = peak_mb()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export.xlsx"
            started, cpu = time.perf_counter(), time.process_time()
            main_cpu = time.thread_time()
            source = stored_rows(survey, last_id)
            count = write(path, definitions, itertools.islice(source, limit))
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            main_cpu = time.thread_time() - main_cpu
            source.close()
            size = path.stat().st_size
    print(
        f"XLSX ({writer}): {count:,} rows, {size / 1e6:,.0f} MB in {seconds:.1f} s = "
        f"{count / seconds:,.0f} rows/s; CPU {cpu:.1f} s, {main_cpu:.1f} s of it in the main "
        f"thread ({count / main_cpu:,.0f} rows per main-thread CPU second); "
        f"peak memory {peak_mb():.0f} MB (before the export {before:.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--xlsx-rows",
        type=int,
        help="responses in the XLSX export (default: all, or a sheet's worth)",
    )
    parser.add_argument(
        "--xlsx-writer",
        choices=["stream", "xlsxwriter"],
        default="stream",
        help="the export's writer (stream), or every cell through XlsxWriter as before",
    )
    parser.add_argument(
        "--only", choices=["csv", "xlsx"], help="measure one export (default: both)"
    )
    parser.add_argument("--measure", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--survey", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure == "csv":
        measure_csv(args.url, args.survey)
        return
    if args.measure == "xlsx":
        measure_xlsx(args.url, args.survey, args.xlsx_rows, args.xlsx_writer)
        return
    name = f"bench_survey_{args.responses}"
    url = sqlite_url(name) if args.backend == "sqlite" else postgres_url(name)
    survey_id = ensure_survey(make_app(url), args.responses)
    print(f"[{args.backend}] {args.responses:,} responses; {machine_note()}")
    for kind in [args.only] if args.only else ["csv", "xlsx"]:
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--measure",
                kind,
                "--url",
                url,
                "--survey",
                str(survey_id),
                *(["--xlsx-rows", str(args.xlsx_rows)] if args.xlsx_rows else []),
                "--xlsx-writer",
                args.xlsx_writer,
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
